package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// fixture makes a team, a service and an integration to send events through.
func fixture(t *testing.T, db *store.DB) *tocsin.Integration {
	t.Helper()
	ctx := context.Background()
	team := &tocsin.Team{Name: "payments"}
	if err := db.CreateTeam(ctx, team, t0); err != nil {
		t.Fatal(err)
	}
	svc := &tocsin.Service{Name: "checkout", TeamID: team.ID}
	if err := db.CreateService(ctx, svc, t0); err != nil {
		t.Fatal(err)
	}
	integ := &tocsin.Integration{Name: "prometheus", Type: tocsin.IntegrationPagerDuty, ServiceID: svc.ID}
	if _, err := db.CreateIntegration(ctx, integ, "", t0); err != nil {
		t.Fatal(err)
	}
	return integ
}

func event(action tocsin.EventAction, key, summary string) store.IngestItem {
	return store.IngestItem{Event: tocsin.AlertEvent{Action: action, DedupKey: key, Summary: summary, Channel: tocsin.ChannelPagerDuty}}
}

func apply(t *testing.T, db *store.DB, integ *tocsin.Integration, now time.Time, items ...store.IngestItem) []tocsin.EventResult {
	t.Helper()
	for i := range items {
		items[i].Integration = integ
	}
	res, err := db.ApplyEvents(context.Background(), items, now)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestAlertLifecycle(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)

		// A burst in one batch: created once, repeated twice, then acknowledged.
		res := apply(t, db, integ, t0,
			event(tocsin.ActionTrigger, "disk", "Disk full"),
			event(tocsin.ActionTrigger, "disk", "Disk full"),
			event(tocsin.ActionTrigger, "disk", "Disk full"),
			event(tocsin.ActionAcknowledge, "disk", ""),
		)
		if res[0].Outcome != tocsin.OutcomeCreated || res[1].Outcome != tocsin.OutcomeRepeated || res[3].Outcome != tocsin.OutcomeUpdated {
			t.Fatalf("outcomes = %+v", res)
		}
		id := res[0].AlertID
		a, err := db.Alert(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Occurrences != 3 || a.Status != tocsin.StatusAcknowledged || a.ServiceID != integ.ServiceID || a.Priority != tocsin.P3 {
			t.Fatalf("alert = %+v", a)
		}

		// The sender re-sends it (as Alertmanager does every repeat interval):
		// counted, still acknowledged.
		res = apply(t, db, integ, t0.Add(30*time.Second), event(tocsin.ActionTrigger, "disk", "Disk full"))
		if res[0].AlertID != id || res[0].Outcome != tocsin.OutcomeRepeated {
			t.Fatalf("re-send: %+v", res)
		}
		if a, _ = db.Alert(ctx, id); a.Status != tocsin.StatusAcknowledged || a.Occurrences != 4 {
			t.Fatalf("after a re-send: %+v", a)
		}

		// Reported as more urgent: priority raised, triggered again.
		worse := event(tocsin.ActionTrigger, "disk", "Disk full")
		worse.Event.Priority = tocsin.P1
		res = apply(t, db, integ, t0.Add(time.Minute), worse)
		if res[0].AlertID != id {
			t.Fatalf("re-trigger opened a new alert: %+v", res)
		}
		if a, _ = db.Alert(ctx, id); a.Status != tocsin.StatusTriggered || a.Priority != tocsin.P1 || a.Occurrences != 5 || a.AckedBy != "" {
			t.Fatalf("after a more urgent trigger: %+v", a)
		}

		// Resolve, then a trigger opens a fresh alert; a resolve of an unknown key is dropped.
		res = apply(t, db, integ, t0.Add(2*time.Minute),
			event(tocsin.ActionResolve, "disk", ""),
			event(tocsin.ActionTrigger, "disk", "Disk full again"),
			event(tocsin.ActionResolve, "nothing-open", ""),
		)
		if res[1].Outcome != tocsin.OutcomeCreated || res[1].AlertID == id || res[2].Outcome != tocsin.OutcomeDropped {
			t.Fatalf("outcomes = %+v", res)
		}
		if a, _ = db.Alert(ctx, id); a.Status != tocsin.StatusResolved || a.ResolvedAt.IsZero() {
			t.Fatalf("first alert not resolved: %+v", a)
		}

		var kinds []tocsin.TimelineKind
		timeline, err := db.Timeline(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range timeline {
			kinds = append(kinds, e.Kind)
		}
		// Escalated: the line that says why nobody is paged (no service).
		want := []tocsin.TimelineKind{tocsin.TimelineCreated, tocsin.TimelineEscalated, tocsin.TimelineAcknowledged, tocsin.TimelineRepeated, tocsin.TimelineRetriggered, tocsin.TimelineResolved}
		if msg := timeline[4].Message; msg != "triggered again: priority raised from P3 to P1" {
			t.Errorf("re-trigger reads %q", msg)
		}
		if len(kinds) != len(want) {
			t.Fatalf("timeline = %v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Fatalf("timeline = %v, want %v", kinds, want)
			}
		}
	})
}

