package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// pagingPanel is the profile's paging part: contact methods, notification
// rules and preferences. profilePage embeds it.
type pagingPanel struct {
	Contacts     []contactRow
	ContactForm  contactForm
	ContactTypes []contactTypeOption
	NewSecret    *secretBox // a webhook's signing secret, shown once after adding it
	VerifyFor    int64      // the method whose code was refused
	VerifyError  string

	RulesHigh, RulesLow []notifyRuleRow
	RuleForm            notifyRuleForm
	Prefs               prefsForm
	Reminders           []reminderChoice

	// Warning says when high-urgency pages would not reach the person at
	// once through a method they chose; "" when they do.
	Warning string
	PushKey string // the VAPID public key; "" hides the push button
}

// contactForm is the "add a contact method" form, kept when refused.
type contactForm struct {
	Name, Type, Value string
	Error             string
}

// contactTypeOption is one entry of the type select: types whose provider
// this server lacks are shown, disabled.
type contactTypeOption struct {
	Type    tocsin.ContactType
	Offered bool
}

// contactRow is one of the person's methods as the list shows it.
type contactRow struct {
	*tocsin.ContactMethod
	Offered bool
}

// SecretHint is a webhook's signing secret as shown after its creation:
// enough to recognise it, not to use it.
func (c contactRow) SecretHint() string {
	if len(c.Secret) <= 10 {
		return "•••"
	}
	return c.Secret[:10] + "•••"
}

// notifyRuleForm is the "add a rule" form of one urgency, kept when refused.
type notifyRuleForm struct {
	Urgency   string
	ContactID int64
	Delay     string // minutes, as typed
	Error     string
}

// notifyRuleRow is one notification rule as listed.
type notifyRuleRow struct {
	tocsin.NotificationRule
	Verified bool
}

// Minutes is the rule's delay in whole minutes.
func (r notifyRuleRow) Minutes() int { return int(r.Delay / time.Minute) }

// prefsForm is the preferences form.
type prefsForm struct {
	filled          bool
	StatusUpdates   bool
	ReminderMinutes int
	Error           string
}

// reminderChoice is one shift-reminder option.
type reminderChoice struct {
	Minutes int
	Label   string
}

// offers tells whether this server can send through a contact type; every
// type when the server did not say.
func (h *Handler) offers(t tocsin.ContactType) bool {
	return h.opts.Offers == nil || h.opts.Offers(t)
}

// manualContactTypes are the types a person types a value for: a browser's
// push subscription is made by the "enable push" button.
func manualContactTypes() []tocsin.ContactType {
	return slices.DeleteFunc(tocsin.ContactTypes(), func(t tocsin.ContactType) bool { return t == tocsin.ContactWebPush })
}

// loadPaging fills the paging panel for the signed-in user.
func (h *Handler) loadPaging(ctx context.Context, v *view, p *pagingPanel) error {
	methods, err := h.opts.DB.ContactMethods(ctx, v.User.ID)
	if err != nil {
		return err
	}
	rules, err := h.opts.DB.NotificationRules(ctx, v.User.ID)
	if err != nil {
		return err
	}
	verified := map[int64]bool{}
	p.Contacts = p.Contacts[:0]
	for _, c := range methods {
		p.Contacts = append(p.Contacts, contactRow{ContactMethod: c, Offered: h.offers(c.Type)})
		verified[c.ID] = c.Verified()
	}
	p.ContactTypes = nil
	for _, t := range manualContactTypes() {
		p.ContactTypes = append(p.ContactTypes, contactTypeOption{Type: t, Offered: h.offers(t)})
	}
	if p.ContactForm.Type == "" {
		for _, o := range p.ContactTypes {
			if o.Offered {
				p.ContactForm.Type = string(o.Type)
				break
			}
		}
	}
	p.RulesHigh, p.RulesLow = nil, nil
	first := time.Duration(-1) // the first high-urgency page through a verified method
	for _, r := range rules {
		row := notifyRuleRow{NotificationRule: r, Verified: verified[r.ContactMethodID]}
		if r.Urgency == tocsin.UrgencyHigh {
			p.RulesHigh = append(p.RulesHigh, row)
			if row.Verified && (first < 0 || r.Delay < first) {
				first = r.Delay
			}
		} else {
			p.RulesLow = append(p.RulesLow, row)
		}
	}
	// As the engine does: without a verified rule, a page goes by e-mail to
	// the login address when e-mail is configured, else nowhere.
	switch {
	case first < 0 && h.offers(tocsin.ContactEmail):
		p.Warning = v.T("nrules.warn_email_only", "Email", v.User.Email)
	case first < 0:
		p.Warning = v.T("nrules.warn_not_paged")
	case first > 0:
		p.Warning = v.N("nrules.warn_late", int(first/time.Minute))
	}
	if !p.Prefs.filled {
		p.Prefs = prefsForm{filled: true, StatusUpdates: v.User.Notify.StatusUpdates, ReminderMinutes: int(v.User.Notify.ShiftReminder / time.Minute)}
	}
	p.Reminders = reminderChoices(v, p.Prefs.ReminderMinutes)
	if h.offers(tocsin.ContactWebPush) {
		p.PushKey = h.opts.VAPIDPublicKey
	}
	return nil
}

