package twilio

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// Gather reads keys pressed while its verbs play, then posts them as Digits
// to Action. Without a key before Timeout, the document goes on after it.
type Gather struct {
	XMLName   xml.Name `xml:"Gather"`
	Input     string   `xml:"input,attr,omitempty"`
	NumDigits int      `xml:"numDigits,attr,omitempty"`
	Timeout   int      `xml:"timeout,attr,omitempty"` // seconds to wait for a key after the verbs
	Action    string   `xml:"action,attr,omitempty"`
	Method    string   `xml:"method,attr,omitempty"`
	Verbs     []any
}

// maxSpokenSummary bounds the summary read out: a call is not the place for
// a kilobyte of text.
const maxSpokenSummary = 300

// maxActOnce is how many alerts one store call acts on (ActOnAlerts' own limit).
const maxActOnce = 500

// voiceWords are what a page call says, in the person's language.
type voiceWords struct {
	intro       string // first words of every call
	alert       string // %[1]s priority, %[2]d id, %[3]s service, %[4]s summary
	alertNoSvc  string // %[1]s priority, %[2]d id, %[4]s summary
	bundle      string // %[1]d count, %[2]s service of the first, %[3]s its summary
	bundleNoSvc string // %[1]d count, %[3]s summary of the first
	menu        string
	bundleMenu  string // several alerts: no resolving them all blind
	oneMenu     string // a bundle with one alert left open
	notUnderst  string
	noKey       string
	by          string // " by %s", after "acknowledged", "resolved"
	wasAcked    string // %d id, %s by
	wasResolved string
	bundleDone  string
	acked       string // %d id
	resolved    string
	escalated   string
	manyAcked   string // %d count
	manyEscal   string
	noneEscal   string
	noPolicy    string // %d id
	mayNot      string
	gone        string
}

func voiceEnglish() voiceWords {
	return voiceWords{
		intro:       "This is Tocsin.",
		alert:       "Priority %[1]s alert %[2]d on %[3]s: %[4]s.",
		alertNoSvc:  "Priority %[1]s alert %[2]d: %[4]s.",
		bundle:      "%[1]d new alerts, the first on %[2]s: %[3]s.",
		bundleNoSvc: "%[1]d new alerts, the first: %[3]s.",
		menu:        "Press 4 to acknowledge, 5 to escalate, 6 to resolve, 1 to hear it again.",
		bundleMenu:  "Press 4 to acknowledge all of them, 5 to escalate all of them, 1 to hear it again.",
		oneMenu:     "Press 4 to acknowledge, 5 to escalate, 1 to hear it again.",
		notUnderst:  "Sorry, I did not understand.",
		noKey:       "No key was pressed: the alert stays open and escalation goes on. Goodbye.",
		by:          " by %s",
		wasAcked:    "Alert %d was already acknowledged%s. Goodbye.",
		wasResolved: "Alert %d was already resolved%s. Goodbye.",
		bundleDone:  "These alerts were already acknowledged or resolved. Goodbye.",
		acked:       "Alert %d acknowledged. Goodbye.",
		resolved:    "Alert %d resolved. Goodbye.",
		escalated:   "Alert %d escalated: its next step is paged now. Goodbye.",
		manyAcked:   "%d alerts acknowledged. Goodbye.",
		manyEscal:   "%d alerts escalated: their next step is paged now. Goodbye.",
		noneEscal:   "No alert could be escalated: they are acknowledged, resolved, or have no escalation policy. Goodbye.",
		noPolicy:    "Alert %d has no escalation policy to escalate to.",
		mayNot:      "Your Tocsin account may not acknowledge or resolve alerts. Goodbye.",
		gone:        "This call is about an alert that no longer exists. Goodbye.",
	}
}

