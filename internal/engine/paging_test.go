package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// An alert arrives over HTTP; the person on call's phone gets an SMS at once,
// a call two minutes later, and the next step pages Bob ten minutes in. When
// Bob acknowledges, nothing more is sent.
func TestPagesEscalateUntilAcknowledged(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		p.person("alice@example.com", "Alice Martin", "sms +33612345678 0m high", "voice +33612345678 2m high")
		bob := p.person("bob@example.com", "Bob Durand", "sms +33698765432 0m high")
		p.policy("payments-default", 0, "0m user:alice@example.com", "10m user:bob@example.com")

		a := p.trigger("disk-db1", "Disk full on db1", "critical")
		sms := p.twilio.WaitMessages(t, 1)
		if sms[0].To != "+33612345678" || !strings.Contains(sms[0].Body, fmt.Sprintf("#%d", a.ID)) || !strings.Contains(sms[0].Body, fmt.Sprintf("4 %d", a.ID)) {
			t.Fatalf("first SMS = %+v", sms[0])
		}
		p.settle()
		if n := len(p.twilio.Calls()); n != 0 {
			t.Fatalf("a call left before its rule's 2 minutes: %d", n)
		}

		p.advance(2 * time.Minute)
		calls := p.twilio.WaitCalls(t, 1)
		if calls[0].To != "+33612345678" || !strings.HasPrefix(calls[0].URL, p.app.URL+"/twilio/voice/page/") {
			t.Fatalf("call = %+v", calls[0])
		}
		p.advance(7 * time.Minute)
		if n := len(p.twilio.Messages()); n != 1 {
			t.Fatalf("Bob was paged before the second step's 10 minutes: %d SMS", n)
		}
		p.advance(time.Minute)
		sms = p.twilio.WaitMessages(t, 2)
		if sms[1].To != "+33698765432" {
			t.Fatalf("second step paged %s, want Bob", sms[1].To)
		}

		if _, err := p.app.DB.ActOnAlerts(p.ctx, []int64{a.ID}, store.AlertAction{Action: tocsin.ActionAcknowledge, Actor: bob.Name, Channel: tocsin.ChannelWeb}, p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		p.advance(time.Hour)
		if len(p.twilio.Messages()) != 2 || len(p.twilio.Calls()) != 1 {
			t.Fatalf("after the acknowledgement: %d SMS, %d calls", len(p.twilio.Messages()), len(p.twilio.Calls()))
		}
		steps := p.timeline(a.ID, tocsin.TimelineEscalated)
		if len(steps) < 4 || !strings.Contains(steps[0], "step 1 of payments-default: Alice Martin") || !strings.Contains(strings.Join(steps, "\n"), "step 2 of payments-default: Bob Durand") {
			t.Errorf("escalation lines = %q", steps)
		}
		if sent := p.timeline(a.ID, tocsin.TimelineNotified); len(sent) != 3 {
			t.Errorf("notified lines = %q, want 3", sent)
		}
	})
}

// Acknowledging through the sender's own format (PagerDuty acknowledge)
// cancels the pages still to come; triggering again restarts from step one.
func TestAcknowledgeStopsAndRetriggerRestarts(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		alice := p.person("alice@example.com", "Alice Martin", "sms +33612345678 0m high", "voice +33612345678 2m high")
		p.policy("payments-default", 2, "0m user:alice@example.com")

		a := p.trigger("disk-db1", "Disk full on db1", "critical")
		p.twilio.WaitMessages(t, 1)
		ack := p.event("acknowledge", "disk-db1")
		if ack != 202 {
			t.Fatalf("acknowledge: HTTP %d", ack)
		}
		p.advance(time.Hour)
		if len(p.twilio.Messages()) != 1 || len(p.twilio.Calls()) != 0 {
			t.Fatalf("after acknowledgement: %d SMS, %d calls", len(p.twilio.Messages()), len(p.twilio.Calls()))
		}
		rows := p.waitRows(tocsin.NotificationFilter{AlertID: a.ID, Status: tocsin.NotificationCancelled}, 1)
		if rows[0].Type != tocsin.ContactVoice {
			t.Errorf("cancelled row = %+v", rows[0])
		}

		if _, err := p.app.DB.ActOnAlerts(p.ctx, []int64{a.ID}, store.AlertAction{Action: tocsin.ActionUnacknowledge, Actor: alice.Name, Channel: tocsin.ChannelWeb}, p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		p.twilio.WaitMessages(t, 2)
		p.advance(2 * time.Minute)
		p.twilio.WaitCalls(t, 1)
	})
}