func TestAlertFiltersAndActions(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)
		items := []store.IngestItem{
			event(tocsin.ActionTrigger, "a", "checkout / payments / 50%_errors"),
			event(tocsin.ActionTrigger, "b", "Disk full on db1"),
			event(tocsin.ActionTrigger, "c", "CPU high"),
		}
		items[0].Event.Labels = map[string]string{"app": "checkout", "squad": "payments"}
		items[0].Event.Priority = tocsin.P1
		res := apply(t, db, integ, t0, items...)

		cases := []struct {
			name   string
			filter tocsin.AlertFilter
			want   int
		}{
			{"all", tocsin.AlertFilter{}, 3},
			{"label pair", tocsin.AlertFilter{Label: "squad=payments"}, 1},
			{"label key", tocsin.AlertFilter{Label: "app"}, 1},
			{"label wrong value", tocsin.AlertFilter{Label: "squad=search"}, 0},
			{"labels match case exactly, on both engines", tocsin.AlertFilter{Label: "squad=PAYMENTS"}, 0},
			{"text search ignores case", tocsin.AlertFilter{Text: "disk FULL"}, 1},
			{"text", tocsin.AlertFilter{Text: "DISK"}, 1},
			{"text with wildcard is literal", tocsin.AlertFilter{Text: "%_"}, 1},
			{"priority", tocsin.AlertFilter{Priorities: []tocsin.Priority{tocsin.P1}}, 1},
			{"service", tocsin.AlertFilter{ServiceID: integ.ServiceID}, 3},
			{"page size", tocsin.AlertFilter{Limit: 2}, 2},
		}
		for _, c := range cases {
			got, total, err := db.Alerts(ctx, c.filter)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(got) != c.want {
				t.Errorf("%s: %d alerts, want %d", c.name, len(got), c.want)
			}
			if c.name == "page size" && total != 3 {
				t.Errorf("page size: total %d, want 3", total)
			}
		}

		// Bulk acknowledge; acknowledging again changes nothing.
		ids := []int64{res[0].AlertID, res[1].AlertID}
		changed, err := db.ActOnAlerts(ctx, ids, store.AlertAction{Action: tocsin.ActionAcknowledge, Actor: "Alice", Channel: tocsin.ChannelWeb}, t0.Add(time.Minute))
		if err != nil || len(changed) != 2 {
			t.Fatalf("ack: %v %v", changed, err)
		}
		changed, err = db.ActOnAlerts(ctx, ids, store.AlertAction{Action: tocsin.ActionAcknowledge, Actor: "Alice", Channel: tocsin.ChannelWeb}, t0.Add(time.Minute))
		if err != nil || len(changed) != 0 {
			t.Fatalf("second ack: %v %v", changed, err)
		}
		got, _, _ := db.Alerts(ctx, tocsin.AlertFilter{Statuses: []tocsin.AlertStatus{tocsin.StatusAcknowledged}})
		if len(got) != 2 || got[0].AckedBy != "Alice" || got[0].AckChannel != tocsin.ChannelWeb {
			t.Fatalf("acknowledged = %+v", got)
		}
		// An unknown alert in a bulk action changes nothing at all.
		_, err = db.ActOnAlerts(ctx, []int64{res[2].AlertID, 999999}, store.AlertAction{Action: tocsin.ActionResolve, Actor: "Alice"}, t0)
		if tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("unknown alert: %v", err)
		}
		if a, _ := db.Alert(ctx, res[2].AlertID); a.Status != tocsin.StatusTriggered {
			t.Fatalf("half-applied bulk action: %+v", a)
		}
	})
}

