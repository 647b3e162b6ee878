package statuspage

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteDirServedByPlainFileServer: the exported folder, served by a
// plain file server with no Tocsin behind it, gives the same page and the
// same JSON as the live handler.
func TestWriteDirServedByPlainFileServer(t *testing.T) {
	src := &fakeSource{snap: fixture(), version: 1}
	live, err := New(src, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	liveHS := httptest.NewServer(live)
	defer liveHS.Close()

	dir := t.TempDir()
	if err := live.Bundle().WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	static := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer static.Close()

	for _, p := range append([]string{"", "index.html", "incidents/inc0000open1.html", "badge.svg", "history.rss", "embed.js"}, jsonFiles...) {
		_, want := get(t, "GET", liveHS.URL+"/"+p)
		resp, got := get(t, "GET", static.URL+"/"+p)
		if p == "index.html" && resp.StatusCode == http.StatusMovedPermanently {
			resp, got = get(t, "GET", static.URL+"/") // FileServer sends /index.html to /
		}
		if resp.StatusCode != 200 || !bytes.Equal(got, want) {
			t.Errorf("static %s: %d, same as live: %v", p, resp.StatusCode, bytes.Equal(got, want))
		}
		if strings.HasSuffix(p, ".json") && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("static %s served as %s", p, resp.Header.Get("Content-Type"))
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tocsin-") && e.Name() != manifestName {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestWriteDirReplaces: a second export removes the pages of incidents that
// left the snapshot, and nothing it did not write.
func TestWriteDirReplaces(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "CNAME"), []byte("status.acme.test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := render(t, fixture(), Options{}).WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	snap := fixture()
	snap.Incidents = snap.Incidents[1:] // the resolved incident is gone
	snap.Components = snap.Components[:5]
	if err := render(t, snap, Options{}).WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		"CNAME": true, "incidents/inc0000open1.html": true, "incidents/inc00resolvd.html": false,
		"components/cmp00search1/badge.svg": false, "components/cmp00search1": false, "components/cmp00000api1/badge.svg": true,
	} {
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
		if (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", p, err == nil, want)
		}
	}
}

// TestExportSubscribeURL: a static copy hosted elsewhere posts the
// subscribe form to the live site.
func TestExportSubscribeURL(t *testing.T) {
	src := &fakeSource{snap: fixture(), version: 1}
	dir := t.TempDir()
	b, err := Export(context.Background(), src, at, dir, Options{SubscribeURL: "https://live.acme.test/status/subscribe"})
	if err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(index), `action="https://live.acme.test/status/subscribe"`) {
		t.Error("the exported form does not post to the live site")
	}
	if csp := b.File("index.html").hCSP[0]; !strings.HasSuffix(csp, "form-action 'self' https://live.acme.test") {
		t.Errorf("CSP %s", csp)
	}
}
