package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// contactResend serves POST /profile/contacts/{id}/resend: a new code for a
// method not verified yet (the earlier one expired, or never came).
func (h *Handler) contactResend(w http.ResponseWriter, r *http.Request, v *view) {
	c, err := h.contactFromPath(r, v)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	switch {
	case c.Verified():
		h.setFlash(w, false, v.T("contacts.already_verified", "Name", c.Name))
	case !h.offers(c.Type):
		h.setFlash(w, true, v.T("contacts.not_offered_error", "Type", v.ContactTypeText(c.Type)))
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
