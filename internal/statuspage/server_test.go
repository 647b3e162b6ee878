package statuspage

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
)

func newTestServer(t *testing.T, src *fakeSource, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

// get does a request with no automatic gzip and no redirects followed.
func get(t *testing.T, method, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestServe(t *testing.T) {
	src := &fakeSource{snap: fixture(), version: 1}
	s, hs := newTestServer(t, src, Config{Now: func() time.Time { return at }})

	// Before the first render: 503, said plainly.
	resp, b := get(t, "GET", hs.URL+"/")
	if resp.StatusCode != 503 || !strings.Contains(string(b), "starting") || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("before render: %d %q", resp.StatusCode, b)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	bundle := s.Bundle()

	resp, b = get(t, "GET", hs.URL+"/")
	if resp.StatusCode != 200 || !bytes.Equal(b, bundle.File("index.html").Body) {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	for k, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "public, max-age=30",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data: https:; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
		"Etag":                    bundle.File("index.html").ETag,
		"Vary":                    "Accept-Encoding",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("GET / %s: %q, want %q", k, got, want)
		}
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("the HTML page needs no CORS")
	}

	// ETag and If-None-Match → 304, strong or weak, in a list.
	tag := resp.Header.Get("Etag")
	for _, inm := range []string{tag, "W/" + tag, `"nope", ` + tag, "*"} {
		resp, b = get(t, "GET", hs.URL+"/index.html", "If-None-Match", inm)
		if resp.StatusCode != 304 || len(b) != 0 || resp.Header.Get("Etag") != tag {
			t.Errorf("If-None-Match %s: %d", inm, resp.StatusCode)
		}
	}
	resp, _ = get(t, "GET", hs.URL+"/", "If-None-Match", `"other"`)
	if resp.StatusCode != 200 {
		t.Errorf("a stale ETag: %d", resp.StatusCode)
	}

	// JSON: CORS open, short cache, exactly the bundle's bytes.
	for _, p := range jsonFiles {
		resp, b = get(t, "GET", hs.URL+"/"+p)
		if resp.StatusCode != 200 || !bytes.Equal(b, bundle.File(p).Body) ||
			resp.Header.Get("Content-Type") != "application/json; charset=utf-8" ||
			resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Cache-Control") != "public, max-age=10" {
			t.Errorf("GET %s: %d %v", p, resp.StatusCode, resp.Header)
		}
	}
	for p, ct := range map[string]string{
		"embed.js": "text/javascript; charset=utf-8", "badge.svg": "image/svg+xml", "components/cmp00000api1/badge.svg": "image/svg+xml",
		"history.rss": "application/rss+xml; charset=utf-8", "history.atom": "application/atom+xml; charset=utf-8",
		"status.css": "text/css; charset=utf-8", "theme.css": "text/css; charset=utf-8",
		"incidents/inc0000open1.html": "text/html; charset=utf-8", "history.html": "text/html; charset=utf-8",
	} {
		resp, _ = get(t, "GET", hs.URL+"/"+p)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ct {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if cors := resp.Header.Get("Access-Control-Allow-Origin"); (cors == "*") == strings.HasSuffix(p, ".html") {
			t.Errorf("GET %s: Access-Control-Allow-Origin %q", p, cors)
		}
	}

	// HEAD: the headers, no body.
	resp, b = get(t, "HEAD", hs.URL+"/api/v2/summary.json")
	if resp.StatusCode != 200 || len(b) != 0 || resp.ContentLength != int64(len(bundle.File("api/v2/summary.json").Body)) {
		t.Errorf("HEAD: %d, %d bytes, length %d", resp.StatusCode, len(b), resp.ContentLength)
	}

	// Other methods: 405 with Allow; OPTIONS answers a CORS preflight.
	resp, b = get(t, "POST", hs.URL+"/")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD, OPTIONS" || !strings.Contains(string(b), "read-only") {
		t.Errorf("POST /: %d %q", resp.StatusCode, b)
	}
	resp, _ = get(t, "DELETE", hs.URL+"/api/v2/status.json")
	if resp.StatusCode != 405 {
		t.Errorf("DELETE: %d", resp.StatusCode)
	}
	resp, _ = get(t, "OPTIONS", hs.URL+"/api/v2/summary.json", "Origin", "https://shop.example", "Access-Control-Request-Method", "GET")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Methods") != "GET, HEAD" {
		t.Errorf("OPTIONS: %d %v", resp.StatusCode, resp.Header)
	}

	// Unknown paths: the 404 page, its links leading back to the root.
	resp, b = get(t, "GET", hs.URL+"/nope")
	if resp.StatusCode != 404 || !strings.Contains(string(b), "Page not found") || !strings.Contains(string(b), `href="status.css"`) {
		t.Errorf("GET /nope: %d", resp.StatusCode)
	}
	resp, b = get(t, "GET", hs.URL+"/a/b/c")
	if resp.StatusCode != 404 || !strings.Contains(string(b), `href="../../status.css"`) {
		t.Errorf("GET /a/b/c: %d", resp.StatusCode)
	}
	resp, _ = get(t, "POST", hs.URL+"/nope")
	if resp.StatusCode != 404 {
		t.Errorf("POST /nope: %d", resp.StatusCode)
	}
	// Statuspage's incident address, without .html, leads to the page.
	resp, _ = get(t, "GET", hs.URL+"/incidents/inc0000open1")
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "inc0000open1.html" {
		t.Errorf("GET /incidents/inc0000open1: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestServeGzip(t *testing.T) {
	src := &fakeSource{snap: fixture(), version: 1}
	s, hs := newTestServer(t, src, Config{})
	s.Refresh(context.Background())
	f := s.Bundle().File("index.html")

	resp, b := get(t, "GET", hs.URL+"/", "Accept-Encoding", "br, gzip;q=0.8")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Etag") == f.ETag || len(b) >= len(f.Body) {
		t.Fatalf("gzip: %v, %d bytes", resp.Header, len(b))
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, f.Body) {
		t.Error("gzipped body differs from the page")
	}
	resp, _ = get(t, "GET", hs.URL+"/", "Accept-Encoding", "gzip;q=0")
	if resp.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 refuses gzip")
	}
	resp, _ = get(t, "GET", hs.URL+"/", "Accept-Encoding", "gzip", "If-None-Match", resp.Header.Get("Etag"))
	if resp.StatusCode != 200 {
		t.Error("the plain body's ETag must not validate the gzipped one")
	}
}

