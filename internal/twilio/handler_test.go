package twilio_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/testkit"
)

func withTwilio(token, fallbackNumber string) func(*config.Config) {
	return func(c *config.Config) {
		c.TwilioAuthToken, c.OncallFallback = token, fallbackNumber
	}
}

func TestVoiceRingsWhoIsOnCallThenTheNextThenTheFallback(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testkit.Start(t, engine, withTwilio(authToken, "+33 1 40 00 00 00"))
		ppl := addPeople(t, a)
		sched := addSchedule(t, a.DB, "payments", "", "2026-11-02", ppl, a.Clock.Now())
		voice := a.URL + "/twilio/voice/oncall/payments"

		status, body := twilioPost(t, voice, voice, authToken, callParams())
		if status != http.StatusOK {
			t.Fatalf("voice: %d %s", status, body)
		}
		d := parseDoc(t, body)
		if d.names() != "Say Dial" {
			t.Fatalf("verbs: %s\n%s", d.names(), body)
		}
		say, dial := d.Verbs[0], d.Verbs[1]
		if say.attr("language") != "en-US" || !strings.Contains(say.Text, "person on call") {
			t.Errorf("prompt: %+v", say)
		}
		// Alice holds the primary layer the first week, at her E.164 number.
		if !slices.Equal(dial.Numbers, []string{alicePhone}) {
			t.Errorf("dialled %v, want Alice %s", dial.Numbers, alicePhone)
		}
		if dial.attr("callerId") != caller || dial.attr("timeout") != "20" || dial.attr("method") != "POST" {
			t.Errorf("dial attributes: %+v", dial.Attrs)
		}
		next := dial.attr("action")
		// The dial's action names the schedule by id: a rename during the call does not break it.
		if next != fmt.Sprintf("%s/twilio/voice/oncall/%d/next?attempt=1", a.URL, sched.ID) {
			t.Fatalf("action %q", next)
		}

		// No answer: the secondary layer's person (Bob), then the fallback number.
		status, body = twilioPost(t, next, next, authToken, callParams("DialCallStatus", "no-answer", "CallStatus", "in-progress"))
		d = parseDoc(t, body)
		if status != http.StatusOK || d.names() != "Say Dial" || !slices.Equal(d.dialled(), []string{bobPhone}) || !strings.Contains(d.says(), "next person") {
			t.Fatalf("attempt 1: %d %s", status, body)
		}
		next = d.Verbs[1].attr("action")
		status, body = twilioPost(t, next, next, authToken, callParams("DialCallStatus", "busy"))
		d = parseDoc(t, body)
		if status != http.StatusOK || !slices.Equal(d.dialled(), []string{fallback}) || !strings.Contains(d.says(), "fallback number") {
			t.Fatalf("attempt 2: %d %s", status, body)
		}
		if d.only("Dial")[0].attr("callerId") != caller {
			t.Errorf("the fallback number does not see the caller: %s", body)
		}
		next = d.only("Dial")[0].attr("action")
		status, body = twilioPost(t, next, next, authToken, callParams("DialCallStatus", "no-answer"))
		d = parseDoc(t, body)
		if status != http.StatusOK || d.names() != "Say Hangup" || !strings.Contains(d.says(), "Nobody answered") {
			t.Fatalf("attempt 3: %d %s", status, body)
		}

		// Answered: the call ends when the person hangs up.
		status, body = twilioPost(t, voice+"/next?attempt=1", voice+"/next?attempt=1", authToken, callParams("DialCallStatus", "completed"))
		if d = parseDoc(t, body); status != http.StatusOK || d.names() != "Hangup" {
			t.Errorf("completed: %d %s", status, body)
		}

		// The next week, Bob is on call; the schedule is also reachable by id.
		a.Clock.Advance(7 * 24 * time.Hour)
		s, err := a.DB.ScheduleByName(t.Context(), "payments")
		if err != nil {
			t.Fatal(err)
		}
		byID := a.URL + "/twilio/voice/oncall/" + strconv.FormatInt(s.ID, 10)
		status, body = twilioPost(t, byID, byID, authToken, callParams())
		if d = parseDoc(t, body); status != http.StatusOK || !slices.Equal(d.dialled(), []string{bobPhone}) {
			t.Errorf("week 2 by id: %d %s", status, body)
		}
		if action := d.only("Dial")[0].attr("action"); action != byID+"/next?attempt=1" {
			t.Errorf("week 2 action %q", action)
		}
	})
}

