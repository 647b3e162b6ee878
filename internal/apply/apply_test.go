package apply_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/apply"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

const baseConfig = `
teams:
  - name: payments
    members: [alice@example.com, bob@example.com]
  - name: search
    managers: [carla@example.com]
users:
  - email: alice@example.com
    name: Alice Martin
    timezone: Europe/Paris
    locale: fr
    role: admin
    contact_methods:
      - {name: phone, type: sms, value: "+33612345678"}
      - {name: mail, type: email, value: alice@example.com}
      - {name: hooks, type: webhook, value: "https://hooks.example.com/alice", secret_from_env: ALICE_HOOK_SECRET}
    notification_rules:
      - {contact: mail, delay: 0m}
      - {contact: phone, delay: 5m, urgency: high}
    notify: {status_updates: true, shift_reminder: 1h}
  - email: Bob@Example.com
    name: Bob Smith
  - email: carla@example.com
    name: Carla Rossi
    role: viewer
services:
  - name: checkout
    team: payments
    description: The shop's checkout
    escalation_policy: payments-default
    off_hours_policy: payments-nights
    business_hours: {timezone: Europe/Paris, days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00"}
    maintenance:
      - {weekly: {days: [tue], start: "02:00", end: "03:00", timezone: Europe/Paris}, note: database upgrade}
    integrations:
      - {name: prometheus, type: alertmanager, key_from_env: CHECKOUT_PROM_KEY}
      - {name: grafana, type: grafana, hmac_secret_from_env: CHECKOUT_GRAFANA_SECRET}
  - name: search-api
    team: search
    integrations:
      - {name: pd, type: pagerduty}
integrations:
  - {name: catch-all, type: opsgenie}
processing_rules:
  - name: suppress watchdog
    conditions:
      - {field: "label:alertname", op: equals, value: Watchdog}
    actions: {suppress: true}
    stop: true
  - name: downgrade at night
    when: {timezone: Europe/Paris, days: [mon, tue, wed, thu, fri], start: "08:00", end: "19:00", outside: true}
    conditions:
      - {field: priority, op: equals, value: P3}
    actions: {set_priority: P4}
  - integration: checkout/prometheus
    name: 5xx is P1
    conditions:
      - {field: summary, op: regex, value: "5\\d\\d"}
    actions: {set_priority: P1, add_labels: {team: payments}}
  - integration: catch-all
    name: search squad
    conditions:
      - {field: "label:squad", op: equals, value: search}
    actions: {route_to_service: search-api}
schedules:
  - name: payments-primary
    team: payments
    timezone: Europe/Paris
    layers:
      - name: weekly
        participants: [alice@example.com, bob@example.com]
        rotation: {length: 1w, handoff: "Mon 09:00", start: 2026-11-02}
      - name: nights
        participants: [Bob@Example.com]
        rotation: {length: 1d, handoff: "19:00", start: 2026-11-02}
        restrictions:
          - {days: [mon, tue, wed, thu, fri], start: "19:00", end: "08:00"}
        time_off_policy: gap
escalation_policies:
  - name: payments-default
    team: payments
    repeat: 1
    steps:
      - {delay: 0m, targets: ["schedule:payments-primary"]}
      - {delay: 15m, targets: ["team:payments", "slack:C0123ABC"]}
  - name: payments-nights
    description: Bob first at night
    steps:
      - {delay: 0m, targets: ["user:bob@example.com", "webhook:https://hooks.example.com/tocsin"]}
`

