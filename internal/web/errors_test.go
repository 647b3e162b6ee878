package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
	"github.com/tocsin/tocsin/internal/web"
)

// TestSecureCookieAndInternalErrors runs the handler alone (no app): behind an
// https public URL the session cookie is Secure, and when the database fails
// the page gives the request id and no detail.
func TestSecureCookieAndInternalErrors(t *testing.T) {
	db := testkit.OpenDB(t, "sqlite")
	clock := testkit.NewClock(testkit.Epoch)
	u := &tocsin.User{Email: "ada@example.com", Name: "Ada", Role: tocsin.RoleAdmin}
	if err := db.CreateUser(context.Background(), u, testPassword, clock.Now()); err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Options{DB: db, Clock: clock, PublicURL: "https://tocsin.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Routes(mux)
	// What the app's middleware does: give every request an id.
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		w.Header().Set("X-Request-Id", "req-4242")
		mux.ServeHTTP(w, r)
		return w
	}

	form := url.Values{"email": {"ada@example.com"}, "password": {testPassword}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := serve(req)
	var session *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == "tocsin_session" {
			session = c
		}
	}
	if w.Code != http.StatusSeeOther || session == nil || !session.Secure || !session.HttpOnly {
		t.Fatalf("login behind https: %d, cookie %+v", w.Code, session)
	}

	db.Close()
	req = httptest.NewRequest(http.MethodGet, "/alerts", nil)
	req.AddCookie(session)
	w = serve(req)
	body := w.Body.String()
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("database down: %d", w.Code)
	}
	if !strings.Contains(body, "req-4242") || !strings.Contains(body, "Something went wrong on our side") {
		t.Errorf("500 page without the request id:\n%s", excerpt(body))
	}
	if strings.Contains(strings.ToLower(body), "sql") || strings.Contains(body, "closed") {
		t.Errorf("500 page leaks the error:\n%s", excerpt(body))
	}
}
