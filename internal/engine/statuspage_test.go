package engine_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/engine"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/notify/email"
	"github.com/tocsin/tocsin/internal/notify/webhook"
	"github.com/tocsin/tocsin/internal/statuspage"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// statusRig is the public status page served over https with its
// subscription pages, the engine sending through a real SMTP server and
// real webhooks, on a real database and a fake clock.
type statusRig struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	clock  *testkit.Clock
	smtp   *testkit.SMTPServer
	eng    *engine.Engine
	page   *statuspage.Server
	hs     *httptest.Server
	client *http.Client

	mu      sync.Mutex
	changed int        // StatusChanged calls
	hooks   []received // webhook deliveries, in order
}

type received struct {
	path   string
	header http.Header
	body   []byte
}

func startStatusRig(t *testing.T, engineName, language string) *statusRig {
	t.Helper()
	r := &statusRig{t: t, ctx: context.Background(), db: testkit.OpenDB(t, engineName), clock: testkit.NewClock(testkit.Epoch), smtp: testkit.StartSMTP(t)}
	page, err := r.db.StatusPage(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	page.Name, page.Language, page.TimeZone = "Acme status", language, "Europe/Paris"
	if err := r.db.SaveStatusPage(r.ctx, page, 0, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	r.page, err = statuspage.New(r.db, statuspage.Config{Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r.hs = httptest.NewTLSServer(r.page)
	t.Cleanup(r.hs.Close)
	r.client = r.hs.Client()
	r.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	senders := notify.Registry{
		tocsin.ContactEmail: email.New(email.Options{Host: r.smtp.Host, Port: r.smtp.Port, TLS: "none", From: "Tocsin <tocsin@example.com>",
			PublicURL: "https://tocsin.example.com"}),
		tocsin.ContactWebhook: webhook.New(webhook.Options{Now: r.clock.Now}),
	}
	r.eng = engine.New(engine.Options{DB: r.db, Clock: r.clock, Log: slog.New(slog.DiscardHandler), Senders: senders,
		PublicURL: "https://tocsin.example.com", StatusURL: r.hs.URL + "/",
		StatusChanged: func() {
			r.mu.Lock()
			r.changed++
			r.mu.Unlock()
			r.page.Changed()
		}})
	r.page.HandleSubscriptions(statuspage.SubscribeOptions{Store: r.db, Wake: r.eng.Wake})
	r.refresh()
	return r
}

// refresh renders the page again, as the live server does on a change.
func (r *statusRig) refresh() {
	r.t.Helper()
	if err := r.page.Refresh(r.ctx); err != nil {
		r.t.Fatal(err)
	}
}

// settle runs engine cycles until nothing is due at the clock's instant.
func (r *statusRig) settle() {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := r.eng.Cycle(r.ctx); err != nil {
			r.t.Fatal(err)
		}
		idle, err := r.db.Idle(r.ctx, r.clock.Now())
		if err != nil {
			r.t.Fatal(err)
		}
		if idle {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatal("the engine did not settle within 10 s")
		}
	}
}

func (r *statusRig) advance(d time.Duration) {
	r.t.Helper()
	r.clock.Advance(d)
	r.settle()
}

// webhookReceiver is a subscriber's endpoint that records what it gets.
func (r *statusRig) webhookReceiver() string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.hooks = append(r.hooks, received{req.URL.Path, req.Header.Clone(), b})
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	r.t.Cleanup(srv.Close)
	return srv.URL
}

func (r *statusRig) deliveries() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hooks)
}