const (
	promKey         = "prom-key-0123456789abcdef"
	aliceHookSecret = "alice-hook-secret-0123456789"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func baseEnv() map[string]string {
	return map[string]string{"CHECKOUT_PROM_KEY": promKey, "CHECKOUT_GRAFANA_SECRET": "grafana-hmac-secret", "ALICE_HOOK_SECRET": aliceHookSecret}
}

func parse(t *testing.T, text string) *apply.Document {
	t.Helper()
	doc, err := apply.Parse("test.yaml", strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func plan(t *testing.T, db *store.DB, text string, opts apply.Options) *apply.Plan {
	t.Helper()
	p, err := apply.NewPlan(context.Background(), db, parse(t, text), opts)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// run plans and applies a configuration and returns the printed plan and the keys.
func run(t *testing.T, db *store.DB, text string, opts apply.Options) (string, []apply.Key) {
	t.Helper()
	p := plan(t, db, text, opts)
	var out bytes.Buffer
	p.Print(&out)
	keys, err := p.Apply(context.Background(), db, testkit.Epoch)
	if err != nil {
		t.Fatalf("apply: %v\nplan:\n%s", err, out.String())
	}
	return out.String(), keys
}

func export(t *testing.T, db *store.DB) string {
	t.Helper()
	doc, err := apply.Export(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := doc.Encode(&out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func wantLines(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains("\n"+out, "\n"+l+"\n") {
			t.Errorf("plan lacks the line %q:\n%s", l, out)
		}
	}
}

func TestApplyCreatesThenNothingChanges(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		opts := apply.Options{Getenv: env(baseEnv())}
		out, keys := run(t, db, baseConfig, opts)
		wantLines(t, out,
			"+ user alice@example.com (no password: it logs in once one is set with `tocsin user passwd --email alice@example.com` or by an admin; contact methods phone, mail, hooks; 3 notification rules; notify preferences)",
			"+ user bob@example.com (no password: it logs in once one is set with `tocsin user passwd --email bob@example.com` or by an admin)",
			"+ team payments (members: alice@example.com, bob@example.com)",
			"+ escalation policy payments-default (team payments, 2 steps, repeated 1×)",
			"+ escalation policy payments-nights (1 step)",
			"+ service checkout (team payments, policy payments-default)",
			"+ integration checkout/prometheus (alertmanager, key from $CHECKOUT_PROM_KEY)",
			"+ integration search-api/pd (pagerduty, key generated and shown once)",
			"+ global integration catch-all (opsgenie, key generated and shown once)",
			"+ rule global/suppress watchdog",
			"+ rule checkout/prometheus/5xx is P1",
			"+ rule catch-all/search squad",
			"+ schedule payments-primary (team payments, Europe/Paris, 2 layers)",
		)
		// Each kind is made after what it names: schedules, then the policies
		// that page them, then the services that use the policies.
		order := []string{"+ user bob@example.com", "+ team payments", "+ schedule payments-primary", "+ escalation policy payments-default", "+ service checkout"}
		for i := 1; i < len(order); i++ {
			if strings.Index(out, order[i-1]) > strings.Index(out, order[i]) {
				t.Errorf("%q is planned after %q:\n%s", order[i-1], order[i], out)
			}
		}

		// Generated keys are returned once, and they open their integration.
		if len(keys) != 3 {
			t.Fatalf("keys = %v, want the three generated ones", keys)
		}
		for _, k := range keys {
			i, err := db.IntegrationByKey(ctx, k.Key)
			if err != nil || i.Name != k.Integration || i.ServiceName != k.Service {
				t.Errorf("key %s opens %v, %v", k, i, err)
			}
		}
		prom, err := db.IntegrationByKey(ctx, promKey)
		if err != nil || prom.Name != "prometheus" || prom.ServiceName != "checkout" || prom.Type != tocsin.IntegrationAlertmanager {
			t.Fatalf("key from env opens %v, %v", prom, err)
		}
		svc, err := db.ServiceByName(ctx, "checkout")
		if err != nil || svc.TeamName != "payments" || svc.Description != "The shop's checkout" {
			t.Fatalf("checkout = %+v, %v", svc, err)
		}
		if svc.EscalationPolicy != "payments-default" || svc.OffHoursPolicy != "payments-nights" || svc.BusinessHours == nil || svc.BusinessHours.Timezone != "Europe/Paris" {
			t.Errorf("checkout pages with %q / %q, hours %+v", svc.EscalationPolicy, svc.OffHoursPolicy, svc.BusinessHours)
		}
		tuesday := time.Date(2026, 11, 3, 1, 30, 0, 0, time.UTC) // 02:30 in Paris
		if len(svc.Maintenance) != 1 || tocsin.InMaintenance(svc.Maintenance, tuesday) == nil || tocsin.InMaintenance(svc.Maintenance, tuesday.Add(time.Hour)) != nil {
			t.Errorf("checkout maintenance = %+v", svc.Maintenance)
		}
		pol, err := db.EscalationPolicyByName(ctx, "payments-default")
		if err != nil || pol.TeamName != "payments" || pol.Repeat != 1 || pol.RepeatDelay != tocsin.DefaultRepeatDelay || len(pol.Steps) != 2 ||
			pol.Steps[1].Delay != 15*time.Minute || len(pol.Steps[1].Targets) != 2 || pol.Steps[1].Targets[1] != (tocsin.Target{Kind: tocsin.TargetSlack, Ref: "C0123ABC"}) {
			t.Fatalf("payments-default = %+v, %v", pol, err)
		}

		// Alice's contact methods are verified (the admin vouches), her rules
		// expanded (no urgency: both), her preferences set.
		alice, _ := db.UserByEmail(ctx, "alice@example.com")
		methods, _ := db.ContactMethods(ctx, alice.ID)
		if len(methods) != 3 {
			t.Fatalf("alice's methods = %+v", methods)
		}
		for _, m := range methods {
			if !m.Verified() {
				t.Errorf("method %s is not verified", m.Name)
			}
			if m.Name == "hooks" && m.Secret != aliceHookSecret {
				t.Errorf("webhook secret = %q, want the one from $ALICE_HOOK_SECRET", m.Secret)
			}
		}
		paging, _ := db.NotificationRules(ctx, alice.ID)
		var got []string
		for _, r := range paging {
			got = append(got, fmt.Sprintf("%s/%s/%s", r.ContactName, r.Urgency, r.Delay))
		}
		if strings.Join(got, " ") != "mail/high/0s phone/high/5m0s mail/low/0s" {
			t.Errorf("alice's rules = %v", got)
		}
		if alice.Notify != (tocsin.NotifyPreferences{StatusUpdates: true, ShiftReminder: time.Hour}) {
			t.Errorf("alice's preferences = %+v", alice.Notify)
		}
		grafanaIntegrations, _ := db.Integrations(ctx, svc.ID)
		var hmac string
		for _, i := range grafanaIntegrations {
			if i.Name == "grafana" {
				hmac = i.HMACSecret
			}
		}
		if hmac != "grafana-hmac-secret" {
			t.Errorf("grafana HMAC secret = %q", hmac)
		}
		team, err := db.TeamByName(ctx, "search")
		if err != nil || len(team.Members) != 1 || team.Members[0].Email != "carla@example.com" || team.Members[0].Role != "manager" {
			t.Fatalf("search team = %+v, %v", team, err)
		}
		bob, err := db.UserByEmail(ctx, "bob@example.com")
		if err != nil || bob.Role != tocsin.RoleMember || bob.Timezone != "UTC" {
			t.Fatalf("bob = %+v, %v", bob, err)
		}
		// Users made by apply have no password until someone sets one.
		if _, err := db.Authenticate(ctx, "bob@example.com", ""); err == nil {
			t.Error("a user created by apply logs in without a password")
		}
		rules, err := db.RulesFor(ctx, prom.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range rules {
			names = append(names, r.Name)
		}
		if strings.Join(names, "|") != "5xx is P1|suppress watchdog|downgrade at night" {
			t.Errorf("rules run on checkout/prometheus in the order %q", names)
		}
		if !rules[0].Enabled || rules[0].Actions.SetPriority != tocsin.P1 || rules[2].When == nil || !rules[2].When.Outside {
			t.Errorf("rules stored as %+v", rules)
		}

		sched, err := db.ScheduleByName(ctx, "payments-primary")
		if err != nil || sched.Timezone != "Europe/Paris" || len(sched.Layers) != 2 || sched.TeamID != team.ID-1 {
			t.Fatalf("schedule = %+v, %v", sched, err)
		}
		if w := sched.Layers[0]; w.Handoff != "Mon 09:00" || w.Start != "2026-11-02" || w.Length.String() != "1w" || len(w.Participants) != 2 || w.Participants[0] != alice.ID || w.Participants[1] != bob.ID {
			t.Errorf("weekly layer = %+v", w)
		}
		if n := sched.Layers[1]; n.TimeOff != tocsin.TimeOffGap || len(n.Restrictions) != 1 || n.Restrictions[0].Timezone != "Europe/Paris" {
			t.Errorf("nights layer = %+v", n)
		}

		// The same file again: nothing to do, nothing printed but the notes.
		again := plan(t, db, baseConfig, opts)
		if !again.Empty() {
			t.Fatalf("second apply plans %v", again.Changes)
		}
		var printed bytes.Buffer
		again.Print(&printed)
		if !strings.HasSuffix("\n"+printed.String(), "\nno changes\n") {
			t.Errorf("second plan prints:\n%s", printed.String())
		}
	})
}

func TestApplyOneChangeIsOneUpdate(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		db := testkit.OpenDB(t, engine)
		opts := apply.Options{Getenv: env(baseEnv())}
		run(t, db, baseConfig, opts)
		cases := []struct {
			from, to, line string
		}{
			{"description: The shop's checkout", "description: Where customers pay", "~ service checkout: description"},
			{"members: [alice@example.com, bob@example.com]", "members: [alice@example.com]", "~ team payments: members (-bob@example.com)"},
			{"role: viewer", "role: member", "~ user carla@example.com: role viewer → member"},
			{"actions: {set_priority: P4}", "actions: {set_priority: P5}", "~ rule global/downgrade at night: actions"},
			{"    stop: true\n", "    enabled: false\n    stop: true\n", "~ rule global/suppress watchdog: disabled"},
			{"team: search\n", "team: payments\n", "~ service search-api: team search → payments"},
		}
		text := baseConfig
		for _, c := range cases {
			if !strings.Contains(text, c.from) {
				t.Fatalf("test config lacks %q", c.from)
			}
			text = strings.Replace(text, c.from, c.to, 1)
			p := plan(t, db, text, opts)
			if len(p.Changes) != 1 || p.Changes[0].String() != c.line {
				t.Fatalf("after %q → %q the plan is %v, want [%s]", c.from, c.to, p.Changes, c.line)
			}
			if _, err := p.Apply(context.Background(), db, testkit.Epoch); err != nil {
				t.Fatal(err)
			}
			if again := plan(t, db, text, opts); !again.Empty() {
				t.Fatalf("after applying %q the plan is still %v", c.line, again.Changes)
			}
		}
	})
}

func TestApplyRotatesKeyFromEnv(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		vars := baseEnv()
		run(t, db, baseConfig, apply.Options{Getenv: env(vars)})
		vars["CHECKOUT_PROM_KEY"] = "rotated-key-fedcba9876543210"
		out, keys := run(t, db, baseConfig, apply.Options{Getenv: env(vars)})
		wantLines(t, out, "~ integration checkout/prometheus: key rotated to the one in $CHECKOUT_PROM_KEY")
		if len(keys) != 0 {
			t.Errorf("a key from the environment was printed: %v", keys)
		}
		if _, err := db.IntegrationByKey(ctx, promKey); err == nil {
			t.Error("the old key still works after rotation")
		}
		if i, err := db.IntegrationByKey(ctx, vars["CHECKOUT_PROM_KEY"]); err != nil || i.Name != "prometheus" {
			t.Errorf("the new key opens %v, %v", i, err)
		}
	})
}

func TestApplyPrune(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		opts := apply.Options{Getenv: env(baseEnv())}
		run(t, db, baseConfig, opts)
		// Something made outside the files: kept unless its section is pruned.
		outsider := &tocsin.User{Email: "ops@example.com", Name: "Ops", Role: tocsin.RoleAdmin}
		if err := db.CreateUser(ctx, outsider, "a-long-password", testkit.Epoch); err != nil {
			t.Fatal(err)
		}

		smaller := strings.Replace(baseConfig, `  - name: search-api
    team: search
    integrations:
      - {name: pd, type: pagerduty}
`, "", 1)
		smaller = strings.Replace(smaller, `  - integration: catch-all
    name: search squad
    conditions:
      - {field: "label:squad", op: equals, value: search}
    actions: {route_to_service: search-api}
`, "", 1)
		smaller = strings.Replace(smaller, "      - {name: grafana, type: grafana, hmac_secret_from_env: CHECKOUT_GRAFANA_SECRET}\n", "", 1)

		if p := plan(t, db, smaller, opts); !p.Empty() {
			t.Fatalf("without --prune, leaving things out deletes them: %v", p.Changes)
		}
		opts.Prune = true
		out, _ := run(t, db, smaller, opts)
		wantLines(t, out,
			"- rule catch-all/search squad",
			"- integration checkout/grafana (its rules are deleted with it; its open alerts are resolved)",
			"- integration search-api/pd (its rules are deleted with it; its open alerts are resolved)",
			"- service search-api",
			"- user ops@example.com",
		)
		for _, l := range strings.Split(out, "\n") {
			if !strings.HasPrefix(l, "!") && (strings.Contains(l, "team") || strings.Contains(l, "alice")) {
				t.Errorf("prune touched what the file still has: %s", l)
			}
		}
		if _, err := db.ServiceByName(ctx, "search-api"); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Errorf("search-api after prune: %v", err)
		}
		if _, err := db.UserByEmail(ctx, "ops@example.com"); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Errorf("ops@example.com after prune: %v", err)
		}
		if p := plan(t, db, smaller, opts); !p.Empty() {
			t.Fatalf("prune again plans %v", p.Changes)
		}

		// A section the files leave out is not managed: its items stay.
		onlyTeams := "teams:\n  - name: payments\n    members: [alice@example.com, bob@example.com]\n  - name: search\n    managers: [carla@example.com]\n"
		if p := plan(t, db, onlyTeams, opts); !p.Empty() {
			t.Fatalf("pruning with only teams: plans %v", p.Changes)
		}
	})
}

