package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

func TestLogin(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		b := newBrowser(t, f.app)

		// A signed-out visitor is sent to the form, and back afterwards.
		p := b.get("/alerts?status=resolved")
		if p.Status != http.StatusSeeOther || p.Location != "/login?next="+url.QueryEscape("/alerts?status=resolved") {
			t.Fatalf("signed out /alerts: %d %q", p.Status, p.Location)
		}
		p = b.follow(p)
		if p.Status != http.StatusOK {
			t.Fatalf("login form: %d", p.Status)
		}
		mustContain(t, p.Body, `name="email"`, `name="password"`, `value="/alerts?status=resolved"`)

		// Wrong password and unknown address get the same answer.
		wrong := b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"not the password"}})
		unknown := b.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"not the password"}})
		for _, p := range []page{wrong, unknown} {
			if p.Status != http.StatusUnauthorized {
				t.Errorf("wrong login: status %d, want 401", p.Status)
			}
			mustContain(t, p.Body, "E-mail or password is wrong.")
		}
		if b.sessionToken() != "" {
			t.Fatal("a failed login set a session cookie")
		}

		p = b.post("/login", url.Values{"email": {"ADA@example.com"}, "password": {testPassword}, "next": {"/alerts?status=resolved"}})
		if p.Status != http.StatusSeeOther || p.Location != "/alerts?status=resolved" {
			t.Fatalf("login: %d %q", p.Status, p.Location)
		}
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: p.Header}).Cookies() {
			if c.Name == "tocsin_session" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Secure {
			t.Fatalf("session cookie: %+v", cookie)
		}
		p = b.get("/alerts")
		if p.Status != http.StatusOK {
			t.Fatalf("signed in /alerts: %d", p.Status)
		}
		mustContain(t, p.Body, "Ada Admin", `action="/logout"`)

		// Sessions live in the database: another process (or a restart) knows them.
		u, err := f.app.DB.SessionUser(context.Background(), b.sessionToken(), f.app.Clock.Now())
		if err != nil || u.ID != f.admin.ID {
			t.Fatalf("session row: %v %v", u, err)
		}

		// Logging out deletes the session server-side: a copied cookie is worthless.
		token := b.sessionToken()
		p = b.post("/logout", nil)
		if p.Status != http.StatusSeeOther || p.Location != "/login" {
			t.Fatalf("logout: %d %q", p.Status, p.Location)
		}
		if _, err := f.app.DB.SessionUser(context.Background(), token, f.app.Clock.Now()); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("session still valid after logout: %v", err)
		}
		stolen := newBrowser(t, f.app)
		base, _ := url.Parse(f.app.URL)
		stolen.http.Jar.SetCookies(base, []*http.Cookie{{Name: "tocsin_session", Value: token, Path: "/"}})
		if p := stolen.get("/alerts"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
			t.Fatalf("old cookie after logout: %d %q", p.Status, p.Location)
		}
	})
}

func TestLoginNextStaysOnSite(t *testing.T) {
	f := newFixture(t, "sqlite")
	for _, next := range []string{"https://evil.example/", "//evil.example/x", `/\evil.example`, "javascript:alert(1)", "/login"} {
		b := newBrowser(t, f.app)
		p := b.post("/login", url.Values{"email": {"max@example.com"}, "password": {testPassword}, "next": {next}})
		if p.Status != http.StatusSeeOther || p.Location != "/alerts" {
			t.Errorf("next=%q: redirected to %q, want /alerts", next, p.Location)
		}
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	f := newFixture(t, "sqlite")
	b := newBrowser(t, f.app)
	b.login("max@example.com")
	id := f.trigger(t, tocsin.AlertEvent{Summary: "disk full", DedupKey: "d1"})

	for _, hdr := range []string{"Sec-Fetch-Site: cross-site", "Origin: https://evil.example"} {
		p := b.post("/alerts/"+itoa(id)+"/ack", nil, hdr)
		if p.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", hdr, p.Status)
		}
		mustContain(t, p.Body, "sent from another site")
	}
	// A cross-site login form is refused too (login CSRF).
	anon := newBrowser(t, f.app)
	if p := anon.post("/login", url.Values{"email": {"max@example.com"}, "password": {testPassword}}, "Sec-Fetch-Site: cross-site"); p.Status != http.StatusForbidden {
		t.Errorf("cross-site login: %d", p.Status)
	}
	a, err := f.app.DB.Alert(context.Background(), id)
	if err != nil || a.Status != tocsin.StatusTriggered {
		t.Fatalf("a refused post changed the alert: %v %v", a.Status, err)
	}
	// The same form from the same origin works.
	if p := b.post("/alerts/"+itoa(id)+"/ack", nil, "Sec-Fetch-Site: same-origin", "Origin: "+f.app.URL); p.Status != http.StatusSeeOther {
		t.Errorf("same-origin post: %d", p.Status)
	}
}