func TestVoiceSpeaksTheSchedulesLanguage(t *testing.T) {
	a := testkit.Start(t, "sqlite", withTwilio(authToken, fallback))
	ppl := addPeople(t, a)
	addSchedule(t, a.DB, "astreinte", "fr", "2026-11-02", ppl, a.Clock.Now())
	addSchedule(t, a.DB, "plus-tard", "fr", "2026-12-07", ppl, a.Clock.Now())

	voice := a.URL + "/twilio/voice/oncall/astreinte"
	_, body := twilioPost(t, voice, voice, authToken, callParams())
	d := parseDoc(t, body)
	say := d.only("Say")
	if len(say) != 1 || say[0].attr("language") != "fr-FR" || !strings.Contains(say[0].Text, "personne d'astreinte") {
		t.Errorf("French prompt: %s", body)
	}
	next := voice + "/next?attempt=2"
	_, body = twilioPost(t, next, next, authToken, callParams("DialCallStatus", "no-answer"))
	if d = parseDoc(t, body); !strings.Contains(d.says(), "numéro de secours") || d.only("Say")[0].attr("language") != "fr-FR" {
		t.Errorf("French fallback: %s", body)
	}

	// Nobody is on call before the layers start: said, then the fallback number.
	later := a.URL + "/twilio/voice/oncall/plus-tard"
	_, body = twilioPost(t, later, later, authToken, callParams())
	d = parseDoc(t, body)
	if d.names() != "Say Say Dial" || !strings.Contains(d.says(), "Personne n'est d'astreinte") || !slices.Equal(d.dialled(), []string{fallback}) {
		t.Errorf("nobody on call: %s", body)
	}
}

func TestVoiceWithoutFallbackNumber(t *testing.T) {
	a := testkit.Start(t, "sqlite", withTwilio(authToken, ""))
	ppl := addPeople(t, a)
	addSchedule(t, a.DB, "later", "", "2026-12-07", ppl, a.Clock.Now())
	addSchedule(t, a.DB, "now", "", "2026-11-02", ppl, a.Clock.Now())

	later := a.URL + "/twilio/voice/oncall/later"
	_, body := twilioPost(t, later, later, authToken, callParams())
	d := parseDoc(t, body)
	if d.names() != "Say Say Hangup" || !strings.Contains(d.says(), "Nobody is on call") || !strings.Contains(d.says(), "No fallback number") {
		t.Errorf("nobody, no fallback: %s", body)
	}
	// Alice and Bob were both tried: the goodbye.
	next := a.URL + "/twilio/voice/oncall/now/next?attempt=2"
	_, body = twilioPost(t, next, next, authToken, callParams("DialCallStatus", "failed"))
	if d = parseDoc(t, body); d.names() != "Say Hangup" || !strings.Contains(d.says(), "Nobody answered") {
		t.Errorf("after the last person: %s", body)
	}

	// Nobody with a phone on call: Carol alone.
	s, _ := a.DB.ScheduleByName(t.Context(), "now")
	s.Layers = s.Layers[:1]
	s.Layers[0].Participants = []int64{ppl.carol.ID}
	if err := a.DB.UpdateSchedule(t.Context(), s, a.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	voice := a.URL + "/twilio/voice/oncall/now"
	_, body = twilioPost(t, voice, voice, authToken, callParams())
	if d = parseDoc(t, body); len(d.dialled()) != 0 || !strings.Contains(d.says(), "reached by phone") {
		t.Errorf("nobody with a phone: %s", body)
	}
}

func TestWebhooksRefuseWhatTwilioDidNotSign(t *testing.T) {
	a := testkit.Start(t, "sqlite", withTwilio(authToken, fallback))
	ppl := addPeople(t, a)
	addSchedule(t, a.DB, "payments", "", "2026-11-02", ppl, a.Clock.Now())
	voice := a.URL + "/twilio/voice/oncall/payments"
	sms := a.URL + "/twilio/sms/oncall/payments"

	for _, c := range []struct {
		name, send, sign, token string
	}{
		{"unsigned call", voice, voice, ""},
		{"unsigned SMS", sms, sms, ""},
		{"wrong token", voice, voice, "not-the-token"},
		{"signed for another URL", voice, "https://elsewhere.example.com/twilio/voice/oncall/payments", authToken},
		{"signed for another schedule", voice, a.URL + "/twilio/voice/oncall/other", authToken},
		{"signed for another attempt", voice + "/next?attempt=2", voice + "/next?attempt=1", authToken},
		{"signed for SMS, sent to voice", voice, sms, authToken},
	} {
		status, body := twilioPost(t, c.send, c.sign, c.token, callParams())
		if status != http.StatusForbidden || strings.Contains(string(body), "<Response") {
			t.Errorf("%s: %d %s, want a plain 403", c.name, status, body)
		}
	}

	// A parameter changed after signing.
	req := callParams()
	m := map[string]string{}
	for k := range req {
		m[k] = req.Get(k)
	}
	sig := specSignature(authToken, voice, m)
	req.Set("From", "+15559999")
	httpReq, _ := http.NewRequest(http.MethodPost, voice, strings.NewReader(req.Encode()))
	httpReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	httpReq.Header.Set("X-Twilio-Signature", sig)
	res, err := a.Client().Do(httpReq)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("tampered From: %d", res.StatusCode)
	}

	// Behind a proxy the Host differs; the public URL is what Twilio signed.
	httpReq, _ = http.NewRequest(http.MethodPost, voice, strings.NewReader(callParams().Encode()))
	httpReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	httpReq.Host = "tocsin.internal:8080"
	m = map[string]string{}
	for k := range callParams() {
		m[k] = callParams().Get(k)
	}
	httpReq.Header.Set("X-Twilio-Signature", specSignature(authToken, voice, m))
	res, err = a.Client().Do(httpReq)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("signed for the public URL, other Host: %d", res.StatusCode)
	}
	httpReq, _ = http.NewRequest(http.MethodPost, voice, strings.NewReader(callParams().Encode()))
	httpReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	httpReq.Host = "tocsin.internal:8080"
	httpReq.Header.Set("X-Twilio-Signature", specSignature(authToken, "http://tocsin.internal:8080/twilio/voice/oncall/payments", m))
	res, err = a.Client().Do(httpReq)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("signed for the Host header instead of the public URL: %d", res.StatusCode)
	}

	// Unknown schedule, once signed: 404.
	unknown := a.URL + "/twilio/voice/oncall/nope"
	if status, body := twilioPost(t, unknown, unknown, authToken, callParams()); status != http.StatusNotFound || strings.Contains(string(body), "<Response") {
		t.Errorf("unknown schedule: %d %s", status, body)
	}
}