// TestMountedUnderPrefix: under /status/ on another mux, every relative
// link of the page resolves to a file of the bundle.
func TestMountedUnderPrefix(t *testing.T) {
	src := &fakeSource{snap: fixture(), version: 1}
	s, err := New(src, Config{})
	if err != nil {
		t.Fatal(err)
	}
	s.Refresh(context.Background())
	mux := http.NewServeMux()
	mux.Handle("/status/", http.StripPrefix("/status", s))
	hs := httptest.NewServer(mux)
	defer hs.Close()

	resp, _ := get(t, "GET", hs.URL+"/status/incidents/inc0000open1")
	if resp.StatusCode != 301 || resolve(t, hs.URL+"/status/incidents/inc0000open1", resp.Header.Get("Location")) != hs.URL+"/status/incidents/inc0000open1.html" {
		t.Errorf("an incident without .html under the prefix: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = get(t, "GET", hs.URL+"/status")
	if (resp.StatusCode != 301 && resp.StatusCode != 307) || resp.Header.Get("Location") != "/status/" {
		t.Errorf("GET /status: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, page := range []string{"/status/", "/status/incidents/inc0000open1.html", "/status/history.html"} {
		resp, b := get(t, "GET", hs.URL+page)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", page, resp.StatusCode)
		}
		for _, link := range links(string(b)) {
			if strings.HasPrefix(link, "http") || strings.HasPrefix(link, "#") || link == "subscribe" {
				continue
			}
			u := resolve(t, hs.URL+page, link)
			if !strings.HasPrefix(u, hs.URL+"/status/") {
				t.Errorf("%s links %s → %s, outside the prefix", page, link, u)
				continue
			}
			if resp, _ := get(t, "GET", u); resp.StatusCode != 200 {
				t.Errorf("%s links %s → %s: %d", page, link, u, resp.StatusCode)
			}
		}
	}
}

func links(page string) []string {
	var out []string
	for _, attr := range []string{`href="`, `src="`, `action="`} {
		rest := page
		for {
			i := strings.Index(rest, attr)
			if i < 0 {
				break
			}
			rest = rest[i+len(attr):]
			out = append(out, rest[:strings.IndexByte(rest, '"')])
		}
	}
	return out
}

func resolve(t *testing.T, base, ref string) string {
	req, err := http.NewRequest("GET", base, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := req.URL.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	return u.String()
}

// TestDynamicRoutes: routes added by others answer paths the bundle has not.
func TestDynamicRoutes(t *testing.T) {
	src := &fakeSource{snap: fixture(), version: 1}
	s, hs := newTestServer(t, src, Config{})
	s.Refresh(context.Background())
	s.Handle("POST /subscribe", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "check your inbox")
	}))
	resp, b := get(t, "POST", hs.URL+"/subscribe")
	if resp.StatusCode != 202 || string(b) != "check your inbox" {
		t.Errorf("POST /subscribe: %d %q", resp.StatusCode, b)
	}
	resp, _ = get(t, "GET", hs.URL+"/subscribe")
	if resp.StatusCode != 404 {
		t.Errorf("GET /subscribe: %d, want the 404 page", resp.StatusCode)
	}
	resp, _ = get(t, "GET", hs.URL+"/")
	if resp.StatusCode != 200 {
		t.Errorf("GET /: %d", resp.StatusCode)
	}
}

