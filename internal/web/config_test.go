package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// idFrom reads the number at the end of a redirect like /services/12.
func idFrom(t *testing.T, location, prefix string) string {
	t.Helper()
	id, ok := strings.CutPrefix(location, prefix)
	if !ok || id == "" {
		t.Fatalf("redirect %q is not under %s", location, prefix)
	}
	return id
}

func TestTeamsAndServices(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		b := newBrowser(t, f.app)
		b.login("ada@example.com")

		// A bad name comes back in the form with the reason, and nothing is made.
		p := b.post("/teams", url.Values{"name": {"Bad Name!"}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("bad team name: %d", p.Status)
		}
		mustContain(t, p.Body, `value="Bad Name!"`, "must be 1–63 lowercase letters")
		if p := b.post("/teams", url.Values{"name": {"payments"}}); p.Status != http.StatusConflict || !strings.Contains(p.Body, "exists already") {
			t.Fatalf("duplicate team: %d", p.Status)
		}

		p = b.post("/teams", url.Values{"name": {"sre"}})
		teamID := idFrom(t, p.Location, "/teams/")
		mustContain(t, b.follow(p).Body, "Team sre created.", `name="member" value="`+itoa(f.member.ID)+`"`)

		// Pick members, with a role each.
		p = b.post("/teams/"+teamID, url.Values{"name": {"sre-team"}, "member": {itoa(f.member.ID), itoa(f.viewer.ID)}, "role_" + itoa(f.member.ID): {"manager"}})
		mustContain(t, b.follow(p).Body, "Team saved.", "<h1>sre-team</h1>")
		team, err := f.app.DB.TeamByName(ctx, "sre-team")
		if err != nil || len(team.Members) != 2 {
			t.Fatalf("team after save: %+v %v", team, err)
		}
		for _, m := range team.Members {
			if m.UserID == f.member.ID && m.Role != "manager" || m.UserID == f.viewer.ID && m.Role != "member" {
				t.Errorf("member %s has role %s", m.Name, m.Role)
			}
		}
		mustContain(t, b.get("/teams").Body, "sre-team", "Max Member")

		// Services: create, owned by the team.
		if p := b.post("/services", url.Values{"name": {"api gateway"}}); p.Status != http.StatusBadRequest {
			t.Errorf("bad service name: %d", p.Status)
		}
		if p := b.post("/services", url.Values{"name": {"api"}, "team": {"999999"}}); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "team 999999 does not exist") {
			t.Errorf("unknown team: %d", p.Status)
		}
		p = b.post("/services", url.Values{"name": {"api"}, "description": {"Public <API>"}, "team": {teamID}})
		serviceID := idFrom(t, p.Location, "/services/")
		p = b.follow(p)
		mustContain(t, p.Body, "Service api created.", "Public &lt;API&gt;", `href="/teams/`+teamID+`">sre-team</a>`, `action="/integrations"`)
		mustContain(t, b.get("/services").Body, `href="/services/`+serviceID+`"`, "Public &lt;API&gt;")

		// Edit it.
		p = b.post("/services/"+serviceID, url.Values{"name": {"api-v2"}, "description": {"v2"}, "team": {""}})
		mustContain(t, b.follow(p).Body, "Service saved.", "<h1>api-v2</h1>", "No owner team")
		if p := b.post("/services/"+serviceID, url.Values{"name": {"checkout"}}); p.Status != http.StatusConflict {
			t.Errorf("rename onto an existing service: %d", p.Status)
		}

		// Change events show on the service page.
		integ, _ := f.app.Integration(tocsin.IntegrationPagerDuty, f.service.ID)
		if err := f.app.Pipeline.RecordChange(ctx, integ, &tocsin.ChangeEvent{Summary: "Deployed v42 <b>", Source: "ci"}); err != nil {
			t.Fatal(err)
		}
		mustContain(t, b.get("/services/"+itoa(f.service.ID)).Body, "Deployed v42 &lt;b&gt;", "Recent changes")

		// A member reads but cannot configure.
		m := newBrowser(t, f.app)
		m.login("max@example.com")
		p = m.get("/services/" + serviceID)
		if p.Status != http.StatusOK {
			t.Fatalf("member service page: %d", p.Status)
		}
		mustNotContain(t, p.Body, `action="/integrations"`, `action="/services/`+serviceID+`"`)
		for _, path := range []string{"/teams", "/services", "/services/" + serviceID, "/services/" + serviceID + "/delete", "/teams/" + teamID + "/delete"} {
			if p := m.post(path, url.Values{"name": {"x"}}); p.Status != http.StatusForbidden {
				t.Errorf("member POST %s: %d", path, p.Status)
			}
		}

		// Deleting.
		mustContain(t, b.follow(b.post("/teams/"+teamID+"/delete", nil)).Body, "Team deleted.")
		mustContain(t, b.follow(b.post("/services/"+serviceID+"/delete", nil)).Body, "Service deleted.")
		if p := b.get("/services/" + serviceID); p.Status != http.StatusNotFound {
			t.Errorf("deleted service: %d", p.Status)
		}
	})
}

