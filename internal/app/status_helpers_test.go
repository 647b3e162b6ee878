package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/app"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// statusApp is Tocsin running in-process, as testkit.Start runs it, with
// its log kept (publishing is seen there) and a Stop: the off-site copy is
// read with Tocsin stopped.
type statusApp struct {
	*app.App
	URL   string
	Clock *testkit.Clock
	Logs  *logRecorder
	stop  sync.Once
	end   func()
}

func startStatusApp(t *testing.T, engine string, edit func(*config.Config)) *statusApp {
	t.Helper()
	cfg := config.Default()
	if engine == "sqlite" {
		cfg.DataDir = t.TempDir()
	} else {
		cfg.DatabaseURL = testkit.DatabaseURL(t, engine)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen, cfg.PublicURL = ln.Addr().String(), "http://"+ln.Addr().String()
	// A relay, as a page that takes e-mail subscribers needs.
	relay := testkit.StartSMTP(t)
	cfg.Providers.SMTPHost, cfg.Providers.SMTPPort, cfg.Providers.SMTPTLS, cfg.Providers.SMTPFrom = relay.Host, relay.Port, "none", "status@example.com"
	if edit != nil {
		edit(&cfg)
	}
	logs := newLogRecorder()
	clock := testkit.NewClock(testkit.Epoch)
	a, err := app.Open(context.Background(), cfg, slog.New(logs), clock)
	if err != nil {
		ln.Close()
		t.Fatalf("open app: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	s := &statusApp{App: a, URL: cfg.PublicURL, Clock: clock, Logs: logs}
	s.end = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("app stopped with: %v", err)
		}
		a.Close()
	}
	t.Cleanup(s.Stop)
	return s
}

// Stop shuts Tocsin down and waits until it has.
func (s *statusApp) Stop() { s.stop.Do(s.end) }

// get fetches a URL with an optional Host header; it returns the response
// and its body.
func get(t *testing.T, url, host string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// seedStatus gives the page a group of two components and an open incident
// degrading one of them.
func seedStatus(t *testing.T, db *store.DB, now time.Time) (*tocsin.StatusIncident, map[string]*tocsin.Component) {
	t.Helper()
	ctx := context.Background()
	page, err := db.StatusPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	page.Name = "Acme status"
	if err := db.SaveStatusPage(ctx, page, 0, now); err != nil {
		t.Fatal(err)
	}
	comps := map[string]*tocsin.Component{}
	group := &tocsin.Component{Name: "Platform", Group: true, Showcase: true}
	if err := db.CreateComponent(ctx, group, 0, now); err != nil {
		t.Fatal(err)
	}
	comps["Platform"] = group
	for _, name := range []string{"API", "Website"} {
		c := &tocsin.Component{Name: name, GroupID: group.ID, Showcase: true}
		if err := db.CreateComponent(ctx, c, 0, now); err != nil {
			t.Fatal(err)
		}
		comps[name] = c
	}
	inc := &tocsin.StatusIncident{Name: "Checkout errors for some customers", Impact: tocsin.ImpactMajor}
	first := &tocsin.StatusUpdate{Status: tocsin.IncidentInvestigating, Body: "Some API calls fail with **502**; we are looking into it.",
		Changes: []tocsin.ComponentChange{{ComponentID: comps["API"].ID, New: tocsin.ComponentPartial}}}
	if err := db.CreateStatusIncident(ctx, inc, first, 0, now); err != nil {
		t.Fatal(err)
	}
	return inc, comps
}

// logRecorder keeps what the app logs at info and above, and wakes waiters.
type logRecorder struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

func newLogRecorder() *logRecorder { return &logRecorder{changed: make(chan struct{})} }

func (l *logRecorder) Enabled(_ context.Context, level slog.Level) bool {
	return level >= slog.LevelInfo
}

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	return nil
}

func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// wait returns once done holds, checking it after each new log line.
func (l *logRecorder) wait(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		ch := l.changed
		l.mu.Unlock()
		if done() {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("waited for %s; the log says:\n%s", what, strings.Join(l.lines, "\n"))
		}
	}
}

// has reports whether a line holds every one of the words.
func (l *logRecorder) has(words ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all {
			return true
		}
	}
	return false
}

// all returns the lines so far.
func (l *logRecorder) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}