// A low-urgency alert follows the low-urgency rules: an e-mail with a signed
// acknowledgement link, not a phone call.
func TestLowUrgencyByEmail(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		p.person("alice@example.com", "Alice Martin", "voice +33612345678 0m high", "email alice@example.com 0m low")
		p.policy("payments-default", 0, "0m user:alice@example.com")

		a := p.trigger("slow-api", "API latency <b>high</b>", "warning")
		mail := p.smtp.WaitFor(t, 1)
		if mail[0].To[0] != "alice@example.com" || !strings.Contains(mail[0].Subject, "API latency <b>high</b>") || !strings.Contains(mail[0].Subject, fmt.Sprintf("#%d", a.ID)) {
			t.Fatalf("mail = %+v", mail[0])
		}
		if !strings.Contains(mail[0].Text, p.app.URL+"/ack/") || strings.Contains(mail[0].HTML, "<b>high</b>") {
			t.Errorf("mail lacks its ack link, or shows the summary unescaped:\n%s\n%s", mail[0].Text, mail[0].HTML)
		}
		p.settle()
		if len(p.twilio.Calls()) != 0 {
			t.Error("a P3 alert rang a phone")
		}
	})
}

// During a maintenance window alerts are recorded, and nobody is paged.
func TestMaintenanceRecordsWithoutPaging(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		p.person("alice@example.com", "Alice Martin", "sms +33612345678 0m high")
		p.policy("payments-default", 0, "0m user:alice@example.com")
		svc, _ := p.app.DB.Service(p.ctx, p.svc.ID)
		// testkit's clock starts on a Monday at 08:00 UTC.
		svc.Maintenance = []tocsin.MaintenanceWindow{{Weekly: &tocsin.TimeWindow{Days: []string{"mon"}, Start: "07:30", End: "09:00", Timezone: "UTC"}}}
		if err := p.app.DB.UpdateService(p.ctx, svc); err != nil {
			t.Fatal(err)
		}
		a := p.trigger("disk-db1", "Disk full on db1", "critical")
		p.advance(time.Hour)
		if n := len(p.twilio.Messages()); n != 0 {
			t.Fatalf("%d SMS during maintenance", n)
		}
		if lines := p.timeline(a.ID, tocsin.TimelineMaintenance); len(lines) != 1 || !strings.Contains(lines[0], "every mon 07:30–09:00") {
			t.Errorf("maintenance lines = %q", lines)
		}
		// After the window, a new alert pages.
		p.trigger("disk-db2", "Disk full on db2", "critical")
		p.twilio.WaitMessages(t, 1)
	})
}

// Failure test 1: the SMS provider answers 500 for five minutes. Retries back
// off, the page is delivered after recovery, exactly once.
func TestProviderOutageRetriesThenDeliversOnce(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		p.person("alice@example.com", "Alice Martin", "sms +33612345678 0m high")
		p.policy("payments-default", 0, "0m user:alice@example.com")
		p.twilio.SetFailing(500, 20500)

		a := p.trigger("disk-db1", "Disk full on db1", "critical")
		p.twilio.WaitAttempts(t, 1)
		for elapsed := time.Duration(0); elapsed < 5*time.Minute; elapsed += 5 * time.Second {
			p.advance(5 * time.Second)
		}
		attempts := p.twilio.Attempts()
		// Back-off 5, 10, 20, 40, 80, 160 s: 7 tries in five minutes, not 60.
		if attempts < 5 || attempts > 8 {
			t.Errorf("%d attempts in five minutes of outage", attempts)
		}
		p.twilio.Recover()
		p.advance(10 * time.Minute)
		sms := p.twilio.WaitMessages(t, 1)
		p.advance(time.Hour)
		if len(p.twilio.Messages()) != 1 || sms[0].To != "+33612345678" {
			t.Fatalf("delivered %d times: %+v", len(p.twilio.Messages()), p.twilio.Messages())
		}
		if failed := p.timeline(a.ID, tocsin.TimelineNotifyFailed); len(failed) < 5 || !strings.Contains(failed[0], "retry 1 in 5s") {
			t.Errorf("failure lines = %q", failed)
		}
	})
}

