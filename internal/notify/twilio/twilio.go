// Package twilio sends SMS and voice calls through Twilio's REST API (or a
// Twilio-compatible provider at another base URL). It is plain net/http: the
// two calls and basic auth are shorter than the SDK's import list.
//
// Inbound webhooks (replies, keypresses, the on-call number) are another
// package, internal/twilio.
package twilio

import (
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

	"github.com/tocsin/tocsin/internal/notify"
)

// Options are the account messages and calls go out through.
type Options struct {
	APIURL     string // https://api.twilio.com, or a compatible provider's base
	AccountSID string // AC…
	AuthToken  string
	// From is the E.164 number messages and calls come from, or a messaging
	// service (MG…) that picks the number for SMS.
	From string
	// StatusCallbackURL, when set, is given to Twilio for delivery reports.
	StatusCallbackURL string
	HTTP              *http.Client // nil: a client with a 15 s timeout
}

// maxBody is Twilio's limit on an SMS body, in characters.
const maxBody = 1600

// maxReply bounds what is read of Twilio's answers: a reply is under 2 KB.
const maxReply = 64 << 10

// callTimeout is how long a call rings before Twilio gives up (no-answer).
const callTimeout = 30

// SMS sends text messages.
type SMS struct{ c client }

// Voice places calls that fetch their script from Message.CallURL.
type Voice struct{ c client }

var (
	_ notify.Sender = (*SMS)(nil)
	_ notify.Sender = (*Voice)(nil)
)

// NewSMS returns the SMS sender of the account.
func NewSMS(o Options) *SMS { return &SMS{c: newClient(o)} }

// NewVoice returns the voice sender of the account.
func NewVoice(o Options) *Voice { return &Voice{c: newClient(o)} }

// Send sends m.Text (m.Subject when there is no text) to the number m.To.
// The engine has already made the text fit one segment when it can.
func (s *SMS) Send(ctx context.Context, m notify.Message) (string, error) {
	body := m.Text
	if strings.TrimSpace(body) == "" {
		body = m.Subject
	}
	if strings.TrimSpace(body) == "" {
		return "", notify.Permanentf("twilio: the message to %s is empty", m.To)
	}
	if m.To == "" {
		return "", notify.Permanentf("twilio: no number to send the SMS to")
	}
	form := url.Values{"To": {m.To}, "Body": {cut(body, maxBody)}}
	if strings.HasPrefix(s.c.opts.From, "MG") {
		form.Set("MessagingServiceSid", s.c.opts.From)
	} else {
		form.Set("From", s.c.opts.From)
	}
	if s.c.opts.StatusCallbackURL != "" {
		form.Set("StatusCallback", s.c.opts.StatusCallbackURL)
	}
	return s.c.create(ctx, "Messages.json", form)
}

// Send calls m.To; when answered, Twilio fetches m.CallURL for what to say
// and which keys to offer.
func (v *Voice) Send(ctx context.Context, m notify.Message) (string, error) {
	if m.To == "" {
		return "", notify.Permanentf("twilio: no number to call")
	}
	if m.CallURL == "" {
		return "", notify.Permanentf("twilio: the call to %s has no script URL", m.To)
	}
	if strings.HasPrefix(v.c.opts.From, "MG") {
		return "", notify.Permanentf("twilio: calls need a phone number in --twilio-from, not the messaging service %s", v.c.opts.From)
	}
	form := url.Values{
		"To":      {m.To},
		"From":    {v.c.opts.From},
		"Url":     {m.CallURL},
		"Method":  {http.MethodPost},
		"Timeout": {strconv.Itoa(callTimeout)},
	}
	if v.c.opts.StatusCallbackURL != "" {
		form.Set("StatusCallback", v.c.opts.StatusCallbackURL)
		form.Set("StatusCallbackMethod", http.MethodPost)
	}
	return v.c.create(ctx, "Calls.json", form)
}

// client is what both senders share: the account and the HTTP plumbing.
type client struct {
	opts Options
	http *http.Client
}

func newClient(o Options) client {
	o.APIURL = strings.TrimRight(o.APIURL, "/")
	if o.APIURL == "" {
		o.APIURL = "https://api.twilio.com"
	}
	hc := o.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second, Transport: notify.Transport()}
	}
	return client{opts: o, http: hc}
}

// apiError is the body of Twilio's error replies.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// create POSTs form to the account's resource and returns the new SID.
func (c client) create(ctx context.Context, resource string, form url.Values) (string, error) {
	endpoint := c.opts.APIURL + "/2010-04-01/Accounts/" + url.PathEscape(c.opts.AccountSID) + "/" + resource
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", notify.Permanentf("twilio: %v", err)
	}
	req.SetBasicAuth(c.opts.AccountSID, c.opts.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		// Not sent, or not known to be: retried (a timeout after Twilio
		// accepted would send twice, but losing a page is worse).
		return "", fmt.Errorf("twilio: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxReply))
	if err != nil && res.StatusCode/100 != 2 {
		return "", fmt.Errorf("twilio: reading the reply: %w", err)
	}
	if res.StatusCode/100 == 2 {
		var ok struct {
			SID string `json:"sid"`
		}
		if json.Unmarshal(body, &ok) != nil || ok.SID == "" {
			// Accepted but unreadable: retrying could send twice, and this is
			// no Twilio API: most likely --twilio-api-url points elsewhere.
			return "", notify.Permanentf("twilio: HTTP %d without a sid from %s: is --twilio-api-url a Twilio API?", res.StatusCode, c.opts.APIURL)
		}
		return ok.SID, nil
	}
	return "", replyError(res, body)
}

// replyError turns a refusal into an error of the right kind: 429 and 5xx are
// retried (after Retry-After when given), other 4xx are permanent.
func replyError(res *http.Response, body []byte) error {
	var e apiError
	var err error
	if json.Unmarshal(body, &e) == nil && (e.Code != 0 || e.Message != "") {
		err = fmt.Errorf("Twilio %d: %s (HTTP %d)", e.Code, cut(e.Message, 300), res.StatusCode)
	} else {
		err = notify.HTTPStatusError("Twilio", res.StatusCode, string(body))
		if notify.IsPermanent(err) {
			return err
		}
	}
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable:
		if d := retryAfter(res.Header); d > 0 {
			return &notify.RetryAfterError{Err: err, After: d}
		}
		return err
	case res.StatusCode == http.StatusRequestTimeout || res.StatusCode >= 500:
		return err
	default:
		return notify.Permanent(err)
	}
}

// retryAfter reads Retry-After: seconds, or an HTTP date measured against the
// reply's own Date (never the local clock, which tests move).
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, 24*3600)) * time.Second
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	now, err := http.ParseTime(h.Get("Date"))
	if err != nil || !at.After(now) {
		return 0
	}
	return min(at.Sub(now), 24*time.Hour)
}

// cut shortens s to at most n runes.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
