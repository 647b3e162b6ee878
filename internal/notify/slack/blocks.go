package slack

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
)

// Action ids of the buttons; a click comes back with one of them.
const (
	ActionAck     = "ack"
	ActionResolve = "resolve"
	ActionOpen    = "open" // the link button: Slack reports its clicks too, there is nothing to do
)

// BlockPrefix starts the block id of an alert's buttons: "alert-42".
const BlockPrefix = "alert-"

// Block Kit limits (docs.slack.dev, reference/block-kit): longer is refused
// with invalid_blocks, so texts are cut instead.
const (
	maxHeader   = 150
	maxSection  = 3000
	maxURL      = 3000
	maxFallback = 4000 // Slack cuts text at 40,000; a notification shows far less
)

// message is the body of chat.postMessage and chat.update.
type message struct {
	Channel     string  `json:"channel"`
	TS          string  `json:"ts,omitempty"` // chat.update only
	Text        string  `json:"text"`         // notifications and screen readers; mrkdwn, escaped
	Blocks      []block `json:"blocks"`
	UnfurlLinks *bool   `json:"unfurl_links,omitempty"`
	UnfurlMedia *bool   `json:"unfurl_media,omitempty"`
}

type block struct {
	Type     string `json:"type"`
	BlockID  string `json:"block_id,omitempty"`
	Text     *text  `json:"text,omitempty"`
	Elements []any  `json:"elements,omitempty"`
}

type text struct {
	Type string `json:"type"` // plain_text: Slack shows it as is, nothing to escape
	Text string `json:"text"`
}

type button struct {
	Type     string `json:"type"`
	ActionID string `json:"action_id"`
	Text     text   `json:"text"`
	Value    string `json:"value,omitempty"`
	URL      string `json:"url,omitempty"`
	Style    string `json:"style,omitempty"`
}

func plain(s string) *text { return &text{Type: "plain_text", Text: s} }

// words are the sender's own words, in the reader's language; the rest of the
// message was written by the engine.
type words struct {
	ack, resolve, open                   string
	triggered, acked, resolved, statusBy string
}

func wordsFor(locale string) words {
	if locale == "fr" {
		return words{ack: "Acquitter", resolve: "Résoudre", open: "Ouvrir dans Tocsin",
			triggered: "Déclenchée", acked: "Acquittée", resolved: "Résolue", statusBy: "%s par %s"}
	}
	return words{ack: "Acknowledge", resolve: "Resolve", open: "Open in Tocsin",
		triggered: "Triggered", acked: "Acknowledged", resolved: "Resolved", statusBy: "%s by %s"}
}

// compose lays m out: the subject as a header, the rest of the text, the
// alert's priority and status (and who changed it), then buttons: acknowledge
// and resolve while nobody has acted on the alert, and a link to it.
func compose(m notify.Message) message {
	w := wordsFor(m.Locale)
	subject := strings.TrimSpace(m.Subject)
	body := strings.TrimSpace(m.Text)
	if subject == "" {
		subject, body, _ = strings.Cut(body, "\n")
		subject, body = strings.TrimSpace(subject), strings.TrimSpace(body)
	} else if rest, ok := strings.CutPrefix(body, subject); ok {
		body = strings.TrimSpace(rest) // the engine's text often starts with the subject
	}
	if subject == "" && m.Alert != nil {
		subject = "#" + strconv.FormatInt(m.Alert.ID, 10) + " " + m.Alert.Summary
	}
	if subject == "" {
		subject = "Tocsin"
	}

	var blocks []block
	if runes(subject) <= maxHeader {
		blocks = append(blocks, block{Type: "header", Text: plain(subject)})
	} else {
		blocks = append(blocks, block{Type: "section", Text: plain(cut(subject, maxSection))})
	}
	if body != "" {
		blocks = append(blocks, block{Type: "section", Text: plain(cut(body, maxSection))})
	}
	var actions []any
	if a := m.Alert; a != nil {
		blocks = append(blocks, block{Type: "context", Elements: []any{plain(status(a, w))}})
		id := strconv.FormatInt(a.ID, 10)
		if a.Status == tocsin.StatusTriggered {
			actions = append(actions,
				button{Type: "button", ActionID: ActionAck, Text: text{"plain_text", w.ack}, Value: id, Style: "primary"},
				button{Type: "button", ActionID: ActionResolve, Text: text{"plain_text", w.resolve}, Value: id})
		}
	}
	if link(m.URL) {
		actions = append(actions, button{Type: "button", ActionID: ActionOpen, Text: text{"plain_text", w.open}, URL: m.URL})
	}
	if len(actions) > 0 {
		b := block{Type: "actions", Elements: actions}
		if m.Alert != nil {
			b.BlockID = BlockPrefix + strconv.FormatInt(m.Alert.ID, 10)
		}
		blocks = append(blocks, b)
	}
	return message{Text: escape(cut(subject, maxFallback)), Blocks: blocks}
}

// status is "P1 · Acknowledged by Alice".
func status(a *tocsin.Alert, w words) string {
	var s string
	switch a.Status {
	case tocsin.StatusAcknowledged:
		s = w.acked
		if a.AckedBy != "" {
			s = fmt.Sprintf(w.statusBy, w.acked, cut(a.AckedBy, 200))
		}
	case tocsin.StatusResolved:
		s = w.resolved
		if a.ResolvedBy != "" {
			s = fmt.Sprintf(w.statusBy, w.resolved, cut(a.ResolvedBy, 200))
		}
	default:
		s = w.triggered
	}
	if a.Priority != "" {
		s = string(a.Priority) + " · " + s
	}
	return cut(s, maxSection)
}

// link reports whether u can be a link button: http(s) and within Slack's limit.
func link(u string) bool {
	if u == "" || len(u) > maxURL {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != ""
}

// escape makes s safe as Slack mrkdwn text: &, < and > are control
// characters there (<@U123>, <!channel>, <url|label>).
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// cut shortens s to at most n runes, ending with … when it was longer.
func cut(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n-1 {
			return s[:j] + "…"
		}
		i++
	}
	return s
}
