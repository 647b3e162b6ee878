package testkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/notify/slack"
	"github.com/tocsin/tocsin/internal/testkit"
)

// slackCall calls a Web API method of the fake and decodes the reply.
func slackCall(t *testing.T, f *testkit.FakeSlack, method, token, contentType, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.APIURL+method, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var reply map[string]any
	if err := json.NewDecoder(res.Body).Decode(&reply); err != nil {
		t.Fatalf("%s: reply is not JSON: %v", method, err)
	}
	return res.StatusCode, res.Header, reply
}

func TestFakeSlackSpeaksLikeSlack(t *testing.T) {
	f := testkit.StartFakeSlack(t)
	const js = "application/json; charset=utf-8"
	for _, tc := range []struct {
		name, token, ctype, body, err string
	}{
		{"no token", "", js, `{"channel":"C1AB","text":"x"}`, "not_authed"},
		{"wrong token", "xoxb-other", js, `{"channel":"C1AB","text":"x"}`, "invalid_auth"},
		{"no text", f.BotToken, js, `{"channel":"C1AB"}`, "no_text"},
		{"not a channel id", f.BotToken, js, `{"channel":"#general","text":"x"}`, "channel_not_found"},
		{"button label over 75", f.BotToken, js, `{"channel":"C1AB","text":"x","blocks":[{"type":"actions","elements":[{"type":"button","action_id":"a","text":{"type":"plain_text","text":"` + strings.Repeat("b", 76) + `"}}]}]}`, "invalid_blocks"},
		{"header over 150", f.BotToken, js, `{"channel":"C1AB","text":"x","blocks":[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("h", 151) + `"}}]}`, "invalid_blocks"},
		{"twice the same block id", f.BotToken, js, `{"channel":"C1AB","text":"x","blocks":[{"type":"divider","block_id":"a"},{"type":"divider","block_id":"a"}]}`, "invalid_blocks"},
		{"blocks not a list", f.BotToken, js, `{"channel":"C1AB","text":"x","blocks":{}}`, "invalid_blocks_format"},
	} {
		status, _, reply := slackCall(t, f, "chat.postMessage", tc.token, tc.ctype, tc.body)
		if status != 200 || reply["ok"] != false || reply["error"] != tc.err {
			t.Errorf("%s: %d %v, want 200 ok:false %s", tc.name, status, reply, tc.err)
		}
	}

	form := url.Values{"channel": {"C1AB"}, "text": {"form-encoded"}, "blocks": {`[{"type":"section","text":{"type":"mrkdwn","text":"*hi*"}}]`}}
	status, _, reply := slackCall(t, f, "chat.postMessage", f.BotToken, "application/x-www-form-urlencoded", form.Encode())
	if status != 200 || reply["ok"] != true || reply["channel"] != "C1AB" || reply["ts"] == "" {
		t.Fatalf("form post: %d %v", status, reply)
	}
	ts := reply["ts"].(string)
	_, _, reply = slackCall(t, f, "chat.update", f.BotToken, js, `{"channel":"C1AB","ts":"`+ts+`","text":"edited"}`)
	if reply["ok"] != true || reply["ts"] != ts {
		t.Errorf("update: %v", reply)
	}
	_, _, reply = slackCall(t, f, "chat.update", f.BotToken, js, `{"channel":"C1AB","ts":"1.1","text":"x"}`)
	if reply["error"] != "message_not_found" {
		t.Errorf("update of an unknown message: %v", reply)
	}
	_, _, reply = slackCall(t, f, "conversations.open", f.BotToken, js, `{"users":"U0BOB12"}`)
	if ch, _ := reply["channel"].(map[string]any); ch["id"] != "D0BOB12" {
		t.Errorf("conversations.open: %v", reply)
	}

	f.FailNext("ratelimited", 1)
	status, h, reply := slackCall(t, f, "chat.postMessage", f.BotToken, js, `{"channel":"C1AB","text":"x"}`)
	if status != 429 || h.Get("Retry-After") != "1" || reply["error"] != "ratelimited" {
		t.Errorf("rate limited: %d %v %v", status, h, reply)
	}
	f.SetFailing("service_unavailable")
	for range 2 {
		if _, _, reply := slackCall(t, f, "chat.postMessage", f.BotToken, js, `{"channel":"C1AB","text":"x"}`); reply["error"] != "service_unavailable" {
			t.Errorf("SetFailing: %v", reply)
		}
	}
	f.Recover()

	posts := f.Posts()
	if len(posts) != 1 || posts[0].Text != "edited" || !posts[0].Updated || posts[0].AllText() != "*hi*" {
		t.Errorf("posts %+v", posts)
	}
	if h := f.History(); len(h) != 2 || h[0].Text != "form-encoded" || h[1].Text != "edited" {
		t.Errorf("history %+v", h)
	}
	if n := f.Attempts(); n != 15 {
		t.Errorf("%d attempts, want 15", n)
	}
}

func TestFakeSlackWaits(t *testing.T) {
	f := testkit.StartFakeSlack(t)
	s := slack.New(slack.Options{APIURL: f.APIURL, BotToken: f.BotToken})
	a := &tocsin.Alert{ID: 7, Summary: "x", Priority: tocsin.P2, Status: tocsin.StatusTriggered}
	var wg sync.WaitGroup
	wg.Go(func() {
		id, err := s.Send(context.Background(), notify.Message{To: "C1AB", Subject: "#7", Alert: a})
		if err != nil {
			t.Error(err)
			return
		}
		acked := *a
		acked.Status, acked.AckedBy = tocsin.StatusAcknowledged, "Alice"
		if _, err := s.Send(context.Background(), notify.Message{To: "C1AB", Subject: "#7", Alert: &acked, Update: id}); err != nil {
			t.Error(err)
		}
	})
	if got := f.WaitPosts(t, 1); len(got) != 1 {
		t.Errorf("WaitPosts: %d", len(got))
	}
	p := f.WaitPost(t, func(p testkit.SlackPost) bool { return strings.Contains(p.AllText(), "Acknowledged by Alice") })
	if !p.Updated || len(p.ActionIDs()) != 0 {
		t.Errorf("acknowledged message %+v", p)
	}
	if h := f.WaitHistory(t, 2); len(h) != 2 {
		t.Errorf("WaitHistory: %d", len(h))
	}
	wg.Wait()
}

func TestSlackSignatureMatchesSlacksExample(t *testing.T) {
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	got := testkit.SlackSignature("8f742231b10e8888abcd99yyyzzz85a5", time.Unix(1531420618, 0), []byte(body))
	if got != "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" {
		t.Errorf("signature %s", got)
	}
}

func TestClickButton(t *testing.T) {
	const secret = "signing-secret-for-tests"
	f := testkit.StartFakeSlack(t)
	s := slack.New(slack.Options{APIURL: f.APIURL, BotToken: f.BotToken})
	id, err := s.Send(context.Background(), notify.Message{To: "C0OPS123", Subject: "P1 #42 Disk full",
		Alert: &tocsin.Alert{ID: 42, Priority: tocsin.P1, Status: tocsin.StatusTriggered}})
	if err != nil {
		t.Fatal(err)
	}
	channel, ts, _ := strings.Cut(id, "/")

	// Tocsin's side, as its handler will be: verify at the app's clock, parse,
	// answer through response_url.
	clock := testkit.NewClock(testkit.Epoch)
	var (
		mu     sync.Mutex
		clicks []slack.Interaction
	)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := slack.VerifyRequest(secret, r.Header, body, clock.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		i, err := slack.ParseInteraction(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		clicks = append(clicks, i)
		mu.Unlock()
		res, err := http.Post(i.ResponseURL, "application/json", bytes.NewReader([]byte(`{"text":"Acknowledged"}`)))
		if err != nil || res.StatusCode != 200 {
			http.Error(w, "response_url failed", http.StatusBadGateway)
			return
		}
		res.Body.Close()
	}))
	defer app.Close()

	res := f.ClickButton(t, app.URL+"/slack/interactions", secret, "U0ALICE1", channel, ts, "ack", "42", clock.Now())
	if b, _ := io.ReadAll(res.Body); res.StatusCode != 200 {
		t.Fatalf("click: %d %s", res.StatusCode, b)
	}
	want := slack.Interaction{UserID: "U0ALICE1", UserName: "u0alice1", TeamID: f.TeamID, ActionID: "ack", BlockID: "alert-42",
		Value: "42", ChannelID: channel, MessageTS: ts}
	mu.Lock()
	got := clicks
	mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d clicks reached the app", len(got))
	}
	if !strings.HasPrefix(got[0].ResponseURL, f.URL+"/actions/") {
		t.Errorf("response_url %q", got[0].ResponseURL)
	}
	got[0].ResponseURL = ""
	if got[0] != want {
		t.Errorf("click\n got %+v\nwant %+v", got[0], want)
	}
	if r := f.Responses(); len(r) != 1 || string(r[0]) != `{"text":"Acknowledged"}` {
		t.Errorf("responses %q", r)
	}

	// Signed at the time given: a click from 10 minutes ago is a replay.
	res = f.ClickButton(t, app.URL+"/slack/interactions", secret, "U0ALICE1", channel, ts, "ack", "42", clock.Now().Add(-10*time.Minute))
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("stale click: %d", res.StatusCode)
	}
	res = f.ClickButton(t, app.URL+"/slack/interactions", "another-secret", "U0ALICE1", channel, ts, "ack", "42", clock.Now())
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("click signed with another secret: %d", res.StatusCode)
	}
	if p := f.Posts()[0]; !slices.Equal(p.ActionIDs(), []string{"ack", "resolve"}) {
		t.Errorf("buttons %v", p.ActionIDs())
	}
}
