package testkit_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/tocsin/tocsin/internal/testkit"
	"github.com/tocsin/tocsin/internal/twilio"
)

// create POSTs form to the fake's resource with basic auth and decodes the JSON reply.
func create(f *testkit.FakeTwilio, resource, user, pass string, form url.Values) (int, map[string]any, error) {
	req, err := http.NewRequest("POST", f.URL+"/2010-04-01/Accounts/"+f.AccountSID+"/"+resource, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, pass)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return 0, nil, fmt.Errorf("reply is not JSON: %v", err)
	}
	return res.StatusCode, body, nil
}

func createOn(t *testing.T, f *testkit.FakeTwilio, resource, user, pass string, form url.Values) (int, map[string]any) {
	t.Helper()
	status, body, err := create(f, resource, user, pass, form)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

func TestFakeTwilioRecordsAndRefuses(t *testing.T) {
	f := testkit.StartFakeTwilio(t)
	sms := url.Values{"To": {"+33612345678"}, "From": {"+33199000000"}, "Body": {"hello"}}

	status, body := createOn(t, f, "Messages.json", f.AccountSID, "wrong", sms)
	if status != 401 || body["code"] != float64(20003) {
		t.Errorf("wrong token: %d %v", status, body)
	}
	status, body = createOn(t, f, "Messages.json", f.AccountSID, f.AuthToken,
		url.Values{"To": {"0612"}, "From": {"+33199000000"}, "Body": {"x"}})
	if status != 400 || body["code"] != float64(21211) || body["more_info"] != "https://www.twilio.com/docs/errors/21211" {
		t.Errorf("bad number: %d %v", status, body)
	}

	f.FailNext(500, 20500, 2)
	for range 2 {
		if status, body := createOn(t, f, "Messages.json", f.AccountSID, f.AuthToken, sms); status != 500 || body["code"] != float64(20500) || body["status"] != float64(500) {
			t.Errorf("FailNext: %d %v", status, body)
		}
	}
	status, body = createOn(t, f, "Messages.json", f.AccountSID, f.AuthToken, sms)
	if status != 201 || body["status"] != "queued" || !strings.HasPrefix(body["sid"].(string), "SM") {
		t.Errorf("after FailNext: %d %v", status, body)
	}

	f.SetFailing(503, 20503)
	for range 3 {
		if status, _ := createOn(t, f, "Calls.json", f.AccountSID, f.AuthToken, url.Values{}); status != 503 {
			t.Errorf("SetFailing: %d", status)
		}
	}
	f.Recover()
	status, body = createOn(t, f, "Calls.json", f.AccountSID, f.AuthToken,
		url.Values{"To": {"+33612345678"}, "From": {"+33199000000"}, "Url": {"https://t.example/call?n=1"}, "Method": {"POST"}})
	if status != 201 || !strings.HasPrefix(body["sid"].(string), "CA") {
		t.Errorf("call: %d %v", status, body)
	}

	msgs, calls := f.Messages(), f.Calls()
	if len(msgs) != 1 || msgs[0].Body != "hello" || msgs[0].To != "+33612345678" || msgs[0].At.IsZero() {
		t.Errorf("messages %+v", msgs)
	}
	if len(calls) != 1 || calls[0].URL != "https://t.example/call?n=1" {
		t.Errorf("calls %+v", calls)
	}
	if n := len(f.ReceivedTimes()); n != 2 {
		t.Errorf("%d receipt times, want one per accepted message and call", n)
	}
	if n := f.Attempts(); n != 9 {
		t.Errorf("%d attempts counted, want 9", n)
	}
}

func TestFakeTwilioWaits(t *testing.T) {
	f := testkit.StartFakeTwilio(t)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			if _, _, err := create(f, "Messages.json", f.AccountSID, f.AuthToken,
				url.Values{"To": {fmt.Sprintf("+3361234567%d", i)}, "From": {"+33199000000"}, "Body": {"x"}}); err != nil {
				t.Error(err)
			}
		})
	}
	if got := f.WaitMessages(t, 3); len(got) != 3 {
		t.Errorf("WaitMessages returned %d", len(got))
	}
	wg.Wait()
	wg.Go(func() {
		if _, _, err := create(f, "Calls.json", f.AccountSID, f.AuthToken,
			url.Values{"To": {"+33612345678"}, "From": {"+33199000000"}, "Url": {"https://t.example/c"}}); err != nil {
			t.Error(err)
		}
	})
	if got := f.WaitCalls(t, 1); got[0].To != "+33612345678" {
		t.Errorf("WaitCalls returned %+v", got)
	}
	wg.Wait()
}

