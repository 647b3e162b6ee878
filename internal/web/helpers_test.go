package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

const testPassword = "correct horse battery"

// browser is an HTTP client with a cookie jar that does not follow redirects,
// so tests see the 303s that the pages answer.
type browser struct {
	t    *testing.T
	app  *testkit.App
	http *http.Client
}

func newBrowser(t *testing.T, app *testkit.App) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := app.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, app: app, http: c}
}

// page is a response read whole.
type page struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{Status: resp.StatusCode, Body: string(body), Location: resp.Header.Get("Location"), Header: resp.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.app.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form; headers are extra "Name: value" pairs.
func (b *browser) post(path string, form url.Values, headers ...string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.app.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return b.do(req)
}

// follow gets the page a redirect points to.
func (b *browser) follow(p page) page {
	b.t.Helper()
	if p.Status != http.StatusSeeOther && p.Status != http.StatusFound {
		b.t.Fatalf("want a redirect, got %d: %s", p.Status, excerpt(p.Body))
	}
	return b.get(p.Location)
}

func (b *browser) login(email string) {
	b.t.Helper()
	p := b.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("login %s: status %d: %s", email, p.Status, excerpt(p.Body))
	}
}

// sessionToken is the value of the browser's session cookie.
func (b *browser) sessionToken() string {
	u, _ := url.Parse(b.app.URL)
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == "tocsin_session" {
			return c.Value
		}
	}
	return ""
}

// fixture is an app with one user of each role and an integration on a service.
type fixture struct {
	app                   *testkit.App
	admin, member, viewer *tocsin.User
	service               *tocsin.Service
	integration           *tocsin.Integration
	key                   string
}

func newFixture(t *testing.T, engine string, edit ...func(*config.Config)) *fixture {
	t.Helper()
	app := testkit.Start(t, engine, edit...)
	f := &fixture{app: app}
	f.admin = app.CreateUser("ada@example.com", "Ada Admin", tocsin.RoleAdmin, testPassword)
	f.member = app.CreateUser("max@example.com", "Max Member", tocsin.RoleMember, testPassword)
	f.viewer = app.CreateUser("vic@example.com", "Vic Viewer", tocsin.RoleViewer, testPassword)
	f.service = app.Service("payments", "checkout")
	f.integration, f.key = app.Integration(tocsin.IntegrationGeneric, f.service.ID)
	return f
}

// withEmailRelay gives the app a real SMTP relay, as e-mail subscribers need.
func withEmailRelay(t *testing.T) func(*config.Config) {
	relay := testkit.StartSMTP(t)
	return func(c *config.Config) {
		c.Providers.SMTPHost, c.Providers.SMTPPort, c.Providers.SMTPTLS, c.Providers.SMTPFrom = relay.Host, relay.Port, "none", "status@example.com"
	}
}

// trigger submits one alert through the pipeline and returns its number.
func (f *fixture) trigger(t *testing.T, e tocsin.AlertEvent) int64 {
	t.Helper()
	e.Action = tocsin.ActionTrigger
	if e.Channel == "" {
		e.Channel = tocsin.ChannelGeneric
	}
	res, err := f.app.Pipeline.Submit(context.Background(), f.integration, []tocsin.AlertEvent{e})
	if err != nil {
		t.Fatal(err)
	}
	return res[0].AlertID
}

func excerpt(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q:\n%s", w, excerpt(body))
		}
	}
}

func mustNotContain(t *testing.T, body string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(body, w) {
			i := strings.Index(body, w)
			t.Errorf("page contains %q near: %s", w, body[max(0, i-200):min(len(body), i+200)])
		}
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func storeAction(a tocsin.EventAction) store.AlertAction {
	return store.AlertAction{Action: a, Actor: "Test", Channel: tocsin.ChannelCLI}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