// TestRunRerendersOnChange: Changed wakes Run, which renders again only
// when the version moved or the bundle grew older than MaxAge; a failing
// store leaves the page as it was.
func TestRunRerendersOnChange(t *testing.T) {
	src := &fakeSource{snap: fixture(), version: 1}
	var mu sync.Mutex
	now := at
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	rendered := make(chan *Bundle, 10)
	s, hs := newTestServer(t, src, Config{
		Now: clock, Poll: time.Hour, MaxAge: 10 * time.Minute,
		OnRender: func(b *Bundle) { rendered <- b },
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()

	first := <-rendered
	if first.Version != 1 {
		t.Fatalf("first render at version %d", first.Version)
	}

	// A new incident: the store's version moves; Changed wakes Run.
	src.set(func(snap *tocsin.StatusSnapshot) {
		snap.Incidents = append(snap.Incidents, tocsin.StatusIncident{
			ID: 12, PublicID: "inc000000new", Name: "Checkout down", Status: tocsin.IncidentInvestigating, Impact: tocsin.ImpactCritical,
			CreatedAt: at, UpdatedAt: at, StartedAt: at,
			Updates: []tocsin.StatusUpdate{{ID: 120, PublicID: "upd00000120a", Status: tocsin.IncidentInvestigating, Body: "Looking.", CreatedAt: at, DisplayAt: at}},
		})
	})
	s.Changed()
	second := <-rendered
	if second.Version != 2 || second.File("incidents/inc000000new.html") == nil {
		t.Fatalf("after the change: version %d", second.Version)
	}
	if _, b := get(t, "GET", hs.URL+"/api/v2/status.json"); !strings.Contains(string(b), `"indicator":"critical"`) {
		t.Errorf("served status after the change: %s", b)
	}

	// Nothing moved: a wake-up reads the version only.
	src.mu.Lock()
	reads := src.reads
	src.asked = make(chan struct{}, 1)
	src.mu.Unlock()
	s.Changed()
	<-src.asked
	s.Changed() // Run works one wake-up at a time: once asked again, the first is over
	<-src.asked
	src.mu.Lock()
	if src.reads != reads {
		t.Errorf("re-read the snapshot with nothing changed (%d → %d)", reads, src.reads)
	}
	src.asked = nil
	src.mu.Unlock()

	// Older than MaxAge: rendered again (the day's bar moves on).
	mu.Lock()
	now = now.Add(11 * time.Minute)
	mu.Unlock()
	s.Changed()
	third := <-rendered
	if !third.RenderedAt.Equal(at.Add(11 * time.Minute)) {
		t.Errorf("third render at %v", third.RenderedAt)
	}

	// The store fails: the page stays as it was.
	src.mu.Lock()
	src.err = errors.New("database unreachable")
	src.mu.Unlock()
	if err := s.Refresh(context.Background()); err == nil {
		t.Error("Refresh hides the store's error")
	}
	if s.Bundle() != third {
		t.Error("a failed refresh replaced the page")
	}
	if resp, _ := get(t, "GET", hs.URL+"/"); resp.StatusCode != 200 {
		t.Errorf("GET / while the store is down: %d", resp.StatusCode)
	}
}

func TestAcceptsGzipAndETagParsing(t *testing.T) {
	for in, want := range map[string]bool{
		"gzip": true, "GZIP": true, "br, gzip": true, "gzip;q=0": false, "gzip; q=0.0": false, "*": true,
		"deflate": false, "": false, "x-gzip": false, "br;q=1, gzip;q=0.5": true,
	} {
		if got := acceptsGzip([]string{in}); got != want {
			t.Errorf("acceptsGzip(%q) = %v", in, got)
		}
	}
	tag := `"abc"`
	for in, want := range map[string]bool{
		`"abc"`: true, `W/"abc"`: true, `"x", "abc"`: true, `"x","y"`: false, `*`: true, `abc`: false, `"ab"`: false, ``: false,
	} {
		if got := etagMatches([]string{in}, tag); got != want {
			t.Errorf("etagMatches(%q) = %v", in, got)
		}
	}
}
