package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
	"github.com/tocsin/tocsin/internal/web"
)

// paged gives the fixture's service the policy payments-default (the schedule
// payments-primary after 5 min, the team after 15 more, three passes) and
// returns it with a second policy, payments-backup (Ada at once).
func (f *fixture) paged(t *testing.T) (main, backup *tocsin.EscalationPolicy) {
	t.Helper()
	ctx := context.Background()
	f.weekly(t)
	main = &tocsin.EscalationPolicy{Name: "payments-default", Repeat: 2, Steps: []tocsin.EscalationStep{
		{Delay: 5 * time.Minute, Targets: []tocsin.Target{{Kind: tocsin.TargetSchedule, Ref: "payments-primary"}}},
		{Delay: 15 * time.Minute, Targets: []tocsin.Target{{Kind: tocsin.TargetTeam, Ref: "payments"}}},
	}}
	if err := f.app.DB.CreateEscalationPolicy(ctx, main, f.app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	backup = f.policy(t, "payments-backup", f.admin)
	svc, _ := f.app.DB.Service(ctx, f.service.ID)
	svc.EscalationPolicyID = main.ID
	if err := f.app.DB.UpdateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	return main, backup
}

// lineBy is the newest timeline line of a kind by an actor (the engine adds its own).
func lineBy(t *testing.T, f *fixture, id int64, kind tocsin.TimelineKind, actor string) tocsin.TimelineEntry {
	t.Helper()
	lines, err := f.app.DB.Timeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i].Kind == kind && lines[i].Actor == actor {
			return lines[i]
		}
	}
	t.Fatalf("no %s line by %s in the timeline: %+v", kind, actor, lines)
	return tocsin.TimelineEntry{}
}

func TestAlertEscalationFromItsPage(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		unpaged := f.trigger(t, tocsin.AlertEvent{Summary: "Before any policy", DedupKey: "early"})
		main, backup := f.paged(t)
		id := f.trigger(t, tocsin.AlertEvent{Summary: "Payment errors", DedupKey: "pay"})
		path := "/alerts/" + itoa(id)
		b := newBrowser(t, f.app)
		b.login(f.member.Email)

		p := b.get("/alerts/" + itoa(unpaged))
		mustContain(t, p.Body, "Escalation stopped: no policy")
		mustNotContain(t, p.Body, `/escalate"`)
		mustContain(t, b.follow(b.post("/alerts/"+itoa(unpaged)+"/escalate", nil)).Body, "has no escalation policy to follow")

		// Where the escalation stands, and the messages sent about the alert
		// (a webhook's address shows as its host only: the URL is a credential).
		later := f.app.Clock.Now().Add(time.Hour) // not due: the engine leaves them alone
		for _, n := range []*tocsin.Notification{
			{Key: "test/sms", Kind: tocsin.NotifyPage, AlertID: id, UserID: f.member.ID, Type: tocsin.ContactSMS, Destination: "+33612345678", NextAttemptAt: later},
			{Key: "test/hook", Kind: tocsin.NotifyChat, AlertID: id, Type: tocsin.ContactWebhook, Destination: "https://hooks.example.com/T0/secret-token", NextAttemptAt: later},
		} {
			if _, err := f.app.DB.Enqueue(ctx, n, f.app.Clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		p = b.get(path)
		mustContain(t, p.Body, "Step 1 of payments-default at 08:05, pass 1 of 3", `action="`+path+`/escalate"`, `action="`+path+`/reassign"`,
			`<option value="policy:payments-backup">`, `<option value="user:ada@example.com">`, `id="notices"`, "Max Member", "SMS", "waiting", "hooks.example.com")
		mustNotContain(t, p.Body, "secret-token")
		live := b.get(path + "?fragment=1")
		mustContain(t, live.Body, `id="escalation-state"`, `id="notices"`)

		// Escalate now.
		p = b.follow(b.post(path+"/escalate", nil))
		mustContain(t, p.Body, "Escalated: the next step runs now.", "Escalated</strong> by Max Member")
		if l := lineBy(t, f, id, tocsin.TimelineEscalated, "Max Member"); l.Channel != tocsin.ChannelWeb || !strings.Contains(l.Message, "escalated now") {
			t.Errorf("escalate line: %+v", l)
		}

		// Reassign to another policy: it replaces the alert's.
		p = b.follow(b.post(path+"/reassign", url.Values{"to": {"policy:payments-backup"}}))
		mustContain(t, p.Body, "Alert reassigned.", "Reassigned</strong> by Max Member", "reassigned to payments-backup")
		a, _ := f.app.DB.Alert(ctx, id)
		if a.Escalation.PolicyID != backup.ID || a.Escalation.PolicyID == main.ID {
			t.Fatalf("reassigned alert follows policy %d, want %d", a.Escalation.PolicyID, backup.ID)
		}
		for to, want := range map[string]string{
			"":                          "Choose a person or a policy",
			"user:nobody@example.com":   "user nobody@example.com not found",
			"schedule:payments-primary": "reassigned to a person or an escalation policy",
			"policy:nope":               "escalation policy nope not found",
		} {
			p := b.post(path+"/reassign", url.Values{"to": {to}})
			if p.Status != http.StatusSeeOther {
				t.Fatalf("reassign to %q: %d", to, p.Status)
			}
			mustContain(t, b.follow(p).Body, "flash-error", want)
		}

		// Acknowledged: escalation stops; reassigning to a person triggers it again.
		mustContain(t, b.follow(b.post(path+"/ack", nil)).Body, "Escalation stopped: acknowledged")
		p = b.get(path)
		mustNotContain(t, p.Body, `action="`+path+`/escalate"`)
		mustContain(t, b.follow(b.post(path+"/escalate", nil)).Body, "flash-error", "only a triggered alert escalates")
		p = b.follow(b.post(path+"/reassign", url.Values{"to": {"user:ADA@example.com"}}))
		mustContain(t, p.Body, "reassigned to Ada Admin")
		if a, _ := f.app.DB.Alert(ctx, id); a.Status != tocsin.StatusTriggered {
			t.Fatalf("reassigning an acknowledged alert leaves it %s", a.Status)
		}

		// Resolved: nothing more to do.
		p = b.follow(b.post(path+"/resolve", nil))
		mustContain(t, p.Body, "Escalation ended: resolved")
		mustNotContain(t, p.Body, `action="`+path+`/reassign"`, `action="`+path+`/escalate"`)
		mustContain(t, b.follow(b.post(path+"/reassign", url.Values{"to": {"user:max@example.com"}})).Body, "flash-error", "is resolved")

		if p := b.post("/alerts/999999/escalate", nil); p.Status != http.StatusNotFound {
			t.Errorf("escalate an unknown alert: %d", p.Status)
		}
		if p := b.post("/alerts/999999/reassign", url.Values{"to": {"user:max@example.com"}}); p.Status != http.StatusNotFound {
			t.Errorf("reassign an unknown alert: %d", p.Status)
		}
	})
}

