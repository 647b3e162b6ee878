package testkit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// FakeSlack is Slack's Web API as Tocsin's bot calls it (chat.postMessage,
// chat.update, conversations.open; HTTP 200 with ok:false on errors),
// recording the messages as a channel would show them, and able to play a
// person clicking a button: a signed block_actions request to Tocsin.
type FakeSlack struct {
	URL      string // the server's root
	APIURL   string // URL + "/api/": --slack-api-url
	BotToken string // the bearer token it accepts
	TeamID   string

	mu        sync.Mutex
	changes   changes
	posts     []SlackPost // each message as it is now
	history   []SlackPost // every post and update, in order
	responses []json.RawMessage
	attempts  int
	seq       int
	fail      slackFail
	client    *http.Client
}

// SlackPost is a message in a channel, or one post or update in History.
type SlackPost struct {
	Channel string // C…, or D… for a direct message
	Text    string // the fallback text, as sent (mrkdwn-escaped)
	Blocks  json.RawMessage
	TS      string
	Updated bool // rewritten by chat.update at least once (in History: this entry is an update)
}

// slackFail is how the fake refuses: the next n calls, or all until Recover.
type slackFail struct {
	left   int
	always bool
	code   string // "ratelimited" answers HTTP 429, anything else ok:false
}

// StartFakeSlack starts a fake Slack API; it stops when the test ends.
func StartFakeSlack(t testing.TB) *FakeSlack {
	t.Helper()
	f := &FakeSlack{
		BotToken: "xoxb-fake-0123456789-abcdefghij",
		TeamID:   "T0FAKE01",
		client:   &http.Client{Timeout: waitTimeout},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat.postMessage", f.postMessage)
	mux.HandleFunc("POST /api/chat.update", f.update)
	mux.HandleFunc("POST /api/conversations.open", f.open)
	mux.HandleFunc("POST /actions/{n}", f.respond)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	f.APIURL = srv.URL + "/api/"
	return f
}

// args reads a Web API call's arguments, JSON or form-encoded as Slack
// accepts both; blocks stay raw JSON.
type slackArgs struct {
	Channel string          `json:"channel"`
	TS      string          `json:"ts"`
	Text    string          `json:"text"`
	Blocks  json.RawMessage `json:"blocks"`
	Users   string          `json:"users"`
}

// accept does what every method shares: failure modes, the token, the
// arguments. It answers refusals itself and returns ok=false then.
func (f *FakeSlack) accept(w http.ResponseWriter, r *http.Request) (slackArgs, bool) {
	f.mu.Lock()
	f.attempts++
	refuse := f.fail.always || f.fail.left > 0
	if f.fail.left > 0 {
		f.fail.left--
	}
	code := f.fail.code
	f.changes.notify()
	f.mu.Unlock()
	if refuse {
		if code == "ratelimited" {
			w.Header().Set("Retry-After", "1")
			slackJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": code})
		} else {
			slackError(w, code)
		}
		return slackArgs{}, false
	}
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "":
		slackError(w, "not_authed")
		return slackArgs{}, false
	case auth != "Bearer "+f.BotToken:
		slackError(w, "invalid_auth")
		return slackArgs{}, false
	}
	var a slackArgs
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		slackError(w, "invalid_form_data")
		return a, false
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if json.Unmarshal(body, &a) != nil {
			slackError(w, "invalid_json")
			return a, false
		}
	} else {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			slackError(w, "invalid_form_data")
			return a, false
		}
		a = slackArgs{Channel: form.Get("channel"), TS: form.Get("ts"), Text: form.Get("text"), Users: form.Get("users")}
		if b := form.Get("blocks"); b != "" {
			a.Blocks = json.RawMessage(b)
		}
	}
	if string(a.Blocks) == "null" {
		a.Blocks = nil
	}
	if e := checkMessage(a); e != "" && r.URL.Path != "/api/conversations.open" {
		slackError(w, e)
		return a, false
	}
	return a, true
}

var (
	slackChannelID = regexp.MustCompile(`^[CGD][A-Z0-9]{2,20}$`)
	slackMemberID  = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)
)

