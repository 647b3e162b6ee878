package twilio_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/notify/twilio"
	"github.com/tocsin/tocsin/internal/testkit"
)

const ourNumber = "+33199000000"

func options(f *testkit.FakeTwilio) twilio.Options {
	return twilio.Options{APIURL: f.URL, AccountSID: f.AccountSID, AuthToken: f.AuthToken, From: ourNumber}
}

func TestSMS(t *testing.T) {
	f := testkit.StartFakeTwilio(t)
	o := options(f)
	o.APIURL += "/" // a trailing slash in the setting is harmless
	o.StatusCallbackURL = "https://tocsin.example.com/twilio/status"
	sid, err := twilio.NewSMS(o).Send(context.Background(), notify.Message{
		To: "+33612345678", Subject: "ignored when there is text", Text: "P1 #42 disk full. Reply 4 42",
	})
	if err != nil {
		t.Fatal(err)
	}
	got := f.Messages()
	if len(got) != 1 {
		t.Fatalf("fake received %d messages", len(got))
	}
	m := got[0]
	if sid != m.SID || !strings.HasPrefix(sid, "SM") {
		t.Errorf("provider id %q, fake recorded %q", sid, m.SID)
	}
	if m.To != "+33612345678" || m.From != ourNumber || m.MessagingServiceSID != "" || m.Body != "P1 #42 disk full. Reply 4 42" {
		t.Errorf("sent %+v", m)
	}
	if m.StatusCallback != o.StatusCallbackURL {
		t.Errorf("StatusCallback %q", m.StatusCallback)
	}
}

func TestSMSFromMessagingService(t *testing.T) {
	f := testkit.StartFakeTwilio(t)
	o := options(f)
	o.From = "MG0123456789abcdef0123456789abcdef"
	if _, err := twilio.NewSMS(o).Send(context.Background(), notify.Message{To: "+33612345678", Subject: "only a subject"}); err != nil {
		t.Fatal(err)
	}
	m := f.Messages()[0]
	if m.MessagingServiceSID != o.From || m.From != "" || m.Body != "only a subject" {
		t.Errorf("sent %+v", m)
	}
}

func TestSMSBodyIsCutAtTwiliosLimit(t *testing.T) {
	f := testkit.StartFakeTwilio(t)
	long := strings.Repeat("é", 2000)
	if _, err := twilio.NewSMS(options(f)).Send(context.Background(), notify.Message{To: "+33612345678", Text: long}); err != nil {
		t.Fatal(err)
	}
	if body := f.Messages()[0].Body; body != strings.Repeat("é", 1600) {
		t.Errorf("sent %d bytes", len(body))
	}
}

func TestVoice(t *testing.T) {
	f := testkit.StartFakeTwilio(t)
	callURL := "https://tocsin.example.com/twilio/call?n=17&sig=abc"
	sid, err := twilio.NewVoice(options(f)).Send(context.Background(), notify.Message{To: "+33612345678", CallURL: callURL})
	if err != nil {
		t.Fatal(err)
	}
	c := f.Calls()
	if len(c) != 1 || c[0].SID != sid || !strings.HasPrefix(sid, "CA") {
		t.Fatalf("provider id %q, fake recorded %+v", sid, c)
	}
	if c[0].To != "+33612345678" || c[0].From != ourNumber || c[0].URL != callURL || c[0].Method != "POST" || c[0].Timeout != "30" {
		t.Errorf("call %+v", c[0])
	}
	if len(f.Messages()) != 0 {
		t.Error("a call also sent an SMS")
	}
}

func TestRefusalsBeforeAnyRequest(t *testing.T) {
	f := testkit.StartFakeTwilio(t)
	mg := options(f)
	mg.From = "MG0123456789abcdef0123456789abcdef"
	for name, send := range map[string]func() error{
		"empty SMS": func() error {
			_, err := twilio.NewSMS(options(f)).Send(context.Background(), notify.Message{To: "+33612345678", Text: "  "})
			return err
		},
		"SMS without a number": func() error {
			_, err := twilio.NewSMS(options(f)).Send(context.Background(), notify.Message{Text: "hi"})
			return err
		},
		"call without a script": func() error {
			_, err := twilio.NewVoice(options(f)).Send(context.Background(), notify.Message{To: "+33612345678"})
			return err
		},
		"call from a messaging service": func() error {
			_, err := twilio.NewVoice(mg).Send(context.Background(), notify.Message{To: "+33612345678", CallURL: "https://x.example/c"})
			return err
		},
	} {
		if err := send(); !notify.IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent error", name, err)
		}
	}
	if n := f.Attempts(); n != 0 {
		t.Errorf("%d requests reached Twilio", n)
	}
}