func TestWebhooksOddInput(t *testing.T) {
	a := testkit.Start(t, "sqlite", withTwilio(authToken, fallback))
	ppl := addPeople(t, a)
	addSchedule(t, a.DB, "payments", "", "2026-11-02", ppl, a.Clock.Now())
	voice := a.URL + "/twilio/voice/oncall/payments"

	for _, attempt := range []string{"0", "-1", "abc", "99", "", "1e1", "%00"} {
		next := voice + "/next?attempt=" + attempt
		status, body := twilioPost(t, next, next, authToken, callParams("DialCallStatus", "no-answer"))
		if status != http.StatusBadRequest {
			t.Errorf("attempt %q: %d %s", attempt, status, body)
		}
	}
	// Past the end of the list (the list shrank during the call): goodbye.
	next := voice + "/next?attempt=12"
	if status, body := twilioPost(t, next, next, authToken, callParams("DialCallStatus", "no-answer")); status != http.StatusOK || parseDoc(t, body).names() != "Say Hangup" {
		t.Errorf("attempt 12: %d %s", status, body)
	}
	// An odd DialCallStatus counts as not answered; an odd From is not passed as caller id.
	next = voice + "/next?attempt=1"
	status, body := twilioPost(t, next, next, authToken, callParams("DialCallStatus", "<weird>", "From", "client:alice"))
	d := parseDoc(t, body)
	if status != http.StatusOK || !slices.Equal(d.dialled(), []string{bobPhone}) || d.only("Dial")[0].attr("callerId") != "" {
		t.Errorf("odd status and From: %d %s", status, body)
	}
	// A form that does not decode, and a body far over the limit.
	for name, raw := range map[string]string{"bad escape": "From=%zz", "huge": "Body=" + strings.Repeat("x", 100<<10)} {
		req, _ := http.NewRequest(http.MethodPost, voice, strings.NewReader(raw))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", "c2lnbmF0dXJl")
		res, err := a.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d", name, res.StatusCode)
		}
	}
	// A name far too long for a schedule.
	long := a.URL + "/twilio/voice/oncall/" + strings.Repeat("a", 300)
	if status, _ := twilioPost(t, long, long, authToken, callParams()); status != http.StatusNotFound {
		t.Errorf("long name: %d", status)
	}
}

func TestTwilioNotConfigured(t *testing.T) {
	a := testkit.Start(t, "sqlite")
	voice := a.URL + "/twilio/voice/oncall/payments"
	status, body := twilioPost(t, voice, voice, "anything", callParams())
	if status != http.StatusNotFound || !strings.Contains(string(body), "TOCSIN_TWILIO_AUTH_TOKEN") {
		t.Errorf("not configured: %d %s", status, body)
	}
}

