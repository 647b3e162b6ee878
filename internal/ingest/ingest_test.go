package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/testkit"
)

// env is a running Tocsin with a service "checkout" (team "payments") and one
// integration on it, as a user would set up before pointing a tool at it.
type env struct {
	t       testing.TB
	app     *testkit.App
	service *tocsin.Service
	integ   *tocsin.Integration
	key     string
}

func start(t testing.TB, engine string, typ tocsin.IntegrationType, edit ...func(*config.Config)) *env {
	t.Helper()
	a := testkit.Start(t, engine, edit...)
	svc := a.Service("payments", "checkout")
	integ, key := a.Integration(typ, svc.ID)
	return &env{t: t, app: a, service: svc, integ: integ, key: key}
}

// response is what the server answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("reply is not JSON (%v): %s", err, r.body)
	}
}

func (r response) String() string { return string(r.body) }

// do sends a request over real HTTP. body is a []byte, a string, or a value to encode.
// headers come in name, value pairs.
func (e *env) do(method, path string, body any, headers ...string) response {
	e.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		reader = bytes.NewReader(b)
	case string:
		reader = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.app.URL+path, reader)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.app.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// alerts returns every stored alert, oldest first.
func (e *env) alerts() []*tocsin.Alert {
	e.t.Helper()
	return allAlerts(e.t, e.app)
}

func allAlerts(t testing.TB, a *testkit.App) []*tocsin.Alert {
	t.Helper()
	list, _, err := a.DB.Alerts(context.Background(), tocsin.AlertFilter{Sort: "oldest", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func countAlerts(t testing.TB, a *testkit.App) int {
	t.Helper()
	_, total, err := a.DB.Alerts(context.Background(), tocsin.AlertFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// only returns the single stored alert, failing when there is not exactly one.
func (e *env) only() *tocsin.Alert {
	e.t.Helper()
	list := e.alerts()
	if len(list) != 1 {
		e.t.Fatalf("want exactly 1 alert, have %d: %+v", len(list), list)
	}
	return list[0]
}

// timeline returns the kinds of an alert's timeline entries, in order.
func (e *env) timeline(id int64) []tocsin.TimelineEntry {
	e.t.Helper()
	entries, err := e.app.DB.Timeline(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return entries
}

func kinds(entries []tocsin.TimelineEntry) string {
	var out []string
	for _, t := range entries {
		out = append(out, string(t.Kind))
	}
	return strings.Join(out, ",")
}

// testdata reads a file of testdata/, with ROUTING_KEY replaced by key.
func testdata(t testing.TB, name, key string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(data, []byte("ROUTING_KEY"), []byte(key))
}

// seeds returns the testdata files whose names start with prefix, for fuzz corpora.
func seeds(f *testing.F, prefix string) [][]byte {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", prefix+"*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no testdata for %s: %v", prefix, err)
	}
	var out [][]byte
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// fuzzServe runs one fuzzed request through the whole app handler (middleware
// included) and checks what every format promises: no 5xx, and nothing written
// when the request is refused.
func fuzzServe(t *testing.T, a *testkit.App, req *http.Request) {
	before := countAlerts(t, a)
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s answered %d: %s", req.Method, req.URL.Path, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		if after := countAlerts(t, a); after != before {
			t.Fatalf("refused with %d but alerts went from %d to %d: %s", rec.Code, before, after, rec.Body)
		}
	}
}

// bigBody is a syntactically valid JSON object just over the 1 MiB limit.
func bigBody() []byte {
	return []byte(`{"summary":"` + strings.Repeat("x", tocsin.MaxBodyBytes) + `"}`)
}

// TestUntrustedBytes: NUL bytes and invalid UTF-8 are stored cleaned on both
// engines (PostgreSQL refuses them in text), never answered with a 5xx.
func TestUntrustedBytes(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationGeneric)
		bad := "a\x00b\xff\xfec"
		body, _ := json.Marshal(map[string]any{"summary": bad, "details": bad, "source": bad, "dedup_key": bad, "labels": map[string]string{bad: bad}, "links": []map[string]string{{"href": "https://x/" + bad, "text": bad}}})
		// json.Marshal already replaced the invalid bytes: put raw ones back in.
		body = bytes.ReplaceAll(body, []byte(`\ufffd\ufffd`), []byte("\xff\xfe"))
		r := e.do("POST", "/hooks/generic/"+e.key, body)
		if r.status != http.StatusAccepted {
			t.Fatalf("generic: %d %s", r.status, r)
		}
		a := e.only()
		if a.Summary != "ab\uFFFD\uFFFDc" && a.Summary != "ab\uFFFDc" {
			t.Fatalf("summary stored as %q", a.Summary)
		}
		// An alias in the URL path with bytes that are not UTF-8.
		r = e.do("POST", "/v2/alerts/a%00%FF/close?identifierType=alias", nil, "Authorization", "GenieKey "+e.key)
		if r.status != http.StatusAccepted {
			t.Fatalf("opsgenie close: %d %s", r.status, r)
		}
		r = e.do("GET", "/v2/alerts/requests/%FF%00", nil, "Authorization", "GenieKey "+e.key)
		if r.status != http.StatusNotFound {
			t.Fatalf("opsgenie request status: %d %s", r.status, r)
		}
	})
}

// Deleting a service stops its keys at once, even just after they were used
// (and cached), and keeps its alerts: open ones are resolved, saying why.
func TestDeletedServiceKeepsHistory(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationGeneric)
		if r := e.do("POST", "/hooks/generic/"+e.key, map[string]any{"summary": "Disk full", "dedup_key": "disk"}); r.status != http.StatusAccepted {
			t.Fatalf("before: %d %s", r.status, r)
		}
		if err := e.app.DB.DeleteService(context.Background(), e.service.ID, e.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if r := e.do("POST", "/hooks/generic/"+e.key, map[string]any{"summary": "Disk full", "dedup_key": "disk"}); r.status != http.StatusUnauthorized {
			t.Fatalf("key of a deleted service: %d %s", r.status, r)
		}
		a := e.only()
		if a.Status != tocsin.StatusResolved || a.ServiceID != 0 || a.IntegrationID != 0 || a.ResolvedBy != "Tocsin" {
			t.Fatalf("alert after its service was deleted: %+v", a)
		}
		timeline, err := e.app.DB.Timeline(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := timeline[len(timeline)-1]; last.Kind != tocsin.TimelineResolved || last.Message != "its service was deleted" {
			t.Fatalf("last timeline line: %+v", last)
		}
	})
}