// reminderChoices are the shift-reminder options, with the current value
// when `tocsin apply` set another one.
func reminderChoices(v *view, current int) []reminderChoice {
	out := []reminderChoice{{0, v.T("prefs.reminder_none")}, {15, v.T("prefs.reminder_15m")}, {60, v.T("prefs.reminder_1h")},
		{12 * 60, v.T("prefs.reminder_12h")}, {24 * 60, v.T("prefs.reminder_1d")}}
	if !slices.ContainsFunc(out, func(c reminderChoice) bool { return c.Minutes == current }) {
		out = append(out, reminderChoice{current, v.T("prefs.reminder_minutes", "Minutes", current)})
	}
	return out
}

// contactFromPath returns the signed-in user's method named by {id}.
func (h *Handler) contactFromPath(r *http.Request, v *view) (*tocsin.ContactMethod, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "no such contact method")
	}
	return h.opts.DB.ContactMethod(r.Context(), v.User.ID, id)
}

// sendCode makes a new verification code for a method and wakes the engine
// so that it leaves at once. The message is in the person's language.
func (h *Handler) sendCode(r *http.Request, v *view, id int64) error {
	minutes := int(store.VerifyCodeLifetime / time.Minute)
	text := func(code string) string { return v.T("contacts.code_text", "Code", code, "Minutes", minutes) }
	if err := h.opts.DB.StartVerification(r.Context(), v.User.ID, id, text, h.opts.Clock.Now()); err != nil {
		return err
	}
	if h.opts.Wake != nil {
		h.opts.Wake()
	}
	return nil
}

// pushEndpoint is a browser subscription's endpoint, "" when it has none.
func pushEndpoint(value string) string {
	var sub struct {
		Endpoint string `json:"endpoint"`
	}
	if json.Unmarshal([]byte(value), &sub) != nil {
		return ""
	}
	return sub.Endpoint
}

// notifyRuleColumn is one urgency's rules and add form.
type notifyRuleColumn struct {
	Urgency tocsin.Urgency
	Rules   []notifyRuleRow
	Form    notifyRuleForm // what was typed, when this column's form was refused
}

// RuleColumns are the high- then low-urgency rules, side by side.
func (p *pagingPanel) RuleColumns() []notifyRuleColumn {
	cols := []notifyRuleColumn{{Urgency: tocsin.UrgencyHigh, Rules: p.RulesHigh}, {Urgency: tocsin.UrgencyLow, Rules: p.RulesLow}}
	for i := range cols {
		if p.RuleForm.Urgency == string(cols[i].Urgency) {
			cols[i].Form = p.RuleForm
		}
	}
	return cols
}

// contactTypeID is the message id of a contact type's name.
func contactTypeID(t tocsin.ContactType) string { return "contacts.type_" + string(t) }

// ContactTypeText is a contact type's name in the user's language.
func (v *view) ContactTypeText(t tocsin.ContactType) string { return v.T(contactTypeID(t)) }