// Failure test 2: a permanent provider error. The person's next method is used
// when its rule says; a person with no later rule is tried on another
// verified method at once.
func TestPermanentErrorFallsThrough(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		p.person("alice@example.com", "Alice Martin", "sms +33612345678 0m high", "voice +33612345678 3m high")
		bob := p.person("bob@example.com", "Bob Durand", "sms +33698765432 0m high")
		mail := &tocsin.ContactMethod{UserID: bob.ID, Name: "work", Type: tocsin.ContactEmail, Value: "bob@example.com"}
		if err := p.app.DB.CreateContactMethod(p.ctx, mail, p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		p.app.DB.MarkContactVerified(p.ctx, bob.ID, mail.ID, p.app.Clock.Now())
		p.policy("payments-default", 0, "0m user:alice@example.com,user:bob@example.com")

		p.twilio.SetFailing(400, 21211) // "The 'To' number is not a valid phone number"
		p.trigger("disk-db1", "Disk full on db1", "critical")
		got := p.smtp.WaitFor(t, 1)
		if got[0].To[0] != "bob@example.com" {
			t.Fatalf("fall-through mail went to %v", got[0].To)
		}
		p.twilio.Recover()
		p.advance(2 * time.Minute)
		if len(p.twilio.Calls()) != 0 {
			t.Fatal("Alice's call left before its rule's 3 minutes")
		}
		p.advance(time.Minute)
		if c := p.twilio.WaitCalls(t, 1); c[0].To != "+33612345678" {
			t.Fatalf("call to %s", c[0].To)
		}
		if n := len(p.twilio.Messages()); n != 0 {
			t.Fatalf("a refused SMS was retried: %d sent", n)
		}
	})
}

// Failure test 5: 2,000 alerts in 10 seconds for one on-call person make a
// bounded number of messages, each alert accounted for.
func TestAlertStormIsBundled(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		p.person("alice@example.com", "Alice Martin", "sms +33612345678 0m high")
		p.policy("payments-default", 0, "0m user:alice@example.com")

		const storm = 2000
		for i := 0; i < storm; i++ {
			p.trigger(fmt.Sprintf("host-%d", i), fmt.Sprintf("Host %d down", i), "critical")
			if i%200 == 199 {
				p.app.Clock.Advance(time.Second)
			}
		}
		p.advance(2 * time.Minute)
		p.advance(2 * time.Minute)
		sms := p.twilio.Messages()
		if len(sms) < 2 || len(sms) > 4 {
			t.Fatalf("%d SMS for a storm of %d alerts", len(sms), storm)
		}
		if !strings.Contains(sms[len(sms)-1].Body, "new alerts for you") {
			t.Errorf("bundle reads %q", sms[len(sms)-1].Body)
		}
		var reached int
		for _, s := range []tocsin.NotificationStatus{tocsin.NotificationSent, tocsin.NotificationBundled} {
			rows, err := p.app.DB.Notifications(p.ctx, tocsin.NotificationFilter{Status: s, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			reached += len(rows)
			for before := int64(0); len(rows) == 500; {
				before = rows[len(rows)-1].ID
				rows, _ = p.app.DB.Notifications(p.ctx, tocsin.NotificationFilter{Status: s, Before: before, Limit: 500})
				reached += len(rows)
			}
		}
		if reached != storm {
			t.Errorf("%d of %d pages sent or bundled", reached, storm)
		}
	})
}