// A tool that calls a wrong URL or method gets JSON it can log, not a web page.
func TestNoSuchEndpoint(t *testing.T) {
	e := start(t, "sqlite", tocsin.IntegrationGeneric)
	cases := []struct {
		method, path string
		status       int
		allow        string // for a 405: the methods the path takes
	}{
		{"GET", "/v2/enqueue", http.StatusMethodNotAllowed, "POST"},
		{"PUT", "/v2/enqueue", http.StatusMethodNotAllowed, "POST"},
		{"DELETE", "/v2/change/enqueue", http.StatusMethodNotAllowed, "POST"},
		{"PUT", "/v2/alerts", http.StatusMethodNotAllowed, "POST"},
		{"PUT", "/v2/alerts/1/close", http.StatusMethodNotAllowed, "POST"},
		{"POST", "/v2/alerts/1/message", http.StatusMethodNotAllowed, "PUT"},
		{"GET", "/v2/alerts/1/description", http.StatusMethodNotAllowed, "PUT"},
		{"POST", "/v2/alerts/requests/abc", http.StatusMethodNotAllowed, "GET"},
		{"DELETE", "/v2/heartbeats/nightly/ping", http.StatusMethodNotAllowed, "GET, POST, PUT, PATCH"},
		{"GET", "/hooks/grafana/" + e.key, http.StatusMethodNotAllowed, "POST, PUT"},
		{"GET", "/hooks/grafana", http.StatusMethodNotAllowed, "POST, PUT"},
		{"PUT", "/hooks/alertmanager", http.StatusMethodNotAllowed, "POST"},
		{"PUT", "/hooks/generic/" + e.key, http.StatusMethodNotAllowed, "POST"},
		{"POST", "/v2/nothing", http.StatusNotFound, ""},
		{"GET", "/v2/nothing", http.StatusNotFound, ""},
		{"POST", "/v2/enqueue/", http.StatusNotFound, ""},
		{"POST", "/v2/alerts/1/explode", http.StatusNotFound, ""},
		{"POST", "/hooks/nothing/x/y", http.StatusNotFound, ""},
		{"POST", "/hooks/nothing", http.StatusNotFound, ""},
	}
	for _, c := range cases {
		r := e.do(c.method, c.path, nil)
		if r.status != c.status || r.header.Get("Allow") != c.allow || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || !strings.Contains(r.String(), "docs/ingest.md") {
			t.Errorf("%s %s: %d, Allow %q, %s %s", c.method, c.path, r.status, r.header.Get("Allow"), r.header.Get("Content-Type"), r)
		}
	}
}
