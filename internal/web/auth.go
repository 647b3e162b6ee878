package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tocsin/tocsin"
)

const sessionCookie = "tocsin_session"

// access is what a page asks of its visitor.
type access int

const (
	public    access = iota // anyone, signed in or not
	signedIn                // any user, viewers included: reading
	responder               // members and admins: acknowledge, resolve, note
	admin                   // admins: teams, services, integrations, rules, users
)

func (a access) allows(u *tocsin.User) bool {
	switch a {
	case public:
		return true
	case signedIn:
		return u != nil
	case responder:
		return u != nil && u.Role.CanRespond()
	case admin:
		return u != nil && u.Role.CanConfigure()
	}
	return false
}

// pageFunc is a page handler: it gets the view prepared for the visitor.
type pageFunc func(w http.ResponseWriter, r *http.Request, v *view)

// page wraps a page handler with the session check and the role check. A
// signed-out visitor is sent to the login form (and back afterwards); a user
// whose role does not allow the page gets the 403 page.
func (h *Handler) page(need access, fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, err := h.sessionUser(r)
		if err != nil {
			h.internalError(w, r, err)
			return
		}
		if user == nil && need != public {
			if r.URL.Query().Has("fragment") {
				// A live page whose session ended: its script reloads and meets the login form.
				http.Error(w, "signed out", http.StatusUnauthorized)
				return
			}
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = ""
			}
			to := "/login"
			if next != "" && next != "/" {
				to += "?next=" + url.QueryEscape(next)
			}
			redirect(w, r, to)
			return
		}
		v := h.newView(w, r, user)
		if !need.allows(user) {
			h.forbidden(w, r, v)
			return
		}
		fn(w, r, v)
	})
}

// sessionUser returns the user of the request's session cookie; nil, nil when
// there is none or it expired.
func (h *Handler) sessionUser(r *http.Request) (*tocsin.User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 200 {
		return nil, nil
	}
	u, err := h.opts.DB.SessionUser(r.Context(), c.Value, h.opts.Clock.Now())
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		return nil, nil
	}
	return u, err
}

// optionalUser is sessionUser for pages that work either way (404).
func (h *Handler) optionalUser(r *http.Request) *tocsin.User {
	u, _ := h.sessionUser(r)
	return u
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		MaxAge:   int(tocsin.SessionLifetime.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure,
	})
}

func (h *Handler) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure})
}

// safeNext keeps a post-login destination only when it stays on this site:
// a path starting with one slash, not "//host" or "/\host".
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/alerts"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.ContainsAny(next, "\r\n\t") {
		return "/alerts"
	}
	if u.Path == "/login" || u.Path == "/logout" {
		return "/alerts"
	}
	return u.RequestURI()
}
