package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// RunSteps records a whole batch of planned steps at once: a step runs only
// if its alert is still where the plan found it (an alert acknowledged
// meanwhile pages nobody), a message whose key exists is not queued again,
// and running the same plans twice pages nobody twice.
func TestRunStepsOnlyWhereThePlanStillHolds(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)
		policy := &tocsin.EscalationPolicy{Name: "checkout", Steps: []tocsin.EscalationStep{
			{Targets: []tocsin.Target{{Kind: tocsin.TargetWebhook, Ref: "https://hooks.example.com/a"}}},
			{Delay: 10 * time.Minute, Targets: []tocsin.Target{{Kind: tocsin.TargetWebhook, Ref: "https://hooks.example.com/b"}}},
		}}
		if err := db.CreateEscalationPolicy(ctx, policy, t0); err != nil {
			t.Fatal(err)
		}
		svc, err := db.Service(ctx, integ.ServiceID)
		if err != nil {
			t.Fatal(err)
		}
		svc.EscalationPolicyID = policy.ID
		if err := db.UpdateService(ctx, svc); err != nil {
			t.Fatal(err)
		}
		var items []store.IngestItem
		for i := range 5 {
			items = append(items, event(tocsin.ActionTrigger, fmt.Sprint("disk-", i), fmt.Sprint("Disk full on db-", i)))
		}
		apply(t, db, integ, t0, items...)

		now := t0.Add(time.Second)
		due, err := db.DueEscalations(ctx, now, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 5 {
			t.Fatalf("%d alerts due, want 5", len(due))
		}
		plan := func() []*store.StepRun {
			var runs []*store.StepRun
			for _, a := range due {
				runs = append(runs, &store.StepRun{Alert: a, NextStep: 1, NextAt: now.Add(10 * time.Minute),
					Queue: []*tocsin.Notification{
						{Key: fmt.Sprintf("chat/%d/a", a.ID), Kind: tocsin.NotifyChat, AlertID: a.ID, Type: tocsin.ContactWebhook, Destination: "https://hooks.example.com/a"},
						// The same message twice in one plan: queued once.
						{Key: fmt.Sprintf("chat/%d/a", a.ID), Kind: tocsin.NotifyChat, AlertID: a.ID, Type: tocsin.ContactWebhook, Destination: "https://hooks.example.com/a"},
					},
					Timeline: []store.TimelineLine{{AlertID: a.ID, Kind: tocsin.TimelineEscalated, Actor: "Tocsin", Channel: tocsin.ChannelEngine, Message: "step 1 of checkout: webhook hooks.example.com"}}})
			}
			return runs
		}
		runs := plan()
		// Between the plan and its recording, someone acknowledges one alert.
		acked := due[2].ID
		if _, err := db.ActOnAlerts(ctx, []int64{acked}, store.AlertAction{Action: tocsin.ActionAcknowledge, Actor: "Alice Martin", Channel: tocsin.ChannelWeb}, now); err != nil {
			t.Fatal(err)
		}
		// And another is reassigned to the policy: due now too, but from a
		// new trigger number, which the plan did not see.
		reassigned := due[4].ID
		if err := db.Reassign(ctx, reassigned, tocsin.Target{Kind: tocsin.TargetPolicy, Ref: "checkout"}, "Alice Martin", tocsin.ChannelWeb, now); err != nil {
			t.Fatal(err)
		}
		ran, err := db.RunSteps(ctx, runs, now)
		if err != nil {
			t.Fatal(err)
		}
		if ran != 3 {
			t.Fatalf("ran %d steps, want 3 (one alert was acknowledged meanwhile, one reassigned)", ran)
		}
		for _, run := range runs {
			first, second := run.Queue[0], run.Queue[1]
			if run.Alert.ID == acked || run.Alert.ID == reassigned {
				if first.ID != 0 || second.ID != 0 {
					t.Errorf("alert %d changed since the plan, yet its page was queued", run.Alert.ID)
				}
				continue
			}
			if first.ID == 0 || second.ID != 0 {
				t.Errorf("alert %d: queued ids %d and %d, want the first only", run.Alert.ID, first.ID, second.ID)
			}
			a, err := db.Alert(ctx, run.Alert.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a.Escalation.Step != 1 || !a.Escalation.NextAt.Equal(now.Add(10*time.Minute)) {
				t.Errorf("alert %d escalation = %+v, want step 2 due in 10 min", a.ID, a.Escalation)
			}
			if n := countTimeline(t, db, a.ID, "step 1 of checkout: webhook hooks.example.com"); n != 1 {
				t.Errorf("alert %d has the step's line %d times, want once", a.ID, n)
			}
		}
		if n := countTimeline(t, db, acked, "step 1 of checkout: webhook hooks.example.com"); n != 0 {
			t.Errorf("the acknowledged alert has the step's line %d times", n)
		}
		queued, err := db.Notifications(ctx, tocsin.NotificationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(queued) != 3 {
			t.Fatalf("%d messages queued, want 3", len(queued))
		}

		// The same plans again (a second engine, a retried cycle): nothing runs.
		if ran, err := db.RunSteps(ctx, plan(), now); err != nil || ran != 0 {
			t.Fatalf("second run: ran %d (%v), want 0", ran, err)
		}
		if again, _ := db.Notifications(ctx, tocsin.NotificationFilter{}); len(again) != 3 {
			t.Fatalf("%d messages after a second run, want 3", len(again))
		}

		// Claimed and put back for later (throttled): they wait until then,
		// unclaimed; a row another sender holds is left alone.
		claim, rows, err := db.ClaimDue(ctx, now, time.Minute, 2)
		if err != nil || len(rows) != 2 {
			t.Fatalf("claimed %d (%v), want 2", len(rows), err)
		}
		_, rest, err := db.ClaimDue(ctx, now, time.Minute, 10)
		if err != nil || len(rest) != 1 {
			t.Fatalf("second sender claimed %d (%v), want the 1 left", len(rest), err)
		}
		later := now.Add(time.Minute)
		var outcomes []store.Outcome
		for _, o := range append(rows, rest...) { // the other sender's row too, under the wrong claim
			outcomes = append(outcomes, store.Outcome{ID: o.ID, Status: tocsin.NotificationPending, Postpone: true, NextAt: later})
		}
		if err := db.Record(ctx, claim, outcomes, now); err != nil {
			t.Fatal(err)
		}
		for _, o := range rows {
			n, err := db.Notification(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if n.Status != tocsin.NotificationPending || !n.NextAttemptAt.Equal(later) || n.Attempts != 0 {
				t.Errorf("postponed message %d: %s, next %s, %d attempts; want pending at %s, no attempt", n.ID, n.Status, n.NextAttemptAt, n.Attempts, later)
			}
		}
		if n, _ := db.Notification(ctx, rest[0].ID); n.Status != tocsin.NotificationSending {
			t.Errorf("the other sender's message is %s, want still sending under its claim", n.Status)
		}
		if _, early, _ := db.ClaimDue(ctx, now.Add(59*time.Second), time.Minute, 10); len(early) != 0 {
			t.Errorf("%d postponed messages claimed before their time", len(early))
		}
		claim, ready, _ := db.ClaimDue(ctx, later, time.Minute, 10)
		if len(ready) != 2 {
			t.Fatalf("%d postponed messages claimed at their time, want 2", len(ready))
		}

		// Sent: recorded with the provider's id and a timeline line, for
		// the rows this claim holds only.
		outcomes = nil
		for i, o := range append(ready, rest...) {
			outcomes = append(outcomes, store.Outcome{ID: o.ID, Status: tocsin.NotificationSent, ProviderID: fmt.Sprint("delivery-", i),
				Timeline: []store.TimelineLine{{AlertID: o.AlertID, Kind: tocsin.TimelineNotified, Actor: "Tocsin", Channel: tocsin.ChannelEngine, Message: "webhook to hooks.example.com: sent"}}})
		}
		if err := db.Record(ctx, claim, outcomes, later); err != nil {
			t.Fatal(err)
		}
		for i, o := range ready {
			n, _ := db.Notification(ctx, o.ID)
			if n.Status != tocsin.NotificationSent || n.ProviderID != fmt.Sprint("delivery-", i) || !n.SentAt.Equal(later) || n.Attempts != 1 {
				t.Errorf("sent message %d: %s, provider %q, sent %s, %d attempts", n.ID, n.Status, n.ProviderID, n.SentAt, n.Attempts)
			}
			if c := countTimeline(t, db, o.AlertID, "webhook to hooks.example.com: sent"); c != 1 {
				t.Errorf("alert %d has the sent line %d times, want once", o.AlertID, c)
			}
		}
		if n, _ := db.Notification(ctx, rest[0].ID); n.Status != tocsin.NotificationSending {
			t.Errorf("the other sender's message is %s after another claim recorded it sent", n.Status)
		}
		if c := countTimeline(t, db, rest[0].AlertID, "webhook to hooks.example.com: sent"); c != 0 {
			t.Errorf("the other sender's alert got the sent line %d times", c)
		}
	})
}

func countTimeline(t *testing.T, db *store.DB, alertID int64, message string) int {
	t.Helper()
	entries, err := db.Timeline(context.Background(), alertID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Message == message {
			n++
		}
	}
	return n
}

// A new alert starts its escalation with its row: the policy of the hour
// (business hours or off-hours), its first step's delay, or a line saying
// why nobody is paged; a suppressed alert starts none.
func TestNewAlertsStartTheirEscalation(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)
		day := &tocsin.EscalationPolicy{Name: "day", Steps: []tocsin.EscalationStep{{Delay: 5 * time.Minute, Targets: []tocsin.Target{{Kind: tocsin.TargetWebhook, Ref: "https://hooks.example.com/day"}}}}}
		night := &tocsin.EscalationPolicy{Name: "night", Steps: []tocsin.EscalationStep{{Targets: []tocsin.Target{{Kind: tocsin.TargetWebhook, Ref: "https://hooks.example.com/night"}}}}}
		for _, p := range []*tocsin.EscalationPolicy{day, night} {
			if err := db.CreateEscalationPolicy(ctx, p, t0); err != nil {
				t.Fatal(err)
			}
		}
		svc, err := db.Service(ctx, integ.ServiceID)
		if err != nil {
			t.Fatal(err)
		}
		svc.EscalationPolicyID, svc.OffHoursPolicyID = day.ID, night.ID
		svc.BusinessHours = &tocsin.TimeWindow{Timezone: "Europe/Paris", Start: "09:00", End: "18:00"}
		if err := db.UpdateService(ctx, svc); err != nil {
			t.Fatal(err)
		}
		started := func(key string, at time.Time, suppress bool) *tocsin.Alert {
			t.Helper()
			item := event(tocsin.ActionTrigger, key, "Disk full")
			item.Suppress = suppress
			res := apply(t, db, integ, at, item)
			a, err := db.Alert(ctx, res[0].AlertID)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		offHours := "outside the service's business hours: the off-hours escalation policy applies"

		// Monday 11:00 in Paris: the day policy, first step in 5 minutes.
		monday := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		a := started("day", monday, false)
		if a.Escalation.PolicyID != day.ID || !a.Escalation.NextAt.Equal(monday.Add(5*time.Minute)) {
			t.Errorf("in business hours: policy %d due %v, want %d due %v", a.Escalation.PolicyID, a.Escalation.NextAt, day.ID, monday.Add(5*time.Minute))
		}
		if n := countTimeline(t, db, a.ID, offHours); n != 0 {
			t.Errorf("in business hours: %d off-hours lines", n)
		}

		// Monday 23:00 in Paris: the night policy, at once, said in the timeline.
		late := time.Date(2026, 11, 2, 22, 0, 0, 0, time.UTC)
		a = started("night", late, false)
		if a.Escalation.PolicyID != night.ID || !a.Escalation.NextAt.Equal(late) {
			t.Errorf("off hours: policy %d due %v, want %d due %v", a.Escalation.PolicyID, a.Escalation.NextAt, night.ID, late)
		}
		if n := countTimeline(t, db, a.ID, offHours); n != 1 {
			t.Errorf("off hours: %d off-hours lines, want 1", n)
		}
		if due, err := db.DueEscalations(ctx, late, 10); err != nil || len(due) != 2 {
			t.Fatalf("due at 23:00: %d alerts (%v), want both", len(due), err)
		}

		// Suppressed by a rule: nothing starts.
		a = started("quiet", late, true)
		if a.Escalation.PolicyID != 0 || !a.Escalation.NextAt.IsZero() {
			t.Errorf("suppressed: policy %d due %v, want none", a.Escalation.PolicyID, a.Escalation.NextAt)
		}

		// No policy at all: nothing due, and the timeline says why.
		svc.EscalationPolicyID, svc.OffHoursPolicyID, svc.BusinessHours = 0, 0, nil
		if err := db.UpdateService(ctx, svc); err != nil {
			t.Fatal(err)
		}
		a = started("nobody", late, false)
		if a.Escalation.PolicyID != 0 || !a.Escalation.NextAt.IsZero() {
			t.Errorf("no policy: policy %d due %v, want none", a.Escalation.PolicyID, a.Escalation.NextAt)
		}
		if n := countTimeline(t, db, a.ID, "the service has no escalation policy: nobody is paged"); n != 1 {
			t.Errorf("no policy: %d lines saying so, want 1", n)
		}
	})
}

