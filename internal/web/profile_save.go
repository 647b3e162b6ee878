package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// profileSave serves POST /profile: name, time zone and language ("" follows
// the browser). The role is not the user's to change.
func (h *Handler) profileSave(w http.ResponseWriter, r *http.Request, v *view) {
	form := profileForm{Name: formValue(r, "name"), Timezone: formValue(r, "timezone"), Locale: formValue(r, "locale")}
	u := *v.User
	u.Name, u.Timezone, u.Locale = form.Name, form.Timezone, form.Locale
	if err := h.opts.DB.UpdateUser(r.Context(), &u, ""); err != nil {
		if tocsin.ErrorCode(err) == tocsin.EINVALID {
			form.Error = tocsin.ErrorMessage(err)
			h.renderProfile(w, r, v, http.StatusBadRequest, &profilePage{Form: form})
			return
		}
		h.fail(w, r, v, err)
		return
	}
	// The message is in the language just chosen.
	v.Lang = h.i18n.pick(u.Locale, r.Header.Get("Accept-Language"))
	h.setFlash(w, false, v.T("profile.saved"))
	redirect(w, r, "/profile")
}
