package twilio

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin"
)

// digitRun is a number spoken digit by digit: a verification code read as
// "four hundred twelve thousand…" cannot be typed back.
var digitRun = regexp.MustCompile(`[0-9]{4,}`)

// spellDigits separates the digits of every long number with commas, which
// text-to-speech reads as short pauses.
func spellDigits(text string) string {
	return digitRun.ReplaceAllStringFunc(text, func(run string) string {
		return strings.Join(strings.Split(run, ""), ", ")
	})
}

// messageCall serves POST /twilio/voice/message/{notification}: the script of
// a call that is not about an alert (a verification code, "send me a test", a
// shift reminder, a gap warning). It reads the message's text twice, as a
// code is hard to catch the first time, and hangs up.
func (h *Handler) messageCall(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.signed(w, r); !ok {
		return
	}
	ref := r.PathValue("notification")
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || id <= 0 || len(ref) > 19 {
		plain(w, http.StatusNotFound, "No such message.")
		return
	}
	o, err := h.opts.DB.Notification(r.Context(), id)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		plain(w, http.StatusNotFound, "No such message.")
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	switch {
	case o.Type != tocsin.ContactVoice:
		// Only what was sent as a call is read out: an SMS's or e-mail's code is not.
		plain(w, http.StatusNotFound, "No such message.")
		return
	case o.Kind == tocsin.NotifyVerify, o.Kind == tocsin.NotifyTest, o.Kind == tocsin.NotifyReminder, o.Kind == tocsin.NotifyGap:
	default:
		// Pages have a script of their own, with keys; nothing else is called.
		plain(w, http.StatusNotFound, "No such message.")
		return
	}
	p := promptsFor(o.Locale)
	text := spellDigits(o.Text)
	(&Response{}).Add(p.say(text), Pause{Length: 1}, p.say(text), Hangup{}).write(w)
}