func TestLanguageFollowsTheBrowserThenThePreference(t *testing.T) {
	f := newFixture(t, "sqlite")
	b := newBrowser(t, f.app)
	req, _ := http.NewRequest(http.MethodGet, f.app.URL+"/login", nil)
	req.Header.Set("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5")
	p := b.do(req)
	mustContain(t, p.Body, `<html lang="fr">`, "Se connecter à Tocsin", "Mot de passe")
	mustContain(t, b.get("/login").Body, `<html lang="en">`, "Sign in to Tocsin")

	// A French login failure is in French too.
	req, _ = http.NewRequest(http.MethodPost, f.app.URL+"/login", strings.NewReader("email=x%40example.com&password=nope"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "fr")
	if p := b.do(req); p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "Adresse e-mail ou mot de passe incorrect.") {
		t.Errorf("French login failure: %d", p.Status)
	}

	// The user's preference beats the browser.
	b.login("max@example.com")
	b.follow(b.post("/profile", url.Values{"name": {"Max Member"}, "timezone": {"UTC"}, "locale": {"en"}}))
	req, _ = http.NewRequest(http.MethodGet, f.app.URL+"/alerts", nil)
	req.Header.Set("Accept-Language", "fr")
	mustContain(t, b.do(req).Body, `<html lang="en">`)
}

// Guessing a password online is cut short: after ten failures an address is
// refused for fifteen minutes, even with the right password, while other
// people still sign in.
func TestLoginThrottled(t *testing.T) {
	f := newFixture(t, "sqlite")
	b := newBrowser(t, f.app)
	for i := 0; i < 10; i++ {
		if p := b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"guess " + itoa(int64(i))}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, p.Status)
		}
	}
	p := b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}})
	if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") != "900" {
		t.Fatalf("after ten failures: status %d, Retry-After %q", p.Status, p.Header.Get("Retry-After"))
	}
	mustContain(t, p.Body, "Too many failed sign-ins: try again in 15 minutes.")
	if b.sessionToken() != "" {
		t.Fatal("a throttled login set a session cookie")
	}
	if p := newBrowser(t, f.app).post("/login", url.Values{"email": {"max@example.com"}, "password": {testPassword}}); p.Status != http.StatusSeeOther {
		t.Fatalf("someone else signing in meanwhile: status %d", p.Status)
	}
	f.app.Clock.Advance(15 * time.Minute)
	if p := b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}); p.Status != http.StatusSeeOther {
		t.Fatalf("after the window: status %d", p.Status)
	}
}

// NUL bytes and invalid UTF-8 in forms and query strings get the answers any
// other wrong input gets, on both engines (PostgreSQL refuses such text).
func TestUnstorableTextIsHarmless(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		b := newBrowser(t, f.app)
		if p := b.post("/login", url.Values{"email": {"ada\x00@example.com"}, "password": {"x\xff"}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("login with a NUL: %d", p.Status)
		}
		b.login("max@example.com")
		for _, q := range []string{"/alerts?q=%00", "/alerts?q=%FF%FE", "/alerts?label=a%00%3Db", "/alerts?service=%00"} {
			if p := b.get(q); p.Status >= 500 {
				t.Errorf("GET %s: %d", q, p.Status)
			}
		}
	})
}