func TestErrors(t *testing.T) {
	f := testkit.StartFakeTwilio(t)
	sms := twilio.NewSMS(options(f))
	send := func(to string) error {
		_, err := sms.Send(context.Background(), notify.Message{To: to, Text: "P1 #1"})
		return err
	}

	err := send("0612345678")
	if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "Twilio 21211: Invalid 'To' Phone Number: 0612345678") {
		t.Errorf("bad number: %v, want permanent with Twilio's code and message", err)
	}

	f.FailNext(500, 20500, 1)
	err = send("+33612345678")
	if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), "20500") {
		t.Errorf("HTTP 500: %v, want a retryable error with the code", err)
	}
	if err := send("+33612345678"); err != nil {
		t.Errorf("after FailNext ran out: %v", err)
	}

	f.SetFailing(429, 20429)
	for range 2 {
		if err := send("+33612345678"); err == nil || notify.IsPermanent(err) {
			t.Errorf("HTTP 429: %v, want retryable", err)
		}
	}
	f.Recover()
	if err := send("+33612345678"); err != nil {
		t.Errorf("after Recover: %v", err)
	}

	bad := options(f)
	bad.AuthToken = "wrong"
	_, err = twilio.NewSMS(bad).Send(context.Background(), notify.Message{To: "+33612345678", Text: "x"})
	if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "20003") {
		t.Errorf("wrong token: %v, want permanent 20003", err)
	}
	if n := len(f.Messages()); n != 2 {
		t.Errorf("fake accepted %d messages, want the 2 sent while healthy", n)
	}
}

func TestRetryAfterAndOddReplies(t *testing.T) {
	date := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		permanent bool
		after     time.Duration
	}{
		{"429 in seconds", 429, map[string]string{"Retry-After": "7"},
			`{"code":20429,"message":"Too Many Requests","more_info":"","status":429}`, false, 7 * time.Second},
		{"503 with a date, measured against the reply's Date", 503,
			map[string]string{"Retry-After": date.Add(2 * time.Minute).Format(http.TimeFormat), "Date": date.Format(http.TimeFormat)},
			"", false, 2 * time.Minute},
		{"429 without Retry-After", 429, nil, "{}", false, 0},
		{"502 from a proxy, HTML", 502, nil, "<html>Bad gateway</html>", false, 0},
		{"404 from a proxy, HTML", 404, nil, "<html>Not found</html>", true, 0},
		{"200 that is no Twilio reply: wrong API URL", 200, nil, "<html>welcome</html>", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			_, err := twilio.NewSMS(twilio.Options{APIURL: srv.URL, AccountSID: "AC1", AuthToken: "t", From: ourNumber}).
				Send(context.Background(), notify.Message{To: "+33612345678", Text: "x"})
			if err == nil {
				t.Fatal("no error")
			}
			if notify.IsPermanent(err) != tc.permanent {
				t.Errorf("%v: permanent %v, want %v", err, notify.IsPermanent(err), tc.permanent)
			}
			if got := notify.RetryAfter(err); got != tc.after {
				t.Errorf("RetryAfter %v, want %v", got, tc.after)
			}
		})
	}
}

func TestNetworkErrorIsRetried(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := twilio.NewVoice(twilio.Options{APIURL: srv.URL, AccountSID: "AC1", AuthToken: "t", From: ourNumber}).
		Send(context.Background(), notify.Message{To: "+33612345678", CallURL: "https://x.example/c"})
	if err == nil || notify.IsPermanent(err) {
		t.Errorf("connection refused: %v, want a retryable error", err)
	}
}