// Those paged who asked for status updates are told who acknowledged, but
// not the person who did it: they know.
func TestStatusUpdateSkipsWhoActed(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		alice := p.person("alice@example.com", "Alice Martin", "sms +33612345678 0m high")
		bob := p.person("bob@example.com", "Bob Durand", "sms +33698765432 0m high")
		for _, u := range []*tocsin.User{alice, bob} {
			if err := p.app.DB.SetNotifyPreferences(p.ctx, u.ID, tocsin.NotifyPreferences{StatusUpdates: true}); err != nil {
				t.Fatal(err)
			}
		}
		p.policy("payments-default", 0, "0m user:alice@example.com,user:bob@example.com")
		a := p.trigger("db-1", "Database db-1 down", "critical")
		p.twilio.WaitMessages(t, 2)
		p.settle() // the pages recorded as sent: those are who is told
		if _, err := p.app.DB.ActOnAlerts(p.ctx, []int64{a.ID}, store.AlertAction{Action: tocsin.ActionAcknowledge, Actor: alice.Name, UserID: alice.ID, Channel: tocsin.ChannelWeb}, p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		p.settle()
		sms := p.twilio.WaitMessages(t, 3)
		p.settle()
		if n := len(p.twilio.Messages()); n != 3 {
			t.Fatalf("%d SMS, want two pages and Bob's update", n)
		}
		if sms[2].To != "+33698765432" || !strings.Contains(sms[2].Body, "acknowledged by Alice Martin") {
			t.Errorf("the update went to %s: %q", sms[2].To, sms[2].Body)
		}
	})
}

// An SMS page keeps the summary whole when it can: a character outside
// GSM-7 (the French "n°", a dash) is written plain rather than holding the
// message to 70 characters, of which the summary got a dozen.
func TestSMSPageKeepsTheSummary(t *testing.T) {
	p := startPager(t, "sqlite")
	p.app.CreateUser("root@example.com", "Root", tocsin.RoleAdmin, "correct horse battery")
	bob := p.person("bob@example.com", "Bob Durand", "sms +33698765432 0m high")
	bob.Locale = "fr"
	if err := p.app.DB.UpdateUser(p.ctx, bob, ""); err != nil {
		t.Fatal(err)
	}
	p.policy("payments-default", 0, "0m user:bob@example.com")
	a := p.trigger("http-5xx", "checkout / payments / HTTP 5xx above 2% — checkout failing", "critical")
	sms := p.twilio.WaitMessages(t, 1)
	if want := fmt.Sprintf("Alerte P1 no%d sur checkout : checkout / payments / HTTP 5xx above 2%% - checkout failing (4 %d = prise en compte)", a.ID, a.ID); sms[0].Body != want {
		t.Errorf("SMS reads %q, want %q", sms[0].Body, want)
	}
}

// Two people paged for the same alerts, each throttled: when the throttles
// open in the same pass, each gets one message for their own pages only, not
// the other's (whose reply would then acknowledge alerts never sent to them),
// and no page goes in both. 60 alerts each: more than one pass claims, so
// each bundle also takes pages claimed beyond the pass.
func TestBundlesKeepToTheirDestination(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		p.person("alice@example.com", "Alice Martin", "sms +33612345678 0m high")
		p.person("bob@example.com", "Bob Durand", "sms +33698765432 0m high")
		p.policy("payments-default", 0, "0m user:alice@example.com,user:bob@example.com")

		p.trigger("db-1", "Database db-1 down", "critical")
		p.settle()
		p.twilio.WaitMessages(t, 2)
		p.advance(10 * time.Second)
		for i := 2; i <= 61; i++ {
			host := fmt.Sprintf("db-%d", i)
			p.trigger(host, "Database "+host+" down", "critical")
		}
		p.settle()
		p.advance(50 * time.Second)
		sms := p.twilio.WaitMessages(t, 4)
		p.settle()
		if len(p.twilio.Messages()) != 4 {
			t.Fatalf("%d SMS, want one each, then one bundle each", len(p.twilio.Messages()))
		}
		for _, m := range sms[2:] {
			if !strings.Contains(m.Body, "60 new alerts for you") {
				t.Errorf("bundle to %s reads %q, want its 60 alerts", m.To, m.Body)
			}
		}
		rows, err := p.app.DB.Notifications(p.ctx, tocsin.NotificationFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		head := map[int64]string{}
		for _, r := range rows {
			head[r.ID] = r.Destination
		}
		for _, r := range rows {
			if r.BundleID != 0 && head[r.BundleID] != r.Destination {
				t.Errorf("a page to %s went in the message to %s", r.Destination, head[r.BundleID])
			}
		}
	})
}

