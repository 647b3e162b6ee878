package apply_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/apply"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// replace edits the base configuration and fails when the text to replace is
// not there (the base changed: the test must follow).
func replace(t *testing.T, text string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(text, pairs[i]) {
			t.Fatalf("configuration lacks %q", pairs[i])
		}
		text = strings.Replace(text, pairs[i], pairs[i+1], 1)
	}
	return text
}

func methodsOf(t *testing.T, db *store.DB, email string) map[string]*tocsin.ContactMethod {
	t.Helper()
	ctx := context.Background()
	u, err := db.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	list, err := db.ContactMethods(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*tocsin.ContactMethod{}
	for _, m := range list {
		out[m.Name] = m
	}
	return out
}

func rulesOf(t *testing.T, db *store.DB, email string) []string {
	t.Helper()
	ctx := context.Background()
	u, _ := db.UserByEmail(ctx, email)
	rules, err := db.NotificationRules(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rules {
		out = append(out, r.ContactName+" "+r.Delay.String()+" "+string(r.Urgency))
	}
	return out
}

// onlyChange applies text and checks that the plan is exactly the one line.
func onlyChange(t *testing.T, db *store.DB, text, line string, opts apply.Options) {
	t.Helper()
	p := plan(t, db, text, opts)
	if len(p.Changes) != 1 || p.Changes[0].String() != line {
		t.Fatalf("plan is %v, want [%s]", p.Changes, line)
	}
	if _, err := p.Apply(context.Background(), db, testkit.Epoch); err != nil {
		t.Fatal(err)
	}
	if again := plan(t, db, text, opts); !again.Empty() {
		t.Fatalf("after applying %q the plan is still %v", line, again.Changes)
	}
}

func TestApplyContactMethods(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		opts := apply.Options{Getenv: env(baseEnv())}
		run(t, db, baseConfig, opts)
		before := methodsOf(t, db, "alice@example.com")

		// A new number is a new method, verified (the admin vouches); the rules
		// that named the old one name the new one.
		text := replace(t, baseConfig, `value: "+33612345678"`, `value: "+33 6 39 98 00 07"`)
		onlyChange(t, db, text, "~ user alice@example.com: contact methods (~phone)", opts)
		after := methodsOf(t, db, "alice@example.com")
		if p := after["phone"]; p.Value != "+33639980007" || !p.Verified() || p.ID == before["phone"].ID {
			t.Errorf("phone after the change: %+v", p)
		}
		if after["mail"].ID != before["mail"].ID {
			t.Error("an unchanged method was made again")
		}
		if got := strings.Join(rulesOf(t, db, "alice@example.com"), ", "); got != "mail 0s high, phone 5m0s high, mail 0s low" {
			t.Errorf("rules after the phone changed: %s", got)
		}

		// A method left out of the list goes, with its rules.
		text = replace(t, text, "      - {name: mail, type: email, value: alice@example.com}\n", "", "      - {contact: mail, delay: 0m}\n", "")
		onlyChange(t, db, text, "~ user alice@example.com: contact methods (-mail), notification rules (-mail 0m high, -mail 0m low)", opts)

		// Left out, the lists are kept: people manage them on their profile.
		noPaging := replace(t, text, `      - {name: phone, type: sms, value: "+33 6 39 98 00 07"}
      - {name: hooks, type: webhook, value: "https://hooks.example.com/alice", secret_from_env: ALICE_HOOK_SECRET}
    notification_rules:
      - {contact: phone, delay: 5m, urgency: high}
    notify: {status_updates: true, shift_reminder: 1h}
`, "", "    contact_methods:\n", "")
		alice, _ := db.UserByEmail(ctx, "alice@example.com")
		pager := &tocsin.ContactMethod{UserID: alice.ID, Name: "pager", Type: tocsin.ContactSMS, Value: "+33639980008"}
		if err := db.CreateContactMethod(ctx, pager, testkit.Epoch); err != nil {
			t.Fatal(err)
		}
		if p := plan(t, db, noPaging, opts); !p.Empty() {
			t.Fatalf("a user entry without contact_methods plans %v", p.Changes)
		}

		// A method someone added in the UI, not verified yet, is exported as
		// such: export → apply leaves it unverified. Declared by the admin, it is verified.
		exported := export(t, db)
		if !strings.Contains(exported, "- name: pager\n        type: sms\n        value: \"+33639980008\"\n        verified: false\n") {
			t.Errorf("export of an unverified method:\n%s", exported)
		}
		if p := plan(t, db, exported, apply.Options{Getenv: env(nil), Prune: true}); !p.Empty() {
			t.Fatalf("export → apply plans %v", p.Changes)
		}
		vouched := replace(t, text, "    notification_rules:\n", "      - {name: pager, type: sms, value: \"+33639980008\"}\n    notification_rules:\n")
		onlyChange(t, db, vouched, "~ user alice@example.com: contact methods (~pager verified)", opts)
		if m := methodsOf(t, db, "alice@example.com")["pager"]; m.ID != pager.ID || !m.Verified() {
			t.Errorf("vouched pager: %+v", m)
		}
	})
}

