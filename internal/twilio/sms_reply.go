package twilio

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// replyWindow is how far back "4" alone looks for the alert it acknowledges.
const replyWindow = 24 * time.Hour

// exampleAlert is the alert number help texts show when the person has had none lately.
const exampleAlert = 42

// smsVerb is what a reply asks for.
type smsVerb int

const (
	smsAck smsVerb = iota + 1
	smsResolve
	smsEscalate
	smsHelp
)

// smsWord is the verb a reply's first word (lower case) stands for, English
// and French alike.
func smsWord(w string) (smsVerb, bool) {
	switch w {
	case "4", "a", "ack", "acq", "acknowledge", "acquitter":
		return smsAck, true
	case "6", "res", "resolve", "close", "résoudre", "resoudre", "fermer":
		return smsResolve, true
	case "5", "esc", "escalate", "escalader":
		return smsEscalate, true
	case "help", "aide", "?":
		return smsHelp, true
	}
	return 0, false
}

// parseReply reads a reply: a command word and an alert number ("ack 42",
// "4 #42"), a command alone (the last alert paged), or a call for help.
// Case and extra spaces do not matter; a final full stop or ! is forgiven.
func parseReply(body string) (verb smsVerb, alertID int64, ok bool) {
	fields := strings.Fields(strings.ToLower(body))
	if len(fields) == 0 || len(fields) > 2 {
		return 0, 0, false
	}
	for i, f := range fields {
		if f != "?" {
			fields[i] = strings.TrimRight(f, ".!")
		}
	}
	verb, ok = smsWord(fields[0])
	if !ok {
		return 0, 0, false
	}
	if len(fields) == 1 {
		return verb, 0, true
	}
	if verb == smsHelp {
		return 0, 0, false
	}
	num := strings.TrimPrefix(fields[1], "#")
	if num == "" || len(num) > 18 || strings.Trim(num, "0123456789") != "" {
		return 0, 0, false
	}
	alertID, _ = strconv.ParseInt(num, 10, 64)
	return verb, alertID, alertID > 0
}

// replyWords are the SMS replies, in the person's language, each one segment.
type replyWords struct {
	acked, resolved, escalated string // %d alert
	manyAcked                  string // %d count
	allDone                    string // a bundle no longer needing anyone
	isAcked, isResolved        string // %d alert, %s by
	by                         string // " by %s"
	notFound, noPolicy         string // %d alert
	noRecent                   string // %d an example alert
	notUnderstood, help        string // %d an example alert
	mayNot                     string
}

func replyEnglish() replyWords {
	return replyWords{
		acked:         "Alert %d acknowledged.",
		manyAcked:     "%d alerts acknowledged.",
		allDone:       "These alerts are already acknowledged or resolved.",
		resolved:      "Alert %d resolved.",
		escalated:     "Alert %d escalated: its next step is paged now.",
		isAcked:       "Alert %d is already acknowledged%s.",
		isResolved:    "Alert %d is already resolved%s.",
		by:            " by %s",
		notFound:      "Alert %d not found.",
		noPolicy:      "Alert %d has no escalation policy to escalate to.",
		noRecent:      "No alert was sent to you by SMS in the last 24 hours. Reply 4 %[1]d to acknowledge alert %[1]d.",
		notUnderstood: "Not understood. Reply 4 %[1]d to acknowledge alert %[1]d, 6 %[1]d to resolve, 5 %[1]d to escalate.",
		help:          "Reply 4 %[1]d to acknowledge alert %[1]d, 6 %[1]d to resolve it, 5 %[1]d to escalate it. 4 alone acknowledges the last alert sent to you.",
		mayNot:        "Your Tocsin account may not acknowledge or resolve alerts.",
	}
}

// replyFrench avoids letters outside GSM-7 (ç, ê…): one of them makes every
// segment three times shorter.
func replyFrench() replyWords {
	return replyWords{
		acked:         "Alerte %d acquittée.",
		manyAcked:     "%d alertes acquittées.",
		allDone:       "Ces alertes sont déjà acquittées ou résolues.",
		resolved:      "Alerte %d résolue.",
		escalated:     "Alerte %d escaladée : son étape suivante est appelée maintenant.",
		isAcked:       "L'alerte %d est déjà acquittée%s.",
		isResolved:    "L'alerte %d est déjà résolue%s.",
		by:            " par %s",
		notFound:      "Alerte %d introuvable.",
		noPolicy:      "L'alerte %d n'a pas de politique d'escalade.",
		noRecent:      "Aucune alerte ne vous a été envoyée par SMS depuis 24 heures. Répondez 4 %[1]d pour acquitter l'alerte %[1]d.",
		notUnderstood: "Pas compris. Répondez 4 %[1]d pour acquitter l'alerte %[1]d, 6 %[1]d pour la résoudre, 5 %[1]d pour l'escalader.",
		help:          "Répondez 4 %[1]d pour acquitter l'alerte %[1]d, 6 %[1]d pour la résoudre, 5 %[1]d pour l'escalader. 4 seul acquitte la dernière alerte envoyée.",
		mayNot:        "Votre compte Tocsin ne permet pas d'acquitter ni de résoudre des alertes.",
	}
}

func replyWordsFor(locale string) replyWords {
	if locale == "fr" {
		return replyFrench()
	}
	return replyEnglish()
}

