package statuspage

import (
	"net/url"
	"strings"
)

// The page's colours reach the browser as a generated stylesheet, theme.css:
// the CSP allows stylesheets from the page's origin only (no inline style),
// and a validated #rrggbb cannot inject anything into it.

const (
	defaultAccent = "#1f4e8c"
	defaultText   = "#ffffff"
)

// hexColour reports whether s is #rrggbb.
func hexColour(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func themeCSS(accent, text string) []byte {
	if !hexColour(accent) {
		accent = defaultAccent
	}
	if !hexColour(text) {
		text = defaultText
	}
	return []byte(":root{--accent:" + strings.ToLower(accent) + ";--on-accent:" + strings.ToLower(text) + "}\n")
}

// logoURL returns the logo's address when it is an http(s) URL or a path on
// this site; anything else (javascript:, data:) shows the name alone.
func logoURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 2000 {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		if u.Host == "" {
			return ""
		}
		return u.String()
	}
	if u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(raw, "//") {
		return u.String()
	}
	return ""
}