func TestApplyContactSecrets(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		discord := "https://discord.com/api/webhooks/123/very-secret-token"
		vars := baseEnv()
		vars["BOB_DISCORD"] = discord
		opts := apply.Options{Getenv: env(vars)}
		text := replace(t, baseConfig, "    name: Bob Smith\n", `    name: Bob Smith
    contact_methods:
      - {name: chat, type: discord, value_from_env: BOB_DISCORD}
      - {name: hook, type: webhook, value: "https://example.com/bob"}
    notification_rules:
      - {contact: chat, delay: 0m, urgency: low}
      - {contact: hook, delay: 2m}
`)
		_, keys := run(t, db, text, opts)
		bob := methodsOf(t, db, "bob@example.com")
		if bob["chat"].Value != discord {
			t.Errorf("discord URL = %q", bob["chat"].Value)
		}
		// A webhook without secret_from_env gets one, printed this once.
		var shown *apply.Key
		for i, k := range keys {
			if k.Contact != "" {
				shown = &keys[i]
			}
		}
		if shown == nil || shown.User != "bob@example.com" || shown.Contact != "hook" || shown.Key != bob["hook"].Secret || bob["hook"].Secret == "" {
			t.Fatalf("keys %v, bob's hook secret %q", keys, bob["hook"].Secret)
		}
		if !strings.HasPrefix(shown.String(), "signing secret of bob@example.com's webhook contact hook: ") {
			t.Errorf("printed as %q", shown.String())
		}

		// Neither the Discord URL nor a secret is exported; applying the export
		// keeps both.
		exported := export(t, db)
		if strings.Contains(exported, "very-secret-token") || strings.Contains(exported, bob["hook"].Secret) {
			t.Fatalf("export holds a credential:\n%s", exported)
		}
		if !strings.Contains(exported, "- name: chat\n        type: discord\n") {
			t.Errorf("export lacks the discord method:\n%s", exported)
		}
		if p := plan(t, db, exported, apply.Options{Getenv: env(nil), Prune: true}); !p.Empty() {
			t.Fatalf("export → apply plans %v", p.Changes)
		}
		if again := methodsOf(t, db, "bob@example.com"); again["hook"].Secret != bob["hook"].Secret {
			t.Error("the secret changed")
		}

		// A browser's push subscription is never in a file and stays; rules may name it.
		u, _ := db.UserByEmail(ctx, "bob@example.com")
		push := &tocsin.ContactMethod{UserID: u.ID, Name: "laptop", Type: tocsin.ContactWebPush,
			Value: `{"endpoint":"https://push.example.com/x","keys":{"p256dh":"k","auth":"a"}}`}
		if err := db.CreateContactMethod(ctx, push, testkit.Epoch); err != nil {
			t.Fatal(err)
		}
		withPush := replace(t, text, "      - {contact: hook, delay: 2m}\n", "      - {contact: hook, delay: 2m}\n      - {contact: laptop, delay: 0m, urgency: high}\n")
		onlyChange(t, db, withPush, "~ user bob@example.com: notification rules (+laptop 0m high)", opts)
		exported = export(t, db)
		if strings.Contains(exported, "push.example.com") {
			t.Errorf("export holds a push subscription:\n%s", exported)
		}
		if p := plan(t, db, exported, apply.Options{Getenv: env(nil), Prune: true}); !p.Empty() {
			t.Fatalf("export → apply plans %v", p.Changes)
		}
	})
}