func TestSMSIsForwardedToWhoIsOnCall(t *testing.T) {
	a := testkit.Start(t, "sqlite", withTwilio(authToken, fallback))
	ppl := addPeople(t, a)
	addSchedule(t, a.DB, "payments", "", "2026-11-02", ppl, a.Clock.Now())
	addSchedule(t, a.DB, "astreinte", "fr", "2026-11-02", ppl, a.Clock.Now())
	addSchedule(t, a.DB, "later", "", "2026-12-07", ppl, a.Clock.Now())
	smsParams := func(body string) url.Values {
		return url.Values{"MessageSid": {"SM0123"}, "AccountSid": {"AC0123"}, "From": {caller}, "To": {"+33180000000"}, "Body": {body}, "NumMedia": {"0"}}
	}

	sms := a.URL + "/twilio/sms/oncall/payments"
	status, body := twilioPost(t, sms, sms, authToken, smsParams("Disk full on <db1> & \"db2\"\x07"))
	d := parseDoc(t, body)
	msg := d.only("Message")
	if status != http.StatusOK || d.names() != "Message" || msg[0].attr("to") != alicePhone {
		t.Fatalf("sms: %d %s", status, body)
	}
	if want := "From " + caller + ": Disk full on <db1> & \"db2\""; msg[0].Text != want {
		t.Errorf("forwarded %q, want %q", msg[0].Text, want)
	}

	// The person on call writing to the number (a reply to a forwarded SMS)
	// is told how to answer, instead of getting their own text back.
	own := smsParams("ok, on it")
	own.Set("From", alicePhone)
	_, body = twilioPost(t, sms, sms, authToken, own)
	if msg = parseDoc(t, body).only("Message"); len(msg) != 1 || msg[0].attr("to") != "" || !strings.Contains(msg[0].Text, "not forwarded") {
		t.Errorf("the on-call person's own SMS: %s", body)
	}

	// French schedule; a long text stays one Twilio message.
	fr := a.URL + "/twilio/sms/oncall/astreinte"
	_, body = twilioPost(t, fr, fr, authToken, smsParams(strings.Repeat("é", 3000)))
	msg = parseDoc(t, body).only("Message")
	if len(msg) != 1 || !strings.HasPrefix(msg[0].Text, "De "+caller+" : éé") || utf8.RuneCountInString(msg[0].Text) > 1600 {
		t.Errorf("French, long: %d characters, %.60s", utf8.RuneCountInString(msg[0].Text), msg[0].Text)
	}

	// Nobody on call: the fallback number gets it.
	later := a.URL + "/twilio/sms/oncall/later"
	_, body = twilioPost(t, later, later, authToken, smsParams("hello"))
	if msg = parseDoc(t, body).only("Message"); len(msg) != 1 || msg[0].attr("to") != fallback {
		t.Errorf("nobody on call: %s", body)
	}
}

// A withheld number arrives as a marker that looks like a number: it is not
// shown to the person dialled as if it were the caller's.
func TestVoiceWithheldCallerID(t *testing.T) {
	a := testkit.Start(t, "sqlite", withTwilio(authToken, fallback))
	ppl := addPeople(t, a)
	addSchedule(t, a.DB, "payments", "", "2026-11-02", ppl, a.Clock.Now())
	voice := a.URL + "/twilio/voice/oncall/payments"
	for _, from := range []string{"+266696687", "+7378742833", "anonymous", "client:alice"} {
		_, body := twilioPost(t, voice, voice, authToken, callParams("From", from))
		if dial := parseDoc(t, body).only("Dial"); len(dial) != 1 || dial[0].attr("callerId") != "" {
			t.Errorf("From %s: %s", from, body)
		}
	}
}

func TestSMSNobodyReachable(t *testing.T) {
	a := testkit.Start(t, "sqlite", withTwilio(authToken, ""))
	ppl := addPeople(t, a)
	addSchedule(t, a.DB, "later", "", "2026-12-07", ppl, a.Clock.Now())
	later := a.URL + "/twilio/sms/oncall/later"
	_, body := twilioPost(t, later, later, authToken, url.Values{"From": {caller}, "Body": {"hello"}})
	msg := parseDoc(t, body).only("Message")
	if len(msg) != 1 || msg[0].attr("to") != "" || !strings.Contains(msg[0].Text, "not forwarded") {
		t.Errorf("the sender is not told: %s", body)
	}
}
