package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/notify/slack"
	"github.com/tocsin/tocsin/internal/testkit"
)

func sender(f *testkit.FakeSlack) *slack.Sender {
	return slack.New(slack.Options{APIURL: f.APIURL, BotToken: f.BotToken})
}

func alert(status tocsin.AlertStatus) *tocsin.Alert {
	return &tocsin.Alert{ID: 42, Summary: "Disk full on db1", Priority: tocsin.P1, Status: status}
}

// blocks decodes a message's blocks generically.
func blocks(t *testing.T, p testkit.SlackPost) []map[string]any {
	t.Helper()
	var bs []map[string]any
	if err := json.Unmarshal(p.Blocks, &bs); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	return bs
}

func TestPostThenUpdateInPlace(t *testing.T) {
	f := testkit.StartFakeSlack(t)
	s := sender(f)
	page := notify.Message{
		Kind: tocsin.NotifyChat, To: "C0123ABC", Locale: "en",
		Subject: "P1 #42 Disk full on db1 <!channel> & co",
		Text:    "P1 #42 Disk full on db1 <!channel> & co\n/var at 99% on db1.example.com",
		URL:     "https://tocsin.example.com/alerts/42", Alert: alert(tocsin.StatusTriggered),
	}
	id, err := s.Send(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts", len(posts))
	}
	p := posts[0]
	if id != p.Channel+"/"+p.TS || p.Channel != "C0123ABC" {
		t.Errorf("provider id %q for %s/%s", id, p.Channel, p.TS)
	}
	if p.Text != "P1 #42 Disk full on db1 &lt;!channel&gt; &amp; co" {
		t.Errorf("fallback text not escaped for mrkdwn: %q", p.Text)
	}
	if got := p.AllText(); got != "P1 #42 Disk full on db1 <!channel> & co\n/var at 99% on db1.example.com\nP1 · Triggered" {
		t.Errorf("shows:\n%s", got)
	}
	if got := p.ActionIDs(); !slices.Equal(got, []string{"ack", "resolve", "open"}) {
		t.Errorf("buttons %v", got)
	}
	for _, action := range []string{"ack", "resolve"} {
		if value, block, _, _ := p.Button(action); value != "42" || block != "alert-42" {
			t.Errorf("%s: value %q block %q", action, value, block)
		}
	}
	if _, _, u, _ := p.Button("open"); u != page.URL {
		t.Errorf("link %q", u)
	}
	bs := blocks(t, p)
	if bs[0]["type"] != "header" || bs[1]["text"].(map[string]any)["type"] != "plain_text" {
		t.Errorf("the alert's words are not plain text: %v", bs[:2])
	}

	acked := page
	acked.Kind, acked.Update = tocsin.NotifyStatus, id
	acked.Alert = alert(tocsin.StatusAcknowledged)
	acked.Alert.AckedBy = "Alice Martin"
	id2, err := s.Send(context.Background(), acked)
	if err != nil {
		t.Fatal(err)
	}
	if id2 != id {
		t.Errorf("update returned %q, want %q", id2, id)
	}
	posts = f.Posts()
	if len(posts) != 1 || !posts[0].Updated {
		t.Fatalf("not updated in place: %+v", posts)
	}
	if got := posts[0].AllText(); !strings.HasSuffix(got, "\nP1 · Acknowledged by Alice Martin") {
		t.Errorf("after ack shows:\n%s", got)
	}
	if got := posts[0].ActionIDs(); !slices.Equal(got, []string{"open"}) {
		t.Errorf("after ack, buttons %v: acknowledge and resolve should be gone", got)
	}
	if h := f.History(); len(h) != 2 || h[0].Updated || !h[1].Updated || !slices.Equal(h[0].ActionIDs(), []string{"ack", "resolve", "open"}) {
		t.Errorf("history %+v", h)
	}
}

func TestDirectMessageInFrench(t *testing.T) {
	f := testkit.StartFakeSlack(t)
	s := sender(f)
	a := alert(tocsin.StatusTriggered)
	m := notify.Message{Kind: tocsin.NotifyPage, To: "U0ALICE1", Locale: "fr", Subject: "P1 #42 Disque plein", Alert: a,
		URL: "https://tocsin.example.com/alerts/42"}
	id, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "D0ALICE1/") {
		t.Errorf("provider id %q, want the direct message's channel", id)
	}
	p := f.Posts()[0]
	if p.Channel != "D0ALICE1" || p.AllText() != "P1 #42 Disque plein\nP1 · Déclenchée" {
		t.Errorf("posted %s: %q", p.Channel, p.AllText())
	}
	bs := blocks(t, p)
	labels := bs[len(bs)-1]["elements"].([]any)
	if l := labels[0].(map[string]any)["text"].(map[string]any)["text"]; l != "Acquitter" {
		t.Errorf("button label %v", l)
	}

	a.Status, a.ResolvedBy = tocsin.StatusResolved, "Bruno"
	m.Update = id
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	p = f.Posts()[0]
	if !strings.HasSuffix(p.AllText(), "P1 · Résolue par Bruno") || !slices.Equal(p.ActionIDs(), []string{"open"}) {
		t.Errorf("after resolve: %q %v", p.AllText(), p.ActionIDs())
	}
}