func TestApplyRefusesToRemoveEveryAdmin(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		db := testkit.OpenDB(t, engine)
		opts := apply.Options{Getenv: env(baseEnv())}
		run(t, db, baseConfig, opts)
		demoted := strings.Replace(baseConfig, "role: admin", "role: member", 1)
		_, err := apply.NewPlan(context.Background(), db, parse(t, demoted), opts)
		if err == nil || !strings.Contains(err.Error(), "leave no admin") {
			t.Fatalf("demoting the last admin: %v", err)
		}
	})
}

func TestApplyInvalidWritesNothing(t *testing.T) {
	cases := []struct {
		name, from, to, want string
		env                  map[string]string
	}{
		{name: "unknown field", from: "    team: payments\n", to: "    team: payments\n    owner: bob\n",
			want: `test.yaml: line 29: unknown field "owner"`},
		{name: "bad name", from: "  - name: search-api\n", to: "  - name: Search API\n",
			want: `test.yaml:38 services[1]: service name "Search API" must be`},
		{name: "unknown team", from: "    team: search\n", to: "    team: serch\n",
			want: "test.yaml:38 services[1]: service search-api: team serch does not exist"},
		{name: "bad regex", from: `value: "5\\d\\d"`, to: `value: "5(\\d"`,
			want: "test.yaml:55 processing_rules[2]: rule checkout/prometheus/5xx is P1: condition 1: regular expression"},
		{name: "missing key variable", env: map[string]string{"CHECKOUT_GRAFANA_SECRET": "s"},
			want: "test.yaml:36 services[0].integrations[0]: integration checkout/prometheus: key_from_env names $CHECKOUT_PROM_KEY, which is not set"},
		{name: "unknown member", from: "bob@example.com]", to: "bob@example.org]",
			want: "test.yaml:3 teams[0]: team payments: member bob@example.org is not a user"},
		{name: "unknown integration in a rule", from: "integration: catch-all", to: "integration: checkout/nagios",
			want: "rule checkout/nagios/search squad: integration checkout/nagios does not exist"},
		{name: "route to unknown service", from: "route_to_service: search-api", to: "route_to_service: serach",
			want: "route_to_service names service serach, which does not exist"},
		{name: "bad integration type", from: "type: pagerduty", to: "type: nagios",
			want: `integration search-api/pd: integration type "nagios" is not one of`},
		{name: "hmac on a non-grafana integration", from: "{name: pd, type: pagerduty}", to: "{name: pd, type: pagerduty, hmac_secret_from_env: CHECKOUT_GRAFANA_SECRET}",
			want: "integration search-api/pd: an HMAC secret is only checked on grafana integrations"},
		{name: "unknown participant", from: "participants: [Bob@Example.com]", to: "participants: [dave@example.com]",
			want: "test.yaml:66 schedules[0]: schedule payments-primary: layer nights: participant dave@example.com is not a user"},
		{name: "bad handoff", from: `handoff: "19:00"`, to: `handoff: "Tue 19:00"`,
			want: `schedule payments-primary: layer 2 ("nights"): handoff "Tue 19:00" names a day, but only weekly rotations`},
		{name: "unknown holiday calendar", from: "  - name: payments-primary\n", to: "  - name: payments-primary\n    holidays: {country: XX}\n",
			want: `schedule payments-primary: holidays: country "XX" is not one of FR,`},
		{name: "bad pay rate", from: "  - name: payments-primary\n", to: "  - name: payments-primary\n    pay: {weekday: 12.345}\n",
			want: `"12.345" is not an amount like 40 or 12.50`},
		{name: "bad phone", from: "    name: Bob Smith\n", to: "    name: Bob Smith\n    phone: \"06 12\"\n",
			want: `phone "06 12" is not an international number`},
		{name: "bad shift length", from: "length: 1d", to: "length: 1y",
			want: `schedule payments-primary: layer "nights": shift length unit "y" is not one of`},
		{name: "duplicate", from: "  - {name: catch-all, type: opsgenie}\n", to: "  - {name: catch-all, type: opsgenie}\n  - {name: catch-all, type: generic}\n",
			want: "global integration catch-all is declared twice"},
	}
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		db := testkit.OpenDB(t, engine)
		// Something already there, to check that it is left exactly as it was.
		run(t, db, "teams:\n  - name: platform\nusers:\n  - {email: zoe@example.com, name: Zoé, role: admin}\n", apply.Options{})
		before := export(t, db)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				text := baseConfig
				if c.from != "" {
					if !strings.Contains(text, c.from) {
						t.Fatalf("test config lacks %q", c.from)
					}
					text = strings.Replace(text, c.from, c.to, 1)
				}
				vars := baseEnv()
				if c.env != nil {
					vars = c.env
				}
				doc, err := apply.Parse("test.yaml", strings.NewReader(text))
				if err == nil {
					_, err = apply.NewPlan(context.Background(), db, doc, apply.Options{Getenv: env(vars), Prune: true})
				}
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("error = %v\nwant it to contain %q", err, c.want)
				}
				if after := export(t, db); after != before {
					t.Fatalf("an invalid file changed the database:\n%s", after)
				}
			})
		}
	})
}

