package ingest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// heartbeat adds a heartbeat to the env's service: every hour, 5 minutes of grace.
func (e *env) heartbeat(name string) *tocsin.Heartbeat {
	e.t.Helper()
	hb := &tocsin.Heartbeat{Name: name, ServiceID: e.service.ID, Period: time.Hour, Grace: 5 * time.Minute}
	if err := e.app.DB.CreateHeartbeat(context.Background(), hb, e.app.Clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	return hb
}

func (e *env) reload(hb *tocsin.Heartbeat) *tocsin.Heartbeat {
	e.t.Helper()
	got, err := e.app.DB.Heartbeat(context.Background(), hb.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// pingOK sends a ping a minute after the one before, and checks healthchecks.io's
// reply: 200, "OK" in plain text.
func (e *env) pingOK(method, path, body string) {
	e.t.Helper()
	e.app.Clock.Advance(time.Minute)
	var b any
	if body != "" {
		b = body
	}
	r := e.do(method, path, b)
	want := "OK"
	if method == http.MethodHead {
		want = ""
	}
	if r.status != http.StatusOK || r.String() != want || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") || r.header.Get("Ping-Body-Limit") != "10000" {
		e.t.Fatalf("%s %s: %d %q %v", method, path, r.status, r, r.header)
	}
}

func TestHeartbeatPingURLs(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		e := start(t, engine, tocsin.IntegrationOpsgenie)
		hb := e.heartbeat("nightly-backup")
		url := "/ping/" + hb.UUID

		// Every method and suffix a cron job uses.
		e.pingOK("GET", url, "")
		e.pingOK("HEAD", url, "")
		e.pingOK("POST", url+"/start", "")
		if got := e.reload(hb); !got.Running() || got.State != tocsin.HeartbeatUp {
			t.Fatalf("after start: %+v", got)
		}
		e.pingOK("POST", url+"/log", "step 1 of 3 done")
		if got := e.reload(hb); got.LastPingKind != tocsin.PingLog || got.LastBody != "step 1 of 3 done" || !got.Running() {
			t.Fatalf("after log: %+v", got)
		}
		e.pingOK("GET", url+"/0", "")
		if got := e.reload(hb); got.State != tocsin.HeartbeatUp || got.Running() || countAlerts(t, e.app) != 0 {
			t.Fatalf("after exit 0: %+v", got)
		}

		// A non-zero exit status opens the alert at once, the POSTed output as its details.
		e.pingOK("POST", url+"/3", "pg_dump: connection refused")
		a := e.only()
		if a.Summary != "Heartbeat nightly-backup reported failure (exit status 3)" || a.Details != "pg_dump: connection refused" ||
			a.Status != tocsin.StatusTriggered || a.ServiceID != e.service.ID || a.Priority != tocsin.P2 {
			t.Fatalf("alert: %+v", a)
		}
		// The next success resolves it.
		e.pingOK("GET", url, "")
		if a, _ := e.app.DB.Alert(ctx, a.ID); a.Status != tocsin.StatusResolved {
			t.Fatalf("not resolved: %+v", a)
		}
		// /fail opens a new one.
		e.pingOK("GET", url+"/fail", "")
		if got := e.reload(hb); got.State != tocsin.HeartbeatDown || got.AlertID == a.ID || got.AlertID == 0 {
			t.Fatalf("after fail: %+v", got)
		}

		// Refused: an exit status out of range or not a number (400), an unknown
		// ping id (404), a method cron jobs do not use (405). Nothing is stored.
		before := e.reload(hb)
		for _, c := range []struct {
			method, path string
			status       int
			text         string
		}{
			{"GET", url + "/256", http.StatusBadRequest, "invalid url format"},
			{"GET", url + "/-1", http.StatusBadRequest, "invalid url format"},
			{"POST", url + "/restart", http.StatusBadRequest, "invalid url format"},
			{"GET", "/ping/00000000-0000-4000-8000-000000000000", http.StatusNotFound, "not found"},
			{"GET", "/ping/" + strings.Repeat("a", 100), http.StatusNotFound, "not found"},
			{"PUT", url, http.StatusMethodNotAllowed, "method not allowed"},
			{"GET", "/ping/", http.StatusNotFound, "not found"},
			{"GET", url + "/", http.StatusNotFound, "not found"},
			{"GET", url + "/3/x", http.StatusNotFound, "not found"},
		} {
			r := e.do(c.method, c.path, nil)
			if r.status != c.status || !strings.HasPrefix(r.String(), c.text) || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
				t.Errorf("%s %s: %d %q, want %d %q", c.method, c.path, r.status, r, c.status, c.text)
			}
		}
		if got := e.reload(hb); !got.LastPingAt.Equal(before.LastPingAt) || got.LastPingKind != before.LastPingKind {
			t.Fatalf("a refused ping was recorded: %+v", got)
		}
	})
}

