package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// contactJSON is one of the caller's contact methods: the address masked
// (some are credentials), never a secret.
type contactJSON struct {
	ID          int64              `json:"id"`
	Name        string             `json:"name"`
	Type        tocsin.ContactType `json:"type"`
	Destination string             `json:"destination"`
	Verified    bool               `json:"verified"`
	VerifiedAt  *time.Time         `json:"verified_at"`
	CreatedAt   time.Time          `json:"created_at"`
}

// createdContactJSON is the reply of POST /users/me/contact-methods: a
// webhook's signing secret is shown this once.
type createdContactJSON struct {
	contactJSON
	Secret string `json:"secret,omitempty"`
}

func contactToJSON(c *tocsin.ContactMethod) contactJSON {
	return contactJSON{ID: c.ID, Name: c.Name, Type: c.Type, Destination: c.Masked(), Verified: c.Verified(),
		VerifiedAt: when(c.VerifiedAt), CreatedAt: c.CreatedAt.UTC()}
}

// contactInput is the body of POST /users/me/contact-methods. Value is a
// string, or for web push the browser's PushSubscription object.
type contactInput struct {
	Name  string             `json:"name"`
	Type  tocsin.ContactType `json:"type"`
	Value json.RawMessage    `json:"value"`
}

// contactTexts are the messages a person gets about their own methods, in their language.
type contactTexts struct {
	code func(code string, minutes int) string
	test func(name string) string
}

func textsFor(locale string) contactTexts {
	if locale == "fr" {
		return contactTexts{
			code: func(code string, minutes int) string {
				return fmt.Sprintf("Tocsin : votre code est %s. Il expire dans %d minutes.", code, minutes)
			},
			test: func(name string) string {
				return fmt.Sprintf("Tocsin : ceci est un message de test pour %s. Les alertes vous parviennent.", name)
			},
		}
	}
	return contactTexts{
		code: func(code string, minutes int) string {
			return fmt.Sprintf("Tocsin: your code is %s. It expires in %d minutes.", code, minutes)
		},
		test: func(name string) string {
			return fmt.Sprintf("Tocsin: this is a test message to %s. Paging works.", name)
		},
	}
}

func (h *Handler) listContacts(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r); err != nil {
		return err
	}
	methods, err := h.opts.DB.ContactMethods(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := make([]contactJSON, len(methods))
	for i, c := range methods {
		out[i] = contactToJSON(c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact_methods": out})
	return nil
}

// contactValue reads the value field: a string, or an object sent as its JSON text.
func contactValue(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", tocsin.Errorf(tocsin.EINVALID, "field \"value\" is required: the address, number or URL to send to")
	case raw[0] == '{':
		return string(raw), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", tocsin.Errorf(tocsin.EINVALID, "field \"value\" must be a string (or, for webpush, the browser's PushSubscription object)")
	}
	return s, nil
}

// sendCode queues a new verification code to a method, in the person's language.
func (h *Handler) sendCode(r *http.Request, u *tocsin.User, id int64) error {
	texts := textsFor(u.Locale)
	text := func(code string) string { return texts.code(code, int(store.VerifyCodeLifetime/time.Minute)) }
	if err := h.opts.DB.StartVerification(r.Context(), u.ID, id, text, h.opts.Clock.Now()); err != nil {
		return err
	}
	h.opts.Notify()
	return nil
}