// checkMessage finds what real Slack refuses in a message: no text, too long,
// blocks breaking Block Kit's limits. It returns Slack's error code, or "".
func checkMessage(a slackArgs) string {
	if a.Text == "" && len(a.Blocks) == 0 {
		return "no_text"
	}
	if utf8.RuneCountInString(a.Text) > 40000 {
		return "msg_too_long"
	}
	if len(a.Blocks) == 0 {
		return ""
	}
	var blocks []struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Text     *struct{ Type, Text string }
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Text     any    `json:"text"`
			Value    string `json:"value"`
			URL      string `json:"url"`
		} `json:"elements"`
	}
	if json.Unmarshal(a.Blocks, &blocks) != nil || len(blocks) > 50 {
		return "invalid_blocks_format"
	}
	blockIDs := map[string]bool{}
	for _, b := range blocks {
		if b.BlockID != "" {
			if blockIDs[b.BlockID] || len(b.BlockID) > 255 {
				return "invalid_blocks"
			}
			blockIDs[b.BlockID] = true
		}
		switch b.Type {
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" || b.Text.Text == "" || utf8.RuneCountInString(b.Text.Text) > 150 {
				return "invalid_blocks"
			}
		case "section":
			if b.Text != nil && (b.Text.Text == "" || utf8.RuneCountInString(b.Text.Text) > 3000) {
				return "invalid_blocks"
			}
		case "context":
			if len(b.Elements) == 0 || len(b.Elements) > 10 {
				return "invalid_blocks"
			}
		case "actions":
			if len(b.Elements) == 0 || len(b.Elements) > 25 {
				return "invalid_blocks"
			}
			actionIDs := map[string]bool{}
			for _, e := range b.Elements {
				label, _ := e.Text.(map[string]any)
				txt, _ := label["text"].(string)
				if e.Type != "button" || txt == "" || utf8.RuneCountInString(txt) > 75 || actionIDs[e.ActionID] ||
					len(e.ActionID) > 255 || len(e.Value) > 2000 || len(e.URL) > 3000 {
					return "invalid_blocks"
				}
				actionIDs[e.ActionID] = true
			}
		case "divider", "image", "rich_text", "input", "file", "video":
		default:
			return "invalid_blocks"
		}
	}
	return ""
}

// dm is the direct-message channel of a member: Slack's are D…, one per member.
func dm(member string) string { return "D" + member[1:] }

func (f *FakeSlack) open(w http.ResponseWriter, r *http.Request) {
	a, ok := f.accept(w, r)
	if !ok {
		return
	}
	switch {
	case a.Users == "":
		slackError(w, "users_list_not_supplied")
	case !slackMemberID.MatchString(a.Users):
		slackError(w, "user_not_found")
	default:
		slackJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": map[string]any{"id": dm(a.Users)}})
	}
}

func (f *FakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	a, ok := f.accept(w, r)
	if !ok {
		return
	}
	channel := a.Channel
	if slackMemberID.MatchString(channel) {
		channel = dm(channel) // Slack posts to the member's DM with the bot
	}
	if !slackChannelID.MatchString(channel) {
		slackError(w, "channel_not_found")
		return
	}
	f.mu.Lock()
	f.seq++
	p := SlackPost{Channel: channel, Text: a.Text, Blocks: a.Blocks, TS: fmt.Sprintf("%d.%06d", 1700000000+f.seq, f.seq)}
	f.posts = append(f.posts, p)
	f.history = append(f.history, p)
	f.changes.notify()
	f.mu.Unlock()
	slackJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS, "message": messageJSON(p)})
}

func (f *FakeSlack) update(w http.ResponseWriter, r *http.Request) {
	a, ok := f.accept(w, r)
	if !ok {
		return
	}
	if a.Channel == "" || a.TS == "" {
		slackError(w, "invalid_arguments")
		return
	}
	f.mu.Lock()
	var p *SlackPost
	for i := range f.posts {
		if f.posts[i].Channel == a.Channel && f.posts[i].TS == a.TS {
			p = &f.posts[i]
		}
	}
	if p == nil {
		f.mu.Unlock()
		slackError(w, "message_not_found")
		return
	}
	p.Text, p.Updated = a.Text, true
	if a.Blocks != nil {
		p.Blocks = a.Blocks
	}
	now := *p
	f.history = append(f.history, now)
	f.changes.notify()
	f.mu.Unlock()
	slackJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": now.Channel, "ts": now.TS, "text": now.Text, "message": messageJSON(now)})
}