func TestIntegrationKeys(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := &tocsin.Integration{Name: "global", Type: tocsin.IntegrationGeneric}
		key, err := db.CreateIntegration(ctx, integ, "", t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(key) != 32 {
			t.Fatalf("key %q is not 32 characters", key)
		}
		if got, err := db.IntegrationByKey(ctx, key); err != nil || got.ID != integ.ID || !got.Global() {
			t.Fatalf("by key: %+v %v", got, err)
		}
		newKey, err := db.RotateIntegrationKey(ctx, integ.ID, "", t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.IntegrationByKey(ctx, key); tocsin.ErrorCode(err) != tocsin.EUNAUTHORIZED {
			t.Fatalf("old key still works: %v", err)
		}
		if err := db.RevokeIntegration(ctx, integ.ID, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := db.IntegrationByKey(ctx, newKey); tocsin.ErrorCode(err) != tocsin.EUNAUTHORIZED {
			t.Fatalf("revoked key still works: %v", err)
		}
	})
}

func TestUsersSessionsTokens(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		u := &tocsin.User{Email: "Alice@Example.com", Name: "Alice", Role: tocsin.RoleAdmin}
		if err := db.CreateUser(ctx, u, "correct horse battery", t0); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateUser(ctx, &tocsin.User{Email: "alice@example.com", Name: "Other"}, "", t0); tocsin.ErrorCode(err) != tocsin.ECONFLICT {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		if _, err := db.Authenticate(ctx, "alice@example.com", "wrong password"); tocsin.ErrorCode(err) != tocsin.EUNAUTHORIZED {
			t.Fatalf("wrong password: %v", err)
		}
		got, err := db.Authenticate(ctx, "ALICE@example.com", "correct horse battery")
		if err != nil || got.ID != u.ID {
			t.Fatalf("login: %+v %v", got, err)
		}
		session, err := db.CreateSession(ctx, u.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.SessionUser(ctx, session, t0.Add(time.Hour)); err != nil || got.ID != u.ID {
			t.Fatalf("session: %v", err)
		}
		// Used on day 20, the session lasts until 30 days after that use.
		day := 24 * time.Hour
		if _, err := db.SessionUser(ctx, session, t0.Add(20*day)); err != nil {
			t.Fatalf("session on day 20: %v", err)
		}
		if _, err := db.SessionUser(ctx, session, t0.Add(45*day)); err != nil {
			t.Fatalf("session on day 45, 25 days after its last use: %v", err)
		}
		if _, err := db.SessionUser(ctx, session, t0.Add(45*day+tocsin.SessionLifetime+time.Hour)); err == nil {
			t.Fatal("a session unused for longer than its lifetime still works")
		}
		tok, secret, err := db.CreateAPIToken(ctx, u.ID, "ci", t0)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.APITokenUser(ctx, secret, t0); err != nil || got.ID != u.ID {
			t.Fatalf("token: %v", err)
		}
		if err := db.RevokeAPIToken(ctx, u.ID, tok.ID, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := db.APITokenUser(ctx, secret, t0); err == nil {
			t.Fatal("revoked token still works")
		}
	})
}

// A noisy alert counts every repeat but writes at most one timeline line a
// minute, with the number of repeats it stands for.
func TestRepeatsLoggedOnceAMinute(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)
		trigger := func(at time.Time) { apply(t, db, integ, at, event(tocsin.ActionTrigger, "noisy", "Queue backlog")) }
		trigger(t0)                       // created
		trigger(t0.Add(10 * time.Second)) // logged: the first repeat
		for i := 1; i <= 5; i++ {         // counted quietly
			trigger(t0.Add(time.Duration(10+i) * time.Second))
		}
		trigger(t0.Add(2 * time.Minute)) // logged with the quiet ones
		alerts, _, err := db.Alerts(ctx, tocsin.AlertFilter{})
		if err != nil || len(alerts) != 1 {
			t.Fatalf("alerts: %v %v", alerts, err)
		}
		if alerts[0].Occurrences != 8 {
			t.Fatalf("occurrences = %d, want 8", alerts[0].Occurrences)
		}
		timeline, _ := db.Timeline(ctx, alerts[0].ID)
		var repeats []string
		for _, e := range timeline {
			if e.Kind == tocsin.TimelineRepeated {
				repeats = append(repeats, e.Message)
			}
		}
		if len(repeats) != 2 || repeats[0] != "received again" || repeats[1] != "received again 6 times" {
			t.Fatalf("repeat lines = %q", repeats)
		}
	})
}

