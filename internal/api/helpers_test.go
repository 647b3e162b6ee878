package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// env is a running Tocsin with three users, one per role, and their tokens.
// Every reply it receives is checked against the served OpenAPI document.
type env struct {
	t      *testing.T
	app    *testkit.App
	spec   *spec
	admin  *tocsin.User
	member *tocsin.User
	viewer *tocsin.User
	tokens map[*tocsin.User]string
}

func start(t *testing.T, engine string) *env {
	t.Helper()
	a := testkit.Start(t, engine)
	e := &env{t: t, app: a, tokens: map[*tocsin.User]string{}}
	e.admin = a.CreateUser("admin@example.com", "Ada Admin", tocsin.RoleAdmin, "correct horse battery")
	e.member = a.CreateUser("alice@example.com", "Alice Martin", tocsin.RoleMember, "correct horse battery")
	e.viewer = a.CreateUser("victor@example.com", "Victor Viewer", tocsin.RoleViewer, "correct horse battery")
	for _, u := range []*tocsin.User{e.admin, e.member, e.viewer} {
		e.tokens[u] = a.Token(u)
	}
	// The document is served without a token; its replies are the contract.
	res, err := a.Client().Get(a.URL + "/api/v1/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "yaml") {
		t.Fatalf("GET /api/v1/openapi.yaml: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	e.spec = parseSpec(t, string(doc))
	return e
}

// reply is what one API call answered.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// call sends a request as user (nil: no token). body is nil, a string sent as
// is, or a value sent as JSON.
func (e *env) call(u *tocsin.User, method, path string, body any) reply {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.app.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u != nil {
		req.Header.Set("Authorization", "Bearer "+e.tokens[u])
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) reply {
	e.t.Helper()
	res, err := e.app.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := reply{status: res.StatusCode, header: res.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			e.t.Fatalf("%s %s: reply is not a JSON object: %v: %s", req.Method, req.URL.Path, err, raw)
		}
	}
	if strings.HasPrefix(req.URL.Path, "/api/v1/") && res.StatusCode != http.StatusMethodNotAllowed && !(res.StatusCode == http.StatusNotFound && e.spec.match(req.URL.Path) == "") {
		for _, p := range e.spec.check(req.Method, req.URL.Path, res.StatusCode, raw) {
			e.t.Errorf("reply departs from openapi.yaml: %s", p)
		}
	}
	return out
}

// must calls and fails the test unless the status is want; it returns the body.
func (e *env) must(u *tocsin.User, method, path string, body any, want int) map[string]any {
	e.t.Helper()
	r := e.call(u, method, path, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.raw)
	}
	return r.body
}

// fails calls, expects an error status with a code, and a message containing each of words.
func (e *env) fails(u *tocsin.User, method, path string, body any, want int, code string, words ...string) string {
	e.t.Helper()
	r := e.call(u, method, path, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.raw)
	}
	errObj, _ := r.body["error"].(map[string]any)
	if errObj == nil {
		e.t.Fatalf("%s %s: no error object in %s", method, path, r.raw)
	}
	if errObj["code"] != code {
		e.t.Errorf("%s %s: error code %v, want %s", method, path, errObj["code"], code)
	}
	msg, _ := errObj["message"].(string)
	for _, w := range words {
		if !strings.Contains(msg, w) {
			e.t.Errorf("%s %s: message %q does not mention %q", method, path, msg, w)
		}
	}
	return msg
}

// trigger opens alerts through the pipeline, as an ingest endpoint would.
func (e *env) trigger(integ *tocsin.Integration, events ...tocsin.AlertEvent) []int64 {
	e.t.Helper()
	for i := range events {
		if events[i].Action == "" {
			events[i].Action = tocsin.ActionTrigger
		}
		if events[i].Channel == "" {
			events[i].Channel = tocsin.ChannelGeneric
		}
	}
	results, err := e.app.Pipeline.Submit(context.Background(), integ, events)
	if err != nil {
		e.t.Fatal(err)
	}
	ids := make([]int64, len(results))
	for i, r := range results {
		ids[i] = r.AlertID
	}
	return ids
}

// integration returns the live integration of a key, as ingest sees it.
func (e *env) integration(key string) (*tocsin.Integration, error) {
	return e.app.Pipeline.Authenticate(context.Background(), key)
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func num(m map[string]any, k string) int64 {
	f, _ := m[k].(float64)
	return int64(f)
}

func obj(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}

func list(m map[string]any, k string) []map[string]any {
	var out []map[string]any
	for _, v := range m[k].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func idsOf(items []map[string]any) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = num(it, "id")
	}
	return out
}

func v1(format string, args ...any) string { return fmt.Sprintf("/api/v1"+format, args...) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
