package twilio

import (
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/tocsin/tocsin"
)

// maxSMS is the longest body Twilio sends in one message (split in segments).
const maxSMS = 1600

// sms serves POST /twilio/sms/oncall/{schedule}: an SMS to the on-call number
// is forwarded to the person on call (else the next one with a phone, else
// the fallback number), prefixed with the sender's number. When nobody can be
// reached, the sender is told.
func (h *Handler) sms(w http.ResponseWriter, r *http.Request) {
	params, s, ok := h.accept(w, r)
	if !ok {
		return
	}
	who, err := whoToReach(r.Context(), h.opts.DB, s, h.opts.Clock.Now())
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	p := promptsFor(s.Language)
	resp := &Response{}
	from := params.Get("From")
	to := firstOf(sequence(who, h.opts.Fallback))
	switch {
	case to != "" && (to == from || to == params.Get("To")):
		// The person on call replying to a forwarded SMS (or a fallback number
		// that is this very number): forwarding would loop back to them.
		resp.Add(Message{Body: p.smsOwn})
	case to != "":
		resp.Add(Message{To: to, Body: forwarded(p, from, params.Get("Body"))})
	default:
		resp.Add(Message{Body: p.smsNobody})
	}
	resp.write(w)
}

func firstOf(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// forwarded is the forwarded text: the sender, then their text, within one
// Twilio message. Both come from outside: control characters go (XML could
// not carry them), and the sender is cut short.
func forwarded(p prompts, from, body string) string {
	from = clip(printable(from), 40)
	if from == "" {
		from = "?"
	}
	return clip(fmt.Sprintf(p.smsFrom, from, printable(body)), maxSMS)
}

// printable drops control characters but keeps line breaks and tabs.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, tocsin.CleanText(strings.TrimSpace(s)))
}

// clip cuts s to n characters, the last one an ellipsis when it was longer.
func clip(s string, n int) string {
	runes := []rune(s)
	if len(runes) <= n {
		return s
	}
	return string(runes[:n-1]) + "…"
}
