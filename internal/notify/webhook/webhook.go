// Package webhook posts messages as signed JSON to any URL: a person's
// webhook contact method or an escalation step's webhook target. The body
// and the signature are documented in docs/webhooks.md.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
)

// Headers every delivery carries.
const (
	HeaderTimestamp = "X-Tocsin-Timestamp" // unix seconds, covered by the signature
	HeaderSignature = "X-Tocsin-Signature" // v1=<hex HMAC-SHA256>; only with a secret
	HeaderDelivery  = "X-Tocsin-Delivery"  // the notification id: the same on every retry
)

// Tolerance is how far a receiver should accept a timestamp from its clock.
const Tolerance = 5 * time.Minute

// Options configure the sender.
type Options struct {
	Client *http.Client     // nil: 10 s timeout, redirects not followed
	Now    func() time.Time // nil: time.Now
}

// Sender posts to webhooks.
type Sender struct {
	client *http.Client
	now    func() time.Time
}

var _ notify.Sender = (*Sender)(nil)

// New returns a sender.
func New(opt Options) *Sender {
	s := &Sender{client: opt.Client, now: opt.Now}
	if s.client == nil {
		s.client = &http.Client{
			Timeout:   10 * time.Second,
			Transport: notify.Transport(),
			// A redirected POST turns into a GET on most servers: better say
			// so than deliver nothing.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Payload is the JSON body of a delivery.
type Payload struct {
	Event   string    `json:"event"`
	ID      int64     `json:"id"`
	SentAt  time.Time `json:"sent_at"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	URL     string    `json:"url"`
	AckURL  string    `json:"ack_url"`
	Alert   *Alert    `json:"alert"`
	Count   int       `json:"count"`
}

// Alert is the alert a delivery is about.
type Alert struct {
	ID          int64             `json:"id"`
	Summary     string            `json:"summary"`
	Details     string            `json:"details"`
	Priority    tocsin.Priority   `json:"priority"`
	Status      string            `json:"status"`
	ServiceID   int64             `json:"service_id"`
	Source      string            `json:"source"`
	DedupKey    string            `json:"dedup_key"`
	Labels      map[string]string `json:"labels"`
	Links       []tocsin.Link     `json:"links"`
	Occurrences int               `json:"occurrences"`
	FirstSeenAt time.Time         `json:"first_seen_at"`
	LastSeenAt  time.Time         `json:"last_seen_at"`
	AckedAt     *time.Time        `json:"acked_at"`
	AckedBy     string            `json:"acked_by"`
	ResolvedAt  *time.Time        `json:"resolved_at"`
	ResolvedBy  string            `json:"resolved_by"`
}

// Event names the kind of a message as receivers see it.
func Event(k tocsin.NotificationKind) string {
	switch k {
	case tocsin.NotifyPage, tocsin.NotifyChat:
		return "alert.page"
	case tocsin.NotifyBundle:
		return "alert.bundle"
	case tocsin.NotifyStatus:
		return "alert.status"
	case tocsin.NotifyReminder:
		return "oncall.reminder"
	case tocsin.NotifyGap:
		return "schedule.gap"
	}
	return string(k) // test, verify
}

// Body is the JSON sent for m at instant now.
func Body(m notify.Message, now time.Time) ([]byte, error) {
	p := Payload{
		Event: Event(m.Kind), ID: m.ID, SentAt: now.UTC().Truncate(time.Second),
		Subject: m.Subject, Text: m.Text, URL: m.URL, AckURL: m.AckURL, Count: m.Count,
	}
	if a := m.Alert; a != nil {
		p.Alert = &Alert{
			ID: a.ID, Summary: a.Summary, Details: a.Details, Priority: a.Priority, Status: string(a.Status),
			ServiceID: a.ServiceID, Source: a.Source, DedupKey: a.DedupKey, Labels: a.Labels, Links: a.Links,
			Occurrences: a.Occurrences, FirstSeenAt: a.FirstSeenAt.UTC(), LastSeenAt: a.LastSeenAt.UTC(),
			AckedAt: optTime(a.AckedAt), AckedBy: a.AckedBy, ResolvedAt: optTime(a.ResolvedAt), ResolvedBy: a.ResolvedBy,
		}
		if p.Alert.Labels == nil {
			p.Alert.Labels = map[string]string{}
		}
		if p.Alert.Links == nil {
			p.Alert.Links = []tocsin.Link{}
		}
		if p.Count == 0 {
			p.Count = 1
		}
	}
	return json.Marshal(p)
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// Send posts m to the URL m.To, signed with m.Secret when there is one.
// The provider id is the receiver's HTTP status.
func (s *Sender) Send(ctx context.Context, m notify.Message) (string, error) {
	u, err := url.Parse(m.To)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", notify.Permanentf("webhook URL must be http(s)")
	}
	now := s.now()
	// A status page subscriber's body is written by the engine
	// (Statuspage's shape); every other delivery is a Payload.
	body := m.Body
	if body == nil {
		var err error
		if body, err = Body(m, now); err != nil {
			return "", notify.Permanentf("webhook body: %v", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.To, bytes.NewReader(body))
	if err != nil {
		return "", notify.Permanentf("webhook request: %v", err)
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tocsin")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(m.ID, 10))
	if m.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(m.Secret, ts, body))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("webhook %s: %w", u.Host, notify.WithoutURL(err))
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", statusError(u.Host, resp, reply)
	}
	return "HTTP " + strconv.Itoa(resp.StatusCode), nil
}

// statusError classifies a refusal, honouring Retry-After on 429 and 503.
func statusError(host string, resp *http.Response, reply []byte) error {
	err := notify.HTTPStatusError("webhook "+host, resp.StatusCode, strings.TrimSpace(string(reply)))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if secs, perr := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); perr == nil && secs > 0 {
			return &notify.RetryAfterError{Err: err, After: time.Duration(secs) * time.Second}
		}
	}
	return err
}

// Sign returns the signature header value for body sent at timestamp:
// "v1=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery as a receiver would: the signature header matches
// the raw body and timestamp, and the timestamp is within Tolerance of now.
func Verify(secret, timestamp, signature string, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return errors.New("webhook: bad or missing " + HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return errors.New("webhook: timestamp too far from now; replayed or clock skew")
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(strings.TrimSpace(signature))) {
		return errors.New("webhook: signature does not match")
	}
	return nil
}
