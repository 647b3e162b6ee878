package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// heartbeatFixture makes a service paged by a policy and a heartbeat on it,
// created at t0: every hour, 5 minutes of grace.
func heartbeatFixture(t *testing.T, db *store.DB) *tocsin.Heartbeat {
	t.Helper()
	ctx := context.Background()
	u := &tocsin.User{Email: "alice@example.com", Name: "Alice", Role: tocsin.RoleMember}
	if err := db.CreateUser(ctx, u, "correct horse battery", t0); err != nil {
		t.Fatal(err)
	}
	policy := &tocsin.EscalationPolicy{Name: "backups", Steps: []tocsin.EscalationStep{{Targets: []tocsin.Target{{Kind: tocsin.TargetUser, Ref: u.Email}}}}}
	if err := db.CreateEscalationPolicy(ctx, policy, t0); err != nil {
		t.Fatal(err)
	}
	svc := &tocsin.Service{Name: "backups", EscalationPolicyID: policy.ID}
	if err := db.CreateService(ctx, svc, t0); err != nil {
		t.Fatal(err)
	}
	hb := &tocsin.Heartbeat{Name: "nightly-backup", ServiceID: svc.ID, Period: time.Hour, Grace: 5 * time.Minute}
	if err := db.CreateHeartbeat(ctx, hb, t0); err != nil {
		t.Fatal(err)
	}
	return hb
}