// Resolving an alert cancels its pages and chat messages still waiting to
// go, saying why; sent ones, other kinds and other alerts' stay as they are.
func TestResolvingCancelsWaitingPages(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)
		res := apply(t, db, integ, t0, event(tocsin.ActionTrigger, "disk", "Disk full"), event(tocsin.ActionTrigger, "cpu", "CPU hot"))
		disk, cpu := res[0].AlertID, res[1].AlertID
		queue := func(key string, kind tocsin.NotificationKind, alertID int64) int64 {
			n := &tocsin.Notification{Key: key, Kind: kind, AlertID: alertID, Type: tocsin.ContactSMS, Destination: "+33612345678", Text: key}
			if ok, err := db.Enqueue(ctx, n, t0); err != nil || !ok {
				t.Fatalf("enqueue %s: %t, %v", key, ok, err)
			}
			return n.ID
		}
		page, chat, status := queue("page/disk", tocsin.NotifyPage, disk), queue("chat/disk", tocsin.NotifyChat, disk), queue("status/disk", tocsin.NotifyStatus, disk)
		otherPage := queue("page/cpu", tocsin.NotifyPage, cpu)
		later := t0.Add(time.Minute)
		apply(t, db, integ, later, event(tocsin.ActionResolve, "disk", ""))
		for id, want := range map[int64]tocsin.NotificationStatus{page: tocsin.NotificationCancelled, chat: tocsin.NotificationCancelled, status: tocsin.NotificationPending, otherPage: tocsin.NotificationPending} {
			n, err := db.Notification(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if n.Status != want || (want == tocsin.NotificationCancelled && !strings.Contains(n.Error, "resolved")) {
				t.Errorf("%s after the resolve: %s (%q), want %s", n.Key, n.Status, n.Error, want)
			}
		}
	})
}
