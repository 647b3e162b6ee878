package web

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
		if _, err := tocsin.LoadZone(z); err != nil {
			p.Errors["time_zone"] = v.T("status_admin.err_zone", "Value", z)
		}
	}
	if msg := h.pageHostProblem(v, r, p.Form.Host); msg != "" {
		p.Errors["host"] = msg
	}
	if logo := p.Form.LogoURL; logo != "" {
		// The page's own rule, worded here in the member's language.
		probe := tocsin.StatusPage{Name: "-", LogoURL: logo}
		if probe.Validate() != nil {
			key := "status_admin.err_logo"
			if u, err := url.Parse(strings.TrimSpace(logo)); err == nil && u.Scheme == "http" {
				key = "status_admin.err_logo_http"
			}
			p.Errors["logo_url"] = v.T(key, "Value", logo)
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

// pageHostProblem is why host cannot be the page's Host setting, "" when it
// can. The main listener gives every request for that host to the page, so
// a host people reach Tocsin itself by (this request's, the public URL's,
// an address, localhost) would lose them the UI, the API and the alert
// senders' endpoints. Hosts match by name, on any port: none is written.
func (h *Handler) pageHostProblem(v *view, r *http.Request, host string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	if host == "" {
		return ""
	}
	if strings.ContainsAny(host, "/?#@") {
		// A URL pasted whole: its scheme would pass for a name and a port.
		return v.T("status_admin.err_host_url", "Value", host)
	}
	name := host
	if n, port, err := net.SplitHostPort(host); err == nil {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return v.T("status_admin.err_host_url", "Value", host) // "https:status.example.com"
		}
		name = n
	}
	name = strings.Trim(name, "[]")
	if net.ParseIP(name) != nil || name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return v.T("status_admin.err_host_address", "Value", host)
	}
	if name == hostName(r.Host) {
		return v.T("status_admin.err_host_main", "Value", host)
	}
	if u, err := url.Parse(h.opts.PublicURL); err == nil && name == hostName(u.Host) {
		return v.T("status_admin.err_host_main", "Value", host)
	}
	if name != host {
		return v.T("status_admin.err_host_port", "Value", host)
	}
	return ""
}

// hostName is a Host header's name, lower case, without its port.
func hostName(hostport string) string {
	if n, _, err := net.SplitHostPort(hostport); err == nil {
		hostport = n
	}
	return strings.ToLower(strings.Trim(hostport, "[]"))
}