// A page to a person paged less than a minute ago by SMS is queued for the
// minute's end, and leaves then, not before and not later.
func TestThrottledPageLeavesWhenTheThrottleOpens(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		p.person("alice@example.com", "Alice Martin", "sms +33612345678 0m high")
		p.policy("payments-default", 0, "0m user:alice@example.com")

		p.trigger("db-1", "Database db-1 down", "critical")
		p.settle()
		first := p.twilio.WaitMessages(t, 1)
		opens := p.app.Clock.Now().Add(time.Minute)
		p.advance(10 * time.Second)
		second := p.trigger("db-2", "Database db-2 down", "critical")
		p.settle()
		held := p.waitRows(tocsin.NotificationFilter{AlertID: second.ID, Status: tocsin.NotificationPending}, 1)
		if !held[0].NextAttemptAt.Equal(opens) || held[0].Attempts != 0 {
			t.Fatalf("second page queued for %s after %d attempts, want %s (a minute after the first) and none", held[0].NextAttemptAt, held[0].Attempts, opens)
		}
		p.advance(opens.Sub(p.app.Clock.Now()) - time.Second)
		if n := len(p.twilio.Messages()); n != len(first) {
			t.Fatalf("%d SMS a second before the throttle opens, want %d", n, len(first))
		}
		p.advance(time.Second)
		sms := p.twilio.WaitMessages(t, 2)
		if !strings.Contains(sms[1].Body, "db-2") {
			t.Errorf("second SMS reads %q, want the second alert", sms[1].Body)
		}
	})
}

// People who asked for it are reminded before their shift, and the owning
// team is warned of a hole in the schedule, each once.
func TestShiftRemindersAndGapWarnings(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		alice := p.person("alice@example.com", "Alice Martin", "sms +33612345678 0m high", "voice +33612345678 0m high")
		if err := p.app.DB.SetNotifyPreferences(p.ctx, alice.ID, tocsin.NotifyPreferences{ShiftReminder: time.Hour}); err != nil {
			t.Fatal(err)
		}
		team, _ := p.app.DB.TeamByName(p.ctx, "payments")
		if err := p.app.DB.SetTeamMembers(p.ctx, team.ID, []tocsin.TeamMember{{UserID: alice.ID, Role: "member"}}); err != nil {
			t.Fatal(err)
		}
		// The clock reads Monday 08:00 UTC: Alice's first shift starts at 09:00,
		// and until then nobody is on call.
		s := &tocsin.Schedule{Name: "payments-primary", TeamID: team.ID, Timezone: "UTC", Layers: []tocsin.Layer{{
			Name: "daily", Participants: []int64{alice.ID}, Length: tocsin.ShiftLength{Count: 1, Unit: "d"}, Handoff: "09:00", Start: "2026-11-02"}}}
		if err := p.app.DB.CreateSchedule(p.ctx, s, p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		p.app.Clock.Advance(2 * time.Minute) // past the last look at schedules
		p.settle()
		sms := p.twilio.WaitMessages(t, 2)
		all := sms[0].Body + "\n" + sms[1].Body
		if !strings.Contains(all, "you are on call on payments-primary from Mon 2 Nov 09:00 UTC") || !strings.Contains(all, "nobody is on call on payments-primary") {
			t.Fatalf("messages = %q", all)
		}
		p.advance(2 * time.Minute)
		p.advance(2 * time.Minute)
		if n := len(p.twilio.Messages()); n != 2 || len(p.twilio.Calls()) != 0 {
			t.Fatalf("%d SMS and %d calls; reminders go once, never by phone", n, len(p.twilio.Calls()))
		}
	})
}
