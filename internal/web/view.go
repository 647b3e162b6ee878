package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tocsin/tocsin"
)

// view is what every page template receives (page structs embed it): who is
// looking, in which language and time zone, and the layout's own data.
type view struct {
	h         *Handler
	User      *tocsin.User // nil on the login and error pages of a signed-out visitor
	Lang      string       // "en" or "fr"
	tz        *time.Location
	now       time.Time
	Path      string // the current path, to mark the active menu item
	Flash     *flash
	OpenCount int                        // triggered + acknowledged, for the menu badge
	counts    map[tocsin.AlertStatus]int // open alerts by status, read once per request
}

// flash is a one-shot message shown after a redirect ("3 alerts acknowledged").
type flash struct {
	Error   bool
	Message string
}

const flashCookie = "tocsin_flash"

// newView prepares a page for a user (nil: signed out): language, time zone,
// the flash message left by the previous request, and the open-alerts badge.
func (h *Handler) newView(w http.ResponseWriter, r *http.Request, user *tocsin.User) *view {
	v := &view{h: h, User: user, tz: time.UTC, now: h.opts.Clock.Now(), Path: r.URL.Path}
	pref := ""
	if user != nil {
		pref = user.Locale
		if loc, err := time.LoadLocation(user.Timezone); err == nil {
			v.tz = loc
		}
	}
	v.Lang = h.i18n.pick(pref, r.Header.Get("Accept-Language"))
	// A live refresh must not swallow a message meant for the next full page.
	if c, err := r.Cookie(flashCookie); err == nil && !r.URL.Query().Has("fragment") {
		if text, err := url.QueryUnescape(c.Value); err == nil && len(text) > 2 {
			v.Flash = &flash{Error: strings.HasPrefix(text, "e:"), Message: text[2:]}
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure})
	}
	if user != nil {
		if counts, err := h.opts.DB.OpenAlertCounts(r.Context()); err == nil {
			v.counts = counts
			v.OpenCount = counts[tocsin.StatusTriggered] + counts[tocsin.StatusAcknowledged]
		}
	}
	return v
}

// setFlash leaves a message for the page the browser is redirected to.
func (h *Handler) setFlash(w http.ResponseWriter, isError bool, message string) {
	prefix := "o:"
	if isError {
		prefix = "e:"
	}
	if len(message) > 1000 {
		cut := 1000
		for cut > 0 && !utf8.RuneStart(message[cut]) {
			cut-- // never in the middle of a character
		}
		message = message[:cut]
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(prefix + message), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure})
}

// T translates a message id; args are key, value pairs for the message's template.
func (v *view) T(id string, args ...any) string {
	return v.h.i18n.translate(v.Lang, id, pairs(args), nil)
}

// N translates a message with plural forms; {{.Count}} is n.
func (v *view) N(id string, n int, args ...any) string {
	data := pairs(args)
	if data == nil {
		data = map[string]any{}
	}
	data["Count"] = n
	return v.h.i18n.translate(v.Lang, id, data, n)
}

func pairs(args []any) map[string]any {
	if len(args) == 0 {
		return nil
	}
	m := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			m[k] = args[i+1]
		}
	}
	return m
}

// Time shows an instant in the user's time zone; "" for the zero time.
func (v *view) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.tz).Format("2006-01-02 15:04:05 MST")
}

// ISO is an instant for a <time datetime> attribute.
func (v *view) ISO(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Ago says how long ago an instant was, in the user's language ("3 min ago").
func (v *view) Ago(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := since(v.now, t)
	switch {
	case d < time.Minute:
		return v.T("ago.now")
	case d < time.Hour:
		return v.N("ago.minutes", int(d/time.Minute))
	case d < 24*time.Hour:
		return v.N("ago.hours", int(d/time.Hour))
	default:
		return v.N("ago.days", int(d/(24*time.Hour)))
	}
}

// Zone names the time zone times are shown in.
func (v *view) Zone() string { return v.tz.String() }

// Asset is the cache-busting URL of a static file.
func (v *view) Asset(name string) string { return v.h.assetURL(name) }

// CanRespond tells whether the user may acknowledge, resolve and annotate.
func (v *view) CanRespond() bool { return v.User != nil && v.User.Role.CanRespond() }

// CanConfigure tells whether the user may change teams, services, integrations, rules and users.
func (v *view) CanConfigure() bool { return v.User != nil && v.User.Role.CanConfigure() }

// Active tells whether the menu item for prefix is the current page.
func (v *view) Active(prefix string) bool {
	return v.Path == prefix || strings.HasPrefix(v.Path, prefix+"/")
}

// StatusText is a status in the user's language.
func (v *view) StatusText(s tocsin.AlertStatus) string { return v.T("status." + string(s)) }

// ChannelText is a channel in the user's language ("web", "API"…).
func (v *view) ChannelText(c tocsin.Channel) string {
	if c == "" {
		return ""
	}
	id := "channel." + string(c)
	if s := v.T(id); s != id {
		return s
	}
	return string(c)
}

// RoleText is a role in the user's language.
func (v *view) RoleText(r tocsin.Role) string { return v.T("role." + string(r)) }