// do sends a request to the status page and returns the status and body.
func (r *statusRig) do(method, rawURL string, form url.Values) (int, string) {
	r.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		r.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func (r *statusRig) component(name string) *tocsin.Component {
	r.t.Helper()
	c := &tocsin.Component{Name: name, Showcase: true}
	if err := r.db.CreateComponent(r.ctx, c, 0, r.clock.Now()); err != nil {
		r.t.Fatal(err)
	}
	return c
}

// subscribe fills in the page's form and follows the confirmation e-mail's
// link as a person does: the page, then its button. It returns the
// confirmation e-mail.
func (r *statusRig) subscribe(address string, components ...*tocsin.Component) testkit.ReceivedMail {
	r.t.Helper()
	form := url.Values{"email": {address}}
	for _, c := range components {
		form.Add("component", c.PublicID)
	}
	before := len(r.smtp.Messages())
	status, page := r.do("POST", r.hs.URL+"/subscribe", form)
	if status != 200 || !strings.Contains(page, "Check your inbox") && !strings.Contains(page, "Consultez votre messagerie") {
		r.t.Fatalf("subscribe %s: HTTP %d\n%s", address, status, page)
	}
	r.settle()
	mail := r.smtp.WaitFor(r.t, before+1)[before]
	if mail.To[0] != address {
		r.t.Fatalf("confirmation sent to %v, want %s", mail.To, address)
	}
	link := linkAfter(r.t, mail.Text, r.hs.URL+"/confirm/")
	if status, page := r.do("GET", link, nil); status != 200 || !strings.Contains(page, "<button") {
		r.t.Fatalf("confirm page: HTTP %d\n%s", status, page)
	}
	if status, page := r.do("POST", link, nil); status != 200 {
		r.t.Fatalf("confirm: HTTP %d\n%s", status, page)
	}
	return mail
}

// linkAfter finds the link starting with prefix in a text.
func linkAfter(t *testing.T, text, prefix string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[A-Za-z0-9]+`).FindString(text)
	if m == "" {
		t.Fatalf("no %s… link in:\n%s", prefix, text)
	}
	return m
}

// publish opens an incident whose first update tells subscribers.
func (r *statusRig) publish(name, body string, changes ...tocsin.ComponentChange) *tocsin.StatusIncident {
	r.t.Helper()
	inc := &tocsin.StatusIncident{Name: name, Impact: tocsin.ImpactMajor}
	first := &tocsin.StatusUpdate{Body: body, Notify: true, Changes: changes}
	if err := r.db.CreateStatusIncident(r.ctx, inc, first, 0, r.clock.Now()); err != nil {
		r.t.Fatal(err)
	}
	r.refresh()
	return inc
}

func (r *statusRig) update(inc *tocsin.StatusIncident, status tocsin.IncidentStatus, body string) {
	r.t.Helper()
	if err := r.db.PostStatusUpdate(r.ctx, inc.ID, &tocsin.StatusUpdate{Status: status, Body: body, Notify: true}, 0, r.clock.Now()); err != nil {
		r.t.Fatal(err)
	}
	r.refresh()
}

func mailsTo(all []testkit.ReceivedMail, address string) []testkit.ReceivedMail {
	var out []testkit.ReceivedMail
	for _, m := range all {
		if slices.Contains(m.To, address) {
			out = append(out, m)
		}
	}
	return out
}

func TestStatusSubscribersByEmail(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engineName string) {
		r := startStatusRig(t, engineName, "en")
		api, dash := r.component("API"), r.component("Dashboard")
		r.refresh()

		confirm := r.subscribe("ada@example.com")
		if confirm.Subject != "[Acme status] Confirm your subscription" || confirm.Header.Get("From") != `"Acme status" <tocsin@example.com>` {
			t.Errorf("confirmation: %q from %q", confirm.Subject, confirm.Header.Get("From"))
		}
		if !strings.Contains(confirm.Text, "Someone, probably you, asked to receive the status updates of Acme status") ||
			!strings.Contains(confirm.Text, "Confirm my subscription: "+r.hs.URL+"/confirm/") {
			t.Errorf("confirmation text:\n%s", confirm.Text)
		}
		if confirm.Header.Get("List-Unsubscribe") != "" {
			t.Error("a confirmation request offers to unsubscribe from what is not subscribed yet")
		}
		r.subscribe("bob@example.com", dash) // hears about the dashboard only

		// Asking again, confirmed or not, shows the same page and sends
		// nothing: the form tells nobody who is subscribed.
		_, again := r.do("POST", r.hs.URL+"/subscribe", url.Values{"email": {"ada@example.com"}})
		_, fresh := r.do("POST", r.hs.URL+"/subscribe", url.Values{"email": {"cyd@example.com"}})
		if strings.ReplaceAll(fresh, "cyd@", "ada@") != again {
			t.Errorf("the answer differs for a subscribed address:\n%s\n---\n%s", again, fresh)
		}
		r.settle()
		if n := len(mailsTo(r.smtp.Messages(), "ada@example.com")); n != 1 {
			t.Errorf("ada received %d e-mails, want 1 (no second confirmation)", n)
		}
		if n := len(mailsTo(r.smtp.Messages(), "cyd@example.com")); n != 1 {
			t.Errorf("cyd received %d e-mails, want 1 confirmation", n)
		}

		inc := r.publish("Elevated API errors", "We are looking into **errors** on the API.",
			tocsin.ComponentChange{ComponentID: api.ID, New: tocsin.ComponentPartial})
		r.settle()
		r.advance(10 * time.Minute) // nothing more: each subscriber hears once
		got := mailsTo(r.smtp.Messages(), "ada@example.com")
		if len(got) != 2 {
			t.Fatalf("ada received %d e-mails, want the confirmation and one update", len(got))
		}
		m := got[1]
		if m.Subject != "[Acme status] Elevated API errors — Investigating" {
			t.Errorf("subject %q", m.Subject)
		}
		incidentURL := r.hs.URL + "/incidents/" + inc.PublicID + ".html"
		for _, want := range []string{
			"We are looking into **errors** on the API.",
			"Affected components:\n- API: Partial outage",
			"View the incident: " + incidentURL,
			"Unsubscribe: " + r.hs.URL + "/unsubscribe/",
		} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("update e-mail lacks %q:\n%s", want, m.Text)
			}
		}
		unsub := m.Header.Get("List-Unsubscribe")
		if !regexp.MustCompile(`^<`+regexp.QuoteMeta(r.hs.URL)+`/unsubscribe/[0-9a-f]+>$`).MatchString(unsub) ||
			m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe %q, -Post %q", unsub, m.Header.Get("List-Unsubscribe-Post"))
		}
		if status, page := r.do("GET", incidentURL, nil); status != 200 || !strings.Contains(page, "Elevated API errors") {
			t.Errorf("the e-mail's incident link: HTTP %d", status)
		}
		if n := len(mailsTo(r.smtp.Messages(), "bob@example.com")); n != 1 {
			t.Errorf("bob (dashboard only) received %d e-mails, want only his confirmation", n)
		}

		// The mailbox provider's one-click: a POST with this body, no page.
		status, _ := r.do("POST", strings.Trim(unsub, "<>"), url.Values{"List-Unsubscribe": {"One-Click"}})
		if status != 200 {
			t.Fatalf("one-click unsubscribe: HTTP %d", status)
		}
		r.update(inc, tocsin.IncidentResolved, "Fixed.")
		r.publish("Slow dashboard", "The dashboard is slow.", tocsin.ComponentChange{ComponentID: dash.ID, New: tocsin.ComponentDegraded})
		r.settle()
		if n := len(mailsTo(r.smtp.Messages(), "ada@example.com")); n != 2 {
			t.Errorf("ada received %d e-mails after unsubscribing, want still 2", n)
		}
		bob := mailsTo(r.smtp.Messages(), "bob@example.com")
		if len(bob) != 2 || bob[1].Subject != "[Acme status] Slow dashboard — Investigating" || !strings.Contains(bob[1].Text, "- Dashboard: Degraded performance") {
			t.Errorf("bob's e-mails: %d, last %q", len(bob), bob[len(bob)-1].Subject)
		}
	})
}

// webhookHead is what every subscriber webhook body begins with.
type webhookHead struct {
	Meta struct {
		Unsubscribe   string `json:"unsubscribe"`
		Documentation string `json:"documentation"`
	} `json:"meta"`
	Page struct {
		ID                string `json:"id"`
		StatusIndicator   string `json:"status_indicator"`
		StatusDescription string `json:"status_description"`
	} `json:"page"`
}

func TestStatusSubscriberWebhook(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engineName string) {
		r := startStatusRig(t, engineName, "en")
		api := r.component("API")
		hook := &tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: r.webhookReceiver() + "/status-hook"}
		if err := r.db.Subscribe(r.ctx, hook, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		inc := r.publish("Elevated API errors", "We are <b>looking</b>.", tocsin.ComponentChange{ComponentID: api.ID, New: tocsin.ComponentMajor})
		r.settle()
		got := r.deliveries()
		if len(got) != 1 {
			t.Fatalf("%d deliveries, want 1", len(got))
		}
		d := got[0]
		if err := webhook.Verify(hook.Secret, d.header.Get(webhook.HeaderTimestamp), d.header.Get(webhook.HeaderSignature), d.body, r.clock.Now()); err != nil {
			t.Fatalf("the delivery does not verify with the subscriber's secret: %v", err)
		}
		var body struct {
			webhookHead
			Incident map[string]json.RawMessage `json:"incident"`
		}
		dec := json.NewDecoder(strings.NewReader(string(d.body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			t.Fatalf("body %s: %v", d.body, err)
		}
		if body.Meta.Unsubscribe != r.hs.URL+"/unsubscribe/"+hook.Token || body.Meta.Documentation == "" {
			t.Errorf("meta %+v", body.Meta)
		}
		page, _ := r.db.StatusPage(r.ctx)
		if body.Page.ID != page.PublicID || body.Page.StatusIndicator != "critical" || body.Page.StatusDescription != "Major System Outage" {
			t.Errorf("page %+v", body.Page)
		}
		var keys []string
		for k := range body.Incident {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := []string{"components", "created_at", "id", "impact", "incident_updates", "monitoring_at", "name", "page_id", "resolved_at", "shortlink", "started_at", "status", "updated_at"}
		if !slices.Equal(keys, want) {
			t.Errorf("incident keys %v, want Statuspage's %v", keys, want)
		}
		var updates []struct {
			Body               string `json:"body"`
			Status             string `json:"status"`
			AffectedComponents []struct {
				Code      string `json:"code"`
				NewStatus string `json:"new_status"`
			} `json:"affected_components"`
		}
		json.Unmarshal(body.Incident["incident_updates"], &updates)
		if string(body.Incident["id"]) != `"`+inc.PublicID+`"` || len(updates) != 1 || updates[0].Body != "We are <b>looking</b>." ||
			len(updates[0].AffectedComponents) != 1 || updates[0].AffectedComponents[0].Code != api.PublicID || updates[0].AffectedComponents[0].NewStatus != "major_outage" {
			t.Errorf("incident %s", d.body)
		}

		// The resolution follows; then the receiver unsubscribes with the
		// link it was given, and hears nothing more.
		r.update(inc, tocsin.IncidentResolved, "Fixed.")
		r.settle()
		if got := r.deliveries(); len(got) != 2 || !strings.Contains(string(got[1].body), `"status":"resolved"`) {
			t.Fatalf("%d deliveries after the resolution, want 2", len(got))
		}
		if status, _ := r.do("POST", body.Meta.Unsubscribe, url.Values{"List-Unsubscribe": {"One-Click"}}); status != 200 {
			t.Fatalf("webhook unsubscribe: HTTP %d", status)
		}
		r.publish("Again", "Down again.")
		r.settle()
		if n := len(r.deliveries()); n != 2 {
			t.Errorf("%d deliveries after unsubscribing, want 2", n)
		}
	})
}

// The relay refuses for a while: the update is retried with back-off and
// arrives once.
func TestStatusSubscriberRetriedOnce(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engineName string) {
		r := startStatusRig(t, engineName, "en")
		r.subscribe("ada@example.com")
		r.smtp.RejectRecipients(451)
		r.publish("Elevated API errors", "Looking into it.")
		r.settle()
		rows, err := r.db.Notifications(r.ctx, tocsin.NotificationFilter{Kind: tocsin.NotifySubscriber})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Status != tocsin.NotificationPending || rows[0].Attempts != 1 || !strings.Contains(rows[0].Error, "451") {
			t.Fatalf("while the relay refuses: %+v", rows[0])
		}
		r.advance(time.Minute)
		r.smtp.RejectRecipients(0)
		r.advance(time.Minute)
		r.advance(time.Hour)
		got := mailsTo(r.smtp.Messages(), "ada@example.com")
		if len(got) != 2 || got[1].Subject != "[Acme status] Elevated API errors — Investigating" {
			t.Fatalf("ada received %d e-mails, want the confirmation and the update once", len(got))
		}
	})
}

// A maintenance moves by itself on the clock; a subscriber (French, as the
// page) is reminded an hour before, then told it started and ended.
func TestStatusMaintenanceTold(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engineName string) {
		r := startStatusRig(t, engineName, "fr")
		api, dash := r.component("API"), r.component("Dashboard")
		r.refresh()
		r.subscribe("ada@example.com", api)
		r.subscribe("bob@example.com", dash)
		start := r.clock.Now().Add(3 * time.Hour)
		m := &tocsin.StatusIncident{Name: "Mise à niveau de la base", Maintenance: true, ScheduledFor: start, ScheduledUntil: start.Add(time.Hour),
			AutoTransition: true, Notify: true, ComponentIDs: []int64{api.ID}}
		if err := r.db.CreateStatusIncident(r.ctx, m, &tocsin.StatusUpdate{Body: "Nous mettons la base à niveau."}, 0, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		r.settle()
		r.advance(time.Hour + 50*time.Minute)
		if n := len(mailsTo(r.smtp.Messages(), "ada@example.com")); n != 1 {
			t.Fatalf("%d e-mails to ada 70 minutes before the start, want only the confirmation", n)
		}
		r.advance(15 * time.Minute) // 55 minutes before
		got := mailsTo(r.smtp.Messages(), "ada@example.com")
		if len(got) != 2 {
			t.Fatalf("%d e-mails to ada 55 minutes before the start, want the reminder", len(got))
		}
		if want := "[Acme status] Rappel : Mise à niveau de la base — 2 nov. 2026, 12:00 CET"; got[1].Subject != want {
			t.Errorf("reminder subject %q, want %q", got[1].Subject, want)
		}
		for _, want := range []string{"Une maintenance programmée commence bientôt.", "Nous mettons la base à niveau.",
			"Du 2 nov. 2026, 12:00 CET au 2 nov. 2026, 13:00 CET", "Voir la maintenance\u00a0: ", "Se désabonner\u00a0: "} {
			if !strings.Contains(got[1].Text, want) {
				t.Errorf("reminder lacks %q:\n%s", want, got[1].Text)
			}
		}

		r.advance(55 * time.Minute) // the start
		got = mailsTo(r.smtp.Messages(), "ada@example.com")
		if len(got) != 3 || got[2].Subject != "[Acme status] Mise à niveau de la base — En cours" ||
			!strings.Contains(got[2].Text, "- API\u00a0: En maintenance") {
			t.Fatalf("at the start: %d e-mails, last %q\n%s", len(got), got[len(got)-1].Subject, got[len(got)-1].Text)
		}
		if c, _ := r.db.Component(r.ctx, api.ID); c.Status != tocsin.ComponentMaintenance {
			t.Errorf("API is %s during its maintenance", c.Status)
		}
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if changed == 0 {
			t.Error("the page was not told the maintenance started")
		}
		r.refresh()
		if _, page := r.do("GET", r.hs.URL+"/", nil); !strings.Contains(page, "Maintenance en cours") {
			t.Error("the page does not show the maintenance in progress")
		}

		r.advance(time.Hour) // the end
		got = mailsTo(r.smtp.Messages(), "ada@example.com")
		if len(got) != 4 || got[3].Subject != "[Acme status] Mise à niveau de la base — Terminée" || !strings.Contains(got[3].Text, "- API\u00a0: Opérationnel") {
			t.Fatalf("at the end: %d e-mails, last %q\n%s", len(got), got[len(got)-1].Subject, got[len(got)-1].Text)
		}
		r.advance(2 * time.Hour)
		if n := len(mailsTo(r.smtp.Messages(), "ada@example.com")); n != 4 {
			t.Errorf("%d e-mails to ada in the end, want 4", n)
		}
		if n := len(mailsTo(r.smtp.Messages(), "bob@example.com")); n != 1 {
			t.Errorf("bob, subscribed to another component, received %d e-mails, want his confirmation only", n)
		}
	})
}

// A subscriber reads an incident's updates in the order they were posted,
// even when several leave at once, and when the first is being retried as
// the next is posted.
func TestStatusSubscriberMessagesInOrder(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engineName string) {
		r := startStatusRig(t, engineName, "en")
		people := []string{"ada@example.com", "bob@example.com", "cyd@example.com"}
		for _, a := range people {
			r.subscribe(a)
		}
		subjects := func(address string) []string {
			var out []string
			for _, m := range mailsTo(r.smtp.Messages(), address)[1:] { // after the confirmation
				out = append(out, strings.TrimPrefix(m.Subject, "[Acme status] "))
			}
			return out
		}

		// Posted in a row: they leave in one pass of the sender.
		inc := r.publish("Checkout errors", "Looking into it.")
		for _, s := range []tocsin.IncidentStatus{tocsin.IncidentIdentified, tocsin.IncidentMonitoring, tocsin.IncidentIdentified, tocsin.IncidentMonitoring, tocsin.IncidentResolved} {
			r.update(inc, s, "Now "+string(s)+".")
		}
		r.settle()
		want := []string{"Checkout errors — Investigating", "Checkout errors — Identified", "Checkout errors — Monitoring",
			"Checkout errors — Identified", "Checkout errors — Monitoring", "Checkout errors — Resolved"}
		for _, a := range people {
			if got := subjects(a); !slices.Equal(got, want) {
				t.Errorf("%s read, in this order:\n%s\nwant\n%s", a, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}

		// The relay refuses the first; the second, posted meanwhile, waits
		// for its retry instead of overtaking it.
		r.smtp.RejectRecipients(451)
		next := r.publish("Slow search", "Search is slow.")
		r.settle()
		r.smtp.RejectRecipients(0)
		r.update(next, tocsin.IncidentResolved, "Search is fast again.")
		r.settle()
		if got := subjects("ada@example.com"); len(got) != len(want) {
			t.Fatalf("the resolution left before the first update was retried: %v", got[len(want):])
		}
		r.advance(time.Minute)
		want = append(want, "Slow search — Investigating", "Slow search — Resolved")
		for _, a := range people {
			if got := subjects(a); !slices.Equal(got, want) {
				t.Errorf("after the retry, %s read:\n%s", a, strings.Join(got, "\n"))
			}
		}
	})
}

// An e-mail lists each affected component with its status: the one an
// update gave it, or its status now when no update changed it.
func TestStatusSubscriberAffectedStatuses(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engineName string) {
		r := startStatusRig(t, engineName, "en")
		api, checkout := r.component("API"), r.component("Checkout")
		r.refresh()
		r.subscribe("ada@example.com")
		if err := r.db.SetComponentStatus(r.ctx, checkout.ID, tocsin.ComponentDegraded, 0, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		inc := &tocsin.StatusIncident{Name: "Payment failures", Impact: tocsin.ImpactMajor, ComponentIDs: []int64{api.ID, checkout.ID}}
		first := &tocsin.StatusUpdate{Body: "Payments fail.", Notify: true, Changes: []tocsin.ComponentChange{{ComponentID: api.ID, New: tocsin.ComponentMajor}}}
		if err := r.db.CreateStatusIncident(r.ctx, inc, first, 0, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		r.settle()
		got := mailsTo(r.smtp.Messages(), "ada@example.com")
		if len(got) != 2 || !strings.Contains(got[1].Text, "Affected components:\n- API: Major outage\n- Checkout: Degraded performance\n") {
			t.Fatalf("%d e-mails; the update's lists:\n%s", len(got), got[len(got)-1].Text)
		}
	})
}

// The words Tocsin writes when a maintenance moves by itself reach each
// subscriber in their own language, whatever the page's language is then.
func TestStatusMaintenanceWordsInSubscribersLanguage(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engineName string) {
		r := startStatusRig(t, engineName, "en")
		api := r.component("API")
		r.refresh()
		r.subscribe("ada@example.com") // while the page is in English
		page, err := r.db.StatusPage(r.ctx)
		if err != nil {
			t.Fatal(err)
		}
		page.Language = "fr"
		if err := r.db.SaveStatusPage(r.ctx, page, 0, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		r.refresh()
		r.subscribe("bea@example.com") // now in French

		start := r.clock.Now().Add(30 * time.Minute)
		m := &tocsin.StatusIncident{Name: "Database upgrade", Maintenance: true, ScheduledFor: start, ScheduledUntil: start.Add(time.Hour),
			AutoTransition: true, Notify: true, ComponentIDs: []int64{api.ID}}
		if err := r.db.CreateStatusIncident(r.ctx, m, &tocsin.StatusUpdate{Body: "Upgrading.", Notify: true}, 0, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		r.settle()
		r.advance(30 * time.Minute) // the start
		r.advance(time.Hour)        // the end
		last := func(address string) testkit.ReceivedMail {
			got := mailsTo(r.smtp.Messages(), address)
			return got[len(got)-1]
		}
		ada, bea := mailsTo(r.smtp.Messages(), "ada@example.com"), mailsTo(r.smtp.Messages(), "bea@example.com")
		if len(ada) < 3 || len(bea) < 3 {
			t.Fatalf("ada received %d e-mails, bea %d: want the start and the end", len(ada), len(bea))
		}
		for _, tc := range []struct {
			mail      testkit.ReceivedMail
			want, not string
		}{
			{ada[len(ada)-2], "The scheduled maintenance is in progress. We will provide updates as necessary.", "La maintenance"},
			{last("ada@example.com"), "The scheduled maintenance has been completed.", "La maintenance"},
			{bea[len(bea)-2], "La maintenance programmée est en cours. Nous donnerons des nouvelles si nécessaire.", "The scheduled"},
			{last("bea@example.com"), "La maintenance programmée est terminée.", "The scheduled"},
		} {
			if !strings.Contains(tc.mail.Text, tc.want) || strings.Contains(tc.mail.Text, tc.not) {
				t.Errorf("%s's %q lacks %q or mixes languages:\n%s", tc.mail.To[0], tc.mail.Subject, tc.want, tc.mail.Text)
			}
		}
		// The page, in French now, says it in French too.
		r.refresh()
		if _, html := r.do("GET", r.hs.URL+"/incidents/"+m.PublicID+".html", nil); !strings.Contains(html, "La maintenance programmée est terminée.") {
			t.Error("the maintenance's page does not give the automatic update in the page's language")
		}

		// And the other way round: written in English, read in French.
		page.Language = "en"
		if err := r.db.SaveStatusPage(r.ctx, page, 0, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		start = r.clock.Now().Add(30 * time.Minute)
		m = &tocsin.StatusIncident{Name: "Network work", Maintenance: true, ScheduledFor: start, ScheduledUntil: start.Add(time.Hour),
			AutoTransition: true, Notify: true, ComponentIDs: []int64{api.ID}}
		if err := r.db.CreateStatusIncident(r.ctx, m, &tocsin.StatusUpdate{Body: "Rewiring.", Notify: true}, 0, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		r.advance(30 * time.Minute)
		if got := last("bea@example.com"); !strings.Contains(got.Text, "La maintenance programmée est en cours.") {
			t.Errorf("bea's %q:\n%s", got.Subject, got.Text)
		}
		if got := last("ada@example.com"); !strings.Contains(got.Text, "The scheduled maintenance is in progress.") {
			t.Errorf("ada's %q:\n%s", got.Subject, got.Text)
		}
	})
}

// The confirmation e-mail in French quotes the page's name rather than
// eliding "de".
func TestStatusConfirmationInFrench(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engineName string) {
		r := startStatusRig(t, engineName, "fr")
		mail := r.subscribe("ada@example.com")
		if !strings.Contains(mail.Text, "les mises à jour de la page «\u00a0Acme status\u00a0»\u00a0: un e-mail") {
			t.Errorf("confirmation:\n%s", mail.Text)
		}
	})
}

// A component's status set on its own, outside an incident, reaches the
// webhook subscribers who follow it (the whole page, the component or its
// group) as Statuspage's component_update; e-mail subscribers hear about
// incidents only, and an incident's own changes come inside its updates.
func TestStatusComponentUpdateToWebhooks(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engineName string) {
		r := startStatusRig(t, engineName, "en")
		platform := &tocsin.Component{Name: "Platform", Group: true, Showcase: true}
		if err := r.db.CreateComponent(r.ctx, platform, 0, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		api := &tocsin.Component{Name: "API", GroupID: platform.ID, Showcase: true}
		if err := r.db.CreateComponent(r.ctx, api, 0, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		sms := r.component("SMS")
		receiver := r.webhookReceiver()
		secrets := map[string]string{} // by path
		for _, s := range []*tocsin.Subscriber{
			{Kind: tocsin.SubscriberWebhook, Address: receiver + "/whole-page"},
			{Kind: tocsin.SubscriberWebhook, Address: receiver + "/platform", ComponentIDs: []int64{platform.ID}},
			{Kind: tocsin.SubscriberWebhook, Address: receiver + "/sms-only", ComponentIDs: []int64{sms.ID}},
		} {
			if err := r.db.Subscribe(r.ctx, s, r.clock.Now()); err != nil {
				t.Fatal(err)
			}
			secrets[strings.TrimPrefix(s.Address, receiver)] = s.Secret
		}
		r.subscribe("customer@example.com")
		mails := len(r.smtp.Messages())

		r.clock.Advance(time.Minute)
		at := r.clock.Now()
		if err := r.db.SetComponentStatus(r.ctx, api.ID, tocsin.ComponentPartial, 0, at); err != nil {
			t.Fatal(err)
		}
		r.refresh()
		r.settle()
		got := r.deliveries()
		var paths []string
		for _, d := range got {
			paths = append(paths, d.path)
		}
		slices.Sort(paths)
		if !slices.Equal(paths, []string{"/platform", "/whole-page"}) {
			t.Fatalf("delivered to %v, want the whole page's and the group's subscribers", paths)
		}
		var body struct {
			webhookHead
			Component       map[string]json.RawMessage `json:"component"`
			ComponentUpdate struct {
				ID            string `json:"id"`
				ComponentID   string `json:"component_id"`
				ComponentType string `json:"component_type"`
				OldStatus     string `json:"old_status"`
				NewStatus     string `json:"new_status"`
				CreatedAt     string `json:"created_at"`
			} `json:"component_update"`
		}
		dec := json.NewDecoder(strings.NewReader(string(got[0].body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			t.Fatalf("body %s: %v", got[0].body, err)
		}
		cu := body.ComponentUpdate
		if cu.ComponentID != api.PublicID || cu.OldStatus != "operational" || cu.NewStatus != "partial_outage" || cu.ComponentType != "Component" ||
			cu.ID == "" || cu.CreatedAt != at.UTC().Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("component_update %+v", cu)
		}
		if string(body.Component["id"]) != `"`+api.PublicID+`"` || string(body.Component["status"]) != `"partial_outage"` ||
			string(body.Component["group_id"]) != `"`+platform.PublicID+`"` {
			t.Errorf("component %s", got[0].body)
		}
		if body.Page.StatusIndicator != "major" || body.Meta.Unsubscribe == "" {
			t.Errorf("page %+v, meta %+v", body.Page, body.Meta)
		}
		for _, d := range got {
			if err := webhook.Verify(secrets[d.path], d.header.Get(webhook.HeaderTimestamp), d.header.Get(webhook.HeaderSignature), d.body, r.clock.Now()); err != nil {
				t.Errorf("the delivery to %s does not verify with its subscriber's secret: %v", d.path, err)
			}
		}

		// Back to operational: told again, with the old status.
		if err := r.db.SetComponentStatus(r.ctx, api.ID, tocsin.ComponentOperational, 0, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		r.settle()
		if got = r.deliveries(); len(got) != 4 || !strings.Contains(string(got[3].body), `"old_status":"partial_outage","new_status":"operational"`) {
			t.Fatalf("%d deliveries after the recovery, want 4", len(got))
		}

		// An incident's change comes inside the incident's update, once.
		r.publish("SMS delayed", "Looking.", tocsin.ComponentChange{ComponentID: sms.ID, New: tocsin.ComponentDegraded})
		r.settle()
		got = r.deliveries()
		for _, d := range got[4:] {
			if strings.Contains(string(d.body), "component_update") {
				t.Errorf("an incident's change was also sent as a component_update to %s", d.path)
			}
		}
		if len(got) != 6 {
			t.Errorf("%d deliveries after the incident, want 6 (its update, to the whole page's and the SMS subscriber's webhooks)", len(got))
		}
		if n := len(r.smtp.Messages()); n != mails+1 {
			t.Errorf("%d e-mails after the component changes and the incident, want %d (the incident only)", n, mails+1)
		}
	})
}