// respond records what Tocsin posts to a click's response_url.
func (f *FakeSlack) respond(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil || !json.Valid(body) {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.responses = append(f.responses, body)
	f.changes.notify()
	f.mu.Unlock()
	io.WriteString(w, "ok")
}

func messageJSON(p SlackPost) map[string]any {
	m := map[string]any{"type": "message", "subtype": "bot_message", "text": p.Text, "ts": p.TS, "bot_id": "B0FAKEBOT"}
	if len(p.Blocks) > 0 {
		m["blocks"] = p.Blocks
	}
	return m
}

func slackJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func slackError(w http.ResponseWriter, code string) {
	slackJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
}

// Posts returns each message as it is now (updates applied), oldest first.
func (f *FakeSlack) Posts() []SlackPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SlackPost(nil), f.posts...)
}

// History returns every post and every update, in order.
func (f *FakeSlack) History() []SlackPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SlackPost(nil), f.history...)
}

// Responses returns what was posted to response_urls of clicks, in order.
func (f *FakeSlack) Responses() []json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]json.RawMessage(nil), f.responses...)
}

// Attempts counts every Web API call, refused or not.
func (f *FakeSlack) Attempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}

// WaitPosts waits until at least n messages were posted and returns them.
func (f *FakeSlack) WaitPosts(t testing.TB, n int) []SlackPost {
	t.Helper()
	waitFor(t, &f.mu, &f.changes, func() bool { return len(f.posts) >= n },
		func() string {
			return fmt.Sprintf("fake Slack has %d posts, want %d: %s", len(f.posts), n, describePosts(f.posts))
		})
	return f.Posts()
}

// WaitHistory waits until at least n posts and updates were made.
func (f *FakeSlack) WaitHistory(t testing.TB, n int) []SlackPost {
	t.Helper()
	waitFor(t, &f.mu, &f.changes, func() bool { return len(f.history) >= n },
		func() string {
			return fmt.Sprintf("fake Slack has %d posts and updates, want %d: %s", len(f.history), n, describePosts(f.history))
		})
	return f.History()
}

// WaitPost waits until a message, as it is now, satisfies ok, and returns it:
// e.g. until the alert's message says who acknowledged it.
func (f *FakeSlack) WaitPost(t testing.TB, ok func(SlackPost) bool) SlackPost {
	t.Helper()
	var found SlackPost
	waitFor(t, &f.mu, &f.changes, func() bool {
		for _, p := range f.posts {
			if ok(p) {
				found = p
				return true
			}
		}
		return false
	}, func() string { return "no fake Slack message matches: " + describePosts(f.posts) })
	return found
}

func describePosts(posts []SlackPost) string {
	var b strings.Builder
	for _, p := range posts {
		fmt.Fprintf(&b, "\n  %s/%s updated=%v %q buttons=%v", p.Channel, p.TS, p.Updated, p.AllText(), p.ActionIDs())
	}
	return b.String()
}

// FailNext answers the next n calls with Slack's error code (ok:false), or
// HTTP 429 with Retry-After when code is "ratelimited".
func (f *FakeSlack) FailNext(code string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = slackFail{left: n, code: code}
}

// SetFailing answers every call with code until Recover.
func (f *FakeSlack) SetFailing(code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = slackFail{always: true, code: code}
}

// Recover ends FailNext and SetFailing.
func (f *FakeSlack) Recover() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = slackFail{}
}

// slackBlock is what tests read of a block.
type slackBlock struct {
	Type     string `json:"type"`
	BlockID  string `json:"block_id"`
	Text     *struct{ Text string }
	Elements []struct {
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
		URL      string `json:"url"`
		Text     json.RawMessage
	} `json:"elements"`
}

func (p SlackPost) blocks() []slackBlock {
	var bs []slackBlock
	json.Unmarshal(p.Blocks, &bs)
	return bs
}

// ActionIDs lists the message's buttons by action id, in order ("ack", "resolve", "open").
func (p SlackPost) ActionIDs() []string {
	var ids []string
	for _, b := range p.blocks() {
		if b.Type == "actions" {
			for _, e := range b.Elements {
				ids = append(ids, e.ActionID)
			}
		}
	}
	return ids
}

