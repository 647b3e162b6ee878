package testkit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// FakeTwilio is Twilio's REST API as Tocsin calls it (Messages.json,
// Calls.json, basic auth, 201 with a SID), recording what it accepts, and able
// to play Twilio calling Tocsin back: inbound SMS, a call answered, keys pressed.
type FakeTwilio struct {
	URL        string // the API base: --twilio-api-url
	AccountSID string // AC…, the basic-auth user
	AuthToken  string // the basic-auth password, and the key inbound requests are signed with

	mu       sync.Mutex
	changes  changes
	messages []TwilioSMS
	calls    []TwilioCall
	received []time.Time
	attempts int
	seq      int
	fail     failMode
	client   *http.Client
}

// TwilioSMS is a message the fake accepted.
type TwilioSMS struct {
	SID                 string
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
	StatusCallback      string
	At                  time.Time // wall-clock receipt, for latency measures
}

// TwilioCall is a call the fake accepted.
type TwilioCall struct {
	SID            string
	To             string
	From           string
	URL            string // fetched for TwiML when the call is answered
	Method         string
	Timeout        string
	StatusCallback string
	At             time.Time
}

// failMode is how the fake refuses: the next n requests, or all until Recover.
type failMode struct {
	left    int
	always  bool
	status  int
	code    int
	message string
}

// next reports whether this request is refused, and consumes one FailNext.
func (m *failMode) next() bool {
	switch {
	case m.always:
		return true
	case m.left > 0:
		m.left--
		return true
	}
	return false
}

// changes wakes waiters when recorded state changes: the channel is closed
// and replaced each time. Guarded by its owner's mutex.
type changes struct{ ch chan struct{} }

func (c *changes) wait() <-chan struct{} {
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

func (c *changes) notify() {
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

// waitTimeout bounds every Wait of the fakes: far more than a page takes.
const waitTimeout = 10 * time.Second

// waitFor polls done (called with mu held) each time c changes, until it
// holds or waitTimeout passes; then the test fails with describe().
func waitFor(t testing.TB, mu *sync.Mutex, c *changes, done func() bool, describe func() string) {
	t.Helper()
	waitUpTo(t, waitTimeout, mu, c, done, describe)
}

// waitUpTo is waitFor with a deadline of its own, for real-time waits (a
// step due a minute later in another process).
func waitUpTo(t testing.TB, timeout time.Duration, mu *sync.Mutex, c *changes, done func() bool, describe func() string) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		mu.Lock()
		ok := done()
		ch := c.wait()
		mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			mu.Lock()
			msg := describe()
			mu.Unlock()
			t.Fatalf("waited %s: %s", timeout, msg)
			return
		}
	}
}

