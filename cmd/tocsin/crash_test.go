package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// childArgs, in the environment, makes this test binary run `tocsin` with
// those arguments (JSON) instead of the tests: a real process to kill -9.
const childArgs = "TOCSIN_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childArgs); args != "" {
		var list []string
		if err := json.Unmarshal([]byte(args), &list); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(run(context.Background(), list, &stdin{Reader: strings.NewReader("")}, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// process is a `tocsin serve` running as a child process.
type process struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer // its log, shown when a test fails
}

// spawn starts `tocsin serve` in a process of its own and waits until it serves.
func spawn(t *testing.T, tg target, tw *testkit.FakeTwilio) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := append([]string{"serve", "--listen", addr, "--public-url", "http://" + addr, "--log-level", "info", "--rate-limit", "0",
		"--twilio-auth-token", tw.AuthToken, "--twilio-account-sid", tw.AccountSID, "--twilio-from", "+15005550006", "--twilio-api-url", tw.URL}, tg.flag...)
	list, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgs+"="+string(list))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, url: "http://" + addr, stderr: &stderr}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("log of the process at %s:\n%s", p.url, stderr.String())
		}
	})
	select {
	case ok := <-testkit.Serving(out):
		if !ok {
			t.Fatalf("tocsin serve ended before serving: %s", stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("tocsin serve did not start: %s", stderr.String())
	}
	return p
}

// kill is kill -9: no shutdown, nothing flushed.
func (p *process) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
}

// crashSetup prepares a database: on checkout, Alice first (SMS at once) and
// Bob one minute later; on search, Carol. It returns their PagerDuty keys.
func crashSetup(t *testing.T, tg target) (checkout, search string) {
	t.Helper()
	ctx := context.Background()
	db := tg.open(t)
	now := time.Now()
	for _, u := range []struct{ email, name, phone string }{{"alice@example.com", "Alice Martin", "+33612345678"}, {"bob@example.com", "Bob Durand", "+33698765432"}, {"carol@example.com", "Carol Petit", "+33611223344"}} {
		user := &tocsin.User{Email: u.email, Name: u.name, Role: tocsin.RoleMember}
		if err := db.CreateUser(ctx, user, "", now); err != nil {
			t.Fatal(err)
		}
		c := &tocsin.ContactMethod{UserID: user.ID, Name: "mobile", Type: tocsin.ContactSMS, Value: u.phone}
		if err := db.CreateContactMethod(ctx, c, now); err != nil {
			t.Fatal(err)
		}
		db.MarkContactVerified(ctx, user.ID, c.ID, now)
		if err := db.AddNotificationRule(ctx, &tocsin.NotificationRule{UserID: user.ID, ContactMethodID: c.ID, Urgency: tocsin.UrgencyHigh}); err != nil {
			t.Fatal(err)
		}
	}
	policy := &tocsin.EscalationPolicy{Name: "payments-default", Steps: []tocsin.EscalationStep{
		{Targets: []tocsin.Target{{Kind: tocsin.TargetUser, Ref: "alice@example.com"}}},
		{Delay: time.Minute, Targets: []tocsin.Target{{Kind: tocsin.TargetUser, Ref: "bob@example.com"}}},
	}}
	if err := db.CreateEscalationPolicy(ctx, policy, now); err != nil {
		t.Fatal(err)
	}
	other := &tocsin.EscalationPolicy{Name: "search-default", Steps: []tocsin.EscalationStep{{Targets: []tocsin.Target{{Kind: tocsin.TargetUser, Ref: "carol@example.com"}}}}}
	if err := db.CreateEscalationPolicy(ctx, other, now); err != nil {
		t.Fatal(err)
	}
	for name, policy := range map[string]int64{"checkout": policy.ID, "search": other.ID} {
		svc := &tocsin.Service{Name: name, EscalationPolicyID: policy}
		if err := db.CreateService(ctx, svc, now); err != nil {
			t.Fatal(err)
		}
		key, err := db.CreateIntegration(ctx, &tocsin.Integration{Name: "prometheus", Type: tocsin.IntegrationPagerDuty, ServiceID: svc.ID}, "", now)
		if err != nil {
			t.Fatal(err)
		}
		if name == "checkout" {
			checkout = key
		} else {
			search = key
		}
	}
	// The children open the database themselves; this handle must not hold the SQLite writer.
	db.Close()
	return checkout, search
}