func check(t *testing.T, db *store.DB, at time.Time) int {
	t.Helper()
	n, err := db.CheckHeartbeats(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func ping(t *testing.T, db *store.DB, hb *tocsin.Heartbeat, suffix, body string, at time.Time) *tocsin.Heartbeat {
	t.Helper()
	p, err := tocsin.ParsePingPath(suffix)
	if err != nil {
		t.Fatal(err)
	}
	p.Body = body
	got, _, err := db.RecordPing(context.Background(), hb.UUID, p, at)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// heartbeatAlerts lists the alerts of a heartbeat's integration, oldest first.
func heartbeatAlerts(t *testing.T, db *store.DB, hb *tocsin.Heartbeat) []*tocsin.Alert {
	t.Helper()
	all, _, err := db.Alerts(context.Background(), tocsin.AlertFilter{Sort: "oldest", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var list []*tocsin.Alert
	for _, a := range all {
		if a.IntegrationID == hb.IntegrationID {
			list = append(list, a)
		}
	}
	return list
}

func TestHeartbeatMissedThenBack(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		hb := heartbeatFixture(t, db)
		if hb.State != tocsin.HeartbeatNew || len(hb.UUID) != 36 || !hb.DueAt.Equal(t0.Add(65*time.Minute)) || hb.Priority != tocsin.P2 {
			t.Fatalf("created: %+v", hb)
		}

		// Never pinged: not down before period + grace after its creation.
		if n := check(t, db, t0.Add(65*time.Minute)); n != 0 {
			t.Fatalf("down at the deadline itself: %d", n)
		}
		// Past it: down, one alert, however often the engine looks.
		late := t0.Add(65*time.Minute + time.Second)
		if n := check(t, db, late); n != 1 {
			t.Fatalf("past the deadline: %d went down, want 1", n)
		}
		if n := check(t, db, late.Add(time.Hour)); n != 0 {
			t.Fatalf("second check: %d more went down", n)
		}
		alerts := heartbeatAlerts(t, db, hb)
		if len(alerts) != 1 {
			t.Fatalf("%d alerts, want 1", len(alerts))
		}
		a := alerts[0]
		if a.Status != tocsin.StatusTriggered || a.Priority != tocsin.P2 || a.ServiceID != hb.ServiceID ||
			a.Summary != "Heartbeat nightly-backup missed: no ping since it was created at 2026-11-02 09:00 UTC" || a.Labels["heartbeat"] != "nightly-backup" {
			t.Fatalf("alert: %+v", a)
		}
		// The service's policy pages, as for any alert.
		if a.Escalation.PolicyID == 0 || a.Escalation.NextAt.IsZero() {
			t.Fatalf("not escalated: %+v", a.Escalation)
		}
		got, err := db.Heartbeat(ctx, hb.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != tocsin.HeartbeatDown || got.AlertID != a.ID || !got.DueAt.IsZero() {
			t.Fatalf("after the miss: %+v", got)
		}

		// The next good ping resolves it and counts the period from itself.
		back := late.Add(10 * time.Minute)
		got = ping(t, db, hb, "", "", back)
		if got.State != tocsin.HeartbeatUp || got.AlertID != 0 || !got.DueAt.Equal(back.Add(65*time.Minute)) || !got.LastSuccessAt.Equal(back) {
			t.Fatalf("after the ping: %+v", got)
		}
		if a, _ := db.Alert(ctx, a.ID); a.Status != tocsin.StatusResolved || a.ResolveChannel != tocsin.ChannelHeartbeat {
			t.Fatalf("alert after the ping: %+v", a)
		}
		// Pinged in time from then on: nothing opens.
		ping(t, db, hb, "", "", back.Add(time.Hour))
		if n := check(t, db, back.Add(time.Hour+time.Minute)); n != 0 {
			t.Fatalf("down although pinged: %d", n)
		}
		// Late again: a second alert, the first one stays resolved.
		if n := check(t, db, back.Add(2*time.Hour+6*time.Minute)); n != 1 {
			t.Fatalf("second miss: %d", n)
		}
		alerts = heartbeatAlerts(t, db, hb)
		if len(alerts) != 2 || alerts[1].Status != tocsin.StatusTriggered || !strings.Contains(alerts[1].Summary, "no ping since 2026-11-02 11:15 UTC") {
			t.Fatalf("after the second miss: %d alerts, last %+v", len(alerts), alerts[len(alerts)-1])
		}
	})
}

func TestHeartbeatFailureAndExitStatus(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		hb := heartbeatFixture(t, db)
		at := t0.Add(time.Minute)

		// Exit status 0 is a success.
		if got := ping(t, db, hb, "0", "", at); got.State != tocsin.HeartbeatUp {
			t.Fatalf("exit 0: %+v", got)
		}
		// A non-zero one opens the alert at once, with the body as its details.
		got := ping(t, db, hb, "3", "rsync: connection refused", at.Add(time.Minute))
		if got.State != tocsin.HeartbeatDown || got.AlertID == 0 || got.LastBody != "rsync: connection refused" {
			t.Fatalf("exit 3: %+v", got)
		}
		a, err := db.Alert(ctx, got.AlertID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Summary != "Heartbeat nightly-backup reported failure (exit status 3)" || a.Details != "rsync: connection refused" || a.Status != tocsin.StatusTriggered {
			t.Fatalf("alert: %+v", a)
		}
		// Failing again counts on the same alert; being down, no check opens another.
		ping(t, db, hb, "fail", "", at.Add(2*time.Minute))
		if n := check(t, db, at.Add(3*time.Hour)); n != 0 {
			t.Fatalf("check while down: %d", n)
		}
		if alerts := heartbeatAlerts(t, db, hb); len(alerts) != 1 || alerts[0].Occurrences != 2 {
			t.Fatalf("after a second failure: %d alerts, %+v", len(alerts), alerts[0])
		}
		// A log ping changes nothing; the next success resolves.
		if got := ping(t, db, hb, "log", "still broken", at.Add(3*time.Hour)); got.State != tocsin.HeartbeatDown || got.LastPingKind != tocsin.PingLog {
			t.Fatalf("log: %+v", got)
		}
		ping(t, db, hb, "0", "", at.Add(4*time.Hour))
		if a, _ := db.Alert(ctx, a.ID); a.Status != tocsin.StatusResolved {
			t.Fatalf("not resolved by exit 0: %+v", a)
		}

		// An unknown ping id is not found, and writes nothing.
		p, _ := tocsin.ParsePingPath("")
		if _, _, err := db.RecordPing(ctx, "00000000-0000-4000-8000-000000000000", p, at); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("unknown uuid: %v", err)
		}
	})
}

func TestHeartbeatRunningTooLong(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		db := testkit.OpenDB(t, engine)
		hb := heartbeatFixture(t, db)
		start := t0.Add(10 * time.Minute)
		got := ping(t, db, hb, "start", "", start)
		if !got.Running() || !got.DueAt.Equal(start.Add(5*time.Minute)) {
			t.Fatalf("after start: %+v (running %v)", got, got.Running())
		}
		if n := check(t, db, start.Add(5*time.Minute+time.Second)); n != 1 {
			t.Fatalf("a run over its grace: %d went down", n)
		}
		alerts := heartbeatAlerts(t, db, hb)
		if len(alerts) != 1 || alerts[0].Summary != "Heartbeat nightly-backup missed: started at 2026-11-02 09:10 UTC, not finished after 5m" {
			t.Fatalf("alerts: %+v", alerts)
		}
	})
}

