package web

import (
	"net/http"
	"time"

	"github.com/tocsin/tocsin"
)

// resendInterval is the least time between two codes sent to one method.
const resendInterval = 30 * time.Second

// lastCodeSent is when the newest code message to a method was queued; zero if never.
func (h *Handler) lastCodeSent(r *http.Request, c *tocsin.ContactMethod) (time.Time, error) {
	rows, err := h.opts.DB.Notifications(r.Context(), tocsin.NotificationFilter{Kind: tocsin.NotifyVerify, UserID: c.UserID, Limit: 50})
	if err != nil {
		return time.Time{}, err
	}
	for _, o := range rows {
		if o.ContactMethodID == c.ID {
			return o.CreatedAt, nil
		}
	}
	return time.Time{}, nil
}

// contactResend serves POST /profile/contacts/{id}/resend: a new code for a
// method not verified yet (the earlier one expired, or never came).
func (h *Handler) contactResend(w http.ResponseWriter, r *http.Request, v *view) {
	c, err := h.contactFromPath(r, v)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	last, err := h.lastCodeSent(r, c)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	switch {
	case c.Verified():
		h.setFlash(w, false, v.T("contacts.already_verified", "Name", c.Name))
	case !h.offers(c.Type):
		h.setFlash(w, true, v.T("contacts.not_offered_error", "Type", v.ContactTypeText(c.Type)))
	case h.opts.Clock.Now().Sub(last) < resendInterval:
		// Each code is an SMS or a call someone pays for; and a second click
		// must not replace the code the first one is carrying.
		h.setFlash(w, true, v.T("contacts.code_too_soon", "Name", c.Name))
	default:
		if err := h.sendCode(r, v, c.ID); err != nil {
			h.fail(w, r, v, err)
			return
		}
		h.setFlash(w, false, v.T("contacts.code_sent", "Name", c.Name))
	}
	redirect(w, r, "/profile#contacts")
}

// contactTest serves POST /profile/contacts/{id}/test: "send me a test", to
// a verified method, at most once every 30 seconds.
func (h *Handler) contactTest(w http.ResponseWriter, r *http.Request, v *view) {
	c, err := h.contactFromPath(r, v)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if !h.offers(c.Type) {
		h.setFlash(w, true, v.T("contacts.not_offered_error", "Type", v.ContactTypeText(c.Type)))
		redirect(w, r, "/profile#contacts")
		return
	}
	err = h.opts.DB.SendTest(r.Context(), v.User.ID, c.ID, v.T("contacts.test_text", "Name", c.Name), h.opts.Clock.Now())
	switch tocsin.ErrorCode(err) {
	case "":
		if h.opts.Wake != nil {
			h.opts.Wake()
		}
		h.setFlash(w, false, v.T("contacts.test_sent", "Name", c.Name))
	case tocsin.EINVALID:
		h.setFlash(w, true, v.T("contacts.test_unverified", "Name", c.Name))
	case tocsin.ECONFLICT:
		h.setFlash(w, true, v.T("contacts.test_too_soon", "Name", c.Name))
	default:
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/profile#contacts")
}