func TestExportThenApplyIsANoOp(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		run(t, db, baseConfig, apply.Options{Getenv: env(baseEnv())})
		// Also what the UI makes and a file rarely says: a disabled rule, an explicit
		// position, a user with no locale, a revoked integration.
		i := &tocsin.Integration{Name: "legacy", Type: tocsin.IntegrationGeneric}
		if _, err := db.CreateIntegration(ctx, i, "", testkit.Epoch); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeIntegration(ctx, i.ID, testkit.Epoch); err != nil {
			t.Fatal(err)
		}
		r := &tocsin.ProcessingRule{IntegrationID: i.ID, Name: "old", Position: 7, Conditions: []tocsin.Condition{{Field: "source", Op: "exists"}}, Actions: tocsin.RuleActions{Drop: true}}
		if err := db.CreateRule(ctx, r, testkit.Epoch); err != nil {
			t.Fatal(err)
		}
		// A night restriction without days (weekdays), as the API takes it.
		bob, err := db.UserByEmail(ctx, "bob@example.com")
		if err != nil {
			t.Fatal(err)
		}
		nights := &tocsin.Schedule{Name: "nights", Timezone: "Europe/Paris", Layers: []tocsin.Layer{{Name: "n", Participants: []int64{bob.ID},
			Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Days}, Handoff: "19:00", Start: "2026-11-02", Restrictions: []tocsin.TimeWindow{{Start: "19:00", End: "08:00"}}}}}
		if err := db.CreateSchedule(ctx, nights, testkit.Epoch); err != nil {
			t.Fatal(err)
		}

		exported := export(t, db)
		body := exported[strings.Index(exported, "\nteams:"):] // after the header comment
		for _, secret := range []string{promKey, "grafana-hmac-secret", aliceHookSecret, "key_from_env", "hmac_secret", "secret_from_env"} {
			if strings.Contains(body, secret) {
				t.Errorf("export holds %q:\n%s", secret, exported)
			}
		}
		for _, want := range []string{"- email: bob@example.com", "managers:", "enabled: false", "position: 7", "integration: checkout/prometheus", "outside: true"} {
			if !strings.Contains(exported, want) {
				t.Errorf("export lacks %q:\n%s", want, exported)
			}
		}
		// No variables at all: an exported file needs none.
		p := plan(t, db, exported, apply.Options{Getenv: env(nil), Prune: true})
		if !p.Empty() {
			t.Fatalf("export → apply plans %v\nexport:\n%s", p.Changes, exported)
		}
		// And on an empty database, the export rebuilds the same state.
		other := testkit.OpenDB(t, engine)
		run(t, other, exported, apply.Options{Getenv: env(nil)})
		if again := export(t, other); again != exported {
			t.Errorf("export of the rebuilt database differs:\n%s\nwant:\n%s", again, exported)
		}
	})
}

func TestLoadFolderMergesFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a-teams.yaml":  "teams:\n  - name: payments\n    members: [alice@example.com]\n",
		"b-users.yml":   "users:\n  - {email: alice@example.com, name: Alice}\n---\nservices:\n  - {name: checkout, team: payments}\n",
		"notes.txt":     "not yaml: [",
		"c-twice.yaml":  "teams:\n  - name: payments\n",
		"sub/skip.yaml": "nonsense: true\n",
	}
	for name, text := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := apply.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Teams) != 2 || len(doc.Users) != 1 || len(doc.Services) != 1 {
		t.Fatalf("merged %d teams, %d users, %d services", len(doc.Teams), len(doc.Users), len(doc.Services))
	}
	db := testkit.OpenDB(t, "sqlite")
	_, err = apply.NewPlan(context.Background(), db, doc, apply.Options{})
	if err == nil || !strings.Contains(err.Error(), "c-twice.yaml:2 teams[0]: team payments is declared twice (also at "+filepath.Join(dir, "a-teams.yaml")+":2 teams[0])") {
		t.Fatalf("duplicate across files: %v", err)
	}
}

func TestParseErrorsReadWell(t *testing.T) {
	cases := map[string]string{
		"- a\n- b\n":         "f.yaml: line 1: expected sections (teams:, users:, services:, integrations:, processing_rules:, schedules:, escalation_policies:), found a list",
		"teams: {name: x}\n": "f.yaml: line 1: expected a list, found a mapping",
		"teams:\n  - name: x\n    members: bob\n":                                                                            "f.yaml: line 3: expected a list, found `bob`",
		"users:\n  - {email: a@b.c, name: A, contact_methods: {x: 1}}\n":                                                     "f.yaml: line 2: expected a list, found a mapping",
		"processing_rules:\n  - name: r\n    position: first\n    enabled: maybe\n    actions: {suppress: true, bogus: 1}\n": "f.yaml: line 3: expected a whole number, found `first`; line 4: expected true or false, found `maybe`; line 5: unknown field \"bogus\"",
		"teams:\n\t- name: x\n": "f.yaml: line 2: found character that cannot start any token",
	}
	for text, want := range cases {
		_, err := apply.Parse("f.yaml", strings.NewReader(text))
		if err == nil || err.Error() != want {
			t.Errorf("%q: error %v\nwant %s", text, err, want)
		}
	}
}

