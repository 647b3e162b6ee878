package slackapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/slackapp"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

const (
	secret  = "8f742231b10e8888abcd99yyyzzz85a5"
	channel = "D0ALICE01"
	ts      = "1793606400.000100"
)

// clicks is the endpoint on a database, with a fake Slack to click from.
type clicks struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	clock  *testkit.Clock
	slack  *testkit.FakeSlack
	url    string
	woken  atomic.Int32
	integ  *tocsin.Integration
	seq    int
	alice  *tocsin.User
	viewer *tocsin.User
}

func start(t *testing.T, engine, signingSecret string) *clicks {
	t.Helper()
	c := &clicks{t: t, ctx: context.Background(), db: testkit.OpenDB(t, engine), clock: testkit.NewClock(testkit.Epoch), slack: testkit.StartFakeSlack(t)}
	h := slackapp.New(slackapp.Options{DB: c.db, Clock: c.clock, SigningSecret: signingSecret, Wake: func() { c.woken.Add(1) }})
	mux := http.NewServeMux()
	h.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c.url = srv.URL + "/slack/interactions"

	team := &tocsin.Team{Name: "payments"}
	if err := c.db.CreateTeam(c.ctx, team, c.clock.Now()); err != nil {
		t.Fatal(err)
	}
	svc := &tocsin.Service{Name: "checkout", TeamID: team.ID}
	if err := c.db.CreateService(c.ctx, svc, c.clock.Now()); err != nil {
		t.Fatal(err)
	}
	c.integ = &tocsin.Integration{Name: "generic", Type: tocsin.IntegrationGeneric, ServiceID: svc.ID}
	if _, err := c.db.CreateIntegration(c.ctx, c.integ, "", c.clock.Now()); err != nil {
		t.Fatal(err)
	}
	c.alice = c.person("alice@example.com", "Alice Martin", tocsin.RoleMember, "U0ALICE01", true)
	c.viewer = c.person("vic@example.com", "Vic Viewer", tocsin.RoleViewer, "U0VIC0001", true)
	c.person("carol@example.com", "Carol", tocsin.RoleMember, "U0CAROL01", false)
	return c
}

func (c *clicks) person(email, name string, role tocsin.Role, member string, verified bool) *tocsin.User {
	c.t.Helper()
	u := &tocsin.User{Email: email, Name: name, Role: role}
	if err := c.db.CreateUser(c.ctx, u, "correct horse battery", c.clock.Now()); err != nil {
		c.t.Fatal(err)
	}
	m := &tocsin.ContactMethod{UserID: u.ID, Name: "slack", Type: tocsin.ContactSlack, Value: member}
	if err := c.db.CreateContactMethod(c.ctx, m, c.clock.Now()); err != nil {
		c.t.Fatal(err)
	}
	if verified {
		if err := c.db.MarkContactVerified(c.ctx, u.ID, m.ID, c.clock.Now()); err != nil {
			c.t.Fatal(err)
		}
	}
	return u
}

func (c *clicks) alert(summary string) int64 {
	c.t.Helper()
	c.seq++
	res, err := c.db.ApplyEvents(c.ctx, []store.IngestItem{{Integration: c.integ, Event: tocsin.AlertEvent{Action: tocsin.ActionTrigger,
		DedupKey: fmt.Sprint("k", c.seq), Summary: summary, Channel: tocsin.ChannelGeneric}}}, c.clock.Now())
	if err != nil {
		c.t.Fatal(err)
	}
	return res[0].AlertID
}

// postedToAlice records the alert's Slack message to Alice as the engine
// does once Slack took it: a sent page whose provider id is channel/ts.
func (c *clicks) postedToAlice(alertID int64) string {
	c.t.Helper()
	later := c.clock.Now().Add(time.Hour)
	n := &tocsin.Notification{Key: fmt.Sprint("test/", alertID), Kind: tocsin.NotifyPage, AlertID: alertID, UserID: c.alice.ID,
		Type: tocsin.ContactSlack, Destination: "U0ALICE01", NextAttemptAt: later}
	if _, err := c.db.Enqueue(c.ctx, n, c.clock.Now()); err != nil {
		c.t.Fatal(err)
	}
	claim, rows, err := c.db.ClaimDue(c.ctx, later, time.Minute, 10)
	if err != nil || len(rows) != 1 {
		c.t.Fatalf("claim: %d rows, %v", len(rows), err)
	}
	provider := channel + "/" + ts
	if err := c.db.Record(c.ctx, claim, []store.Outcome{{ID: n.ID, Status: tocsin.NotificationSent, ProviderID: provider}}, c.clock.Now()); err != nil {
		c.t.Fatal(err)
	}
	return provider
}