func TestViewerCannotEscalateOrReassign(t *testing.T) {
	f := newFixture(t, "sqlite")
	f.paged(t)
	id := f.trigger(t, tocsin.AlertEvent{Summary: "x", DedupKey: "x"})
	b := newBrowser(t, f.app)
	b.login(f.viewer.Email)
	path := "/alerts/" + itoa(id)
	mustNotContain(t, b.get(path).Body, `/escalate"`, `/reassign"`)
	for _, action := range []string{"/escalate", "/reassign"} {
		if p := b.post(path+action, url.Values{"to": {"user:vic@example.com"}}); p.Status != http.StatusForbidden {
			t.Errorf("viewer %s: %d", action, p.Status)
		}
	}
	lines, _ := f.app.DB.Timeline(context.Background(), id)
	for _, l := range lines {
		if l.Actor == f.viewer.Name {
			t.Fatalf("a viewer changed the alert: %+v", l)
		}
	}
}

// TestAlertActionsWakeTheEngine checks that every action the engine must
// follow at once (a status update to send, a step due now) wakes it, and that
// a refused one does not.
func TestAlertActionsWakeTheEngine(t *testing.T) {
	f := newFixture(t, "sqlite")
	f.paged(t)
	var wakes atomic.Int32
	h, err := web.New(web.Options{DB: f.app.DB, Clock: f.app.Clock, Wake: func() { wakes.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	b := newBrowser(t, &testkit.App{App: f.app.App, URL: srv.URL, Clock: f.app.Clock})
	b.login(f.member.Email)
	one := f.trigger(t, tocsin.AlertEvent{Summary: "one", DedupKey: "one"})
	two := f.trigger(t, tocsin.AlertEvent{Summary: "two", DedupKey: "two"})

	steps := []struct {
		path string
		form url.Values
		want int32
	}{
		{"/alerts/" + itoa(one) + "/escalate", nil, 1},
		{"/alerts/" + itoa(one) + "/reassign", url.Values{"to": {"user:ada@example.com"}}, 2},
		{"/alerts/" + itoa(one) + "/ack", nil, 3},
		{"/alerts/" + itoa(one) + "/ack", nil, 3}, // already acknowledged: nothing changed
		{"/alerts/" + itoa(one) + "/escalate", nil, 3},
		{"/alerts/bulk", url.Values{"action": {"resolve"}, "id": {itoa(one), itoa(two)}}, 4},
		{"/alerts/" + itoa(two) + "/reassign", url.Values{"to": {"user:ada@example.com"}}, 4},
	}
	for _, s := range steps {
		if p := b.post(s.path, s.form); p.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", s.path, p.Status, excerpt(p.Body))
		}
		if got := wakes.Load(); got != s.want {
			t.Fatalf("after %s %v: %d wakes, want %d", s.path, s.form, got, s.want)
		}
	}
}