// StartFakeTwilio starts a fake Twilio API; it stops when the test ends.
func StartFakeTwilio(t testing.TB) *FakeTwilio {
	t.Helper()
	f := &FakeTwilio{
		AccountSID: fmt.Sprintf("AC%032x", 0xfa4e),
		AuthToken:  "fake-twilio-auth-token-0123456789",
		client:     &http.Client{Timeout: waitTimeout},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", f.createMessage)
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Calls.json", f.createCall)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// accept does what both resources share: failure modes, auth, the form. It
// answers the refusal itself and returns ok=false then.
func (f *FakeTwilio) accept(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	f.mu.Lock()
	f.attempts++
	refuse := f.fail.next()
	mode := f.fail
	f.changes.notify()
	f.mu.Unlock()
	if refuse {
		twilioError(w, mode.status, mode.code, mode.message)
		return nil, false
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != f.AccountSID || pass != f.AuthToken {
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return nil, false
	}
	if r.PathValue("sid") != f.AccountSID {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		twilioError(w, http.StatusBadRequest, 20001, "Could not read the form: "+err.Error())
		return nil, false
	}
	to := r.PostForm.Get("To")
	switch {
	case to == "":
		twilioError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return nil, false
	case !e164.MatchString(to):
		twilioError(w, http.StatusBadRequest, 21211, "Invalid 'To' Phone Number: "+to)
		return nil, false
	}
	return r.PostForm, true
}

func (f *FakeTwilio) createMessage(w http.ResponseWriter, r *http.Request) {
	form, ok := f.accept(w, r)
	if !ok {
		return
	}
	m := TwilioSMS{
		To: form.Get("To"), From: form.Get("From"), MessagingServiceSID: form.Get("MessagingServiceSid"),
		Body: form.Get("Body"), StatusCallback: form.Get("StatusCallback"), At: time.Now(),
	}
	switch {
	case m.From == "" && m.MessagingServiceSID == "":
		twilioError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case m.Body == "":
		twilioError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case utf8.RuneCountInString(m.Body) > 1600:
		twilioError(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	f.mu.Lock()
	f.seq++
	m.SID = fmt.Sprintf("SM%032x", f.seq)
	f.messages = append(f.messages, m)
	f.received = append(f.received, m.At)
	f.changes.notify()
	f.mu.Unlock()
	twilioJSON(w, http.StatusCreated, map[string]any{
		"sid": m.SID, "account_sid": f.AccountSID, "to": m.To, "from": nullable(m.From),
		"messaging_service_sid": nullable(m.MessagingServiceSID), "body": m.Body,
		"status": "queued", "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
		"date_created": m.At.UTC().Format(time.RFC1123Z), "error_code": nil, "error_message": nil, "price": nil,
		"uri": "/2010-04-01/Accounts/" + f.AccountSID + "/Messages/" + m.SID + ".json",
	})
}

func (f *FakeTwilio) createCall(w http.ResponseWriter, r *http.Request) {
	form, ok := f.accept(w, r)
	if !ok {
		return
	}
	c := TwilioCall{
		To: form.Get("To"), From: form.Get("From"), URL: form.Get("Url"), Method: form.Get("Method"),
		Timeout: form.Get("Timeout"), StatusCallback: form.Get("StatusCallback"), At: time.Now(),
	}
	if c.Method == "" {
		c.Method = http.MethodPost
	}
	switch {
	case c.From == "":
		twilioError(w, http.StatusBadRequest, 21213, "Caller phone number is required")
		return
	case c.URL == "" && form.Get("Twiml") == "" && form.Get("ApplicationSid") == "":
		twilioError(w, http.StatusBadRequest, 21205, "Url parameter is required.")
		return
	}
	if u, err := url.Parse(c.URL); c.URL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		twilioError(w, http.StatusBadRequest, 21205, "Url is not a valid URL: "+c.URL)
		return
	}
	f.mu.Lock()
	f.seq++
	c.SID = fmt.Sprintf("CA%032x", f.seq)
	f.calls = append(f.calls, c)
	f.received = append(f.received, c.At)
	f.changes.notify()
	f.mu.Unlock()
	twilioJSON(w, http.StatusCreated, map[string]any{
		"sid": c.SID, "account_sid": f.AccountSID, "to": c.To, "from": c.From,
		"status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
		"date_created": c.At.UTC().Format(time.RFC1123Z),
		"uri":          "/2010-04-01/Accounts/" + f.AccountSID + "/Calls/" + c.SID + ".json",
	})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func twilioJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// twilioError answers as Twilio does: {"code","message","more_info","status"}.
func twilioError(w http.ResponseWriter, status, code int, message string) {
	if message == "" {
		message = map[int]string{
			20429: "Too Many Requests",
			20500: "An internal server error has occurred",
			20003: "Authenticate",
			21211: "Invalid 'To' Phone Number",
			21610: "Attempt to send to unsubscribed recipient",
			21614: "'To' number is not a valid mobile number",
		}[code]
	}
	if message == "" {
		message = fmt.Sprintf("Fake Twilio error %d", code)
	}
	twilioJSON(w, status, map[string]any{
		"code": code, "message": message, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
	})
}

// Messages returns the messages accepted so far, oldest first.
func (f *FakeTwilio) Messages() []TwilioSMS {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]TwilioSMS(nil), f.messages...)
}

// Calls returns the calls accepted so far, oldest first.
func (f *FakeTwilio) Calls() []TwilioCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]TwilioCall(nil), f.calls...)
}

// Attempts counts every request to Messages.json or Calls.json, refused or not.
func (f *FakeTwilio) Attempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}

// ReceivedTimes returns the wall-clock receipt of every accepted message and
// call, in order of receipt: what a latency benchmark measures against.
func (f *FakeTwilio) ReceivedTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.received...)
}

// WaitMessages waits until at least n messages were accepted and returns them.
func (f *FakeTwilio) WaitMessages(t testing.TB, n int) []TwilioSMS {
	t.Helper()
	waitFor(t, &f.mu, &f.changes, func() bool { return len(f.messages) >= n },
		func() string {
			return fmt.Sprintf("fake Twilio has %d messages, want %d: %+v", len(f.messages), n, f.messages)
		})
	return f.Messages()
}

// WaitMessagesUpTo is WaitMessages with a longer deadline, for real time.
func (f *FakeTwilio) WaitMessagesUpTo(t testing.TB, n int, timeout time.Duration) []TwilioSMS {
	t.Helper()
	waitUpTo(t, timeout, &f.mu, &f.changes, func() bool { return len(f.messages) >= n },
		func() string {
			return fmt.Sprintf("fake Twilio has %d messages, want %d: %+v", len(f.messages), n, f.messages)
		})
	return f.Messages()
}