func (h *Handler) createContact(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in contactInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	value, err := contactValue(in.Value)
	if err != nil {
		return err
	}
	c := &tocsin.ContactMethod{UserID: u.ID, Name: in.Name, Type: tocsin.ContactType(strings.ToLower(strings.TrimSpace(string(in.Type)))), Value: value}
	if err := c.Validate(); err != nil {
		return err
	}
	if h.opts.Offers != nil && !h.opts.Offers(c.Type) {
		return tocsin.Errorf(tocsin.EINVALID, "this server does not send %s messages: its administrator has not configured that provider", c.Type)
	}
	ctx := r.Context()
	if err := h.opts.DB.CreateContactMethod(ctx, c, h.opts.Clock.Now()); err != nil {
		return err
	}
	if err := h.sendCode(r, u, c.ID); err != nil {
		return err
	}
	created, err := h.opts.DB.ContactMethod(ctx, u.ID, c.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", prefix+"/users/me/contact-methods/"+itoa(c.ID))
	writeJSON(w, http.StatusCreated, createdContactJSON{contactJSON: contactToJSON(created), Secret: created.Secret})
	return nil
}

// myContact reads the {id} of a contact-method path: one of the caller's.
func (h *Handler) myContact(r *http.Request, u *tocsin.User) (*tocsin.ContactMethod, error) {
	id, err := pathID(r, "contact method")
	if err != nil {
		return nil, err
	}
	return h.opts.DB.ContactMethod(r.Context(), u.ID, id)
}

// resendInterval is the least time between two codes to one method (as on the
// profile page): each is an SMS or a call someone pays for, and a second
// request must not replace the code the first one is carrying.
const resendInterval = 30 * time.Second

func (h *Handler) resendCode(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	c, err := h.myContact(r, u)
	if err != nil {
		return err
	}
	if c.Verified() {
		return tocsin.Errorf(tocsin.ECONFLICT, "%s is verified already", c.Name)
	}
	if h.opts.Offers != nil && !h.opts.Offers(c.Type) {
		return tocsin.Errorf(tocsin.EINVALID, "this server does not send %s messages any more: its administrator has not configured that provider", c.Type)
	}
	sent, err := h.opts.DB.Notifications(r.Context(), tocsin.NotificationFilter{Kind: tocsin.NotifyVerify, UserID: u.ID, Limit: 50})
	if err != nil {
		return err
	}
	for _, o := range sent {
		if o.ContactMethodID == c.ID && h.opts.Clock.Now().Sub(o.CreatedAt) < resendInterval {
			return tocsin.Errorf(tocsin.ECONFLICT, "a code was sent to %s less than 30 seconds ago: wait for it", c.Name)
		}
	}
	if err := h.sendCode(r, u, c.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// verifyInput is the body of POST /users/me/contact-methods/{id}/verify.
type verifyInput struct {
	Code string `json:"code"`
}

func (h *Handler) verifyContact(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	c, err := h.myContact(r, u)
	if err != nil {
		return err
	}
	var in verifyInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	code := strings.TrimSpace(in.Code)
	if code == "" || len(code) > 20 {
		return tocsin.Errorf(tocsin.EINVALID, "field \"code\" must be the six digits that were sent")
	}
	ctx := r.Context()
	if err := h.opts.DB.Verify(ctx, u.ID, c.ID, code, h.opts.Clock.Now()); err != nil {
		return err
	}
	verified, err := h.opts.DB.ContactMethod(ctx, u.ID, c.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, contactToJSON(verified))
	return nil
}

func (h *Handler) testContact(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	c, err := h.myContact(r, u)
	if err != nil {
		return err
	}
	if err := h.opts.DB.SendTest(r.Context(), u.ID, c.ID, textsFor(u.Locale).test(u.Name), h.opts.Clock.Now()); err != nil {
		return err
	}
	h.opts.Notify()
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (h *Handler) deleteContact(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	c, err := h.myContact(r, u)
	if err != nil {
		return err
	}
	if err := h.opts.DB.DeleteContactMethod(r.Context(), u.ID, c.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// notificationRuleJSON is one of the caller's notification rules.
type notificationRuleJSON struct {
	ID              int64          `json:"id"`
	ContactMethodID int64          `json:"contact_method_id"`
	Contact         string         `json:"contact"` // the method's name
	Urgency         tocsin.Urgency `json:"urgency"`
	DelayMinutes    int            `json:"delay_minutes"`
}

func notificationRuleToJSON(r tocsin.NotificationRule) notificationRuleJSON {
	return notificationRuleJSON{ID: r.ID, ContactMethodID: r.ContactMethodID, Contact: r.ContactName, Urgency: r.Urgency, DelayMinutes: int(r.Delay / time.Minute)}
}

// notificationRuleInput is the body of POST /users/me/notification-rules.
type notificationRuleInput struct {
	ContactMethod json.RawMessage `json:"contact_method"` // id or name
	Urgency       tocsin.Urgency  `json:"urgency"`
	DelayMinutes  int             `json:"delay_minutes"`
}

func (h *Handler) listNotificationRules(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r); err != nil {
		return err
	}
	rules, err := h.opts.DB.NotificationRules(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := make([]notificationRuleJSON, len(rules))
	for i, x := range rules {
		out[i] = notificationRuleToJSON(x)
	}
	writeJSON(w, http.StatusOK, map[string]any{"notification_rules": out})
	return nil
}

func (h *Handler) createNotificationRule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in notificationRuleInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	ctx := r.Context()
	id, name, err := ref("contact_method", in.ContactMethod)
	if err != nil {
		return err
	}
	if id == 0 && name == "" {
		return tocsin.Errorf(tocsin.EINVALID, "field \"contact_method\" is required: the id or name of one of your contact methods")
	}
	if id == 0 {
		methods, err := h.opts.DB.ContactMethods(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, c := range methods {
			if c.Name == name {
				id = c.ID
			}
		}
		if id == 0 {
			return tocsin.Errorf(tocsin.EINVALID, "field \"contact_method\": you have no contact method named %q", name)
		}
	}
	delay, err := wholeMinutes("delay_minutes", in.DelayMinutes, 120)
	if err != nil {
		return err
	}
	rule := &tocsin.NotificationRule{UserID: u.ID, ContactMethodID: id, Urgency: tocsin.Urgency(strings.ToLower(strings.TrimSpace(string(in.Urgency)))), Delay: delay}
	if err := h.opts.DB.AddNotificationRule(ctx, rule); err != nil {
		return err
	}
	rules, err := h.opts.DB.NotificationRules(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, x := range rules {
		if x.ID == rule.ID {
			w.Header().Set("Location", prefix+"/users/me/notification-rules/"+itoa(x.ID))
			writeJSON(w, http.StatusCreated, notificationRuleToJSON(x))
			return nil
		}
	}
	return fmt.Errorf("notification rule %d not found after it was added", rule.ID)
}

func (h *Handler) deleteNotificationRule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "notification rule")
	if err != nil {
		return err
	}
	if err := h.opts.DB.DeleteNotificationRule(r.Context(), u.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// notifyJSON is the caller's other notification choices, and the body of PUT.
type notifyJSON struct {
	StatusUpdates        bool `json:"status_updates"`
	ShiftReminderMinutes int  `json:"shift_reminder_minutes"` // 0: no reminder
}

func (h *Handler) getNotifyPreferences(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	writeJSON(w, http.StatusOK, notifyJSON{StatusUpdates: u.Notify.StatusUpdates, ShiftReminderMinutes: int(u.Notify.ShiftReminder / time.Minute)})
	return nil
}

func (h *Handler) putNotifyPreferences(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in notifyJSON
	if err := decode(r, &in, false); err != nil {
		return err
	}
	reminder, err := wholeMinutes("shift_reminder_minutes", in.ShiftReminderMinutes, 7*24*60)
	if err != nil {
		return err
	}
	p := tocsin.NotifyPreferences{StatusUpdates: in.StatusUpdates, ShiftReminder: reminder}
	if err := h.opts.DB.SetNotifyPreferences(r.Context(), u.ID, p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, notifyJSON{StatusUpdates: p.StatusUpdates, ShiftReminderMinutes: int(p.ShiftReminder / time.Minute)})
	return nil
}