func TestTwilioSignatureAgreesWithTheValidator(t *testing.T) {
	// Twilio's documented example.
	params := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"}}
	if got := testkit.TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params); got != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Errorf("documented example: %s", got)
	}
	for _, tc := range []struct {
		url    string
		params url.Values
	}{
		{"https://tocsin.example.com/twilio/sms", url.Values{"Body": {"4 42"}, "From": {"+33612345678"}}},
		{"http://127.0.0.1:8080/twilio/voice/ack?a=42&x=%20y", url.Values{"Digits": {"4"}, "Empty": {""}}},
		{"https://t.example/x", url.Values{"Tag": {"b", "a", "c"}, "Ta": {"gz"}}},
		{"https://t.example/x", nil},
	} {
		sig := testkit.TwilioSignature("secret-token", tc.url, tc.params)
		if !twilio.ValidSignature("secret-token", sig, tc.url, tc.params) {
			t.Errorf("%s %v: internal/twilio refuses the fake's signature", tc.url, tc.params)
		}
		if twilio.ValidSignature("other-token", sig, tc.url, tc.params) {
			t.Errorf("%s: accepted under another token", tc.url)
		}
	}
}

// webhook is a stand-in for Tocsin's Twilio endpoints: it checks the
// signature as internal/twilio does and records the form.
type webhook struct {
	mu    sync.Mutex
	forms []url.Values
	srv   *httptest.Server
}

func startWebhook(t *testing.T, token, twiml string) *webhook {
	w := &webhook{}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if !twilio.ValidSignature(token, r.Header.Get("X-Twilio-Signature"), w.srv.URL+r.RequestURI, r.PostForm) {
			http.Error(rw, "bad signature", http.StatusForbidden)
			return
		}
		w.mu.Lock()
		w.forms = append(w.forms, r.PostForm)
		w.mu.Unlock()
		rw.Header().Set("Content-Type", "text/xml")
		io.WriteString(rw, twiml)
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func TestFakeTwilioCallsBack(t *testing.T) {
	f := testkit.StartFakeTwilio(t)
	const twiml = `<?xml version="1.0" encoding="UTF-8"?><Response><Say>P1 alert</Say></Response>`
	hook := startWebhook(t, f.AuthToken, twiml)

	res := f.SendSMS(t, hook.srv.URL+"/twilio/sms?x=1", f.AuthToken, "+33612345678", "+33199000000", "ack 42")
	if res.StatusCode != 200 {
		t.Fatalf("inbound SMS: %d", res.StatusCode)
	}
	if res := f.SendSMS(t, hook.srv.URL+"/twilio/sms", "wrong-token", "+33612345678", "+33199000000", "ack 42"); res.StatusCode != 403 {
		t.Errorf("signed with another token: %d", res.StatusCode)
	}

	status, body := createOn(t, f, "Calls.json", f.AccountSID, f.AuthToken,
		url.Values{"To": {"+33612345678"}, "From": {"+33199000000"}, "Url": {hook.srv.URL + "/call?n=7"}})
	if status != 201 {
		t.Fatalf("call: %d %v", status, body)
	}
	call := f.Calls()[0]
	if got := f.FetchCallTwiML(t, call, f.AuthToken); got != twiml {
		t.Errorf("TwiML %q", got)
	}
	res = f.PressKeys(t, hook.srv.URL+"/call/ack?n=7", f.AuthToken, call.SID, "4")
	if b, _ := io.ReadAll(res.Body); res.StatusCode != 200 || string(b) != twiml {
		t.Errorf("keypress: %d %s", res.StatusCode, b)
	}

	hook.mu.Lock()
	defer hook.mu.Unlock()
	if len(hook.forms) != 3 {
		t.Fatalf("webhook saw %d requests", len(hook.forms))
	}
	sms, answer, keys := hook.forms[0], hook.forms[1], hook.forms[2]
	for k, v := range map[string]string{"From": "+33612345678", "To": "+33199000000", "Body": "ack 42", "NumMedia": "0", "AccountSid": f.AccountSID} {
		if sms.Get(k) != v {
			t.Errorf("inbound SMS %s=%q, want %q", k, sms.Get(k), v)
		}
	}
	if !strings.HasPrefix(sms.Get("MessageSid"), "SM") {
		t.Errorf("MessageSid %q", sms.Get("MessageSid"))
	}
	for k, v := range map[string]string{"CallSid": call.SID, "From": "+33199000000", "To": "+33612345678", "CallStatus": "in-progress", "Direction": "outbound-api"} {
		if answer.Get(k) != v || keys.Get(k) != v {
			t.Errorf("%s: answered %q, keypress %q, want %q", k, answer.Get(k), keys.Get(k), v)
		}
	}
	if keys.Get("Digits") != "4" || answer.Has("Digits") {
		t.Errorf("Digits: keypress %q, answer %q", keys.Get("Digits"), answer.Get("Digits"))
	}
}
