// Package notify sends messages to people and channels. Each channel is a
// sub-package with a Sender; registry.go lists them in one explicit map.
package notify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/tocsin/tocsin"
)

// Message is one message to send, already decided: the engine chose the
// destination and wrote the words; a Sender only speaks its provider's format.
type Message struct {
	ID      int64 // the outbox row: logs, idempotency hints, the voice call's script
	Kind    tocsin.NotificationKind
	To      string // the contact's address: number, e-mail, member id, URL, subscription JSON…
	Secret  string // webhook contacts: the HMAC-SHA256 key
	Locale  string // "en" or "fr"
	Subject string // one line: e-mail subject, push title, first line of a chat message
	Text    string // the whole message as plain text; for SMS, made to fit one segment when it can
	URL     string // the page to open: the alert, or the alerts list for a bundle
	AckURL  string // a signed page that asks to confirm an acknowledgement; empty when there is nothing to acknowledge
	// CallURL is where a voice call fetches what it says and which keys it offers.
	CallURL string
	Alert   *tocsin.Alert // the alert a page or a status update is about; nil otherwise
	Count   int           // alerts in a bundle
	// Update, for chat messages that can be rewritten in place (Slack): the
	// provider id of the message to update; empty: post a new one.
	Update string
	// Status page subscribers' messages (kind subscriber):
	// Action names the link to URL (an e-mail's button: "View the incident",
	// "Confirm my subscription"); empty: the sender's usual words.
	Action string
	// Unsubscribe is the one-click unsubscribe address: an e-mail carries it
	// in List-Unsubscribe (RFC 2369, RFC 8058) and at its foot.
	Unsubscribe string
	// FromName replaces the sender's display name (the status page's name,
	// which the reader knows, rather than "Tocsin"); empty: the configured From.
	FromName string
	// Body, when set, is the JSON a webhook posts as is, signed like any
	// other delivery (the Statuspage-shaped subscriber body).
	Body []byte
}

// Sender delivers a message through one provider and returns the provider's
// id for it (Twilio's SID, Slack's channel/ts…).
type Sender interface {
	Send(ctx context.Context, m Message) (providerID string, err error)
}

// PermanentError is a refusal that retrying cannot change: a bad number, an
// unknown channel, a revoked token. Any other error is retried with back-off.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &PermanentError{Err: err} }

// Permanentf is Permanent(fmt.Errorf(…)).
func Permanentf(format string, args ...any) error { return Permanent(fmt.Errorf(format, args...)) }

// IsPermanent reports whether err says retrying is useless.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RetryAfterError is a retryable refusal that says when to try again (HTTP 429).
type RetryAfterError struct {
	Err   error
	After time.Duration
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter returns how long err asks to wait, or 0.
func RetryAfter(err error) time.Duration {
	var r *RetryAfterError
	if errors.As(err, &r) {
		return r.After
	}
	return 0
}

// HTTPStatusError turns a provider's HTTP status into an error of the right
// kind: 429 and 5xx are retried, other 4xx are permanent.
func HTTPStatusError(provider string, status int, body string) error {
	if len(body) > 300 {
		body = body[:300] + "…"
	}
	err := fmt.Errorf("%s answered HTTP %d: %s", provider, status, body)
	if status == 429 || status == 408 || status >= 500 {
		return err
	}
	return Permanent(err)
}

// WithoutURL drops the URL from a transport error: webhook URLs, ntfy topics,
// push endpoints and the Telegram API path hold secrets, and errors are shown
// on the admin page and the alert's timeline.
func WithoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
