package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// hexColour reports whether s is what a colour field takes: #rrggbb.
func hexColour(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// statusSettingsSave serves POST /statuspage/settings. Colours, language and
// time zone are checked here first, so that each refusal sits next to its
// field in the user's language; the page's own rules (title, addresses,
// host) come from its validation. Nothing is saved while anything is wrong.
func (h *Handler) statusSettingsSave(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	stored, err := h.opts.DB.StatusPage(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &statusSettingsPage{view: v, PublicID: stored.PublicID, Errors: map[string]string{}}
	p.Form = tocsin.StatusPage{
		Name: formValue(r, "name"), URL: formValue(r, "url"), LogoURL: formValue(r, "logo_url"),
		AccentColor: formValue(r, "accent_color"), TextColor: formValue(r, "text_color"),
		Language: formValue(r, "language"), TimeZone: formValue(r, "time_zone"), Host: formValue(r, "host"),
	}
	for _, f := range []struct{ name, value string }{{"accent_color", p.Form.AccentColor}, {"text_color", p.Form.TextColor}} {
		if f.value != "" && !hexColour(f.value) {
			p.Errors[f.name] = v.T("status_admin.err_colour", "Value", f.value)
		}
	}
	if p.Form.Language != "" && p.Form.Language != "en" && p.Form.Language != "fr" {
		p.Errors["language"] = v.T("status_admin.err_language", "Value", p.Form.Language)
	}
	if z := p.Form.TimeZone; z != "" {
		if _, err := time.LoadLocation(z); err != nil || z == "Local" || strings.HasPrefix(z, "/") {
			p.Errors["time_zone"] = v.T("status_admin.err_zone", "Value", z)
		}
	}
	if len(p.Errors) > 0 {
		p.Error = v.T("status_admin.err_settings")
		h.render(w, r, http.StatusBadRequest, "status_settings", p)
		return
	}
	saved := p.Form
	err = h.opts.DB.SaveStatusPage(ctx, &saved, v.User.ID, h.opts.Clock.Now())
	if code := tocsin.ErrorCode(err); code == tocsin.EINVALID || code == tocsin.ECONFLICT {
		p.Error = tocsin.ErrorMessage(err)
		h.render(w, r, statusOf(err), "status_settings", p)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.statusChanged()
	h.setFlash(w, false, v.T("status_admin.settings_saved"))
	redirect(w, r, "/statuspage/settings")
}
