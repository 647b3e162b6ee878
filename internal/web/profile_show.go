package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// profileForm is the profile form's input, kept when refused.
type profileForm struct {
	Name, Timezone, Locale string
	Error                  string
}

// profilePage is the signed-in user's own settings: name, time zone,
// language, password and API tokens.
type profilePage struct {
	*view
	Form          profileForm
	PasswordError string
	Tokens        []*tocsin.APIToken
	TokenName     string
	TokenError    string
	NewToken      *secretBox // shown once, right after creating it
}

// profileShow serves GET /profile.
func (h *Handler) profileShow(w http.ResponseWriter, r *http.Request, v *view) {
	h.renderProfile(w, r, v, http.StatusOK, &profilePage{})
}

// renderProfile fills what every profile answer shows around p's own state.
func (h *Handler) renderProfile(w http.ResponseWriter, r *http.Request, v *view, status int, p *profilePage) {
	p.view = v
	if p.Form == (profileForm{}) {
		p.Form = profileForm{Name: v.User.Name, Timezone: v.User.Timezone, Locale: v.User.Locale}
	}
	tokens, err := h.opts.DB.APITokens(r.Context(), v.User.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p.Tokens = tokens
	h.render(w, r, status, "profile", p)
}
