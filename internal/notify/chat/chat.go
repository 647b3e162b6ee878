// Package chat posts messages to chat tools: Microsoft Teams, Discord and
// Mattermost through their incoming webhooks, and Telegram through the Bot
// API. Alert text is untrusted: each sender escapes it for its markup.
package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
)

// Options configure the webhook senders.
type Options struct {
	Client *http.Client // nil: 10 s timeout
}

func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: notify.Transport()}
}

// webhookURL checks a webhook address; its path is a secret and never shown.
func webhookURL(provider, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, notify.Permanentf("%s webhook URL must be http(s)", provider)
	}
	return u, nil
}

// post sends payload as JSON and returns the answer, read up to 64 KiB.
func post(ctx context.Context, client *http.Client, provider string, u *url.URL, payload any) (*http.Response, []byte, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, nil, notify.Permanentf("%s message: %v", provider, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, notify.Permanentf("%s: malformed URL", provider)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tocsin")
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", provider, u.Host, notify.WithoutURL(err))
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp, reply, nil
}

// statusError classifies an HTTP refusal, with Retry-After on 429.
func statusError(provider string, resp *http.Response, reply []byte) error {
	err := notify.HTTPStatusError(provider, resp.StatusCode, strings.TrimSpace(string(reply)))
	if resp.StatusCode == http.StatusTooManyRequests {
		if after := seconds(resp.Header.Get("Retry-After")); after > 0 {
			return &notify.RetryAfterError{Err: err, After: after}
		}
	}
	return err
}

// seconds reads a delay such as "3" or "0.52" (Discord), rounded up.
func seconds(s string) time.Duration {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0
	}
	return delay(f)
}

// delay turns seconds into a duration; nonsense is 0 (back off as usual).
func delay(f float64) time.Duration {
	if f <= 0 || f > 24*3600 {
		return 0
	}
	return time.Duration(math.Ceil(f*1000)) * time.Millisecond
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// chatBody is what a chat message shows under its title: the text without its
// first line when that line is the subject, already the title (the engine
// writes the headline, a blank line, then the details).
func chatBody(m notify.Message) string {
	text := strings.TrimSpace(m.Text)
	subject := strings.TrimSpace(m.Subject)
	if rest, ok := strings.CutPrefix(text, subject); ok && subject != "" && (rest == "" || rest[0] == '\n') {
		text = strings.TrimSpace(rest)
	}
	return text
}

// words are the few fixed strings the senders add, by language.
type words struct{ open, ack string }

func wordsFor(m notify.Message) words {
	fr := strings.HasPrefix(m.Locale, "fr")
	w := words{open: "Open the alert", ack: "Acknowledge"}
	if fr {
		w = words{open: "Ouvrir l’alerte", ack: "Acquitter"}
	}
	switch m.Kind {
	case tocsin.NotifyPage, tocsin.NotifyChat, tocsin.NotifyStatus:
	case tocsin.NotifyBundle:
		w.open = "See the alerts"
		if fr {
			w.open = "Voir les alertes"
		}
	default:
		w.open = "Open Tocsin"
		if fr {
			w.open = "Ouvrir Tocsin"
		}
	}
	return w
}

// urgent reports whether m pages for a high-urgency alert.
func urgent(m notify.Message) bool {
	return m.Alert != nil && m.Kind != tocsin.NotifyStatus && (m.Alert.Priority == tocsin.P1 || m.Alert.Priority == tocsin.P2)
}

// escapeMarkdown puts a backslash before each character of set in s.
func escapeMarkdown(s, set string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, r := range s {
		if r < utf8.RuneSelf && strings.ContainsRune(set, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