func voiceFrench() voiceWords {
	return voiceWords{
		intro:       "Ici Tocsin.",
		alert:       "Alerte %[2]d de priorité %[1]s sur %[3]s : %[4]s.",
		alertNoSvc:  "Alerte %[2]d de priorité %[1]s : %[4]s.",
		bundle:      "%[1]d nouvelles alertes, la première sur %[2]s : %[3]s.",
		bundleNoSvc: "%[1]d nouvelles alertes, la première : %[3]s.",
		menu:        "Tapez 4 pour acquitter, 5 pour escalader, 6 pour résoudre, 1 pour réécouter.",
		bundleMenu:  "Tapez 4 pour toutes les acquitter, 5 pour toutes les escalader, 1 pour réécouter.",
		oneMenu:     "Tapez 4 pour acquitter, 5 pour escalader, 1 pour réécouter.",
		notUnderst:  "Désolé, je n'ai pas compris.",
		noKey:       "Aucune touche n'a été tapée : l'alerte reste ouverte et l'escalade continue. Au revoir.",
		by:          " par %s",
		wasAcked:    "L'alerte %d a déjà été acquittée%s. Au revoir.",
		wasResolved: "L'alerte %d a déjà été résolue%s. Au revoir.",
		bundleDone:  "Ces alertes ont déjà été acquittées ou résolues. Au revoir.",
		acked:       "Alerte %d acquittée. Au revoir.",
		resolved:    "Alerte %d résolue. Au revoir.",
		escalated:   "Alerte %d escaladée : son étape suivante est appelée maintenant. Au revoir.",
		manyAcked:   "%d alertes acquittées. Au revoir.",
		manyEscal:   "%d alertes escaladées : leur étape suivante est appelée maintenant. Au revoir.",
		noneEscal:   "Aucune alerte n'a pu être escaladée : elles sont acquittées, résolues, ou sans politique d'escalade. Au revoir.",
		noPolicy:    "L'alerte %d n'a pas de politique d'escalade.",
		mayNot:      "Votre compte Tocsin ne permet pas d'acquitter ni de résoudre des alertes. Au revoir.",
		gone:        "Cet appel concerne une alerte qui n'existe plus. Au revoir.",
	}
}

func voiceWordsFor(locale string) voiceWords {
	if locale == "fr" {
		return voiceFrench()
	}
	return voiceEnglish()
}

// page is what a page call is about: its outbox row and the alerts its keys act on.
type page struct {
	row    *store.Outgoing
	ids    []int64
	bundle bool
	p      prompts
	w      voiceWords
	url    string // the call's script; its keys post to url+"/keys"
}

// loadPage reads the page a call is about. It answers Twilio itself when
// there is nothing to say (plain refusals, or a goodbye) and returns nil then.
func (h *Handler) loadPage(w http.ResponseWriter, r *http.Request) *page {
	if _, ok := h.signed(w, r); !ok {
		return nil
	}
	ref := r.PathValue("notification")
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || id <= 0 || len(ref) > 19 {
		plain(w, http.StatusNotFound, "No such page.")
		return nil
	}
	o, err := h.opts.DB.Notification(r.Context(), id)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		// The alert was deleted, and its pages with it: the person is on the line.
		p := promptsFor("")
		(&Response{}).Add(p.say(voiceEnglish().gone), Hangup{}).write(w)
		return nil
	}
	if err != nil {
		h.failed(w, r, err)
		return nil
	}
	if o.Kind != tocsin.NotifyPage && o.Kind != tocsin.NotifyBundle {
		plain(w, http.StatusNotFound, "No such page.")
		return nil
	}
	pg := &page{row: o, p: promptsFor(o.Locale), w: voiceWordsFor(o.Locale),
		url: h.opts.PublicURL + "/twilio/voice/page/" + strconv.FormatInt(o.ID, 10)}
	// A page sent alone acts on its alert; the head of a bundle, on all of them.
	if pg.ids, err = h.opts.DB.BundleMembers(r.Context(), o.ID); err != nil {
		h.failed(w, r, err)
		return nil
	}
	pg.bundle = len(pg.ids) > 1
	if len(pg.ids) == 0 || o.UserID == 0 {
		// Nothing to act on, or the person was deleted since.
		(&Response{}).Add(pg.p.say(pg.w.gone), Hangup{}).write(w)
		return nil
	}
	return pg
}

// failed answers an internal failure with 503: Twilio then plays its
// fallback (the call's FallbackUrl, or its own error message).
func (h *Handler) failed(w http.ResponseWriter, r *http.Request, err error) {
	h.opts.Log.Error("twilio: page", "path", r.URL.Path, "err", err)
	plain(w, http.StatusServiceUnavailable, "Tocsin cannot answer right now.")
}

// pageCall serves POST /twilio/voice/page/{notification}: the script of a
// page call, fetched by Twilio when the person answers. It reads the alert
// (or how many of a bundle are still open) and offers keys; with no key, it
// plays once more (?again=1), then says goodbye.
func (h *Handler) pageCall(w http.ResponseWriter, r *http.Request) {
	pg := h.loadPage(w, r)
	if pg == nil {
		return
	}
	resp := &Response{}
	if err := h.script(r.Context(), resp, pg, r.URL.Query().Get("again") != ""); err != nil {
		h.failed(w, r, err)
		return
	}
	resp.write(w)
}

