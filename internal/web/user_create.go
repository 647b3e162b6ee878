package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// userCreate serves POST /users. With no password typed, one is generated and
// shown once on the answer, which is not a redirect: the password is nowhere
// else to be found.
func (h *Handler) userCreate(w http.ResponseWriter, r *http.Request, v *view) {
	form := userForm{Email: formValue(r, "email"), Name: formValue(r, "name"), Role: formValue(r, "role"), Timezone: formValue(r, "timezone"), Locale: formValue(r, "locale")}
	password := r.PostFormValue("password")
	generated := password == ""
	if generated {
		password = store.NewPassword()
	}
	u := &tocsin.User{Email: form.Email, Name: form.Name, Role: tocsin.Role(form.Role), Timezone: form.Timezone, Locale: form.Locale}
	if err := h.opts.DB.CreateUser(r.Context(), u, password, h.opts.Clock.Now()); err != nil {
		if code := tocsin.ErrorCode(err); code == tocsin.EINVALID || code == tocsin.ECONFLICT {
			form.Error = tocsin.ErrorMessage(err)
			h.renderUserList(w, r, v, statusOf(err), form, nil)
			return
		}
		h.fail(w, r, v, err)
		return
	}
	v.Flash = &flash{Message: v.T("user.created", "Name", u.Name)}
	var box *secretBox
	if generated {
		box = v.secretBox("user.password_title", "user.password_hint", password)
	}
	h.renderUserList(w, r, v, http.StatusOK, userForm{Role: string(tocsin.RoleMember), Timezone: v.User.Timezone}, box)
}
