package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/testkit"
)

// The page is under /status/ of the main listener, at the root of its own
// listener, and at the root of the main one for its host (a flag, or the
// page's settings).
func TestStatusPageServed(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		a := startStatusApp(t, engine, func(c *config.Config) {
			c.StatusListen = "127.0.0.1:0"
			c.StatusHost = "status.acme.test"
		})
		inc, _ := seedStatus(t, a.DB, a.Clock.Now())
		if err := a.Status().Refresh(ctx); err != nil {
			t.Fatal(err)
		}

		resp, index := get(t, a.URL+"/status/", "")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(index, "Acme status") || !strings.Contains(index, inc.Name) {
			t.Fatalf("GET /status/: %d %s\n%.500s", resp.StatusCode, resp.Header.Get("Content-Type"), index)
		}
		if resp, _ := get(t, a.URL+"/status", ""); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/status/" {
			t.Errorf("GET /status: %d → %q, want a redirect to /status/", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, summary := get(t, a.URL+"/status/api/v2/summary.json", "")
		var doc struct {
			Page      struct{ Name string }
			Incidents []struct{ ID, Name string }
		}
		if err := json.Unmarshal([]byte(summary), &doc); err != nil || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
			doc.Page.Name != "Acme status" || len(doc.Incidents) != 1 || doc.Incidents[0].ID != inc.PublicID {
			t.Errorf("GET /status/api/v2/summary.json: %v, CORS %q, %+v", err, resp.Header.Get("Access-Control-Allow-Origin"), doc)
		}
		// The incident's page, by the link the index gives (relative).
		if resp, body := get(t, a.URL+"/status/incidents/"+inc.PublicID+".html", ""); resp.StatusCode != http.StatusOK || !strings.Contains(body, "502") {
			t.Errorf("incident page under /status/: %d", resp.StatusCode)
		}

		// Its own listener: the same page at "/".
		own := "http://" + a.StatusAddr()
		if a.StatusURL() != own+"/" {
			t.Errorf("StatusURL %q, want %q", a.StatusURL(), own+"/")
		}
		if resp, body := get(t, own+"/", ""); resp.StatusCode != http.StatusOK || body != index {
			t.Errorf("GET / on --status-listen: %d, same page as /status/: %t", resp.StatusCode, body == index)
		}
		if resp, body := get(t, own+"/api/v2/summary.json", ""); resp.StatusCode != http.StatusOK || body != summary {
			t.Errorf("summary.json on --status-listen: %d", resp.StatusCode)
		}
		// Only the page is there: no login, no API.
		if resp, _ := get(t, own+"/api/v1/me", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /api/v1/me on --status-listen: %d, want the page's 404", resp.StatusCode)
		}

		// --status-host, with or without the port.
		for _, host := range []string{"status.acme.test", "STATUS.acme.test:443"} {
			if resp, body := get(t, a.URL+"/", host); resp.StatusCode != http.StatusOK || body != index {
				t.Errorf("GET / with Host %s: %d, the page: %t", host, resp.StatusCode, body == index)
			}
		}
		if resp, body := get(t, a.URL+"/", ""); strings.Contains(body, inc.Name) {
			t.Errorf("GET / on the main host shows the status page (%d)", resp.StatusCode)
		}
		// The host of the page's settings, once the page is rendered with it.
		page, err := a.DB.StatusPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		page.Host = "status.other.test"
		if err := a.DB.SaveStatusPage(ctx, page, 0, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := a.Status().Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if resp, body := get(t, a.URL+"/api/v2/status.json", "status.other.test"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"indicator"`) {
			t.Errorf("GET /api/v2/status.json with the page's Host: %d %.200s", resp.StatusCode, body)
		}

		// Set to the main host by mistake, the page's Host takes nothing
		// from the UI and the API.
		page.Host = strings.TrimPrefix(a.URL, "http://")
		if err := a.DB.SaveStatusPage(ctx, page, 0, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := a.Status().Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if resp, body := get(t, a.URL+"/healthz", ""); resp.StatusCode != http.StatusOK || strings.TrimSpace(body) != "ok" {
			t.Errorf("/healthz with the page's Host set to the main one: %d %.100s", resp.StatusCode, body)
		}

		// The page's form posts to "subscribe" beside it: answered under
		// /status/ and on the status listener alike.
		for k, url := range []string{a.URL + "/status/subscribe", own + "/subscribe"} {
			email := fmt.Sprintf("reader%d@acme.test", k)
			resp, err := http.PostForm(url, neturl.Values{"email": {email}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			subs, err := a.DB.Subscribers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, sub := range subs {
				found = found || sub.Address == email
			}
			if resp.StatusCode != http.StatusOK || !found {
				t.Errorf("POST %s: %d, subscriber stored: %t", url, resp.StatusCode, found)
			}
		}

		// Tests reach the same handler without a listener.
		rec := httptest.NewRecorder()
		a.StatusHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v2/status.json", nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"indicator"`) {
			t.Errorf("StatusHandler: %d", rec.Code)
		}
	})
}