func triggerAt(t *testing.T, base, key, dedup string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"routing_key": key, "event_action": "trigger", "dedup_key": dedup,
		"payload": map[string]any{"summary": "Disk full on " + dedup, "source": dedup, "severity": "critical"}})
	res, err := http.Post(base+"/v2/enqueue", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("trigger: HTTP %d", res.StatusCode)
	}
}

// sentTo counts the SMS each number received.
func sentTo(tw *testkit.FakeTwilio) map[string]int {
	n := map[string]int{}
	for _, m := range tw.Messages() {
		n[m.To]++
	}
	return n
}

// Failure test 3: `kill -9` of a real `tocsin serve` mid-escalation (SQLite).
// After a restart the next step fires on time, and nothing already sent is
// sent again.
func TestKilledServerResumesEscalation(t *testing.T) {
	t.Parallel()
	tw := testkit.StartFakeTwilio(t)
	tg := newTarget(t, "sqlite")
	key, _ := crashSetup(t, tg)

	first := spawn(t, tg, tw)
	start := time.Now()
	triggerAt(t, first.url, key, "db1")
	waitRecorded(t, tg, 1)
	first.kill()

	spawn(t, tg, tw)
	sms := tw.WaitMessagesUpTo(t, 2, 90*time.Second)
	late := sms[1].At.Sub(start)
	if sms[1].To != "+33698765432" || late < time.Minute || late > time.Minute+10*time.Second {
		t.Fatalf("second step: %s after the alert, to %s; want Bob one minute in", late, sms[1].To)
	}
	if got := sentTo(tw); got["+33612345678"] != 1 || got["+33698765432"] != 1 {
		t.Fatalf("SMS per number after the restart: %v", got)
	}
}

// Failure test 4: two processes on PostgreSQL, the leader is killed. The
// other takes over within seconds, escalation goes on, nothing is sent twice.
func TestLeaderFailover(t *testing.T) {
	t.Parallel()
	testkit.PostgresAdminURL(t) // skips (or fails under TOCSIN_REQUIRE_PG=1) without PostgreSQL
	tw := testkit.StartFakeTwilio(t)
	tg := newTarget(t, "postgres")
	checkout, search := crashSetup(t, tg)

	leader := spawn(t, tg, tw)
	follower := spawn(t, tg, tw)
	start := time.Now()
	// Received by the follower, paged by the leader.
	triggerAt(t, follower.url, checkout, "db1")
	waitRecorded(t, tg, 1)
	leader.kill()

	killed := time.Now()
	triggerAt(t, follower.url, search, "es1")
	sms := tw.WaitMessagesUpTo(t, 2, 30*time.Second)
	took := sms[1].At.Sub(killed)
	if sms[1].To != "+33611223344" || took > 10*time.Second {
		t.Fatalf("after the leader died, a new alert paged %s in %s", sms[1].To, took)
	}
	t.Logf("a new alert paged Carol %s after the leader was killed", took.Round(time.Millisecond))
	// The first alert's second step, due one minute in, comes from the new leader.
	sms = tw.WaitMessagesUpTo(t, 3, 90*time.Second)
	if late := sms[2].At.Sub(start); sms[2].To != "+33698765432" || late < time.Minute || late > time.Minute+10*time.Second {
		t.Fatalf("second step of the first alert: %s after it, to %s", late, sms[2].To)
	}
	if got := sentTo(tw); len(got) != 3 || got["+33612345678"] != 1 || got["+33698765432"] != 1 || got["+33611223344"] != 1 {
		t.Fatalf("SMS per number: %v", got)
	}
}

// waitRecorded waits until the database records n messages as sent: a kill
// after that is mid-escalation, between two steps.
func waitRecorded(t *testing.T, tg target, n int) {
	t.Helper()
	db := tg.open(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows, err := db.Notifications(context.Background(), tocsin.NotificationFilter{Status: tocsin.NotificationSent})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages recorded as sent, want %d", len(rows), n)
		}
		<-time.After(20 * time.Millisecond) // polls the database, not a guess at timing
	}
}
