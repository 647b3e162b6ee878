package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/tocsin/tocsin"
)

// profileForm is the profile form's input, kept when refused.
type profileForm struct {
	filled                 bool // false: show the user as stored
	Name, Timezone, Locale string
	Phone                  string          // where the on-call number rings
	Days                   map[string]bool // working days, mon…sun
	WorkStart, WorkEnd     string          // working hours, "09:00"
	Error                  string
}

// profilePage is the signed-in user's own settings: name, time zone,
// language, phone, working hours, password, API tokens, and how to be paged.
type profilePage struct {
	*view
	Form          profileForm
	Weekdays      []string
	PasswordError string
	Tokens        []*tocsin.APIToken
	TokenName     string
	TokenError    string
	NewToken      *secretBox // shown once, right after creating it
	pagingPanel              // contact methods, notification rules, preferences
}

// profileShow serves GET /profile.
func (h *Handler) profileShow(w http.ResponseWriter, r *http.Request, v *view) {
	h.renderProfile(w, r, v, http.StatusOK, &profilePage{})
}

// profileFormOf is the form as the user is stored; working hours they never
// set show the default, Monday to Friday 09:00–18:00.
func profileFormOf(u *tocsin.User) profileForm {
	hours := u.Hours()
	days := hours.Days
	if len(days) == 0 {
		days = tocsin.DefaultWorkingHours(u.Timezone).Days
	}
	f := profileForm{filled: true, Name: u.Name, Timezone: u.Timezone, Locale: u.Locale, Phone: u.Phone,
		Days: map[string]bool{}, WorkStart: hours.Start, WorkEnd: hours.End}
	for _, d := range weekdayNames() {
		f.Days[d] = slices.ContainsFunc(days, func(s string) bool { return len(s) >= 3 && strings.EqualFold(s[:3], d) })
	}
	return f
}

// renderProfile fills what every profile answer shows around p's own state.
func (h *Handler) renderProfile(w http.ResponseWriter, r *http.Request, v *view, status int, p *profilePage) {
	p.view = v
	if !p.Form.filled {
		p.Form = profileFormOf(v.User)
	}
	p.Weekdays = weekdayNames()
	tokens, err := h.opts.DB.APITokens(r.Context(), v.User.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p.Tokens = tokens
	if err := h.loadPaging(r.Context(), v, &p.pagingPanel); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, status, "profile", p)
}
