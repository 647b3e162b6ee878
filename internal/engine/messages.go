package engine

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	twiliosms "github.com/tocsin/tocsin/internal/notify/twilio"
	"github.com/tocsin/tocsin/internal/store"
)

// composer writes messages, reading each alert and service once per pass.
type composer struct {
	e        *Engine
	alerts   map[int64]*tocsin.Alert
	services map[int64]string
	status   statusReads // status page subscribers' messages
}

// alert returns the alert a row is about; nil when none (or deleted).
func (m *composer) alert(ctx context.Context, id int64) (*tocsin.Alert, error) {
	if id == 0 {
		return nil, nil
	}
	if a, ok := m.alerts[id]; ok {
		return a, nil
	}
	a, err := m.e.opts.DB.Alert(ctx, id)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		a, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	m.alerts[id] = a
	return a, nil
}

// loadAlerts reads the alerts of claimed rows in one query.
func (m *composer) loadAlerts(ctx context.Context, rows []*store.Outgoing) error {
	var ids []int64
	for _, o := range rows {
		if _, ok := m.alerts[o.AlertID]; !ok && o.AlertID != 0 {
			m.alerts[o.AlertID] = nil // deleted, unless read below
			ids = append(ids, o.AlertID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := m.e.opts.DB.AlertsByID(ctx, ids)
	for id, a := range found {
		m.alerts[id] = a
	}
	return err
}

func (m *composer) service(ctx context.Context, id int64) string {
	if id == 0 {
		return ""
	}
	if name, ok := m.services[id]; ok {
		return name
	}
	name := ""
	if s, err := m.e.opts.DB.Service(ctx, id); err == nil {
		name = s.Name
	}
	m.services[id] = name
	return name
}

// describe names a row's recipient for timelines: "sms to Alice Martin (+336•••78)".
func (m *composer) describe(o *store.Outgoing) string {
	c := tocsin.ContactMethod{Type: o.Type, Value: o.Destination}
	who := o.UserName
	switch {
	case o.Kind == tocsin.NotifyChat && o.Type == tocsin.ContactSlack:
		return "Slack message to channel " + o.Destination
	case o.Kind == tocsin.NotifyChat:
		return "webhook to " + hostOf(o.Destination)
	case who == "":
		who = "(deleted user)"
	}
	return fmt.Sprintf("%s to %s (%s)", typeLabel(o.Type), who, c.Masked())
}

func typeLabel(t tocsin.ContactType) string {
	switch t {
	case tocsin.ContactSMS:
		return "SMS"
	case tocsin.ContactVoice:
		return "voice call"
	case tocsin.ContactEmail:
		return "e-mail"
	case tocsin.ContactWebPush:
		return "push"
	}
	return string(t)
}

// words are the few sentences the engine writes, by language.
type words struct {
	alertOn, alert, bundle, ackedBy, resolvedBy, triggered, replyHint, bundleHint string
}

func wordsFor(locale string) words {
	if locale == "fr" {
		return words{
			alertOn: "Alerte %s n°%d sur %s : %s", alert: "Alerte %s n°%d : %s",
			bundle:  "%d nouvelles alertes pour vous, dont n°%d %s : %s",
			ackedBy: "Alerte n°%d prise en compte par %s : %s", resolvedBy: "Alerte n°%d résolue par %s : %s", triggered: "Alerte n°%d à nouveau déclenchée : %s",
			replyHint: " (4 %d = prise en compte)", bundleHint: " (4 %d = prise en compte de toutes)",
		}
	}
	return words{
		alertOn: "%s alert #%d on %s: %s", alert: "%s alert #%d: %s",
		bundle:  "%d new alerts for you, including #%d %s: %s",
		ackedBy: "Alert #%d acknowledged by %s: %s", resolvedBy: "Alert #%d resolved by %s: %s", triggered: "Alert #%d triggered again: %s",
		replyHint: " (reply 4 %d to acknowledge)", bundleHint: " (reply 4 %d to acknowledge all)",
	}
}

// message writes what a row sends. bundle, when several pages go as one,
// holds them all, the row first.
func (m *composer) message(ctx context.Context, o *store.Outgoing, bundle []*store.Outgoing) (notify.Message, error) {
	if o.Kind == tocsin.NotifySubscriber {
		return m.subscriberMessage(ctx, o)
	}
	e := m.e
	msg := notify.Message{ID: o.ID, Kind: o.Kind, To: o.Destination, Secret: o.Secret, Locale: o.Locale, Update: o.Ref}
	if msg.Locale == "" {
		msg.Locale = "en"
	}
	w := wordsFor(msg.Locale)
	a, err := m.alert(ctx, o.AlertID)
	if err != nil {
		return msg, err
	}
	if a == nil {
		// Verification codes, tests, reminders: the text was written when queued.
		msg.Subject, _, _ = strings.Cut(o.Text, "\n")
		msg.Text = o.Text
		msg.URL = e.opts.PublicURL + "/profile"
		if o.Type == tocsin.ContactVoice {
			msg.CallURL = fmt.Sprintf("%s/twilio/voice/message/%d", e.opts.PublicURL, o.ID)
		}
		return msg, nil
	}
	msg.Alert = a
	msg.URL = fmt.Sprintf("%s/alerts/%d", e.opts.PublicURL, a.ID)
	service := m.service(ctx, a.ServiceID)
	headline := fmt.Sprintf(w.alert, a.Priority, a.ID, a.Summary)
	if service != "" {
		headline = fmt.Sprintf(w.alertOn, a.Priority, a.ID, service, a.Summary)
	}
	hint := fmt.Sprintf(w.replyHint, a.ID)
	switch {
	case o.Kind == tocsin.NotifyStatus:
		switch a.Status {
		case tocsin.StatusAcknowledged:
			headline = fmt.Sprintf(w.ackedBy, a.ID, a.AckedBy, a.Summary)
		case tocsin.StatusResolved:
			headline = fmt.Sprintf(w.resolvedBy, a.ID, a.ResolvedBy, a.Summary)
		default:
			headline = fmt.Sprintf(w.triggered, a.ID, a.Summary)
		}
		hint = ""
	case len(bundle) > 1:
		msg.Kind = tocsin.NotifyBundle
		msg.Count = len(bundle)
		headline = fmt.Sprintf(w.bundle, len(bundle), a.ID, service, a.Summary)
		hint = fmt.Sprintf(w.bundleHint, a.ID)
		msg.URL = e.opts.PublicURL + "/alerts?status=triggered"
	}
	msg.Subject = headline
	msg.Text = headline
	if o.Kind == tocsin.NotifyPage && len(bundle) <= 1 && a.Details != "" && o.Type != tocsin.ContactSMS && o.Type != tocsin.ContactVoice {
		msg.Text += "\n\n" + cutRunes(a.Details, 1000)
	}
	switch o.Type {
	case tocsin.ContactSMS:
		msg.Text = fitSMS(headline, hint)
	case tocsin.ContactVoice:
		msg.CallURL = fmt.Sprintf("%s/twilio/voice/page/%d", e.opts.PublicURL, o.ID)
	}
	if o.UserID != 0 && o.Kind == tocsin.NotifyPage && len(e.opts.Links.Key) > 0 {
		var via tocsin.Channel
		switch o.Type {
		case tocsin.ContactEmail:
			via = tocsin.ChannelEmail
		case tocsin.ContactWebPush, tocsin.ContactNtfy:
			via = tocsin.ChannelPush
		case tocsin.ContactTelegram, tocsin.ContactTeams, tocsin.ContactDiscord, tocsin.ContactMattermost:
			via = tocsin.ChannelChat
		case tocsin.ContactWebhook:
			via = tocsin.ChannelWebhook
		}
		if via != "" {
			msg.AckURL = fmt.Sprintf("%s/ack/%s", e.opts.PublicURL, e.opts.Links.Sign(a.ID, o.UserID, via, e.opts.Clock.Now().Add(notify.AckLinkLifetime)))
		}
	}
	return msg, nil
}

// fitSMS keeps an SMS to one segment when it can, shortening the headline
// rather than the reply hint, which is what a person half awake needs. A
// character outside GSM-7 (n°, ê, —) would hold the whole SMS to 70
// characters: written plain first, 160 fit.
func fitSMS(headline, hint string) string {
	text := headline + hint
	if n, _ := twiliosms.Segments(text); n <= 1 {
		return text
	}
	if _, gsm := twiliosms.Segments(twiliosms.Transliterate(text)); gsm {
		headline, hint = twiliosms.Transliterate(headline), twiliosms.Transliterate(hint)
		text = headline + hint
		if n, _ := twiliosms.Segments(text); n <= 1 {
			return text
		}
	}
	lo, hi := 0, utf8.RuneCountInString(headline)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if n, _ := twiliosms.Segments(cutRunes(headline, mid) + hint); n <= 1 {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo < 20 {
		// Too little room left (UCS-2): let the sender fit the whole text as best it can.
		return twiliosms.FitSMS(text)
	}
	return cutRunes(headline, lo) + hint
}

// cutRunes keeps at most n characters, ending with "..." when it cut.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	if n <= 3 {
		return string(r[:n])
	}
	return strings.TrimSpace(string(r[:n-3])) + "..."
}