func TestMessagesWithoutAlertAndLongTexts(t *testing.T) {
	f := testkit.StartFakeSlack(t)
	s := sender(f)
	if _, err := s.Send(context.Background(), notify.Message{Kind: tocsin.NotifyTest, To: "C0123ABC", Text: "Test from Tocsin: it works."}); err != nil {
		t.Fatal(err)
	}
	p := f.Posts()[0]
	if p.AllText() != "Test from Tocsin: it works." || len(p.ActionIDs()) != 0 {
		t.Errorf("test message: %q %v", p.AllText(), p.ActionIDs())
	}

	// Over Block Kit's limits (150 for a header, 3,000 for a section, 3,000
	// for a URL): cut or left out, never refused as invalid_blocks.
	long := notify.Message{To: "C0123ABC", Subject: strings.Repeat("s", 500), Text: strings.Repeat("t ", 4000),
		URL: "https://tocsin.example.com/" + strings.Repeat("u", 3000), Alert: alert(tocsin.StatusTriggered)}
	if _, err := s.Send(context.Background(), long); err != nil {
		t.Fatalf("long message: %v", err)
	}
	p = f.Posts()[1]
	if got := p.ActionIDs(); !slices.Equal(got, []string{"ack", "resolve"}) {
		t.Errorf("buttons %v: the over-long link should be left out", got)
	}
	if bs := blocks(t, p); bs[0]["type"] != "section" {
		t.Errorf("a 500-character subject is a %v block, want a section", bs[0]["type"])
	}
}

func TestErrors(t *testing.T) {
	f := testkit.StartFakeSlack(t)
	s := sender(f)
	m := notify.Message{To: "C0123ABC", Subject: "P1 #42", Alert: alert(tocsin.StatusTriggered)}
	send := func(m notify.Message) error {
		_, err := s.Send(context.Background(), m)
		return err
	}

	for _, code := range []string{"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "account_inactive", "msg_too_long", "invalid_blocks"} {
		f.FailNext(code, 1)
		if err := send(m); !notify.IsPermanent(err) || !strings.Contains(err.Error(), code) {
			t.Errorf("%s: %v, want permanent", code, err)
		}
	}
	for _, code := range []string{"internal_error", "fatal_error", "service_unavailable", "request_timeout", "some_new_error"} {
		f.FailNext(code, 1)
		if err := send(m); err == nil || notify.IsPermanent(err) {
			t.Errorf("%s: %v, want retryable", code, err)
		}
	}
	f.FailNext("ratelimited", 1)
	err := send(m)
	if err == nil || notify.IsPermanent(err) || notify.RetryAfter(err) != time.Second {
		t.Errorf("rate limited: %v, RetryAfter %v", err, notify.RetryAfter(err))
	}
	f.FailNext("user_not_found", 1)
	if err := send(notify.Message{To: "U0GONE1", Subject: "x"}); !notify.IsPermanent(err) {
		t.Errorf("conversations.open user_not_found: %v", err)
	}
	if len(f.Posts()) != 0 {
		t.Fatalf("%d posts while failing", len(f.Posts()))
	}

	if err := send(notify.Message{To: "C0123ABC", Subject: "x", Update: "C0123ABC/1.2"}); !notify.IsPermanent(err) || !strings.Contains(err.Error(), "message_not_found") {
		t.Errorf("update of an unknown message: %v", err)
	}
	before := f.Attempts()
	for _, bad := range []notify.Message{{Subject: "x"}, {To: "C1", Subject: "x", Update: "C0123ABC"}} {
		if err := send(bad); !notify.IsPermanent(err) {
			t.Errorf("%+v: %v, want permanent", bad, err)
		}
	}
	if f.Attempts() != before {
		t.Error("a message with nowhere to go reached Slack")
	}

	wrong := slack.New(slack.Options{APIURL: f.APIURL, BotToken: "xoxb-wrong"})
	if _, err := wrong.Send(context.Background(), m); !notify.IsPermanent(err) || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("wrong token: %v", err)
	}
	if err := send(m); err != nil {
		t.Errorf("after the failures: %v", err)
	}
}

func TestHTTPFailures(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		permanent bool
	}{
		{"proxy 502", 502, "<html>bad gateway</html>", false},
		{"proxy 404", 404, "not found", true},
		{"200 that is not Slack", 200, "<html>hello</html>", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			_, err := slack.New(slack.Options{APIURL: srv.URL, BotToken: "x"}).Send(context.Background(), notify.Message{To: "C0123ABC", Subject: "x"})
			if err == nil || notify.IsPermanent(err) != tc.permanent {
				t.Errorf("%v: permanent %v, want %v", err, notify.IsPermanent(err), tc.permanent)
			}
		})
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := slack.New(slack.Options{APIURL: srv.URL, BotToken: "x"}).Send(context.Background(), notify.Message{To: "C0123ABC", Subject: "x"})
	if err == nil || notify.IsPermanent(err) {
		t.Errorf("connection refused: %v, want retryable", err)
	}
}