// script adds what the call says about its alerts now, with the keys menu;
// when they no longer need anyone, it says so and hangs up.
func (h *Handler) script(ctx context.Context, resp *Response, pg *page, again bool) error {
	var text, menu string
	if pg.bundle {
		n, first, err := h.opts.DB.BundleTriggered(ctx, pg.row.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			resp.Add(pg.p.say(pg.w.bundleDone), Hangup{})
			return nil
		}
		a, err := h.opts.DB.Alert(ctx, first)
		if err != nil {
			return err
		}
		service, err := h.serviceName(ctx, a)
		if err != nil {
			return err
		}
		if n == 1 {
			text, menu = describe(pg.w, a, service), pg.w.oneMenu
		} else {
			format := pg.w.bundle
			if service == "" {
				format = pg.w.bundleNoSvc
			}
			text, menu = fmt.Sprintf(format, n, service, spoken(a.Summary)), pg.w.bundleMenu
		}
	} else {
		a, err := h.opts.DB.Alert(ctx, pg.ids[0])
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			resp.Add(pg.p.say(pg.w.gone), Hangup{})
			return nil
		}
		if err != nil {
			return err
		}
		if a.Status != tocsin.StatusTriggered {
			resp.Add(pg.p.say(already(pg.w, a)), Hangup{})
			return nil
		}
		service, err := h.serviceName(ctx, a)
		if err != nil {
			return err
		}
		text, menu = describe(pg.w, a, service), pg.w.menu
	}
	resp.Add(Gather{
		Input: "dtmf", NumDigits: 1, Timeout: 10, Action: pg.url + "/keys", Method: http.MethodPost,
		Verbs: []any{pg.p.say(pg.w.intro + " " + text), pg.p.say(menu)},
	})
	if again {
		resp.Add(pg.p.say(pg.w.noKey), Hangup{})
	} else {
		resp.Add(Redirect{Method: http.MethodPost, URL: pg.url + "?again=1"})
	}
	return nil
}

// serviceName is the alert's service's name, or "" without one.
func (h *Handler) serviceName(ctx context.Context, a *tocsin.Alert) (string, error) {
	if a.ServiceID == 0 {
		return "", nil
	}
	s, err := h.opts.DB.Service(ctx, a.ServiceID)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return s.Name, nil
}

// describe is one alert as the call reads it.
func describe(w voiceWords, a *tocsin.Alert, service string) string {
	format := w.alert
	if service == "" {
		format = w.alertNoSvc
	}
	return fmt.Sprintf(format, a.Priority, a.ID, service, spoken(a.Summary))
}

// spoken is a summary fit to be read out: one line, bounded, without a final
// full stop (the sentence adds its own). encoding/xml escapes it.
func spoken(summary string) string {
	s := strings.Join(strings.Fields(printable(summary)), " ")
	return strings.TrimRight(clip(s, maxSpokenSummary), ".")
}

// already says who already took care of an alert no longer triggered.
func already(w voiceWords, a *tocsin.Alert) string {
	format, actor := w.wasAcked, a.AckedBy
	if a.Status == tocsin.StatusResolved {
		format, actor = w.wasResolved, a.ResolvedBy
	}
	by := ""
	if actor = clip(printable(actor), 60); actor != "" {
		by = fmt.Sprintf(w.by, actor)
	}
	return fmt.Sprintf(format, a.ID, by)
}