// Button returns the value, block id and URL of the button actionID, and
// whether the message has it.
func (p SlackPost) Button(actionID string) (value, blockID, url string, ok bool) {
	for _, b := range p.blocks() {
		if b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			if e.ActionID == actionID {
				return e.Value, b.BlockID, e.URL, true
			}
		}
	}
	return "", "", "", false
}

// AllText is every text the message shows (headers, sections, context), one
// per line, as a reader sees it.
func (p SlackPost) AllText() string {
	var lines []string
	for _, b := range p.blocks() {
		if b.Text != nil {
			lines = append(lines, b.Text.Text)
		}
		if b.Type == "context" {
			for _, e := range b.Elements {
				lines = append(lines, textOf(e.Text))
			}
		}
	}
	if len(lines) == 0 {
		lines = append(lines, p.Text)
	}
	return strings.Join(lines, "\n")
}

// textOf reads an element's text: a string (a context's text object) or a
// text object (a button's label).
func textOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var t struct{ Text string }
	json.Unmarshal(raw, &t)
	return t.Text
}

// SlackSignature is X-Slack-Signature for body sent at: "v0=" +
// hex(HMAC-SHA256(secret, "v0:" + unix seconds + ":" + body)). Written apart
// from internal/notify/slack's check so that a shared mistake cannot pass both.
func SlackSignature(signingSecret string, at time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(signingSecret))
	fmt.Fprintf(mac, "v0:%d:", at.Unix())
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// ClickButton plays userID clicking the button actionID (with value) on the
// message channel/ts: a block_actions interaction POSTed to target as Slack
// sends it, signed at the time at (the app's clock, which tests move). The
// response comes back with its body read.
func (f *FakeSlack) ClickButton(t testing.TB, target, signingSecret, userID, channel, ts, actionID, value string, at time.Time) *http.Response {
	t.Helper()
	blockID, label := "", actionID
	var message map[string]any
	f.mu.Lock()
	f.seq++
	n := f.seq
	for _, p := range f.posts {
		if p.Channel == channel && p.TS == ts {
			message = messageJSON(p)
			for _, b := range p.blocks() {
				for _, e := range b.Elements {
					if b.Type == "actions" && e.ActionID == actionID {
						blockID, label = b.BlockID, textOf(e.Text)
					}
				}
			}
		}
	}
	f.mu.Unlock()
	if blockID == "" {
		blockID = "b" + strconv.Itoa(n) // Slack makes one up when the message set none
	}
	actionTS := fmt.Sprintf("%d.%06d", at.Unix(), n)
	payload := map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": userID, "username": strings.ToLower(userID), "name": strings.ToLower(userID), "team_id": f.TeamID},
		"api_app_id":   "A0FAKEAPP",
		"token":        "fake-deprecated-verification-token",
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false},
		"trigger_id":   fmt.Sprintf("%d.%d.fake%x", n, at.Unix(), n),
		"team":         map[string]any{"id": f.TeamID, "domain": "tocsin-test"},
		"enterprise":   nil,
		"channel":      map[string]any{"id": channel, "name": "fake-" + strings.ToLower(channel)},
		"message":      message,
		"state":        map[string]any{"values": map[string]any{}},
		"response_url": fmt.Sprintf("%s/actions/%d", f.URL, n),
		"actions": []map[string]any{{
			"type": "button", "action_id": actionID, "block_id": blockID, "value": value, "action_ts": actionTS,
			"text": map[string]any{"type": "plain_text", "text": label, "emoji": true},
		}},
		"is_enterprise_install": false,
	}
	js, err := json.Marshal(payload)
	if err != nil {
		t.Fatalf("fake Slack: %v", err)
	}
	body := []byte(url.Values{"payload": {string(js)}}.Encode())
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("fake Slack: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("X-Slack-Signature", SlackSignature(signingSecret, at, body))
	res, err := f.client.Do(req)
	if err != nil {
		t.Fatalf("fake Slack: POST %s: %v", target, err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("fake Slack: reading %s: %v", target, err)
	}
	res.Body = io.NopCloser(bytes.NewReader(got))
	return res
}
