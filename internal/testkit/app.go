package testkit

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/app"
	"github.com/tocsin/tocsin/internal/config"
)

// Epoch is where test clocks start: a Monday morning in Paris.
var Epoch = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// App is the whole Tocsin running in-process on a loopback port, on a fake clock.
type App struct {
	*app.App
	URL   string // http://127.0.0.1:PORT
	Clock *Clock
	t     testing.TB
}

// Start boots Tocsin on a fresh database of the engine; it stops when the test
// ends. edit, when given, adjusts the configuration first.
func Start(t testing.TB, engine string, edit ...func(*config.Config)) *App {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	if engine == "sqlite" {
		cfg.DataDir = t.TempDir()
	} else {
		cfg.DatabaseURL = DatabaseURL(t, engine)
	}
	cfg.RateLimit = 0
	for _, e := range edit {
		e(&cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.PublicURL = "http://" + ln.Addr().String()
	clock := NewClock(Epoch)
	var out io.Writer = io.Discard
	if os.Getenv("TOCSIN_TEST_LOG") != "" {
		out = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.Open(context.Background(), cfg, log, clock)
	if err != nil {
		ln.Close()
		t.Fatalf("open app: %v", err)
	}
	clock.OnMove(a.Engine.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("app stopped with: %v", err)
		}
		a.Close()
	})
	return &App{App: a, URL: cfg.PublicURL, Clock: clock, t: t}
}

// CreateUser adds a user with a password and returns it.
func (a *App) CreateUser(email, name string, role tocsin.Role, password string) *tocsin.User {
	a.t.Helper()
	u := &tocsin.User{Email: email, Name: name, Role: role}
	if err := a.DB.CreateUser(context.Background(), u, password, a.Clock.Now()); err != nil {
		a.t.Fatal(err)
	}
	return u
}

// Token returns a new API token for a user.
func (a *App) Token(u *tocsin.User) string {
	a.t.Helper()
	_, token, err := a.DB.CreateAPIToken(context.Background(), u.ID, "test", a.Clock.Now())
	if err != nil {
		a.t.Fatal(err)
	}
	return token
}

// Service creates a team and a service owned by it.
func (a *App) Service(team, name string) *tocsin.Service {
	a.t.Helper()
	ctx := context.Background()
	t, err := a.DB.TeamByName(ctx, team)
	if err != nil {
		t = &tocsin.Team{Name: team}
		if err := a.DB.CreateTeam(ctx, t, a.Clock.Now()); err != nil {
			a.t.Fatal(err)
		}
	}
	s := &tocsin.Service{Name: name, TeamID: t.ID}
	if err := a.DB.CreateService(ctx, s, a.Clock.Now()); err != nil {
		a.t.Fatal(err)
	}
	return s
}

// Integration adds an integration of a format to a service (0: global) and returns it with its key.
func (a *App) Integration(typ tocsin.IntegrationType, serviceID int64) (*tocsin.Integration, string) {
	a.t.Helper()
	existing, err := a.DB.Integrations(context.Background(), 0)
	if err != nil {
		a.t.Fatal(err)
	}
	i := &tocsin.Integration{Name: fmt.Sprintf("%s-%d", typ, len(existing)+1), Type: typ, ServiceID: serviceID}
	key, err := a.DB.CreateIntegration(context.Background(), i, "", a.Clock.Now())
	if err != nil {
		a.t.Fatal(err)
	}
	return i, key
}

// Client is an HTTP client for talking to the app.
func (a *App) Client() *http.Client { return &http.Client{Timeout: 30 * time.Second} }
