package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// profilePassword serves POST /profile/password: the current password, then
// the new one twice.
func (h *Handler) profilePassword(w http.ResponseWriter, r *http.Request, v *view) {
	current, next, again := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm")
	refuse := func(msg string) {
		h.renderProfile(w, r, v, http.StatusBadRequest, &profilePage{PasswordError: msg})
	}
	if len(current) > 1024 {
		refuse(v.T("profile.current_wrong"))
		return
	}
	if _, err := h.opts.DB.Authenticate(r.Context(), v.User.Email, current); err != nil {
		if tocsin.ErrorCode(err) == tocsin.EUNAUTHORIZED {
			refuse(v.T("profile.current_wrong"))
			return
		}
		h.fail(w, r, v, err)
		return
	}
	if next != again {
		refuse(v.T("profile.mismatch"))
		return
	}
	if err := h.opts.DB.SetPassword(r.Context(), v.User.ID, next); err != nil {
		if tocsin.ErrorCode(err) == tocsin.EINVALID {
			refuse(tocsin.ErrorMessage(err))
			return
		}
		h.fail(w, r, v, err)
		return
	}
	// Every session of this user ended with the old password; this browser,
	// which just proved it knows the new one, gets a fresh one.
	token, err := h.opts.DB.CreateSession(r.Context(), v.User.ID, h.opts.Clock.Now())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setSessionCookie(w, token)
	h.setFlash(w, false, v.T("profile.password_changed"))
	redirect(w, r, "/profile")
}
