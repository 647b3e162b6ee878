package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/notify/webhook"
)

var now = time.Date(2026, 11, 2, 3, 12, 0, 0, time.UTC)

type captured struct {
	method, path string
	header       http.Header
	body         []byte
}

// receiver answers status (and headers) and records the one request it gets.
func receiver(t *testing.T, status int, header map[string]string) (*httptest.Server, chan captured) {
	t.Helper()
	got := make(chan captured, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- captured{r.Method, r.URL.Path, r.Header.Clone(), b}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		io.WriteString(w, "reply body")
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func sender() *webhook.Sender {
	return webhook.New(webhook.Options{Now: func() time.Time { return now }})
}

func page(to string) notify.Message {
	return notify.Message{
		ID: 42, Kind: tocsin.NotifyPage, To: to, Secret: "whsec_test", Locale: "en",
		Subject: "[P1] #7 <script>alert(1)</script>",
		Text:    "#7 <script>alert(1)</script> *_[ disk full",
		URL:     "https://tocsin.example.com/alerts/7",
		AckURL:  "https://tocsin.example.com/ack/7?sig=abc",
		Alert: &tocsin.Alert{
			ID: 7, Summary: "<script>alert(1)</script> *_[ disk full", Details: "free: 1%", Priority: tocsin.P1,
			Status: tocsin.StatusAcknowledged, ServiceID: 3, Source: "db1", DedupKey: "db1/disk",
			Labels: map[string]string{"team": "db"}, Links: []tocsin.Link{{Href: "https://grafana/x", Text: "graph"}},
			Occurrences: 2, FirstSeenAt: now.Add(-time.Hour), LastSeenAt: now.Add(-time.Minute),
			AckedAt: now.Add(-30 * time.Second), AckedBy: "ada",
		},
	}
}

func TestSendSigned(t *testing.T) {
	srv, got := receiver(t, http.StatusNoContent, nil)
	id, err := sender().Send(context.Background(), page(srv.URL+"/hooks/abc"))
	if err != nil {
		t.Fatal(err)
	}
	if id != "HTTP 204" {
		t.Errorf("provider id = %q", id)
	}
	r := <-got
	if r.method != http.MethodPost || r.path != "/hooks/abc" {
		t.Errorf("%s %s", r.method, r.path)
	}
	for h, want := range map[string]string{
		"Content-Type": "application/json", "User-Agent": "Tocsin",
		"X-Tocsin-Timestamp": "1793589120", "X-Tocsin-Delivery": "42",
	} {
		if r.header.Get(h) != want {
			t.Errorf("%s = %q, want %q", h, r.header.Get(h), want)
		}
	}
	sig := r.header.Get(webhook.HeaderSignature)
	if !strings.HasPrefix(sig, "v1=") || len(sig) != 3+64 {
		t.Errorf("signature = %q", sig)
	}
	if err := webhook.Verify("whsec_test", r.header.Get(webhook.HeaderTimestamp), sig, r.body, now.Add(time.Minute)); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if strings.Contains(string(r.body), "<script>") {
		t.Errorf("raw < in the JSON body: %s", r.body)
	}

	var p webhook.Payload
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	a := p.Alert
	if p.Event != "alert.page" || p.ID != 42 || !p.SentAt.Equal(now) || p.Count != 1 ||
		p.Subject != page("").Subject || p.Text != page("").Text || p.URL != page("").URL || p.AckURL != page("").AckURL {
		t.Errorf("payload = %+v", p)
	}
	if a == nil || a.ID != 7 || a.Summary != page("").Alert.Summary || a.Priority != tocsin.P1 || a.Status != "acknowledged" ||
		a.ServiceID != 3 || a.Source != "db1" || a.DedupKey != "db1/disk" || a.Labels["team"] != "db" ||
		len(a.Links) != 1 || a.Links[0].Href != "https://grafana/x" || a.Occurrences != 2 ||
		a.AckedAt == nil || !a.AckedAt.Equal(now.Add(-30*time.Second)) || a.AckedBy != "ada" || a.ResolvedAt != nil {
		t.Errorf("alert = %+v", a)
	}
}

// The documented shape: every key present, null where there is no alert.
func TestBodyShapeWithoutAlert(t *testing.T) {
	b, err := webhook.Body(notify.Message{ID: 5, Kind: tocsin.NotifyVerify, Subject: "Code", Text: "Your code is 123456"}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"event":"verify","id":5,"sent_at":"2026-11-02T03:12:00Z","subject":"Code","text":"Your code is 123456","url":"","ack_url":"","alert":null,"count":0}`
	if string(b) != want {
		t.Errorf("body =\n%s\nwant\n%s", b, want)
	}
	m := page("")
	m.Alert.Labels, m.Alert.Links = nil, nil
	b, _ = webhook.Body(m, now)
	if !strings.Contains(string(b), `"labels":{},"links":[]`) || !strings.Contains(string(b), `"resolved_at":null`) {
		t.Errorf("empty labels and links should be {} and [], a missing time null: %s", b)
	}
}

func TestEvents(t *testing.T) {
	for kind, want := range map[tocsin.NotificationKind]string{
		tocsin.NotifyPage: "alert.page", tocsin.NotifyChat: "alert.page", tocsin.NotifyBundle: "alert.bundle",
		tocsin.NotifyStatus: "alert.status", tocsin.NotifyTest: "test", tocsin.NotifyVerify: "verify",
		tocsin.NotifyReminder: "oncall.reminder", tocsin.NotifyGap: "schedule.gap",
	} {
		if got := webhook.Event(kind); got != want {
			t.Errorf("Event(%s) = %q, want %q", kind, got, want)
		}
	}
}

// An escalation step's webhook target has no secret: no signature header.
func TestSendUnsigned(t *testing.T) {
	srv, got := receiver(t, http.StatusOK, nil)
	m := page(srv.URL)
	m.Secret = ""
	if _, err := sender().Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if _, ok := r.header[webhook.HeaderSignature]; ok {
		t.Errorf("signature sent without a secret")
	}
	if r.header.Get(webhook.HeaderTimestamp) == "" || r.header.Get(webhook.HeaderDelivery) != "42" {
		t.Errorf("headers = %v", r.header)
	}
}

func TestVerifyRefuses(t *testing.T) {
	body := []byte(`{"event":"test"}`)
	ts := now.Unix()
	sig := webhook.Sign("k", ts, body)
	if err := webhook.Verify("k", "1793589120", sig, body, now); err != nil {
		t.Fatalf("a good signature refused: %v", err)
	}
	for name, c := range map[string]struct {
		secret, ts, sig string
		body            []byte
		at              time.Time
	}{
		"other secret":  {"k2", "1793589120", sig, body, now},
		"changed body":  {"k", "1793589120", sig, []byte(`{"event":"tesT"}`), now},
		"changed time":  {"k", "1793589121", sig, body, now},
		"too old":       {"k", "1793589120", sig, body, now.Add(webhook.Tolerance + time.Second)},
		"from future":   {"k", "1793589120", sig, body, now.Add(-webhook.Tolerance - time.Second)},
		"no timestamp":  {"k", "", sig, body, now},
		"no signature":  {"k", "1793589120", "", body, now},
		"bare hex":      {"k", "1793589120", strings.TrimPrefix(sig, "v1="), body, now},
		"other version": {"k", "1793589120", "v0=" + strings.TrimPrefix(sig, "v1="), body, now},
	} {
		if err := webhook.Verify(c.secret, c.ts, c.sig, c.body, c.at); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		status    int
		header    map[string]string
		permanent bool
		after     time.Duration
	}{
		{status: 500},
		{status: 503},
		{status: 400, permanent: true},
		{status: 404, permanent: true},
		{status: 410, permanent: true},
		{status: 429, header: map[string]string{"Retry-After": "30"}, after: 30 * time.Second},
		{status: 302, header: map[string]string{"Location": "/elsewhere"}, permanent: true},
	} {
		srv, got := receiver(t, c.status, c.header)
		_, err := sender().Send(context.Background(), page(srv.URL))
		if err == nil {
			t.Errorf("%d: no error", c.status)
			continue
		}
		if notify.IsPermanent(err) != c.permanent || notify.RetryAfter(err) != c.after {
			t.Errorf("%d: err = %v (permanent %v, after %v)", c.status, err, notify.IsPermanent(err), notify.RetryAfter(err))
		}
		if !strings.Contains(err.Error(), "reply body") {
			t.Errorf("%d: the receiver's answer is not in the error: %v", c.status, err)
		}
		<-got
		if len(got) != 0 {
			t.Errorf("%d: the redirect was followed", c.status)
		}
	}
}

func TestNetworkErrorIsRetriedAndHidesTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/hooks/secret-token"
	srv.Close()
	_, err := sender().Send(context.Background(), page(url))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("err = %v, want retryable", err)
	}
	if strings.Contains(err.Error(), "secret-token") {
		t.Errorf("error shows the URL's path: %v", err)
	}
}

func TestBadURL(t *testing.T) {
	for _, to := range []string{"", "ftp://example.com/x", "not a url", "http://"} {
		if _, err := sender().Send(context.Background(), page(to)); err == nil || !notify.IsPermanent(err) {
			t.Errorf("%q: err = %v, want permanent", to, err)
		}
	}
}

// docsVerify is the receiver code of docs/webhooks.md, kept here so that the
// documentation cannot drift from what Sign does.
func docsVerify(secret string, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	tsHeader := r.Header.Get("X-Tocsin-Timestamp")
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil || math.Abs(time.Since(time.Unix(ts, 0)).Seconds()) > 300 {
		return nil, errors.New("stale or missing timestamp")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(tsHeader + "."))
	mac.Write(body)
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Tocsin-Signature"))) {
		return nil, errors.New("bad signature")
	}
	return body, nil
}

func TestDocsReceiverAccepts(t *testing.T) {
	results := make(chan error, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := docsVerify(r.URL.Query().Get("secret"), r)
		results <- err
	}))
	defer srv.Close()
	s := webhook.New(webhook.Options{}) // real clock: the snippet checks against time.Now
	m := page(srv.URL + "?secret=whsec_test")
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if err := <-results; err != nil {
		t.Errorf("the documented receiver refused a delivery: %v", err)
	}
	m.To = srv.URL + "?secret=other"
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if err := <-results; err == nil {
		t.Errorf("the documented receiver accepted a delivery signed with another secret")
	}
}