func TestApplyPolicyChanges(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		db := testkit.OpenDB(t, engine)
		opts := apply.Options{Getenv: env(baseEnv())}
		run(t, db, baseConfig, opts)
		cases := []struct{ from, to, line string }{
			{`{delay: 15m, targets: ["team:payments", "slack:C0123ABC"]}`, `{delay: 20m, targets: ["team:payments", "slack:C0123ABC"]}`, "~ escalation policy payments-default: step 2"},
			{"    repeat: 1\n", "    repeat: 2\n    repeat_delay: 30m\n", "~ escalation policy payments-default: repeat 1 → 2, repeat delay 10m → 30m"},
			{"    description: Bob first at night\n", "    description: Bob first at night\n    team: search\n", "~ escalation policy payments-nights: team (none) → search"},
			{`["user:bob@example.com", "webhook:https://hooks.example.com/tocsin"]}`, "[\"user:bob@example.com\"]}\n      - {delay: 1h30m, targets: [\"user:alice@example.com\"]}", "~ escalation policy payments-nights: step 1, +step 2"},
			{"    off_hours_policy: payments-nights\n", "", "~ service checkout: off-hours policy payments-nights → (none)"},
			{`{weekly: {days: [tue], start: "02:00", end: "03:00", timezone: Europe/Paris}, note: database upgrade}`, `{from: "2026-11-10T22:00:00+01:00", to: "2026-11-11T01:00:00+01:00"}`, "~ service checkout: maintenance (1 windows)"},
			{"    notify: {status_updates: true, shift_reminder: 1h}\n", "    notify: {shift_reminder: 30m}\n", "~ user alice@example.com: notify preferences"},
		}
		text := baseConfig
		for _, c := range cases {
			text = replace(t, text, c.from, c.to)
			onlyChange(t, db, text, c.line, opts)
		}
		if p := plan(t, db, export(t, db), apply.Options{Getenv: env(nil), Prune: true}); !p.Empty() {
			t.Fatalf("export → apply plans %v", p.Changes)
		}

		// Maintenance left out of a service is kept (windows are made in the UI too);
		// an empty list clears them.
		kept := replace(t, text, "    maintenance:\n      - {from: \"2026-11-10T22:00:00+01:00\", to: \"2026-11-11T01:00:00+01:00\"}\n", "")
		if p := plan(t, db, kept, opts); !p.Empty() {
			t.Fatalf("a service without maintenance: plans %v", p.Changes)
		}
		cleared := replace(t, text, "    maintenance:\n      - {from: \"2026-11-10T22:00:00+01:00\", to: \"2026-11-11T01:00:00+01:00\"}\n", "    maintenance: []\n")
		onlyChange(t, db, cleared, "~ service checkout: maintenance (0 windows)", opts)

		// A service that loses its policy pages nobody: the plan says so.
		p := plan(t, db, replace(t, cleared, "    escalation_policy: payments-default\n", ""), opts)
		var printed strings.Builder
		p.Print(&printed)
		wantLines(t, printed.String(), "! service checkout: no escalation_policy: its alerts will page nobody",
			"~ service checkout: escalation policy payments-default → (none)")
	})
}

