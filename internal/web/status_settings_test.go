package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tocsin/tocsin/internal/testkit"
	"github.com/tocsin/tocsin/internal/web"
)

// settingsForm is a valid settings form with one field changed.
func settingsForm(field, value string) url.Values {
	form := url.Values{"name": {"Acme status"}, "language": {"en"}, "time_zone": {"UTC"}}
	form.Set(field, value)
	return form
}

// The page's Host is refused when it would take the main listener's own
// pages away: the request's host, the public URL's, an address, localhost,
// and any host written with a port.
func TestStatusSettingsHostGuard(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		before, err := f.app.DB.StatusPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		unchanged := func(what string) {
			t.Helper()
			if after, _ := f.app.DB.StatusPage(ctx); *after != *before {
				t.Fatalf("%s: refused host saved: %+v", what, after)
			}
		}

		// The reviewer's case: Tocsin listens on 127.0.0.1 (the public URL here).
		for _, host := range []string{"127.0.0.1", "LOCALHOST", "localhost:18181", "app.localhost", "[::1]:80"} {
			p := member.post("/statuspage/settings", settingsForm("host", host))
			if p.Status != http.StatusBadRequest {
				t.Fatalf("host %q: %d, want 400", host, p.Status)
			}
			mustContain(t, p.Body, "reaches Tocsin itself: an IP address or localhost would hand Tocsin&#39;s own pages", `id="sp-host-error"`)
			unchanged(host)
		}
		if p := member.get("/statuspage/settings"); p.Status != http.StatusOK || !strings.Contains(p.Body, `action="/statuspage/settings"`) {
			t.Fatalf("the admin is no longer reachable: %d", p.Status)
		}

		// A second handler, as behind a proxy: public URL tocsin.acme.test,
		// reached here as tocsin.internal:8080.
		h, err := web.New(web.Options{DB: f.app.DB, Clock: f.app.Clock, PublicURL: "https://tocsin.acme.test/"})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		h.Routes(mux)
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		save := func(host string) (int, string) {
			t.Helper()
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/statuspage/settings", strings.NewReader(settingsForm("host", host).Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "tocsin.internal:8080"
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "tocsin_session", Value: member.sessionToken()})
			resp, err := srv.Client().Transport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		for _, host := range []string{"Tocsin.Internal", "tocsin.internal:8080", "tocsin.acme.test", "TOCSIN.acme.test:443"} {
			status, body := save(host)
			if status != http.StatusBadRequest {
				t.Fatalf("host %q: %d, want 400", host, status)
			}
			mustContain(t, body, "is the host Tocsin itself is reached at: sign-in, the API and alert senders would get the status page instead")
			unchanged(host)
		}
		status, body := save("status.acme.test:8443")
		if status != http.StatusBadRequest {
			t.Fatalf("host with a port: %d", status)
		}
		mustContain(t, body, "Write the host without a port: “status.acme.test:8443”", `value="status.acme.test:8443"`)
		unchanged("port")
		// A URL pasted whole is named for what it is, not for a port.
		for _, typed := range []string{"https://status.acme.test", "http://x", "status.acme.test/path", "https:status.acme.test", "status.acme.test:abc"} {
			status, body := save(typed)
			if status != http.StatusBadRequest {
				t.Fatalf("host %q: %d", typed, status)
			}
			mustContain(t, body, "is not a host name: write the name alone, such as status.example.com, without https:// or a path.")
			mustNotContain(t, body, "without a port")
			unchanged(typed)
		}

		if status, body := save(" Status.Acme.Test "); status != http.StatusSeeOther {
			t.Fatalf("a host of its own: %d %s", status, excerpt(body))
		}
		if after, _ := f.app.DB.StatusPage(ctx); after.Host != "status.acme.test" {
			t.Fatalf("saved host %q", after.Host)
		}
	})
}