// click plays member clicking a button, signed at the instant at.
func (c *clicks) click(member, action, value string, at time.Time) (int, string) {
	c.t.Helper()
	res := c.slack.ClickButton(c.t, c.url, secret, member, channel, ts, action, value, at)
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func (c *clicks) alertNow(id int64) *tocsin.Alert {
	c.t.Helper()
	a, err := c.db.Alert(c.ctx, id)
	if err != nil {
		c.t.Fatal(err)
	}
	return a
}

// ephemeral returns the texts of the private answers posted so far, checking their form.
func (c *clicks) ephemeral() []string {
	c.t.Helper()
	var out []string
	for _, raw := range c.slack.Responses() {
		var m struct {
			ResponseType    string `json:"response_type"`
			ReplaceOriginal *bool  `json:"replace_original"`
			Text            string `json:"text"`
		}
		if err := json.Unmarshal(raw, &m); err != nil || m.ResponseType != "ephemeral" || m.ReplaceOriginal == nil || *m.ReplaceOriginal {
			c.t.Errorf("response %s: not an ephemeral message that leaves the original", raw)
		}
		out = append(out, m.Text)
	}
	return out
}

func TestClickAcknowledgesAndResolves(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		c := start(t, engine, secret)
		disk := c.alert("Disk full on db1")
		provider := c.postedToAlice(disk)

		status, body := c.click("U0ALICE01", "ack", strconv.FormatInt(disk, 10), c.clock.Now())
		if status != http.StatusOK || body != "" {
			t.Fatalf("ack click: %d %q, want an empty 200", status, body)
		}
		a := c.alertNow(disk)
		if a.Status != tocsin.StatusAcknowledged || a.AckedBy != "Alice Martin" || a.AckChannel != tocsin.ChannelSlack {
			t.Errorf("after the click: %s by %q via %s", a.Status, a.AckedBy, a.AckChannel)
		}
		if c.woken.Load() != 1 {
			t.Errorf("engine woken %d times, want 1", c.woken.Load())
		}
		// The message with the buttons is queued for rewriting in place.
		updates, err := c.db.Notifications(c.ctx, tocsin.NotificationFilter{Kind: tocsin.NotifyStatus, AlertID: disk})
		if err != nil || len(updates) != 1 || updates[0].Ref != provider || updates[0].Type != tocsin.ContactSlack {
			t.Errorf("updates queued: %+v %v", updates, err)
		}

		// Acknowledge again (a second person, a double click): nothing changes, nothing said.
		if status, _ := c.click("U0ALICE01", "ack", strconv.FormatInt(disk, 10), c.clock.Now()); status != http.StatusOK || c.woken.Load() != 1 {
			t.Errorf("second ack: %d, woken %d", status, c.woken.Load())
		}
		if status, _ := c.click("U0ALICE01", "resolve", strconv.FormatInt(disk, 10), c.clock.Now()); status != http.StatusOK {
			t.Errorf("resolve click: %d", status)
		}
		if a := c.alertNow(disk); a.Status != tocsin.StatusResolved || a.ResolvedBy != "Alice Martin" || a.ResolveChannel != tocsin.ChannelSlack {
			t.Errorf("after resolve: %+v", a)
		}
		// The link button is reported too: nothing to do.
		if status, body := c.click("U0ALICE01", "open", strconv.FormatInt(disk, 10), c.clock.Now()); status != http.StatusOK || body != "" {
			t.Errorf("open click: %d %q", status, body)
		}
		if got := c.ephemeral(); len(got) != 0 {
			t.Errorf("private answers to a known clicker: %q", got)
		}
	})
}

