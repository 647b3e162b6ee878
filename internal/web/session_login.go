package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin"
)

// loginPage is the sign-in form.
type loginPage struct {
	*view
	Email string
	Next  string
	Error string
}

// loginShow serves GET /login; a signed-in visitor goes straight on.
func (h *Handler) loginShow(w http.ResponseWriter, r *http.Request, v *view) {
	next := safeNext(r.URL.Query().Get("next"))
	if v.User != nil {
		redirect(w, r, next)
		return
	}
	h.render(w, r, http.StatusOK, "login", &loginPage{view: v, Next: next})
}

// loginSubmit serves POST /login: a wrong e-mail or password gets the form again
// with one message for both, so that it tells nobody which addresses exist.
func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request, v *view) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	fail := func(status int, msg string) {
		h.render(w, r, status, "login", &loginPage{view: v, Email: email, Next: next, Error: msg})
	}
	if email == "" || password == "" {
		fail(http.StatusBadRequest, v.T("login.missing"))
		return
	}
	if len(email) > 320 || len(password) > 1024 {
		fail(http.StatusUnauthorized, v.T("login.wrong"))
		return
	}
	now := h.opts.Clock.Now()
	byEmail, byClient := loginKeys(r, email)
	if wait := h.logins.wait(byEmail, byClient, now); wait > 0 {
		minutes := int(math.Ceil(wait.Minutes()))
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		h.opts.Log.Warn("login throttled", "request_id", w.Header().Get("X-Request-Id"), "client", byClient)
		fail(http.StatusTooManyRequests, v.N("login.throttled", minutes))
		return
	}
	user, err := h.opts.DB.Authenticate(r.Context(), email, password)
	if tocsin.ErrorCode(err) == tocsin.EUNAUTHORIZED {
		h.logins.failed(byEmail, byClient, now)
		h.opts.Log.Info("login failed", "request_id", w.Header().Get("X-Request-Id"))
		fail(http.StatusUnauthorized, v.T("login.wrong"))
		return
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	token, err := h.opts.DB.CreateSession(r.Context(), user.ID, h.opts.Clock.Now())
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.logins.succeeded(byEmail)
	h.setSessionCookie(w, token)
	redirect(w, r, next)
}