func TestHeartbeatMissedOverHTTP(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		e := start(t, engine, tocsin.IntegrationOpsgenie)
		hb := e.heartbeat("nightly-backup")
		e.pingOK("GET", "/ping/"+hb.UUID, "")

		// Period and grace pass without a ping: the engine's checks open one alert.
		e.app.Clock.Advance(time.Hour + 5*time.Minute + time.Second)
		for range 2 {
			if _, err := e.app.DB.CheckHeartbeats(ctx, e.app.Clock.Now()); err != nil {
				t.Fatal(err)
			}
			e.app.Clock.Advance(time.Minute)
		}
		a := e.only()
		if !strings.HasPrefix(a.Summary, "Heartbeat nightly-backup missed: no ping since ") || a.Status != tocsin.StatusTriggered {
			t.Fatalf("alert: %+v", a)
		}
		// The job runs again: resolved.
		e.pingOK("POST", "/ping/"+hb.UUID, "done")
		if a := e.only(); a.Status != tocsin.StatusResolved || a.ResolvedBy != "nightly-backup" {
			t.Fatalf("after the ping: %+v", a)
		}
	})
}

func TestOpsgenieHeartbeatPing(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationOpsgenie)
		hb := e.heartbeat("watchdog")
		auth := "GenieKey " + e.key

		for _, method := range []string{"GET", "POST", "PUT", "PATCH"} {
			r := e.do(method, "/v2/heartbeats/watchdog/ping", nil, "Authorization", auth)
			var reply struct {
				Result    string  `json:"result"`
				Took      float64 `json:"took"`
				RequestID string  `json:"requestId"`
			}
			r.decode(t, &reply)
			if r.status != http.StatusAccepted || reply.Result != "PONG - Heartbeat received" || reply.Took <= 0 || len(reply.RequestID) != 36 {
				t.Fatalf("%s: %d %s", method, r.status, r)
			}
		}
		if got := e.reload(hb); got.State != tocsin.HeartbeatUp || got.LastSuccessAt.IsZero() {
			t.Fatalf("not pinged: %+v", got)
		}

		// A heartbeat of another service is not reachable with this service's key,
		// but is with a global key.
		other := e.app.Service("payments", "reports")
		elsewhere := &tocsin.Heartbeat{Name: "weekly-report", ServiceID: other.ID, Period: 24 * time.Hour}
		if err := e.app.DB.CreateHeartbeat(context.Background(), elsewhere, e.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		_, globalKey := e.app.Integration(tocsin.IntegrationOpsgenie, 0)
		for _, c := range []struct {
			name, key string
			status    int
		}{
			{"nothing-here", e.key, http.StatusNotFound},
			{"weekly-report", e.key, http.StatusNotFound},
			{"weekly-report", globalKey, http.StatusAccepted},
			{"Watchdog", e.key, http.StatusAccepted}, // Opsgenie names are often capitalised
			{"watchdog", "", http.StatusUnauthorized},
			{"watchdog", "0123456789abcdef0123456789abcdef", http.StatusUnauthorized},
		} {
			headers := []string{}
			if c.key != "" {
				headers = append(headers, "Authorization", "GenieKey "+c.key)
			}
			r := e.do("POST", "/v2/heartbeats/"+c.name+"/ping", nil, headers...)
			var reply struct {
				Message   string `json:"message"`
				RequestID string `json:"requestId"`
			}
			r.decode(t, &reply)
			if r.status != c.status {
				t.Errorf("%s with key %.6s: %d %s, want %d", c.name, c.key, r.status, r, c.status)
			}
			if c.status == http.StatusNotFound && reply.Message != "Heartbeat with name ["+c.name+"] does not exist." {
				t.Errorf("%s: message %q", c.name, reply.Message)
			}
		}
	})
}