// FuzzParse: whatever a file holds, Parse answers with a document or an error, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(baseConfig)
	f.Add("teams:\n  - name: x\n---\nservices: []\n")
	f.Add("- a\n")
	f.Fuzz(func(t *testing.T, text string) {
		apply.Parse("fuzz.yaml", strings.NewReader(text))
	})
}

// A change that fails in the database (here, someone created the same service
// in the UI after the plan was made) leaves nothing of the plan behind.
func TestApplyIsAllOrNothing(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		p := plan(t, db, baseConfig, apply.Options{Getenv: env(baseEnv())})
		if err := db.CreateService(ctx, &tocsin.Service{Name: "search-api"}, testkit.Epoch); err != nil {
			t.Fatal(err)
		}
		keys, err := p.Apply(ctx, db, testkit.Epoch)
		if err == nil || !strings.Contains(err.Error(), "search-api") || !strings.Contains(err.Error(), "nothing was changed") || len(keys) != 0 {
			t.Fatalf("apply over a conflicting service: keys %v, %v", keys, err)
		}
		users, _ := db.Users(ctx)
		teams, _ := db.Teams(ctx)
		services, _ := db.Services(ctx, 0)
		integrations, _ := db.Integrations(ctx, 0)
		if len(users) != 0 || len(teams) != 0 || len(services) != 1 || len(integrations) != 0 {
			t.Fatalf("left behind: %d users, %d teams, %d services, %d integrations", len(users), len(teams), len(services), len(integrations))
		}
	})
}