func TestApplyPrunePolicies(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		opts := apply.Options{Getenv: env(baseEnv()), Prune: true}
		run(t, db, baseConfig, opts)

		// The service stops using the policy and the policy goes, in one apply:
		// the service changes first.
		text := replace(t, baseConfig, "    off_hours_policy: payments-nights\n", "", `  - name: payments-nights
    description: Bob first at night
    steps:
      - {delay: 0m, targets: ["user:bob@example.com", "webhook:https://hooks.example.com/tocsin"]}
`, "")
		out, _ := run(t, db, text, opts)
		if strings.Index(out, "~ service checkout") > strings.Index(out, "- escalation policy payments-nights") || !strings.Contains(out, "- escalation policy payments-nights") {
			t.Fatalf("prune plan:\n%s", out)
		}
		if _, err := db.EscalationPolicyByName(ctx, "payments-nights"); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("pruned policy: %v", err)
		}

		// A pruned service and its policy: the service goes first.
		withExtra := replace(t, text, "escalation_policies:\n", "escalation_policies:\n  - {name: spare, steps: [{delay: 0m, targets: [\"user:carla@example.com\"]}]}\n",
			"  - name: search-api\n    team: search\n", "  - name: search-api\n    team: search\n    escalation_policy: spare\n")
		run(t, db, withExtra, opts)
		gone := replace(t, text, "  - name: search-api\n    team: search\n    integrations:\n      - {name: pd, type: pagerduty}\n", "",
			`  - integration: catch-all
    name: search squad
    conditions:
      - {field: "label:squad", op: equals, value: search}
    actions: {route_to_service: search-api}
`, "")
		out, _ = run(t, db, gone, opts)
		if i, j := strings.Index(out, "- service search-api"), strings.Index(out, "- escalation policy spare"); i < 0 || j < 0 || i > j {
			t.Fatalf("prune plan:\n%s", out)
		}

		// A service the files do not list still uses a policy: --prune refuses.
		run(t, db, withExtra, apply.Options{Getenv: env(baseEnv())})
		noServices := replace(t, withExtra, "  - {name: spare, steps: [{delay: 0m, targets: [\"user:carla@example.com\"]}]}\n", "")
		noServices = noServices[:strings.Index(noServices, "services:\n")] + noServices[strings.Index(noServices, "integrations:\n  - {name: catch-all"):]
		_, err := apply.NewPlan(ctx, db, parse(t, noServices), opts)
		if err == nil || !strings.Contains(err.Error(), "escalation policy spare: service search-api, which the files do not list, uses it") {
			t.Fatalf("pruning a policy a service uses: %v", err)
		}

		// A policy the files do not list still pages a schedule: --prune refuses to delete the schedule.
		noSchedule := "schedules: []\n"
		_, err = apply.NewPlan(ctx, db, parse(t, noSchedule), opts)
		if err == nil || !strings.Contains(err.Error(), "escalation policy payments-default (not in the files): step 1 pages schedule:payments-primary, which --prune would delete") {
			t.Fatalf("pruning a schedule a policy pages: %v", err)
		}
	})
}