// The logo is an https:// image or a path on the page's site; http:// is
// refused with the reason (the page's CSP would block it).
func TestStatusSettingsLogo(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		p := member.get("/statuspage/settings")
		// A browser refuses "/logo.png" in an <input type="url">.
		mustContain(t, p.Body, `name="logo_url" inputmode="url"`, "or a path on the page&#39;s own site such as /logo.png")
		mustNotContain(t, p.Body, `name="logo_url" type="url"`)

		for _, tc := range []struct{ logo, says string }{
			{"http://acme.test/logo.png", "“http://acme.test/logo.png” is an http:// address: the page&#39;s security policy only loads https images."},
			{"//evil.test/logo.png", "“//evil.test/logo.png” is not a logo address: give an https:// URL or a path on this site"},
			{"javascript:alert(1)", "“javascript:alert(1)” is not a logo address"},
			{"logo.png", "“logo.png” is not a logo address"},
		} {
			p = member.post("/statuspage/settings", settingsForm("logo_url", tc.logo))
			if p.Status != http.StatusBadRequest {
				t.Fatalf("logo %q: %d, want 400", tc.logo, p.Status)
			}
			mustContain(t, p.Body, tc.says, `id="sp-logo-error"`, "Nothing was saved")
			if after, _ := f.app.DB.StatusPage(ctx); after.LogoURL != "" {
				t.Fatalf("logo %q saved", after.LogoURL)
			}
		}
		for _, logo := range []string{"/logo.png", "https://cdn.acme.test/logo.svg"} {
			if p = member.post("/statuspage/settings", settingsForm("logo_url", logo)); p.Status != http.StatusSeeOther {
				t.Fatalf("logo %q: %d %s", logo, p.Status, excerpt(p.Body))
			}
			if after, _ := f.app.DB.StatusPage(ctx); after.LogoURL != logo {
				t.Fatalf("logo saved as %q, want %q", after.LogoURL, logo)
			}
		}
	})
}

// The internal timeline tells what a settings save changed, old → new.
func TestStatusSettingsTimeline(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		form := url.Values{"name": {"Status"}, "url": {"https://status.acme.test"}, "logo_url": {"/logo.png"}, "accent_color": {"#aa3300"},
			"text_color": {"#ffffff"}, "language": {"en"}, "time_zone": {"UTC"}, "host": {"status.acme.test"}}
		if p := member.post("/statuspage/settings", form); p.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.Status, excerpt(p.Body))
		}
		p := member.get("/statuspage/timeline")
		mustContain(t, p.Body, `Page settings saved: URL none → &#34;https://status.acme.test&#34;, logo none → &#34;/logo.png&#34;, `+
			`accent colour #1f5fbf → #aa3300, host none → &#34;status.acme.test&#34;.`)
	})
}

// The Public URL's hint says what it is used for, as docs/statuspage.md does:
// e-mails link to the page Tocsin serves, not to that address.
func TestStatusSettingsPublicURLHint(t *testing.T) {
	f := newFixture(t, "sqlite")
	member := newBrowser(t, f.app)
	member.login(f.member.Email)
	p := member.get("/statuspage/settings")
	mustContain(t, p.Body, "the feeds, the JSON&#39;s shortlinks and the waiting document link there. E-mails to subscribers link to the page as Tocsin serves it")
	mustNotContain(t, p.Body, "used in links sent to subscribers")
}

// A French member reads the new refusals in French.
func TestStatusSettingsInFrench(t *testing.T) {
	f := newFixture(t, "sqlite")
	u := *f.member
	u.Locale = "fr"
	if err := f.app.DB.UpdateUser(context.Background(), &u, ""); err != nil {
		t.Fatal(err)
	}
	member := newBrowser(t, f.app)
	member.login(f.member.Email)
	p := member.post("/statuspage/settings", url.Values{"name": {"Statut"}, "host": {"localhost"}, "logo_url": {"http://acme.test/l.png"}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("%d", p.Status)
	}
	mustContain(t, p.Body, "« localhost » mène à Tocsin lui-même", "la politique de sécurité de la page ne charge que des images https")
	p = member.post("/statuspage/settings", url.Values{"name": {"Statut"}, "host": {"status.acme.test:8443"}})
	mustContain(t, p.Body, "Écrivez l&#39;hôte sans port : « status.acme.test:8443 »")
	mustNotContain(t, p.Body, "status_admin.")
}