func TestApplySchedules(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		opts := apply.Options{Getenv: env(baseEnv())}
		run(t, db, baseConfig, opts)

		// One layer changes: one update line naming it.
		changed := strings.Replace(baseConfig, `handoff: "19:00"`, `handoff: "20:00"`, 1)
		out, _ := run(t, db, changed, opts)
		wantLines(t, out, "~ schedule payments-primary: layer nights")
		if p := plan(t, db, changed, opts); !p.Empty() {
			t.Fatalf("second apply plans %v", p.Changes)
		}

		// Overrides and time off made elsewhere survive an apply; so does a fixed layer.
		sched, _ := db.ScheduleByName(ctx, "payments-primary")
		bob, _ := db.UserByEmail(ctx, "bob@example.com")
		o := []tocsin.Override{{Start: testkit.Epoch, End: testkit.Epoch.Add(time.Hour), UserID: bob.ID, Layer: "weekly"}}
		if err := db.AddOverrides(ctx, sched.ID, o, testkit.Epoch); err != nil {
			t.Fatal(err)
		}
		sched.Layers = append(sched.Layers, tocsin.Layer{Name: "imported", Kind: tocsin.LayerFixed,
			Fixed: []tocsin.FixedShift{{Start: testkit.Epoch, End: testkit.Epoch.Add(time.Hour), UserID: bob.ID}}})
		if err := db.UpdateSchedule(ctx, sched, testkit.Epoch); err != nil {
			t.Fatal(err)
		}
		if p := plan(t, db, changed, opts); !p.Empty() {
			t.Fatalf("a fixed layer made elsewhere plans %v", p.Changes)
		}
		moved := strings.Replace(changed, "start: 2026-11-02}\n      - name: nights", "start: 2026-11-09}\n      - name: nights", 1)
		moved = strings.Replace(moved, "rotation: {length: 1w, handoff: \"Mon 09:00\", start: 2026-11-02}", "rotation: {length: 1w, handoff: \"Mon 09:00\", start: 2026-11-09}", 1)
		out, _ = run(t, db, moved, opts)
		wantLines(t, out, "~ schedule payments-primary: layer weekly")
		sched, _ = db.ScheduleByName(ctx, "payments-primary")
		if len(sched.Layers) != 3 || sched.Layers[2].Name != "imported" || len(sched.Overrides) != 1 || sched.Layers[0].Start != "2026-11-09" {
			t.Fatalf("after apply: %+v", sched)
		}

		// Export → apply is a no-op, and the export leaves the fixed layer out.
		exported := export(t, db)
		if strings.Contains(exported, "imported") || !strings.Contains(exported, `handoff: Mon 09:00`) {
			t.Errorf("export:\n%s", exported)
		}
		if p := plan(t, db, exported, apply.Options{Getenv: env(nil), Prune: true}); !p.Empty() {
			t.Fatalf("export → apply plans %v\n%s", p.Changes, exported)
		}

		// --prune deletes a schedule the files leave out of their schedules: section.
		extra := &tocsin.Schedule{Name: "spare"}
		if err := db.CreateSchedule(ctx, extra, testkit.Epoch); err != nil {
			t.Fatal(err)
		}
		out, _ = run(t, db, moved, apply.Options{Getenv: env(baseEnv()), Prune: true})
		wantLines(t, out, "- schedule spare")
		if _, err := db.ScheduleByName(ctx, "spare"); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("pruned schedule: %v", err)
		}
	})
}

