// Package webpush sends Web Push messages (RFC 8030, encrypted per RFC 8291,
// signed with VAPID per RFC 8292) to a browser or the installed web app.
// The service worker turns the payload into a notification.
package webpush

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/SherClockHolmes/webpush-go"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
)

// ttl is how long a push service keeps a message for an offline device: an
// hour-old page has escalated to someone else already.
const ttl = 3600

// Options configure the sender.
type Options struct {
	VAPIDPublicKey  string // base64url, uncompressed P-256 point
	VAPIDPrivateKey string // base64url, 32 bytes
	Subject         string // mailto: or https: contact for push services
	Client          *http.Client
}

// Sender pushes to subscriptions.
type Sender struct {
	opt    Options
	client *http.Client
}

var _ notify.Sender = (*Sender)(nil)

// New returns a sender.
func New(opt Options) *Sender {
	client := opt.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second, Transport: notify.Transport()}
	}
	return &Sender{opt: opt, client: client}
}

// GenerateKeys makes a VAPID key pair, stored on first start.
func GenerateKeys() (public, private string, err error) {
	private, public, err = webpush.GenerateVAPIDKeys()
	return public, private, err
}

// Payload is what the service worker receives.
type Payload struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	URL      string `json:"url"`       // opened on a click on the notification
	AckURL   string `json:"ack_url"`   // the Acknowledge action's page; "" for none
	AckLabel string `json:"ack_label"` // the Acknowledge action's label, in the user's language
	Tag      string `json:"tag"`       // a later message with the same tag replaces the notification
	Urgent   bool   `json:"urgent"`    // P1–P2 page: keep the notification until dismissed
}

// Send pushes m to the subscription JSON m.To and returns the push
// service's message URL when it gives one.
func (s *Sender) Send(ctx context.Context, m notify.Message) (string, error) {
	var sub webpush.Subscription
	if err := json.Unmarshal([]byte(m.To), &sub); err != nil {
		return "", notify.Permanentf("push subscription is not JSON: %v", err)
	}
	u, err := url.Parse(sub.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || sub.Keys.Auth == "" || sub.Keys.P256dh == "" {
		return "", notify.Permanentf("push subscription lacks an endpoint or keys")
	}
	payload, err := encode(payloadOf(m))
	if err != nil {
		return "", notify.Permanentf("push payload: %v", err)
	}
	urgency := webpush.UrgencyNormal
	if urgent(m) {
		urgency = webpush.UrgencyHigh
	}
	resp, err := webpush.SendNotificationWithContext(ctx, payload, &sub, &webpush.Options{
		HTTPClient:      s.client,
		Subscriber:      subscriber(s.opt.Subject),
		VAPIDPublicKey:  s.opt.VAPIDPublicKey,
		VAPIDPrivateKey: s.opt.VAPIDPrivateKey,
		TTL:             ttl,
		Urgency:         urgency,
		Topic:           tag(m), // a pending page is replaced by its status update
	})
	if err != nil {
		if clean := notify.WithoutURL(err); clean != err {
			// The endpoint URL identifies the subscription: keep it out of errors.
			return "", fmt.Errorf("push %s: %w", u.Host, clean)
		}
		return "", notify.Permanentf("push encryption or VAPID keys: %v", err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", statusError(u.Host, resp, strings.TrimSpace(string(reply)))
	}
	return resp.Header.Get("Location"), nil
}

func statusError(host string, resp *http.Response, reply string) error {
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusGone:
		return notify.Permanentf("push %s answered HTTP %d: the subscription expired or the browser unsubscribed", host, resp.StatusCode)
	case http.StatusTooManyRequests:
		err := notify.HTTPStatusError("push "+host, resp.StatusCode, reply)
		if secs, perr := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); perr == nil && secs > 0 {
			return &notify.RetryAfterError{Err: err, After: time.Duration(secs) * time.Second}
		}
		return err
	}
	return notify.HTTPStatusError("push "+host, resp.StatusCode, reply)
}

// maxPayload leaves room for the encryption header and padding in webpush-go's
// single 4 KB record.
const maxPayload = 3000

// encode marshals p, shortening the body until it fits.
func encode(p Payload) ([]byte, error) {
	for {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // shown as text by the service worker; and \u003c is 6 bytes
		if err := enc.Encode(p); err != nil {
			return nil, err
		}
		if b.Len() <= maxPayload || p.Body == "" {
			return bytes.TrimRight(b.Bytes(), "\n"), nil
		}
		p.Body = cut(p.Body, len(p.Body)/2)
	}
}

func payloadOf(m notify.Message) Payload {
	p := Payload{
		Title: cut(m.Subject, 200), Body: cut(m.Text, 1500), URL: m.URL, AckURL: m.AckURL,
		Tag: tag(m), Urgent: urgent(m),
	}
	if m.AckURL != "" {
		p.AckLabel = "Acknowledge"
		if strings.HasPrefix(m.Locale, "fr") {
			p.AckLabel = "Acquitter"
		}
	}
	return p
}

// tag is "alert-<id>" for messages about one alert, so that each alert has
// one notification on the device; other messages have their own.
func tag(m notify.Message) string {
	if m.Alert != nil {
		return "alert-" + strconv.FormatInt(m.Alert.ID, 10)
	}
	return "tocsin-" + strconv.FormatInt(m.ID, 10)
}

func urgent(m notify.Message) bool {
	return m.Alert != nil && m.Kind != tocsin.NotifyStatus && (m.Alert.Priority == tocsin.P1 || m.Alert.Priority == tocsin.P2)
}

// subscriber is the VAPID subject as webpush-go wants it: it adds "mailto:"
// to anything not https:, "mailto:" included.
func subscriber(subject string) string {
	return strings.TrimPrefix(subject, "mailto:")
}

// cut shortens s to at most n bytes on a character boundary: a push payload
// is limited to about 4 KB once encrypted.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= len("…") {
		return ""
	}
	s = s[:n-len("…")]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