// snippetText is the unescaped text of a snippet's <code> element.
func snippetText(t *testing.T, body, key string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<code id="snippet-` + key + `">(.*?)</code>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no snippet %s on the page", key)
	}
	return html.UnescapeString(m[1])
}

func TestIntegrationKeyShownOnceWithSnippets(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		b := newBrowser(t, f.app)
		b.login("ada@example.com")
		base := f.app.URL

		if p := b.post("/integrations", url.Values{"service": {itoa(f.service.ID)}, "name": {"prom"}, "type": {"nagios"}}); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "is not one of") || !strings.Contains(p.Body, `value="prom"`) {
			t.Fatalf("unknown type: %d", p.Status)
		}
		if p := b.post("/integrations", url.Values{"service": {itoa(f.service.ID)}, "name": {"prom"}, "type": {"alertmanager"}, "hmac_secret": {"s3cret"}}); p.Status != http.StatusBadRequest {
			t.Fatalf("HMAC on a non-Grafana integration: %d", p.Status)
		}

		p := b.post("/integrations", url.Values{"service": {itoa(f.service.ID)}, "name": {"prom"}, "type": {"alertmanager"}})
		if p.Status != http.StatusOK || p.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create integration: %d %q", p.Status, p.Header.Get("Cache-Control"))
		}
		key := html.UnescapeString(regexp.MustCompile(`<code id="secret-value" class="secret">([^<]+)</code>`).FindStringSubmatch(p.Body)[1])
		integ, err := f.app.DB.IntegrationByKey(ctx, key)
		if err != nil || integ.Name != "prom" || integ.ServiceID != f.service.ID {
			t.Fatalf("the key shown is not the integration's: %v %v", integ, err)
		}
		// The copy-paste configuration uses the public URL and the key, as each tool expects.
		want := map[string][]string{
			"am_webhook":   {`url: "` + base + `/hooks/alertmanager/` + key + `"`, "send_resolved: true", "webhook_configs:"},
			"am_pagerduty": {`url: "` + base + `/v2/enqueue"`, `routing_key: "` + key + `"`, "pagerduty_configs:"},
			"am_opsgenie":  {`api_url: "` + base + `/"`, `api_key: "` + key + `"`, "opsgenie_configs:"},
			"gf_webhook":   {`url: "` + base + `/hooks/grafana/` + key + `"`, "type: webhook"},
			"gf_pagerduty": {`integrationKey: "` + key + `"`, `url: "` + base + `/v2/enqueue"`},
			"gf_opsgenie":  {`apiKey: "` + key + `"`, `apiUrl: "` + base + `/v2/alerts"`},
			"curl_generic": {`curl -sS -X POST '` + base + `/hooks/generic/` + key + `'`, `"summary":`, `"status":"resolve"`},
			"curl_pd":      {`'` + base + `/v2/enqueue'`, `"routing_key":"` + key + `"`, `"event_action":"trigger"`},
		}
		for k, wants := range want {
			text := snippetText(t, p.Body, k)
			for _, w := range wants {
				if !strings.Contains(text, w) {
					t.Errorf("snippet %s lacks %q:\n%s", k, w, text)
				}
			}
		}
		// The webhook snippet comes first for an Alertmanager integration.
		if strings.Index(p.Body, `id="snippet-am_webhook"`) > strings.Index(p.Body, "Other ways to send alerts") {
			t.Error("the integration's own format is not shown first")
		}

		// The integration page never shows the key again.
		page := b.get("/integrations/" + itoa(integ.ID))
		// The placeholder reads as typed in every snippet, not as \u003cKEY.
		mustNotContain(t, page.Body, key, `\u003c`)
		mustContain(t, page.Body, integ.KeyPrefix+"…", "&lt;KEY "+integ.KeyPrefix+"…&gt;", "Rotate key", "Send test alert")

		// The generic curl snippet, run for real (with Go), makes an alert.
		resp, err := http.Post(base+"/hooks/generic/"+key, "application/json", strings.NewReader(`{"summary":"from the snippet","dedup_key":"snip"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("generic webhook with the shown key: %d", resp.StatusCode)
		}

		// Rotate: a new key, shown once; the old one stops working.
		p = b.post("/integrations/"+itoa(integ.ID)+"/rotate", nil)
		newKey := html.UnescapeString(regexp.MustCompile(`<code id="secret-value" class="secret">([^<]+)</code>`).FindStringSubmatch(p.Body)[1])
		if newKey == key {
			t.Fatal("rotation kept the key")
		}
		if _, err := f.app.DB.IntegrationByKey(ctx, key); tocsin.ErrorCode(err) != tocsin.EUNAUTHORIZED {
			t.Errorf("old key after rotation: %v", err)
		}
		mustContain(t, p.Body, "Your new integration key", newKey)

		// Test alert: through the pipeline, and the browser lands on it.
		p = b.post("/integrations/"+itoa(integ.ID)+"/test", nil)
		alertID := idFrom(t, p.Location, "/alerts/")
		mustContain(t, b.follow(p).Body, "Test alert sent.", "Test alert from Tocsin through prom", "test=true")
		if a, err := f.app.DB.Alert(ctx, int64(atoi(t, alertID))); err != nil || a.IntegrationID != integ.ID || a.Priority != tocsin.P5 {
			t.Fatalf("test alert: %+v %v", a, err)
		}

		// Revoke, then the test button is refused; delete.
		mustContain(t, b.follow(b.post("/integrations/"+itoa(integ.ID)+"/revoke", nil)).Body, "Key revoked")
		if _, err := f.app.DB.IntegrationByKey(ctx, newKey); tocsin.ErrorCode(err) != tocsin.EUNAUTHORIZED {
			t.Errorf("revoked key still works: %v", err)
		}
		if p := b.post("/integrations/"+itoa(integ.ID)+"/test", nil); p.Status != http.StatusBadRequest {
			t.Errorf("test alert on a revoked key: %d", p.Status)
		}
		p = b.post("/integrations/"+itoa(integ.ID)+"/delete", nil)
		if p.Location != "/services/"+itoa(f.service.ID) {
			t.Errorf("after delete: %q", p.Location)
		}
		if p := b.get("/integrations/" + itoa(integ.ID)); p.Status != http.StatusNotFound {
			t.Errorf("deleted integration: %d", p.Status)
		}

		// A global Grafana integration with an HMAC secret: the snippet carries it.
		p = b.post("/integrations", url.Values{"service": {"0"}, "name": {"grafana-global"}, "type": {"grafana"}, "hmac_secret": {"hm4c"}})
		text := snippetText(t, p.Body, "gf_webhook")
		for _, w := range []string{`secret: "hm4c"`, "header: X-Grafana-Alerting-Signature"} {
			if !strings.Contains(text, w) {
				t.Errorf("grafana snippet lacks %q:\n%s", w, text)
			}
		}
		// Only the webhook checks a signature: no other way is offered for this key.
		mustNotContain(t, p.Body, "Other ways to send alerts", "snippet-curl_pd", "snippet-am_webhook")
		mustContain(t, b.get("/services").Body, "grafana-global")

		// Viewers see the page but not the HMAC secret nor the admin buttons.
		v := newBrowser(t, f.app)
		v.login("vic@example.com")
		all, _ := f.app.DB.Integrations(ctx, 0)
		for _, i := range all {
			if i.Name == "grafana-global" {
				page := v.get("/integrations/" + itoa(i.ID))
				mustNotContain(t, page.Body, "hm4c", "Rotate key", "Send test alert")
				if p := v.post("/integrations/"+itoa(i.ID)+"/rotate", nil); p.Status != http.StatusForbidden {
					t.Errorf("viewer rotate: %d", p.Status)
				}
			}
		}
	})
}

func TestRules(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		b := newBrowser(t, f.app)
		b.login("ada@example.com")

		form := url.Values{
			"name": {"Night DB alerts"}, "integration": {itoa(f.integration.ID)}, "enabled": {"on"},
			"cond_field": {"label:team", "summary", ""}, "cond_op": {"equals", "regex", "equals"}, "cond_value": {"db", "([unclosed", ""},
			"when": {"on"}, "timezone": {"Europe/Paris"}, "start": {"08:00"}, "end": {"20:00"}, "outside": {"on"}, "days": {"mon", "tue"},
			"priority": {"P4"}, "add_labels": {"tier=db\nowner = dba"}, "remove_labels": {"instance, pod"}, "rewrite": {"[db] {{summary}}"},
		}
		// An invalid regex: 400, with what was typed still there.
		p := b.post("/rules", form)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("invalid rule: %d", p.Status)
		}
		mustContain(t, p.Body, "condition 2: regular expression", `value="Night DB alerts"`, `value="([unclosed"`, `value="Europe/Paris"`, "tier=db", `value="instance, pod"`, `value="[db] {{summary}}"`)
		if rules, _ := f.app.DB.AllRules(ctx); len(rules) != 0 {
			t.Fatalf("a refused rule was stored: %d", len(rules))
		}
		for bad, msg := range map[string]string{"add_labels": "is not key=value", "timezone": "time zone", "position": "is not a number"} {
			broken := url.Values{}
			for k, v := range form {
				broken[k] = v
			}
			broken.Set("cond_value", "db")
			broken["cond_value"] = []string{"db", "^disk", ""}
			broken.Set(bad, "nonsense")
			if p := b.post("/rules", broken); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, msg) {
				t.Errorf("bad %s: %d, want a message with %q", bad, p.Status, msg)
			}
		}

		form["cond_value"] = []string{"db", "^disk", ""}
		p = b.post("/rules", form)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("create rule: %d %s", p.Status, excerpt(p.Body))
		}
		list := b.follow(p)
		mustContain(t, list.Body, "Rule Night DB alerts saved.", "<code>label:team</code> equals <code class=\"wrap\">db</code>", "set priority P4", "add owner=dba, tier=db", "remove instance, pod", "outside mon tue 08:00–20:00 Europe/Paris")
		rules, err := f.app.DB.Rules(ctx, f.integration.ID)
		if err != nil || len(rules) != 1 {
			t.Fatalf("stored rules: %v %v", rules, err)
		}
		r := rules[0]
		if len(r.Conditions) != 2 || r.When == nil || !r.When.Outside || r.Actions.SetPriority != tocsin.P4 || r.Actions.AddLabels["owner"] != "dba" || len(r.Actions.RemoveLabels) != 2 || !r.Enabled {
			t.Fatalf("stored rule: %+v %+v", r, r.When)
		}

		// The rule runs on incoming alerts (during the night, outside 08–20 Paris).
		f.app.Clock.Set(testkit.Epoch.Add(-6 * 3600e9)) // Monday 03:00 Paris
		id := f.trigger(t, tocsin.AlertEvent{Summary: "disk full", DedupKey: "d", Labels: map[string]string{"team": "db", "instance": "db1:9100"}})
		a, _ := f.app.DB.Alert(ctx, id)
		if a.Priority != tocsin.P4 || a.Summary != "[db] disk full" || a.Labels["tier"] != "db" || a.Labels["instance"] != "" {
			t.Errorf("rule not applied as the form said: %+v", a)
		}

		// Edit keeps the input; disable it; then delete.
		edit := b.get("/rules/" + itoa(r.ID))
		mustContain(t, edit.Body, `value="Night DB alerts"`, `value="^disk"`, "owner=dba\ntier=db", `id="day-mon" name="days" value="mon" checked`)
		form.Del("enabled")
		form.Set("name", "Night DB alerts (off)")
		mustContain(t, b.follow(b.post("/rules/"+itoa(r.ID), form)).Body, "disabled")
		if got, _ := f.app.DB.Rule(ctx, r.ID); got.Enabled || got.Name != "Night DB alerts (off)" || got.IntegrationID != f.integration.ID {
			t.Errorf("after edit: %+v", got)
		}
		mustContain(t, b.follow(b.post("/rules/"+itoa(r.ID)+"/delete", nil)).Body, "Rule deleted.")

		// Members read the list, not the forms.
		m := newBrowser(t, f.app)
		m.login("max@example.com")
		if p := m.get("/rules"); p.Status != http.StatusOK {
			t.Errorf("member /rules: %d", p.Status)
		}
		if p := m.get("/rules/new"); p.Status != http.StatusForbidden {
			t.Errorf("member /rules/new: %d", p.Status)
		}
		if p := m.post("/rules", form); p.Status != http.StatusForbidden {
			t.Errorf("member POST /rules: %d", p.Status)
		}
	})
}

func TestUsersAndProfile(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		b := newBrowser(t, f.app)
		b.login("ada@example.com")

		if p := b.post("/users", url.Values{"email": {"not-an-address"}, "name": {"Zed"}, "role": {"member"}}); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `value="Zed"`) {
			t.Fatalf("bad e-mail: %d", p.Status)
		}
		if p := b.post("/users", url.Values{"email": {"max@example.com"}, "name": {"Max again"}, "role": {"member"}}); p.Status != http.StatusConflict {
			t.Fatalf("duplicate e-mail: %d", p.Status)
		}
		// No password typed: one is generated and shown once.
		p := b.post("/users", url.Values{"email": {"zoe@example.com"}, "name": {"Zoé"}, "role": {"viewer"}, "timezone": {"Europe/Paris"}, "locale": {"fr"}})
		if p.Status != http.StatusOK {
			t.Fatalf("create user: %d", p.Status)
		}
		password := html.UnescapeString(regexp.MustCompile(`<code id="secret-value" class="secret">([^<]+)</code>`).FindStringSubmatch(p.Body)[1])
		zoe, err := f.app.DB.Authenticate(ctx, "zoe@example.com", password)
		if err != nil || zoe.Role != tocsin.RoleViewer || zoe.Locale != "fr" {
			t.Fatalf("generated password does not log in: %v %v", zoe, err)
		}

		// Zoé's pages are in French, in her time zone.
		z := newBrowser(t, f.app)
		if p := z.post("/login", url.Values{"email": {"zoe@example.com"}, "password": {password}}); p.Status != http.StatusSeeOther {
			t.Fatalf("zoe login: %d", p.Status)
		}
		f.trigger(t, tocsin.AlertEvent{Summary: "s", DedupKey: "s"})
		mustContain(t, z.get("/alerts").Body, `<html lang="fr">`, "Déclenchée", "CET")

		// Role change and delete; not on oneself.
		mustContain(t, b.follow(b.post("/users/"+itoa(zoe.ID)+"/role", url.Values{"role": {"member"}})).Body, "Zoé is now Member.")
		if p := b.post("/users/"+itoa(zoe.ID)+"/role", url.Values{"role": {"boss"}}); p.Status != http.StatusBadRequest {
			t.Errorf("unknown role: %d", p.Status)
		}
		if p := b.post("/users/"+itoa(f.admin.ID)+"/role", url.Values{"role": {"viewer"}}); p.Status != http.StatusBadRequest {
			t.Errorf("own role: %d", p.Status)
		}
		if p := b.post("/users/"+itoa(f.admin.ID)+"/delete", nil); p.Status != http.StatusBadRequest {
			t.Errorf("delete oneself: %d", p.Status)
		}
		mustContain(t, b.follow(b.post("/users/"+itoa(zoe.ID)+"/delete", nil)).Body, "User Zoé deleted.")
		if p := z.get("/alerts"); p.Status != http.StatusSeeOther {
			t.Errorf("a deleted user's session still works: %d", p.Status)
		}

		// Users is for admins only.
		m := newBrowser(t, f.app)
		m.login("max@example.com")
		if p := m.get("/users"); p.Status != http.StatusForbidden {
			t.Errorf("member /users: %d", p.Status)
		}
		mustNotContain(t, m.get("/alerts").Body, `href="/users"`)

		// Profile: name, time zone, language.
		if p := m.post("/profile", url.Values{"name": {"Max"}, "timezone": {"Mars/Olympus"}}); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Mars/Olympus") {
			t.Errorf("bad time zone: %d", p.Status)
		}
		p = m.follow(m.post("/profile", url.Values{"name": {"Max M."}, "timezone": {"America/New_York"}, "locale": {"fr"}}))
		mustContain(t, p.Body, "Profil enregistré.", `value="Max M."`)
		if u, _ := f.app.DB.User(ctx, f.member.ID); u.Timezone != "America/New_York" || u.Locale != "fr" || u.Role != tocsin.RoleMember {
			t.Errorf("profile saved: %+v", u)
		}

		// Password: the current one is required.
		if p := m.post("/profile/password", url.Values{"current": {"wrong password"}, "new": {"a new long password"}, "confirm": {"a new long password"}}); p.Status != http.StatusBadRequest {
			t.Errorf("wrong current password: %d", p.Status)
		}
		if p := m.post("/profile/password", url.Values{"current": {testPassword}, "new": {"short"}, "confirm": {"short"}}); p.Status != http.StatusBadRequest {
			t.Errorf("short password: %d", p.Status)
		}
		if p := m.post("/profile/password", url.Values{"current": {testPassword}, "new": {"a new long password"}, "confirm": {"a different one!"}}); p.Status != http.StatusBadRequest {
			t.Errorf("mismatch: %d", p.Status)
		}
		// A new password signs the user out everywhere else, not here.
		elsewhere := newBrowser(t, f.app)
		elsewhere.login("max@example.com")
		p = m.follow(m.post("/profile/password", url.Values{"current": {testPassword}, "new": {"a new long password"}, "confirm": {"a new long password"}}))
		if p.Status != http.StatusOK {
			t.Errorf("this browser after the change: %d", p.Status)
		}
		if _, err := f.app.DB.Authenticate(ctx, "max@example.com", "a new long password"); err != nil {
			t.Errorf("new password: %v", err)
		}
		if p := elsewhere.get("/alerts"); p.Status != http.StatusSeeOther {
			t.Errorf("another browser still signed in after the password change: %d", p.Status)
		}

		// API tokens: shown once, revocable.
		p = m.post("/profile/tokens", url.Values{"token_name": {"ci"}})
		token := html.UnescapeString(regexp.MustCompile(`<code id="secret-value" class="secret">([^<]+)</code>`).FindStringSubmatch(p.Body)[1])
		if u, err := f.app.DB.APITokenUser(ctx, token, f.app.Clock.Now()); err != nil || u.ID != f.member.ID {
			t.Fatalf("token shown: %v %v", u, err)
		}
		tokens, _ := f.app.DB.APITokens(ctx, f.member.ID)
		page := m.get("/profile")
		mustNotContain(t, page.Body, token)
		mustContain(t, page.Body, tokens[0].Prefix+"…")
		m.follow(m.post("/profile/tokens/"+itoa(tokens[0].ID)+"/revoke", nil))
		if _, err := f.app.DB.APITokenUser(ctx, token, f.app.Clock.Now()); err == nil {
			t.Error("revoked token still works")
		}
		// Someone else's token cannot be revoked from one's profile.
		_, adminToken, _ := f.app.DB.CreateAPIToken(ctx, f.admin.ID, "admin", f.app.Clock.Now())
		adminTokens, _ := f.app.DB.APITokens(ctx, f.admin.ID)
		if p := m.post("/profile/tokens/"+itoa(adminTokens[0].ID)+"/revoke", nil); p.Status != http.StatusNotFound {
			t.Errorf("revoke another's token: %d", p.Status)
		}
		if _, err := f.app.DB.APITokenUser(ctx, adminToken, f.app.Clock.Now()); err != nil {
			t.Errorf("admin token revoked by a member: %v", err)
		}
	})
}

func TestErrorPages(t *testing.T) {
	f := newFixture(t, "sqlite")
	b := newBrowser(t, f.app)
	b.login("max@example.com")
	for _, path := range []string{"/nowhere", "/alerts/abc", "/services/999", "/teams/0", "/integrations/-1"} {
		p := b.get(path)
		if p.Status != http.StatusNotFound {
			t.Errorf("%s: %d", path, p.Status)
		}
		if !strings.Contains(p.Body, "There is no such page") && !strings.Contains(p.Body, "not found") {
			t.Errorf("%s: the 404 page says nothing useful", path)
		}
	}
	if p := b.get("/"); p.Status != http.StatusSeeOther || p.Location != "/alerts" {
		t.Errorf("/: %d %q", p.Status, p.Location)
	}
	// Static files carry a version and can be cached for good.
	p := b.get("/alerts")
	m := regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no versioned stylesheet link")
	}
	css := b.get(m[1])
	if css.Status != http.StatusOK || !strings.Contains(css.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %q %q", css.Status, css.Header.Get("Cache-Control"), css.Header.Get("Content-Type"))
	}
	// No inline script anywhere: the CSP forbids it.
	for _, path := range []string{"/alerts", "/services", "/rules", "/profile", "/login"} {
		body := b.get(path).Body
		if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]|\son[a-z]+="|style="`).MatchString(body) {
			t.Errorf("%s has inline script or style", path)
		}
	}
}