func TestApplySchedulePayAndPersonalSettings(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		opts := apply.Options{Getenv: env(baseEnv())}
		withPay := strings.Replace(baseConfig, "  - name: payments-primary\n", "  - name: payments-primary\n    language: fr\n    holidays: {country: fr, dates: [\"2026-12-24\"]}\n    pay: {weekday: 20, weekend: \"45,50\", hourly: 30}\n", 1)
		withPay = strings.Replace(withPay, "    name: Bob Smith\n", "    name: Bob Smith\n    phone: \"+33 6 39 98 00 01\"\n    working_hours: {days: [mon, tue], start: \"08:00\", end: \"16:00\"}\n", 1)
		if withPay == baseConfig {
			t.Fatal("the base configuration changed: update this test")
		}
		run(t, db, withPay, opts)
		sched, err := db.ScheduleByName(ctx, "payments-primary")
		if err != nil {
			t.Fatal(err)
		}
		wantPay := tocsin.PayRates{Currency: "EUR", Weekday: 2000, Weekend: 4550, Hourly: 3000}
		if sched.Language != "fr" || sched.Holidays.Country != "FR" || len(sched.Holidays.Dates) != 1 || sched.Pay != wantPay {
			t.Fatalf("stored schedule: language %q holidays %+v pay %+v", sched.Language, sched.Holidays, sched.Pay)
		}
		bob, _ := db.UserByEmail(ctx, "bob@example.com")
		if bob.Phone != "+33639980001" || bob.WorkingHours == nil || bob.WorkingHours.Start != "08:00" || bob.WorkingHours.Timezone != "UTC" {
			t.Fatalf("stored user: phone %q hours %+v", bob.Phone, bob.WorkingHours)
		}
		if p := plan(t, db, withPay, opts); !p.Empty() {
			t.Fatalf("second apply plans %v", p.Changes)
		}
		// A file without phone and hours keeps them; one that changes the rates says so.
		out, _ := run(t, db, strings.Replace(baseConfig, "  - name: payments-primary\n", "  - name: payments-primary\n    pay: {weekday: 25}\n", 1), opts)
		wantLines(t, out, "~ schedule payments-primary: language fr → (none), holidays, pay")
		if bob, _ = db.UserByEmail(ctx, "bob@example.com"); bob.Phone == "" || bob.WorkingHours == nil {
			t.Fatalf("a file leaving phone and hours out cleared them: %+v", bob)
		}
		if p := plan(t, db, export(t, db), apply.Options{Getenv: env(nil), Prune: true}); !p.Empty() {
			t.Fatalf("export → apply plans %v", p.Changes)
		}
	})
}