func TestClickByStrangersAndViewers(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		c := start(t, engine, secret)
		disk := c.alert("Disk full on db1")
		value := strconv.FormatInt(disk, 10)
		for _, member := range []string{"U0NOBODY1", "U0CAROL01"} { // unknown; Carol never verified hers
			if status, body := c.click(member, "ack", value, c.clock.Now()); status != http.StatusOK || body != "" {
				t.Errorf("%s: %d %q", member, status, body)
			}
		}
		c.click("U0VIC0001", "resolve", value, c.clock.Now())
		c.click("U0ALICE01", "ack", "999999", c.clock.Now())
		want := []string{
			"Your Slack account is not linked to Tocsin: add your member id as a Slack contact method in your profile.",
			"Your Slack account is not linked to Tocsin: add your member id as a Slack contact method in your profile.",
			"Your Tocsin account may not acknowledge or resolve alerts.",
			"Alert 999999 no longer exists.",
		}
		if got := c.ephemeral(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("private answers:\n%q\nwant\n%q", got, want)
		}
		if a := c.alertNow(disk); a.Status != tocsin.StatusTriggered || c.woken.Load() != 0 {
			t.Errorf("refused clicks changed the alert: %s, woken %d", a.Status, c.woken.Load())
		}
		if status, _ := c.click("U0ALICE01", "ack", "abc", c.clock.Now()); status != http.StatusBadRequest {
			t.Errorf("a value that is no alert: %d", status)
		}
	})
}

func TestClickSignatureChecked(t *testing.T) {
	c := start(t, "sqlite", secret)
	disk := c.alert("Disk full on db1")
	value := strconv.FormatInt(disk, 10)

	// Signed with another secret; replayed too late; from the future.
	if res := c.slack.ClickButton(t, c.url, "not-the-secret", "U0ALICE01", channel, ts, "ack", value, c.clock.Now()); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d", res.StatusCode)
	}
	for _, skew := range []time.Duration{-6 * time.Minute, 6 * time.Minute} {
		if status, body := c.click("U0ALICE01", "ack", value, c.clock.Now().Add(skew)); status != http.StatusUnauthorized || !strings.Contains(body, "5 minutes") {
			t.Errorf("timestamp %v away: %d %s", skew, status, body)
		}
	}
	// Unsigned, and signed but altered on the way.
	form := "payload=" + `{"type":"block_actions","user":{"id":"U0ALICE01"},"actions":[{"action_id":"ack","value":"` + value + `"}]}`
	for name, headers := range map[string]map[string]string{
		"unsigned": {},
		"altered":  {"X-Slack-Request-Timestamp": strconv.FormatInt(c.clock.Now().Unix(), 10), "X-Slack-Signature": testkit.SlackSignature(secret, c.clock.Now(), []byte(form+" "))},
	} {
		req, _ := http.NewRequest(http.MethodPost, c.url, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d", name, res.StatusCode)
		}
	}
	// Far too large: refused before anything is checked.
	res, err := http.Post(c.url, "application/x-www-form-urlencoded", strings.NewReader("payload="+strings.Repeat("x", 2<<20)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB: %d", res.StatusCode)
	}
	if a := c.alertNow(disk); a.Status != tocsin.StatusTriggered {
		t.Errorf("a refused request changed the alert: %s", a.Status)
	}
	// Signed right, now: it works (the refusals above were for their reasons).
	if status, _ := c.click("U0ALICE01", "ack", value, c.clock.Now().Add(-4*time.Minute)); status != http.StatusOK || c.alertNow(disk).Status != tocsin.StatusAcknowledged {
		t.Errorf("a click 4 minutes old: %d", status)
	}
}

func TestSlackNotConfigured(t *testing.T) {
	c := start(t, "sqlite", "")
	disk := c.alert("Disk full on db1")
	if status, body := c.click("U0ALICE01", "ack", strconv.FormatInt(disk, 10), c.clock.Now()); status != http.StatusNotFound || !strings.Contains(body, "not configured") {
		t.Errorf("no signing secret: %d %s", status, body)
	}
}