func TestApplyPolicyProblems(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"unknown schedule", `"schedule:payments-primary"`, `"schedule:payments-primery"`,
			"test.yaml:80 escalation_policies[0]: escalation policy payments-default: step 1: schedule payments-primery does not exist (declare it under schedules:)"},
		{"unknown user", `"user:bob@example.com"`, `"user:dave@example.com"`,
			"test.yaml:86 escalation_policies[1]: escalation policy payments-nights: step 1: user dave@example.com does not exist"},
		{"bad target", `"slack:C0123ABC"`, `"pager:C0123ABC"`,
			`escalation policy payments-default: step 2: target kind "pager" is unknown`},
		{"delay without unit", "{delay: 15m,", "{delay: 15,",
			`escalation policy payments-default: step 2: delay: duration "15" needs a unit: 15m for minutes`},
		{"no steps", "    steps:\n      - {delay: 0m, targets: [\"user:bob@example.com\", \"webhook:https://hooks.example.com/tocsin\"]}\n", "    steps: []\n",
			"escalation policy payments-nights needs at least one step"},
		{"unknown policy", "    off_hours_policy: payments-nights\n", "    off_hours_policy: payments-night\n",
			"test.yaml:27 services[0]: service checkout: off_hours_policy payments-night does not exist (declare it under escalation_policies:)"},
		{"off hours alone", "    escalation_policy: payments-default\n", "",
			"service checkout: off_hours_policy needs an escalation_policy for business hours too"},
		{"bad maintenance", `end: "03:00", timezone: Europe/Paris}`, `end: "03:00", timezone: Europe/Pariss}`,
			`service checkout: time zone "Europe/Pariss" is unknown`},
		{"unknown contact in a rule", "{contact: mail, delay: 0m}", "{contact: email, delay: 0m}",
			`user alice@example.com: notification_rules[0]: contact "email" is not one of the person's contact methods`},
		{"bad urgency", "{contact: phone, delay: 5m, urgency: high}", "{contact: phone, delay: 5m, urgency: urgent}",
			`user alice@example.com: notification_rules[1]: urgency must be high or low, not "urgent"`},
		{"bad phone", `value: "+33612345678"`, `value: "06 12"`,
			`user alice@example.com: contact_methods[0]: contact method phone: phone "06 12" is not an international number`},
		{"secret on an sms", `{name: phone, type: sms, value: "+33612345678"}`, `{name: phone, type: sms, value: "+33612345678", secret_from_env: ALICE_HOOK_SECRET}`,
			"contact method phone: secret_from_env is only for webhook contacts"},
		{"duplicate policy", "  - name: payments-nights\n", "  - name: payments-default\n",
			"escalation policy payments-default is declared twice"},
	}
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		db := testkit.OpenDB(t, engine)
		run(t, db, "teams:\n  - name: platform\nusers:\n  - {email: zoe@example.com, name: Zoé, role: admin}\n", apply.Options{})
		before := export(t, db)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				text := replace(t, baseConfig, c.from, c.to)
				doc, err := apply.Parse("test.yaml", strings.NewReader(text))
				if err == nil {
					_, err = apply.NewPlan(context.Background(), db, doc, apply.Options{Getenv: env(baseEnv())})
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

func TestFormatMinutesRoundTrips(t *testing.T) {
	// Export writes delays the way people do; apply reads them back.
	text := replace(t, baseConfig, "{delay: 15m,", "{delay: 90m,")
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		db := testkit.OpenDB(t, engine)
		run(t, db, text, apply.Options{Getenv: env(baseEnv())})
		exported := export(t, db)
		if !strings.Contains(exported, "delay: 1h30m") {
			t.Errorf("export writes 90m as:\n%s", exported)
		}
		pol, _ := db.EscalationPolicyByName(context.Background(), "payments-default")
		if pol.Steps[1].Delay != 90*time.Minute {
			t.Errorf("stored delay %s", pol.Steps[1].Delay)
		}
	})
}

// A heartbeat's integration belongs to the heartbeat: apply --prune neither
// deletes it nor plans anything for it, and export leaves it out.
func TestApplyLeavesHeartbeatsAlone(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		opts := apply.Options{Getenv: env(baseEnv()), Prune: true}
		run(t, db, baseConfig, opts)
		svc, err := db.ServiceByName(ctx, "checkout")
		if err != nil {
			t.Fatal(err)
		}
		h := &tocsin.Heartbeat{Name: "nightly-backup", ServiceID: svc.ID, Period: 24 * time.Hour, Grace: time.Hour}
		if err := db.CreateHeartbeat(ctx, h, testkit.Epoch); err != nil {
			t.Fatal(err)
		}
		out, _ := run(t, db, baseConfig, opts)
		if strings.Contains(out, "heartbeat") {
			t.Errorf("the plan mentions the heartbeat:\n%s", out)
		}
		if _, err := db.Integration(ctx, h.IntegrationID); err != nil {
			t.Errorf("apply --prune removed the heartbeat's integration: %v", err)
		}
		if got, err := db.Heartbeat(ctx, h.ID); err != nil || got.IntegrationID != h.IntegrationID {
			t.Errorf("heartbeat after apply: %+v, %v", got, err)
		}
		if text := export(t, db); strings.Contains(text, "heartbeat") {
			t.Errorf("export lists the heartbeat's integration:\n%s", text)
		}
	})
}