// Replies to senders Tocsin does not know: English, and nothing more than this.
const (
	smsUnknownSender = "This number is not linked to a Tocsin account."
	smsSeveral       = "This number is linked to several Tocsin accounts: act in Tocsin's web app instead."
)

// smsReply serves POST /twilio/sms/reply, the messaging webhook of the number
// pages come from: the person paged answers "4 42" (or "ack 42"…) to
// acknowledge alert 42 as themselves. They are known by the number they
// write from, which they verified as an SMS contact method.
func (h *Handler) smsReply(w http.ResponseWriter, r *http.Request) {
	params, ok := h.signed(w, r)
	if !ok {
		return
	}
	text, err := h.reply(r.Context(), params.Get("From"), params.Get("Body"))
	if err != nil {
		h.opts.Log.Error("twilio: SMS reply", "err", err)
		plain(w, http.StatusServiceUnavailable, "Tocsin cannot answer right now.")
		return
	}
	(&Response{}).Add(Message{Body: text}).write(w)
}

// reply does what an SMS asks and returns the answer to send back.
func (h *Handler) reply(ctx context.Context, from, body string) (string, error) {
	phone, err := tocsin.NormalizePhone(from)
	if err != nil || phone == "" {
		return smsUnknownSender, nil
	}
	u, err := h.opts.DB.UserByVerifiedPhone(ctx, phone)
	switch tocsin.ErrorCode(err) {
	case "":
	case tocsin.ENOTFOUND:
		return smsUnknownSender, nil
	case tocsin.ECONFLICT:
		return smsSeveral, nil
	default:
		return "", err
	}
	words := replyWordsFor(u.Locale)
	now := h.opts.Clock.Now()
	last := func() (int64, error) {
		id, err := h.opts.DB.LastPagedAlert(ctx, u.ID, phone, now.Add(-replyWindow))
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			return 0, nil
		}
		return id, err
	}
	// Twilio sends at most 1600 characters; anything longer is not a command.
	verb, alertID, ok := parseReply(clip(body, maxSMS))
	if !ok || verb == smsHelp {
		example, err := last()
		if err != nil {
			return "", err
		}
		if example == 0 {
			example = exampleAlert
		}
		if !ok {
			return fmt.Sprintf(words.notUnderstood, example), nil
		}
		return fmt.Sprintf(words.help, example), nil
	}
	if !u.Role.CanRespond() {
		return words.mayNot, nil
	}
	if alertID == 0 {
		if alertID, err = last(); err != nil {
			return "", err
		}
		if alertID == 0 {
			return fmt.Sprintf(words.noRecent, exampleAlert), nil
		}
	}
	if verb == smsEscalate {
		return h.escalateBySMS(ctx, words, u, alertID, now)
	}
	act := store.AlertAction{Action: tocsin.ActionAcknowledge, Actor: u.Name, UserID: u.ID, Channel: tocsin.ChannelSMS}
	ids := []int64{alertID}
	if verb == smsResolve {
		act.Action = tocsin.ActionResolve
	} else if ids, err = h.opts.DB.PagedTogether(ctx, u.ID, phone, alertID, now.Add(-replyWindow)); err != nil {
		// A bundle's SMS says "reply 4 42 to acknowledge all": 42 stands for the bundle.
		return "", err
	}
	changed, err := h.actOn(ctx, ids, act, now)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		return fmt.Sprintf(words.notFound, alertID), nil
	}
	if err != nil {
		return "", err
	}
	switch {
	case len(changed) > 1:
		return fmt.Sprintf(words.manyAcked, len(changed)), nil
	case len(changed) == 1 && act.Action == tocsin.ActionResolve:
		return fmt.Sprintf(words.resolved, changed[0]), nil
	case len(changed) == 1:
		return fmt.Sprintf(words.acked, changed[0]), nil
	case len(ids) > 1:
		return words.allDone, nil
	}
	return h.alreadySMS(ctx, words, alertID)
}

// escalateBySMS makes an alert's next step due now.
func (h *Handler) escalateBySMS(ctx context.Context, words replyWords, u *tocsin.User, alertID int64, now time.Time) (string, error) {
	err := h.opts.DB.EscalateNow(ctx, alertID, u.Name, tocsin.ChannelSMS, now)
	switch tocsin.ErrorCode(err) {
	case "":
		h.wake()
		return fmt.Sprintf(words.escalated, alertID), nil
	case tocsin.ENOTFOUND:
		return fmt.Sprintf(words.notFound, alertID), nil
	case tocsin.EINVALID:
		return fmt.Sprintf(words.noPolicy, alertID), nil
	case tocsin.ECONFLICT:
		return h.alreadySMS(ctx, words, alertID)
	}
	return "", err
}

// alreadySMS says who took care of an alert an action did not change.
func (h *Handler) alreadySMS(ctx context.Context, words replyWords, alertID int64) (string, error) {
	a, err := h.opts.DB.Alert(ctx, alertID)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		return fmt.Sprintf(words.notFound, alertID), nil
	}
	if err != nil {
		return "", err
	}
	format, actor := words.isAcked, a.AckedBy
	if a.Status == tocsin.StatusResolved {
		format, actor = words.isResolved, a.ResolvedBy
	}
	by := ""
	if actor = clip(printable(actor), 40); actor != "" {
		by = fmt.Sprintf(words.by, actor)
	}
	return fmt.Sprintf(format, alertID, by), nil
}
