// Package ntfy publishes messages to an ntfy topic (self-hosted push to
// phones): the text as the body, the rest in ntfy's headers.
package ntfy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
)

// maxBody is ntfy's default message limit; a longer body becomes an attachment.
const maxBody = 4096

// Options configure the sender.
type Options struct {
	Token  string       // bearer token for a protected server; empty: none
	Client *http.Client // nil: 10 s timeout
}

// Sender publishes to ntfy topics.
type Sender struct {
	token  string
	client *http.Client
}

var _ notify.Sender = (*Sender)(nil)

// New returns a sender.
func New(opt Options) *Sender {
	s := &Sender{token: opt.Token, client: opt.Client}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second, Transport: notify.Transport()}
	}
	return s
}

// Send publishes m to the topic URL m.To and returns ntfy's message id.
func (s *Sender) Send(ctx context.Context, m notify.Message) (string, error) {
	u, err := url.Parse(m.To)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return "", notify.Permanentf("ntfy topic must be an http(s) URL such as https://ntfy.sh/my-topic")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.To, strings.NewReader(truncate(m.Text, maxBody)))
	if err != nil {
		return "", notify.Permanentf("ntfy request: %v", err)
	}
	req.Header.Set("User-Agent", "Tocsin")
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	if t := headerText(m.Subject); t != "" {
		req.Header.Set("Title", t)
	}
	req.Header.Set("Priority", strconv.Itoa(priority(m)))
	req.Header.Set("Tags", tags(m))
	if m.URL != "" {
		req.Header.Set("Click", m.URL)
	}
	if m.AckURL != "" {
		req.Header.Set("Actions", "view, "+quote(wordsFor(m.Locale).ack)+", "+quote(m.AckURL))
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("ntfy %s: %w", u.Host, notify.WithoutURL(err))
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := notify.HTTPStatusError("ntfy "+u.Host, resp.StatusCode, strings.TrimSpace(string(reply)))
		if resp.StatusCode == http.StatusTooManyRequests {
			if secs, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && secs > 0 {
				return "", &notify.RetryAfterError{Err: err, After: time.Duration(secs) * time.Second}
			}
		}
		return "", err
	}
	var published struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(reply, &published); err != nil || published.ID == "" {
		// Accepted, but not by ntfy as we know it: delivered all the same.
		return "", nil
	}
	return published.ID, nil
}

// priority is ntfy's 1–5 scale: urgent (5) rings through do-not-disturb on
// Android when the user allows it, so only P1 gets it.
func priority(m notify.Message) int {
	if m.Alert == nil || m.Kind == tocsin.NotifyStatus {
		return 3
	}
	switch m.Alert.Priority {
	case tocsin.P1:
		return 5
	case tocsin.P2:
		return 4
	}
	return 3
}

// tags are ntfy emoji short codes shown before the title.
func tags(m notify.Message) string {
	switch m.Kind {
	case tocsin.NotifyPage, tocsin.NotifyChat, tocsin.NotifyBundle:
		if m.Alert != nil && m.Alert.Priority != tocsin.P1 && m.Alert.Priority != tocsin.P2 {
			return "warning,tocsin"
		}
		return "rotating_light,tocsin"
	case tocsin.NotifyStatus:
		if m.Alert != nil && m.Alert.Status == tocsin.StatusResolved {
			return "white_check_mark,tocsin"
		}
		return "eyes,tocsin"
	case tocsin.NotifyReminder:
		return "calendar,tocsin"
	case tocsin.NotifyGap:
		return "warning,tocsin"
	}
	return "bell,tocsin"
}

// headerText makes s fit in an HTTP header: one line, no control
// characters, bounded, and RFC 2047-encoded when not ASCII (ntfy decodes it).
func headerText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = truncate(strings.Join(strings.Fields(s), " "), 250)
	return mime.QEncoding.Encode("utf-8", s)
}

// quote wraps an action value in quotes when it holds ntfy's separators.
func quote(s string) string {
	if !strings.ContainsAny(s, `,;"'`) {
		return s
	}
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", "") + "'"
}

// truncate cuts s to at most n bytes on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n-len("…")]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

type words struct{ ack string }

func wordsFor(locale string) words {
	if strings.HasPrefix(locale, "fr") {
		return words{ack: "Acquitter"}
	}
	return words{ack: "Acknowledge"}
}