// WaitCalls waits until at least n calls were accepted and returns them.
func (f *FakeTwilio) WaitCalls(t testing.TB, n int) []TwilioCall {
	t.Helper()
	waitFor(t, &f.mu, &f.changes, func() bool { return len(f.calls) >= n },
		func() string { return fmt.Sprintf("fake Twilio has %d calls, want %d: %+v", len(f.calls), n, f.calls) })
	return f.Calls()
}

// WaitAttempts waits until at least n requests arrived, refused or not.
func (f *FakeTwilio) WaitAttempts(t testing.TB, n int) {
	t.Helper()
	waitFor(t, &f.mu, &f.changes, func() bool { return f.attempts >= n },
		func() string { return fmt.Sprintf("fake Twilio had %d requests, want %d", f.attempts, n) })
}

// FailNext refuses the next n requests with HTTP status and Twilio error code
// (e.g. 500, 20500; 400, 21211), then accepts again.
func (f *FakeTwilio) FailNext(status, code, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = failMode{left: n, status: status, code: code}
}

// SetFailing refuses every request until Recover: an outage the test ends,
// whatever the clock says.
func (f *FakeTwilio) SetFailing(status, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = failMode{always: true, status: status, code: code}
}

// Recover ends FailNext and SetFailing.
func (f *FakeTwilio) Recover() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = failMode{}
}

// TwilioSignature is X-Twilio-Signature for a POST of params to fullURL:
// base64(HMAC-SHA1(authToken, URL + each name+value, sorted)). Written apart
// from internal/twilio's so that a shared mistake cannot pass both.
func TwilioSignature(authToken, fullURL string, params url.Values) string {
	var pairs []string
	for name, values := range params {
		for _, v := range values {
			pairs = append(pairs, name+v)
		}
	}
	sort.Strings(pairs)
	mac := hmac.New(sha1.New, []byte(authToken))
	io.WriteString(mac, fullURL+strings.Join(pairs, ""))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// postSigned sends params to target as Twilio does, signed with authToken,
// and returns the response with its body already read (no need to close).
func (f *FakeTwilio) postSigned(t testing.TB, target, authToken string, params url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(params.Encode()))
	if err != nil {
		t.Fatalf("fake Twilio: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", TwilioSignature(authToken, target, params))
	res, err := f.client.Do(req)
	if err != nil {
		t.Fatalf("fake Twilio: POST %s: %v", target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("fake Twilio: reading %s: %v", target, err)
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res
}

// SendSMS plays Twilio delivering an SMS from a phone to our number: a signed
// form POST to target (the number's messaging webhook) with Twilio's inbound
// parameters.
func (f *FakeTwilio) SendSMS(t testing.TB, target, authToken, from, to, body string) *http.Response {
	t.Helper()
	f.mu.Lock()
	f.seq++
	sid := fmt.Sprintf("SM%032x", f.seq)
	f.mu.Unlock()
	return f.postSigned(t, target, authToken, url.Values{
		"MessageSid": {sid}, "SmsSid": {sid}, "SmsMessageSid": {sid}, "AccountSid": {f.AccountSID},
		"From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"},
		"SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	})
}

// PressKeys plays a person pressing digits during the call callSID: Twilio's
// <Gather> action request, signed, to target.
func (f *FakeTwilio) PressKeys(t testing.TB, target, authToken, callSID, digits string) *http.Response {
	t.Helper()
	params := f.callParams(callSID)
	params.Set("Digits", digits)
	params.Set("FinishedOnKey", "")
	return f.postSigned(t, target, authToken, params)
}

// FetchCallTwiML plays the call being answered: Twilio POSTs to the call's
// Url, signed, and reads TwiML. The test fails unless the answer is 200.
func (f *FakeTwilio) FetchCallTwiML(t testing.TB, call TwilioCall, authToken string) string {
	t.Helper()
	res := f.postSigned(t, call.URL, authToken, f.callParams(call.SID))
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("fake Twilio: the call's Url %s answered %d: %s", call.URL, res.StatusCode, body)
	}
	return string(body)
}

// callParams are what Twilio sends on every request about an outbound call.
func (f *FakeTwilio) callParams(callSID string) url.Values {
	var call TwilioCall
	f.mu.Lock()
	for _, c := range f.calls {
		if c.SID == callSID {
			call = c
		}
	}
	f.mu.Unlock()
	return url.Values{
		"CallSid": {callSID}, "AccountSid": {f.AccountSID}, "From": {call.From}, "To": {call.To},
		"Caller": {call.From}, "Called": {call.To}, "CallStatus": {"in-progress"},
		"Direction": {"outbound-api"}, "ApiVersion": {"2010-04-01"},
	}
}