// Two engines checking at the same instant open one alert between them.
func TestHeartbeatCheckRace(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		db := testkit.OpenDB(t, engine)
		hb := heartbeatFixture(t, db)
		late := t0.Add(2 * time.Hour)
		var wg sync.WaitGroup
		counts := make([]int, 2)
		errs := make([]error, 2)
		for i := range counts {
			wg.Go(func() { counts[i], errs[i] = db.CheckHeartbeats(context.Background(), late) })
		}
		wg.Wait()
		for _, err := range errs {
			// A lost race may say so (ECONFLICT); the next cycle sees it done.
			if err != nil && tocsin.ErrorCode(err) != tocsin.ECONFLICT {
				t.Fatal(err)
			}
		}
		if counts[0]+counts[1] != 1 {
			t.Fatalf("went down %d + %d times, want once", counts[0], counts[1])
		}
		if alerts := heartbeatAlerts(t, db, hb); len(alerts) != 1 || alerts[0].Occurrences != 1 {
			t.Fatalf("alerts: %d", len(alerts))
		}
	})
}

func TestHeartbeatEditAndDelete(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		hb := heartbeatFixture(t, db)
		other := &tocsin.Service{Name: "reports"}
		if err := db.CreateService(ctx, other, t0); err != nil {
			t.Fatal(err)
		}

		// Refused: same name twice, no service, a period in seconds.
		for _, bad := range []*tocsin.Heartbeat{
			{Name: "nightly-backup", ServiceID: other.ID, Period: time.Hour},
			{Name: "x", Period: time.Hour},
			{Name: "y", ServiceID: other.ID, Period: 90 * time.Second},
			{Name: "z", ServiceID: other.ID, Period: time.Hour, Grace: 8 * 24 * time.Hour},
		} {
			if err := db.CreateHeartbeat(ctx, bad, t0); err == nil {
				t.Errorf("created %+v", bad)
			}
		}

		// Moved and renamed: its integration follows; its deadline follows the new period.
		edit := &tocsin.Heartbeat{ID: hb.ID, Name: "weekly-report", ServiceID: other.ID, Period: 24 * time.Hour, Grace: time.Hour}
		if err := db.UpdateHeartbeat(ctx, edit, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if edit.ServiceName != "reports" || edit.UUID != hb.UUID || !edit.DueAt.Equal(t0.Add(25*time.Hour)) {
			t.Fatalf("after edit: %+v", edit)
		}
		integ, err := db.Integration(ctx, hb.IntegrationID)
		if err != nil {
			t.Fatal(err)
		}
		if integ.Name != "heartbeat-weekly-report" || integ.ServiceID != other.ID || integ.Type != tocsin.IntegrationHeartbeat {
			t.Fatalf("integration: %+v", integ)
		}
		if list, err := db.Heartbeats(ctx, other.ID); err != nil || len(list) != 1 {
			t.Fatalf("heartbeats of reports: %v %v", list, err)
		}
		if found, err := db.HeartbeatToPing(ctx, "weekly-report", hb.ServiceID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("found through its former service: %+v %v", found, err)
		}

		// Deleted while down: its alert is resolved, its integration gone.
		ping(t, db, hb, "fail", "", t0.Add(2*time.Minute))
		if err := db.DeleteHeartbeat(ctx, hb.ID, t0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Heartbeat(ctx, hb.ID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("still there: %v", err)
		}
		if _, err := db.Integration(ctx, hb.IntegrationID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("integration still there: %v", err)
		}
		open, _, err := db.Alerts(ctx, tocsin.AlertFilter{Statuses: []tocsin.AlertStatus{tocsin.StatusTriggered, tocsin.StatusAcknowledged}})
		if err != nil || len(open) != 0 {
			t.Fatalf("open alerts after delete: %d %v", len(open), err)
		}
	})
}