// pageKeys serves POST /twilio/voice/page/{notification}/keys: a key pressed
// during a page call. 4 acknowledges, 5 escalates now, 6 resolves (a single
// alert only), 1 plays the message again; anything else says so and plays it again.
func (h *Handler) pageKeys(w http.ResponseWriter, r *http.Request) {
	pg := h.loadPage(w, r)
	if pg == nil {
		return
	}
	ctx := r.Context()
	resp := &Response{}
	digits := r.PostForm.Get("Digits")
	act := tocsin.EventAction("")
	switch {
	case digits == "4":
		act = tocsin.ActionAcknowledge
	case digits == "6" && !pg.bundle:
		act = tocsin.ActionResolve
	case digits == "5":
	case digits == "1":
		if err := h.script(ctx, resp, pg, false); err != nil {
			h.failed(w, r, err)
			return
		}
		resp.write(w)
		return
	default:
		resp.Add(pg.p.say(pg.w.notUnderst))
		if err := h.script(ctx, resp, pg, false); err != nil {
			h.failed(w, r, err)
			return
		}
		resp.write(w)
		return
	}
	u, err := h.opts.DB.User(ctx, pg.row.UserID)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		resp.Add(pg.p.say(pg.w.gone), Hangup{}).write(w)
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if !u.Role.CanRespond() {
		resp.Add(pg.p.say(pg.w.mayNot), Hangup{}).write(w)
		return
	}
	if act == "" {
		err = h.escalateByKey(ctx, resp, pg, u)
	} else {
		err = h.actByKey(ctx, resp, pg, u, act)
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	resp.write(w)
}

// actByKey acknowledges or resolves the call's alerts as the person paged.
func (h *Handler) actByKey(ctx context.Context, resp *Response, pg *page, u *tocsin.User, act tocsin.EventAction) error {
	changed, err := h.actOn(ctx, pg.ids, store.AlertAction{Action: act, Actor: u.Name, UserID: u.ID, Channel: tocsin.ChannelVoice}, h.opts.Clock.Now())
	if err != nil && tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
		return err
	}
	switch {
	case len(changed) == 0 && pg.bundle:
		resp.Add(pg.p.say(pg.w.bundleDone), Hangup{})
	case len(changed) == 0:
		a, err := h.opts.DB.Alert(ctx, pg.ids[0])
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			resp.Add(pg.p.say(pg.w.gone), Hangup{})
			return nil
		}
		if err != nil {
			return err
		}
		resp.Add(pg.p.say(already(pg.w, a)), Hangup{})
	case len(changed) > 1:
		resp.Add(pg.p.say(fmt.Sprintf(pg.w.manyAcked, len(changed))), Hangup{})
	case act == tocsin.ActionResolve:
		resp.Add(pg.p.say(fmt.Sprintf(pg.w.resolved, changed[0])), Hangup{})
	default:
		resp.Add(pg.p.say(fmt.Sprintf(pg.w.acked, changed[0])), Hangup{})
	}
	return nil
}

// actOn applies an action to alerts, maxActOnce at a time, and wakes the
// engine when any changed. An alert not found stops it there (its pages
// went with it: only a deletion racing the reply does that).
func (h *Handler) actOn(ctx context.Context, ids []int64, act store.AlertAction, now time.Time) ([]int64, error) {
	var changed []int64
	for start := 0; start < len(ids); start += maxActOnce {
		done, err := h.opts.DB.ActOnAlerts(ctx, ids[start:min(start+maxActOnce, len(ids))], act, now)
		changed = append(changed, done...)
		if err != nil {
			if len(changed) > 0 {
				h.wake()
			}
			return changed, err
		}
	}
	if len(changed) > 0 {
		h.wake()
	}
	return changed, nil
}

// escalateByKey makes the next step of the call's alerts due now. An alert
// without a policy is said so, and the menu plays again: acknowledging it
// remains possible.
func (h *Handler) escalateByKey(ctx context.Context, resp *Response, pg *page, u *tocsin.User) error {
	now := h.opts.Clock.Now()
	var escalated []int64
	var lastErr error
	for _, id := range pg.ids {
		err := h.opts.DB.EscalateNow(ctx, id, u.Name, tocsin.ChannelVoice, now)
		switch tocsin.ErrorCode(err) {
		case "":
			escalated = append(escalated, id)
		case tocsin.ECONFLICT, tocsin.EINVALID, tocsin.ENOTFOUND:
			lastErr = err
		default:
			return err
		}
	}
	if len(escalated) > 0 {
		h.wake()
	}
	switch {
	case len(escalated) > 1:
		resp.Add(pg.p.say(fmt.Sprintf(pg.w.manyEscal, len(escalated))), Hangup{})
	case len(escalated) == 1:
		resp.Add(pg.p.say(fmt.Sprintf(pg.w.escalated, escalated[0])), Hangup{})
	case pg.bundle:
		resp.Add(pg.p.say(pg.w.noneEscal), Hangup{})
	case tocsin.ErrorCode(lastErr) == tocsin.EINVALID:
		resp.Add(pg.p.say(fmt.Sprintf(pg.w.noPolicy, pg.ids[0])))
		return h.script(ctx, resp, pg, false)
	default:
		// Acknowledged, resolved or gone meanwhile: the script says which.
		return h.script(ctx, resp, pg, false)
	}
	return nil
}

// wake tells the engine an alert changed, when it listens.
func (h *Handler) wake() {
	if h.opts.Wake != nil {
		h.opts.Wake()
	}
}