// Without an SMTP relay the served page takes no e-mail subscription: it
// offers its feeds, and a form posted anyway stores nobody.
func TestStatusPageWithoutEmailRelay(t *testing.T) {
	a := startStatusApp(t, "sqlite", func(c *config.Config) { c.Providers.SMTPHost = "" })
	ctx := context.Background()
	if err := a.Status().Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	resp, page := get(t, a.URL+"/status/", "")
	if resp.StatusCode != http.StatusOK || strings.Contains(page, `name="email"`) || !strings.Contains(page, "Follow this page in a feed reader") {
		t.Errorf("GET /status/: %d, an e-mail form or no feeds:\n%s", resp.StatusCode, page)
	}
	resp, err := http.PostForm(a.URL+"/status/subscribe", neturl.Values{"email": {"reader@acme.test"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	subs, err := a.DB.Subscribers(ctx)
	if resp.StatusCode != http.StatusForbidden || err != nil || len(subs) != 0 {
		t.Errorf("POST /status/subscribe: %d, %d subscribers stored (%v)", resp.StatusCode, len(subs), err)
	}
}

// With publishing configured, every public change reaches the folder and
// the bucket, and only the files that changed are uploaded again.
func TestStatusPagePublished(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		fake := testkit.StartFakeS3(t)
		dir := filepath.Join(t.TempDir(), "copy")
		a := startStatusApp(t, engine, func(c *config.Config) {
			c.StatusPublishDir = dir
			c.StatusS3 = config.StatusS3{Endpoint: fake.URL, Bucket: fake.Bucket, Region: fake.Region, Prefix: "status", AccessKey: fake.AccessKey, SecretKey: fake.SecretKey}
		})
		inc, comps := seedStatus(t, a.DB, a.Clock.Now())
		a.Status().Changed()
		incidentPage := "incidents/" + inc.PublicID + ".html"
		// The manifest goes last: once it lists the page, the upload is complete.
		fake.Wait(t, "the incident's page uploaded", func(s testkit.S3State) bool {
			m, _ := s.Object("status/.tocsin-export")
			return bytes.Contains(m.Body, []byte(incidentPage))
		})

		b := a.Status().Bundle()
		for _, p := range b.Paths() {
			o, ok := fake.Object("status/" + p)
			f := b.File(p)
			if !ok {
				t.Errorf("%s is not in the bucket", p)
				continue
			}
			if o.ContentType != f.ContentType || o.CacheControl == "" {
				t.Errorf("%s: Content-Type %q (want %q), Cache-Control %q", p, o.ContentType, f.ContentType, o.CacheControl)
			}
			// Only the subscribe form differs: it posts to the live page.
			want := f.Body
			if strings.HasSuffix(p, ".html") {
				want = bytes.ReplaceAll(want, []byte(`action="subscribe"`), []byte(`action="`+a.URL+`/status/subscribe"`))
			}
			if !bytes.Equal(o.Body, want) {
				t.Errorf("%s in the bucket differs from the live page's", p)
			}
			disk, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
			if err != nil || !bytes.Equal(disk, o.Body) {
				t.Errorf("%s in the folder: %v, same as the bucket's: %t", p, err, bytes.Equal(disk, o.Body))
			}
		}
		if o, _ := fake.Object("status/api/v2/summary.json"); o.CacheControl != "public, max-age=10" {
			t.Errorf("summary.json Cache-Control %q", o.CacheControl)
		}

		// A change re-sends what it changed, not the stylesheet.
		css, js := fake.Puts("status/status.css"), fake.Puts("status/embed.js")
		summaries := fake.Puts("status/api/v2/summary.json")
		if err := a.DB.SetComponentStatus(ctx, comps["Website"].ID, tocsin.ComponentMajor, 0, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		a.Status().Changed()
		fake.Wait(t, "the new summary uploaded", func(s testkit.S3State) bool {
			o, _ := s.Object("status/api/v2/summary.json")
			return s.Puts("status/api/v2/summary.json") > summaries && bytes.Contains(o.Body, []byte("major_outage"))
		})
		if fake.Puts("status/status.css") != css || fake.Puts("status/embed.js") != js || css != 1 {
			t.Errorf("unchanged files uploaded again: status.css %d → %d, embed.js %d → %d", css, fake.Puts("status/status.css"), js, fake.Puts("status/embed.js"))
		}

		// A deleted incident leaves both copies.
		if err := a.DB.DeleteStatusIncident(ctx, inc.ID, 0, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		a.Status().Changed()
		fake.Wait(t, "the deleted incident's page removed", func(s testkit.S3State) bool {
			_, ok := s.Object("status/" + incidentPage)
			return !ok
		})
		if _, err := os.Stat(filepath.Join(dir, "incidents", inc.PublicID+".html")); !os.IsNotExist(err) {
			t.Errorf("the deleted incident's page is still in the folder: %v", err)
		}
		if r := fake.Refused(); len(r) > 0 {
			t.Errorf("the bucket refused: %v", r)
		}
	})
}

// A bucket that refuses the signature is logged, and the page is served all
// the same.
func TestStatusPagePublishWrongSecret(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		fake := testkit.StartFakeS3(t)
		a := startStatusApp(t, engine, func(c *config.Config) {
			c.StatusS3 = config.StatusS3{Endpoint: fake.URL, Bucket: fake.Bucket, Region: fake.Region, AccessKey: fake.AccessKey, SecretKey: "not-the-secret"}
		})
		inc, _ := seedStatus(t, a.DB, a.Clock.Now())
		a.Status().Changed()
		a.Logs.wait(t, "the refusal logged", func() bool {
			return a.Logs.has("ERROR", "published copy", "SignatureDoesNotMatch")
		})
		if a.Logs.has("not-the-secret") {
			t.Error("the secret is in the log")
		}
		if keys := fake.Keys(); len(keys) != 0 {
			t.Errorf("the bucket holds %v", keys)
		}
		if err := a.Status().Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if resp, body := get(t, a.URL+"/status/", ""); resp.StatusCode != http.StatusOK || !strings.Contains(body, inc.Name) {
			t.Errorf("the page while its copy fails: %d", resp.StatusCode)
		}
	})
}

// Answered reads of the public page's files, on every listener and host, are
// not in the info log (thousands a second in an outage would bury it); a
// page that is not there, the subscription routes and the rest of Tocsin are.
func TestStatusPageReadsLoggedAtDebug(t *testing.T) {
	a := startStatusApp(t, "sqlite", func(c *config.Config) {
		c.StatusListen = "127.0.0.1:0"
		c.StatusHost = "status.acme.test"
	})
	seedStatus(t, a.DB, a.Clock.Now())
	if err := a.Status().Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	own := "http://" + a.StatusAddr()
	for _, r := range []struct{ url, host string }{
		{a.URL + "/status/", ""}, {a.URL + "/status/api/v2/summary.json", ""}, {own + "/", ""}, {own + "/api/v2/status.json", ""}, {a.URL + "/", "status.acme.test"},
	} {
		if resp, _ := get(t, r.url, r.host); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s (Host %q): %d", r.url, r.host, resp.StatusCode)
		}
	}
	if resp, _ := get(t, own+"/incidents/none.html", ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET a missing incident: %d", resp.StatusCode)
	}
	if resp, _ := get(t, own+"/subscribe", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET /subscribe: %d, want a redirect to the form", resp.StatusCode)
	}
	resp, err := http.Post(own+"/subscribe", "application/x-www-form-urlencoded", strings.NewReader("email=not-an-address"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp, _ := get(t, a.URL+"/healthz", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %d", resp.StatusCode)
	}
	var access []string
	a.Logs.wait(t, "the access log of /healthz", func() bool {
		access = nil
		for _, l := range a.Logs.all() {
			if strings.HasPrefix(l, "INFO http ") {
				access = append(access, l)
			}
		}
		return len(access) > 0 && strings.Contains(access[len(access)-1], "path=/healthz")
	})
	log := strings.Join(access, "\n")
	for _, want := range []string{"path=/incidents/none.html status=404", "method=GET path=/subscribe status=303", "method=POST path=/subscribe", "path=/healthz status=200"} {
		if !strings.Contains(log, want) {
			t.Errorf("info log lacks %q:\n%s", want, log)
		}
	}
	if strings.Count(log, "status=200") != 1 {
		t.Errorf("answered page reads in the info log (only /healthz should answer 200 there):\n%s", log)
	}
}
