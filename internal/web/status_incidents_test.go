package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// subscriberMessages counts the outbox rows for status page subscribers.
func subscriberMessages(t *testing.T, f *fixture) int {
	t.Helper()
	list, err := f.app.DB.Notifications(context.Background(), tocsin.NotificationFilter{Kind: tocsin.NotifySubscriber, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// between is the part of a page from one marker to the next.
func between(t *testing.T, body, from, to string) string {
	t.Helper()
	i := strings.Index(body, from)
	j := strings.Index(body[max(i, 0):], to)
	if i < 0 || j < 0 {
		t.Fatalf("page lacks %q … %q:\n%s", from, to, excerpt(body))
	}
	return body[i : i+j]
}

// onlyIncident returns the one public incident or maintenance stored.
func onlyIncident(t *testing.T, f *fixture) tocsin.StatusIncident {
	t.Helper()
	list, err := f.app.DB.StatusIncidents(context.Background(), store.StatusIncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d incidents: %+v", len(list), list)
	}
	return list[0]
}

func TestStatusIncidentLifecycle(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		addComponent(t, member, url.Values{"name": {"API"}, "showcase": {"on"}})
		addComponent(t, member, url.Values{"name": {"Dashboard"}, "showcase": {"on"}})
		api, dashboard := componentByName(t, f, "API"), componentByName(t, f, "Dashboard")
		// A confirmed subscriber (webhooks are confirmed at once) to be told.
		if err := f.app.DB.Subscribe(ctx, &tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: "http://127.0.0.1:9/hook"}, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}

		p := member.get("/statuspage/incidents")
		mustContain(t, p.Body, "No open incident", `href="/statuspage/incidents/new"`)
		p = member.get("/statuspage/incidents/new")
		if p.Status != http.StatusOK {
			t.Fatalf("new form: %d", p.Status)
		}
		mustContain(t, p.Body, `name="notify" checked`, "It is sanitised", `name="cs_`+itoa(api.ID)+`"`, `<option value="minor" selected>`)

		// Refused: no message. What was typed stays; nothing is published.
		form := url.Values{"name": {"API errors"}, "impact": {"major"}, "status": {"investigating"}, "body": {""},
			"component": {itoa(api.ID)}, "cs_" + itoa(api.ID): {"major_outage"}, "cs_" + itoa(dashboard.ID): {""}, "notify": {"on"}}
		p = member.post("/statuspage/incidents", form)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("no message: %d", p.Status)
		}
		mustContain(t, p.Body, "An update needs a message.", `value="API errors"`, `<option value="major_outage" selected>`, `<option value="major" selected>`)
		if c := componentByName(t, f, "API"); c.Status != tocsin.ComponentOperational {
			t.Fatalf("refused incident changed API: %s", c.Status)
		}
		// Refused: a status that is not one, for a component.
		form.Set("body", "x")
		form.Set("cs_"+itoa(dashboard.ID), "melted")
		if p = member.post("/statuspage/incidents", form); p.Status != http.StatusBadRequest {
			t.Fatalf("bad component status: %d", p.Status)
		}
		mustContain(t, p.Body, "Unknown component status “melted”")
		list, _ := f.app.DB.StatusIncidents(ctx, store.StatusIncidentFilter{})
		if len(list) != 0 || subscriberMessages(t, f) != 0 {
			t.Fatalf("refused forms published something: %+v", list)
		}

		// Published, with Markdown that tries to run a script.
		form.Set("cs_"+itoa(dashboard.ID), "")
		form.Set("body", "We see **errors** on the API.\n\n<script>alert(1)</script>\n\n[details](javascript:alert(2)) <img src=x onerror=alert(3)>")
		p = member.post("/statuspage/incidents", form)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", p.Status, excerpt(p.Body))
		}
		inc := onlyIncident(t, f)
		if p.Location != "/statuspage/incidents/"+itoa(inc.ID) {
			t.Fatalf("went to %s", p.Location)
		}
		if inc.Impact != tocsin.ImpactMajor || inc.Status != tocsin.IncidentInvestigating || len(inc.ComponentIDs) != 1 || inc.ComponentIDs[0] != api.ID {
			t.Fatalf("stored: %+v", inc)
		}
		if c := componentByName(t, f, "API"); c.Status != tocsin.ComponentMajor {
			t.Fatalf("API is %s", c.Status)
		}
		if n := subscriberMessages(t, f); n != 1 {
			t.Fatalf("%d messages to subscribers, want 1", n)
		}
		p = member.follow(p)
		mustContain(t, p.Body, "Incident API errors published.", "We see <strong>errors</strong> on the API.", "Investigating",
			`class="status cs-operational">Operational</span> → <span class="status cs-major_outage">Major outage`,
			// The internal timeline quotes the wording, escaped.
			"incident.created", "update.published", "&lt;script&gt;alert(1)&lt;/script&gt;")
		// Rendered, the message runs nothing; quoted, it is escaped text.
		public := between(t, p.Body, `id="si-public"`, `id="si-update"`)
		mustNotContain(t, public, "<script", "alert(1)", "javascript:", "onerror", "<img")
		mustNotContain(t, p.Body, "<script>alert", `href="javascript:`, "<img src=x", `<img src="x"`)

		// An update without telling subscribers.
		base := "/statuspage/incidents/" + itoa(inc.ID)
		p = member.post(base+"/updates", url.Values{"status": {"identified"}, "body": {"A bad deploy."}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("update: %d %s", p.Status, excerpt(p.Body))
		}
		if n := subscriberMessages(t, f); n != 1 {
			t.Fatalf("an update not notified queued messages: %d", n)
		}
		// Refused updates: no message, an unknown status. The form comes back as typed.
		p = member.post(base+"/updates", url.Values{"status": {"monitoring"}, "body": {"  "}, "cs_" + itoa(dashboard.ID): {"degraded_performance"}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("empty update: %d", p.Status)
		}
		mustContain(t, p.Body, "An update needs a message.", `<option value="monitoring" selected>`, `<option value="degraded_performance" selected>`)
		p = member.post(base+"/updates", url.Values{"status": {"scheduled"}, "body": {"wrong kind"}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("maintenance status on an incident: %d", p.Status)
		}
		mustContain(t, p.Body, "Unknown incident status", "wrong kind")
		if got := onlyIncident(t, f); got.Status != tocsin.IncidentIdentified || len(got.Updates) != 2 {
			t.Fatalf("after refusals: %s, %d updates", got.Status, len(got.Updates))
		}
		// A post-mortem before the incident is resolved (a stale or crafted
		// form) is refused, not dropped without a word.
		p = member.post(base, url.Values{"name": {"API errors"}, "impact": {"major"}, "component": {itoa(api.ID)}, "postmortem": {"Too early."}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("an early post-mortem: %d", p.Status)
		}
		mustContain(t, p.Body, "A post-mortem is published once the incident is resolved: resolve it first. Nothing was saved.")
		if got := onlyIncident(t, f); got.Postmortem != "" {
			t.Fatalf("the early post-mortem was kept: %q", got.Postmortem)
		}

		// Resolved without changes: API back to operational, told to subscribers.
		p = member.post(base+"/updates", url.Values{"status": {"resolved"}, "body": {"Rolled back; all good."}, "notify": {"on"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("resolve: %d %s", p.Status, excerpt(p.Body))
		}
		if c := componentByName(t, f, "API"); c.Status != tocsin.ComponentOperational {
			t.Fatalf("resolved, API is %s", c.Status)
		}
		if n := subscriberMessages(t, f); n != 2 {
			t.Fatalf("%d messages after resolving, want 2", n)
		}
		p = member.follow(p)
		mustContain(t, p.Body, "Update published (Resolved).", "Rolled back; all good.", "A bad deploy.", `name="postmortem"`)

		// The post-mortem, Markdown, inert too; a refused edit keeps what was typed.
		p = member.post(base, url.Values{"name": {""}, "impact": {"major"}, "component": {itoa(api.ID)}, "postmortem": {"draft kept"}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("empty title: %d", p.Status)
		}
		mustContain(t, p.Body, "An incident needs a title.", "draft kept")
		p = member.post(base, url.Values{"name": {"API errors after a deploy"}, "impact": {"minor"}, "component": {itoa(api.ID), itoa(dashboard.ID)},
			"postmortem": {"## What happened\n\nA deploy <b onclick=alert(4)>broke</b> it."}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", p.Status, excerpt(p.Body))
		}
		got := onlyIncident(t, f)
		if got.Name != "API errors after a deploy" || got.Impact != tocsin.ImpactMinor || len(got.ComponentIDs) != 2 || !strings.Contains(got.Postmortem, "What happened") {
			t.Fatalf("edited: %+v", got)
		}
		p = member.follow(p)
		mustContain(t, p.Body, "<h2>What happened</h2>", "incident.edited")
		// A form opened before the incident was resolved has no post-mortem
		// field: saving it keeps the post-mortem.
		if p = member.post(base, url.Values{"name": {"API errors after a deploy"}, "impact": {"minor"}, "component": {itoa(api.ID), itoa(dashboard.ID)}}); p.Status != http.StatusSeeOther {
			t.Fatalf("edit from an older form: %d %s", p.Status, excerpt(p.Body))
		}
		if got := onlyIncident(t, f); !strings.Contains(got.Postmortem, "What happened") {
			t.Fatalf("an older form without the field wiped the post-mortem: %q", got.Postmortem)
		}
		p = member.get(base)
		mustNotContain(t, between(t, p.Body, `id="si-public"`, `id="si-update"`), "onclick", "<b")
		mustNotContain(t, p.Body, "<b onclick")

		// Listed as recently closed.
		p = member.get("/statuspage/incidents")
		mustContain(t, p.Body, "No open incident", "API errors after a deploy", "Resolved")
		// On a phone the table's header is hidden: the bare count and date
		// carry their column's name.
		mustContain(t, p.Body, `<td data-label="Affected">2</td>`, `<td data-label="Last update">`)

		// The internal timeline says who published what.
		p = member.get("/statuspage/timeline")
		mustContain(t, p.Body, "Max Member", "Update (resolved): Rolled back; all good.", `href="/statuspage/incidents/`+itoa(inc.ID)+`"`)

		// A viewer reads, without forms, and cannot post.
		viewer := newBrowser(t, f.app)
		viewer.login(f.viewer.Email)
		p = viewer.get(base)
		if p.Status != http.StatusOK {
			t.Fatalf("viewer: %d", p.Status)
		}
		mustContain(t, p.Body, "Rolled back; all good.")
		mustNotContain(t, p.Body, `action="`+base+`/updates"`, base+"/delete")
		for _, path := range []string{base + "/updates", base, base + "/delete", "/statuspage/incidents"} {
			if p := viewer.post(path, url.Values{"name": {"x"}, "body": {"x"}, "confirm": {"yes"}}); p.Status != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d", path, p.Status)
			}
		}
		if p := viewer.get("/statuspage/incidents/new"); p.Status != http.StatusForbidden {
			t.Errorf("viewer new form: %d", p.Status)
		}

		// Deleted after confirming; unknown ids are 404.
		if p = member.get(base + "/delete"); p.Status != http.StatusOK {
			t.Fatalf("confirm page: %d", p.Status)
		}
		mustContain(t, p.Body, "Delete API errors after a deploy?", `name="confirm" value="yes"`)
		if p = member.post(base+"/delete", nil); p.Status != http.StatusSeeOther || p.Location != base+"/delete" {
			t.Fatalf("unconfirmed delete: %d %s", p.Status, p.Location)
		}
		onlyIncident(t, f)
		if p = member.post(base+"/delete", url.Values{"confirm": {"yes"}}); p.Status != http.StatusSeeOther || p.Location != "/statuspage/incidents" {
			t.Fatalf("delete: %d %s", p.Status, p.Location)
		}
		for _, path := range []string{base, base + "/delete", "/statuspage/incidents/abc"} {
			if p := member.get(path); p.Status != http.StatusNotFound {
				t.Errorf("GET %s after delete: %d", path, p.Status)
			}
		}
		for _, path := range []string{base, base + "/updates", base + "/delete"} {
			if p := member.post(path, url.Values{"body": {"x"}, "name": {"x"}, "confirm": {"yes"}}); p.Status != http.StatusNotFound {
				t.Errorf("POST %s after delete: %d", path, p.Status)
			}
		}
	})
}

func TestStatusMaintenance(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		addComponent(t, member, url.Values{"name": {"Database"}, "showcase": {"on"}})
		db := componentByName(t, f, "Database")
		p := member.post("/statuspage/settings", url.Values{"name": {"Acme status"}, "language": {"en"}, "time_zone": {"Europe/Paris"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("settings: %d %s", p.Status, excerpt(p.Body))
		}

		// The form proposes the next whole hour in the page's zone, moving by itself.
		p = member.get("/statuspage/maintenances/new")
		mustContain(t, p.Body, `name="from" type="datetime-local" value="2026-11-02T10:00"`, `value="2026-11-02T12:00"`,
			`name="auto_transition" checked`, "In the page&#39;s time zone, Europe/Paris")

		form := url.Values{"name": {"Database upgrade"}, "status": {"scheduled"}, "body": {"We upgrade the database."},
			"from": {"2026-11-03T22:00"}, "until": {"2026-11-03T21:00"}, "component": {itoa(db.ID)}, "auto_transition": {"on"}, "notify": {"on"}}
		p = member.post("/statuspage/maintenances", form)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("ends before it starts: %d", p.Status)
		}
		mustContain(t, p.Body, "A maintenance must end after it starts.", `value="2026-11-03T21:00"`)
		form.Set("until", "tomorrow")
		if p = member.post("/statuspage/maintenances", form); p.Status != http.StatusBadRequest {
			t.Fatalf("bad date: %d", p.Status)
		}
		mustContain(t, p.Body, "“tomorrow” is not a date and time.")

		form.Set("until", "2026-11-04T01:00")
		p = member.post("/statuspage/maintenances", form)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", p.Status, excerpt(p.Body))
		}
		m := onlyIncident(t, f)
		if !m.Maintenance || !m.AutoTransition || m.Status != tocsin.MaintenanceScheduled ||
			!m.ScheduledFor.Equal(time.Date(2026, 11, 3, 21, 0, 0, 0, time.UTC)) || !m.ScheduledUntil.Equal(time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("stored: %+v", m)
		}
		base := "/statuspage/maintenances/" + itoa(m.ID)
		if p.Location != base {
			t.Fatalf("went to %s", p.Location)
		}
		p = member.follow(p)
		mustContain(t, p.Body, "Maintenance Database upgrade scheduled.", "2026-11-03 22:00 CET (Europe/Paris) → 2026-11-04 01:00 CET (Europe/Paris)", "Scheduled")
		p = member.get("/statuspage/maintenances")
		mustContain(t, p.Body, "Database upgrade", "2026-11-03 22:00 CET (Europe/Paris)")

		// A maintenance is not an incident: its id under /incidents is sent
		// to its own page, and refused for a form.
		if p = member.get("/statuspage/incidents/" + itoa(m.ID)); p.Status != http.StatusSeeOther || p.Location != base {
			t.Fatalf("incident path: %d %s", p.Status, p.Location)
		}
		if p = member.post("/statuspage/incidents/"+itoa(m.ID)+"/updates", url.Values{"body": {"x"}}); p.Status != http.StatusNotFound {
			t.Fatalf("incident path POST: %d", p.Status)
		}

		// A crafted form cannot give a maintenance a post-mortem.
		p = member.post(base, url.Values{"name": {"Database upgrade"}, "from": {"2026-11-03T23:00"}, "until": {"2026-11-04T02:00"}, "component": {itoa(db.ID)}, "postmortem": {"Went fine."}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("a maintenance's post-mortem: %d", p.Status)
		}
		mustContain(t, p.Body, "A maintenance has no post-mortem")
		if m = onlyIncident(t, f); m.Postmortem != "" || !m.ScheduledFor.Equal(time.Date(2026, 11, 3, 21, 0, 0, 0, time.UTC)) {
			t.Fatalf("a refused edit changed the maintenance: %+v", m)
		}

		// Moved an hour later, without moving by itself.
		p = member.post(base, url.Values{"name": {"Database upgrade"}, "from": {"2026-11-03T23:00"}, "until": {"2026-11-04T02:00"}, "component": {itoa(db.ID)}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", p.Status, excerpt(p.Body))
		}
		if m = onlyIncident(t, f); !m.ScheduledFor.Equal(time.Date(2026, 11, 3, 22, 0, 0, 0, time.UTC)) || m.AutoTransition {
			t.Fatalf("edited: %+v", m)
		}

		// Started by hand, the database under maintenance; completed, back.
		p = member.post(base+"/updates", url.Values{"status": {"in_progress"}, "body": {"Started."}, "cs_" + itoa(db.ID): {"under_maintenance"}, "notify": {"on"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("start: %d %s", p.Status, excerpt(p.Body))
		}
		if c := componentByName(t, f, "Database"); c.Status != tocsin.ComponentMaintenance {
			t.Fatalf("started, Database is %s", c.Status)
		}
		p = member.post(base+"/updates", url.Values{"status": {"completed"}, "body": {"Done."}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("complete: %d %s", p.Status, excerpt(p.Body))
		}
		if c := componentByName(t, f, "Database"); c.Status != tocsin.ComponentOperational {
			t.Fatalf("completed, Database is %s", c.Status)
		}
		p = member.follow(p)
		mustContain(t, p.Body, "Completed", "Started.", "Done.")
		mustNotContain(t, p.Body, `name="postmortem"`)
		events, err := f.app.DB.StatusEvents(ctx, m.ID, 100)
		if err != nil || len(events) < 4 {
			t.Fatalf("events: %v %v", events, err)
		}
	})
}

func TestStatusSettings(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		before, err := f.app.DB.StatusPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := member.get("/statuspage/settings")
		mustContain(t, p.Body, `value="Status"`, `value="#1f5fbf"`, `value="UTC"`, before.PublicID)

		// Every wrong field is named next to it, and nothing is saved.
		p = member.post("/statuspage/settings", url.Values{"name": {"Acme status"}, "accent_color": {"blue"}, "text_color": {"#fff"},
			"language": {"de"}, "time_zone": {"Mars/Olympus"}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("bad settings: %d", p.Status)
		}
		mustContain(t, p.Body, "Nothing was saved", "“blue” is not a colour: write it #rrggbb", "“#fff” is not a colour",
			"Unknown language “de”", "Unknown time zone “Mars/Olympus”", `value="Acme status"`, `aria-invalid="true"`)
		// The page's own rules: a URL that is not one.
		p = member.post("/statuspage/settings", url.Values{"name": {"Acme status"}, "url": {"status.acme.com"}, "language": {"en"}, "time_zone": {"UTC"}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("bad url: %d", p.Status)
		}
		mustContain(t, p.Body, "The page&#39;s address must be an http:// or https:// URL")
		if after, _ := f.app.DB.StatusPage(ctx); *after != *before {
			t.Fatalf("refused settings saved: %+v", after)
		}

		p = member.post("/statuspage/settings", url.Values{"name": {"Acme status"}, "url": {"https://status.acme.com/"}, "logo_url": {"https://acme.com/logo.svg"},
			"accent_color": {"#AA3300"}, "text_color": {"#ffffff"}, "language": {"fr"}, "time_zone": {"Europe/Paris"}, "host": {"Status.Acme.com"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.Status, excerpt(p.Body))
		}
		after, err := f.app.DB.StatusPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := tocsin.StatusPage{PublicID: before.PublicID, Name: "Acme status", URL: "https://status.acme.com", LogoURL: "https://acme.com/logo.svg",
			AccentColor: "#aa3300", TextColor: "#ffffff", Language: "fr", TimeZone: "Europe/Paris", Host: "status.acme.com", UpdatedAt: after.UpdatedAt}
		if *after != want {
			t.Fatalf("saved %+v, want %+v", after, want)
		}
		p = member.follow(p)
		mustContain(t, p.Body, "Status page settings saved.", `value="#aa3300"`, `<option value="fr" selected>`)
	})
}

// A French member reads the status page's admin in French, errors included.
func TestStatusPagesInFrench(t *testing.T) {
	f := newFixture(t, "sqlite")
	ctx := context.Background()
	u := *f.member
	u.Locale = "fr"
	if err := f.app.DB.UpdateUser(ctx, &u, ""); err != nil {
		t.Fatal(err)
	}
	member := newBrowser(t, f.app)
	member.login(f.member.Email)
	addComponent(t, member, url.Values{"name": {"API"}, "showcase": {"on"}})
	p := member.get("/statuspage")
	mustContain(t, p.Body, "Page de statut", "Voir la page publique", "Opérationnel", "Ajouter un composant ou un groupe", "Composant API ajouté.")
	p = member.post("/statuspage/settings", url.Values{"name": {"Statut"}, "accent_color": {"bleu"}, "time_zone": {"Paris"}})
	mustContain(t, p.Body, "Rien n&#39;a été enregistré", "« bleu » n&#39;est pas une couleur", "Fuseau horaire inconnu « Paris »")
	p = member.get("/statuspage/incidents/new")
	mustContain(t, p.Body, "Nouvel incident", "Prévenir les abonnés", "Analyse en cours", "Le texte est assaini")
	for _, path := range []string{"/statuspage/maintenances/new", "/statuspage/subscribers", "/statuspage/timeline", "/statuspage/settings"} {
		p = member.get(path)
		if p.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.Status)
		}
		mustNotContain(t, p.Body, "status_admin.")
	}
}