// Closing an alert by its number twice (Opsgenie identifierType=id) closes it
// once: the second close finds no open alert and changes nothing.
func TestCloseByIDTwice(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)
		id := apply(t, db, integ, t0, event(tocsin.ActionTrigger, "k", "Queue stuck"))[0].AlertID
		closeIt := store.IngestItem{Event: tocsin.AlertEvent{Action: tocsin.ActionResolve, AlertID: id, Actor: "first", Channel: tocsin.ChannelOpsgenie}}
		apply(t, db, integ, t0.Add(time.Minute), closeIt)
		closeIt.Event.Actor = "second"
		if res := apply(t, db, integ, t0.Add(2*time.Minute), closeIt); res[0].Outcome != tocsin.OutcomeDropped {
			t.Fatalf("second close: %+v", res)
		}
		a, _ := db.Alert(ctx, id)
		if a.ResolvedBy != "first" || !a.ResolvedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("the second close rewrote the first: %+v", a)
		}
	})
}

// A batch's new alerts are written together: each event's result names its
// own alert, even when two integrations use the same key, and events that
// change a new alert later in the batch (a note, a more urgent trigger, a
// close) find it written.
func TestNewAlertsOfOneBatch(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)
		other := &tocsin.Integration{Name: "grafana", Type: tocsin.IntegrationPagerDuty, ServiceID: integ.ServiceID}
		if _, err := db.CreateIntegration(ctx, other, "", t0); err != nil {
			t.Fatal(err)
		}
		items := []store.IngestItem{
			event(tocsin.ActionTrigger, "cpu", "CPU hot on web-1"),
			event(tocsin.ActionTrigger, "disk", "Disk full on db-1"),
			event(tocsin.ActionTrigger, "cpu", "CPU hot on web-1"),
			event(tocsin.ActionTrigger, "cpu", "CPU hot (Grafana)"),
			event(tocsin.ActionTrigger, "queue", "Queue stuck"),
			event(tocsin.ActionNote, "disk", ""),
			event(tocsin.ActionTrigger, "disk", "Disk full on db-1"),
			event(tocsin.ActionResolve, "queue", ""),
			event(tocsin.ActionTrigger, "queue", "Queue stuck again"),
		}
		for i := range items {
			items[i].Integration = integ
		}
		items[3].Integration = other
		items[4].Event.RequestID = "req-queue"
		items[5].Event.Note = "db-1 is the primary"
		items[6].Event.Priority = tocsin.P1
		res, err := db.ApplyEvents(ctx, items, t0)
		if err != nil {
			t.Fatal(err)
		}
		outcomes := []tocsin.EventOutcome{tocsin.OutcomeCreated, tocsin.OutcomeCreated, tocsin.OutcomeRepeated, tocsin.OutcomeCreated, tocsin.OutcomeCreated,
			tocsin.OutcomeUpdated, tocsin.OutcomeUpdated, tocsin.OutcomeUpdated, tocsin.OutcomeCreated}
		for i, want := range outcomes {
			if res[i].Outcome != want {
				t.Fatalf("event %d: outcome %s, want %s (%+v)", i, res[i].Outcome, want, res)
			}
		}
		cpu, disk, grafana, queue, again := res[0].AlertID, res[1].AlertID, res[3].AlertID, res[4].AlertID, res[8].AlertID
		if res[2].AlertID != cpu || res[5].AlertID != disk || res[6].AlertID != disk || res[7].AlertID != queue {
			t.Fatalf("events about one alert name different alerts: %+v", res)
		}
		want := map[int64]struct {
			summary  string
			priority tocsin.Priority
			status   tocsin.AlertStatus
			count    int
			timeline []tocsin.TimelineKind
		}{
			cpu:     {"CPU hot on web-1", tocsin.P3, tocsin.StatusTriggered, 2, []tocsin.TimelineKind{tocsin.TimelineCreated, tocsin.TimelineRepeated}},
			disk:    {"Disk full on db-1", tocsin.P1, tocsin.StatusTriggered, 2, []tocsin.TimelineKind{tocsin.TimelineCreated, tocsin.TimelineNote, tocsin.TimelineUpdated}},
			grafana: {"CPU hot (Grafana)", tocsin.P3, tocsin.StatusTriggered, 1, []tocsin.TimelineKind{tocsin.TimelineCreated}},
			queue:   {"Queue stuck", tocsin.P3, tocsin.StatusResolved, 1, []tocsin.TimelineKind{tocsin.TimelineCreated, tocsin.TimelineResolved}},
			again:   {"Queue stuck again", tocsin.P3, tocsin.StatusTriggered, 1, []tocsin.TimelineKind{tocsin.TimelineCreated}},
		}
		if len(want) != 5 {
			t.Fatalf("five alerts expected, results name %d: %+v", len(want), res)
		}
		for id, w := range want {
			a, err := db.Alert(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Summary != w.summary || a.Priority != w.priority || a.Status != w.status || a.Occurrences != w.count {
				t.Errorf("alert %d = %q %s %s ×%d, want %+v", id, a.Summary, a.Priority, a.Status, a.Occurrences, w)
			}
			lines, err := db.Timeline(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []tocsin.TimelineKind
			for _, l := range lines {
				if l.Kind != tocsin.TimelineEscalated { // no policy: the line saying so
					kinds = append(kinds, l.Kind)
				}
			}
			if fmt.Sprint(kinds) != fmt.Sprint(w.timeline) {
				t.Errorf("alert %d (%s): timeline %v, want %v", id, w.summary, kinds, w.timeline)
			}
		}
		if a, _ := db.Alert(ctx, grafana); a.IntegrationID != other.ID {
			t.Errorf("Grafana's alert belongs to integration %d, want %d", a.IntegrationID, other.ID)
		}
		req, err := db.IngestRequest(ctx, integ.ID, "req-queue")
		if err != nil {
			t.Fatal(err)
		}
		if req.AlertID != queue || req.Status != "Created alert" || !req.Success || req.Action != "Create" || req.Alias != "queue" {
			t.Errorf("request outcome = %+v, want alert %d created", req, queue)
		}
	})
}

// AlertsByID reads the alerts that exist among any number of ids, none
// included, with one statement whatever their number.
func TestAlertsByID(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)
		res := apply(t, db, integ, t0, event(tocsin.ActionTrigger, "a", "A"), event(tocsin.ActionTrigger, "b", "B"), event(tocsin.ActionTrigger, "c", "C"))
		ids := []int64{res[0].AlertID, res[2].AlertID, res[2].AlertID + 1000}
		got, err := db.AlertsByID(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[ids[0]] == nil || got[ids[0]].Summary != "A" || got[ids[1]] == nil || got[ids[1]].Summary != "C" {
			t.Fatalf("AlertsByID(%v) = %v, want A and C only", ids, got)
		}
		for _, none := range [][]int64{nil, {}} {
			got, err := db.AlertsByID(ctx, none)
			if err != nil || len(got) != 0 {
				t.Fatalf("AlertsByID(%v) = %v, %v; want none", none, got, err)
			}
		}
	})
}
