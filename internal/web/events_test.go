package web_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
	"github.com/tocsin/tocsin/internal/web"
)

// stream is an open /events connection read line by line.
type stream struct {
	t    *testing.T
	r    *bufio.Reader
	resp *http.Response
}

func openStream(t *testing.T, b *browser, ctx context.Context) *stream {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.app.URL+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("/events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &stream{t: t, r: bufio.NewReader(resp.Body), resp: resp}
	s.until(": connected")
	return s
}

// until reads lines until one starts with prefix and returns it; the request's
// context deadline bounds the wait.
func (s *stream) until(prefix string) string {
	s.t.Helper()
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Fatalf("stream ended before %q: %v", prefix, err)
		}
		if strings.HasPrefix(line, prefix) {
			return strings.TrimSpace(line)
		}
	}
}

func TestEventsAnnounceNewAlerts(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		b := newBrowser(t, f.app)
		b.login("vic@example.com")
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		s := openStream(t, b, ctx)

		// An alert committed in this process is announced at once (Notify).
		f.trigger(t, tocsin.AlertEvent{Summary: "new one", DedupKey: "n1"})
		s.until("event: alerts")
		if data := s.until("data: "); data == "data: 0" {
			t.Errorf("event without a version: %q", data)
		}

	})
}

// A second web handler on the same database stands for another tocsin process:
// nothing calls its Notify, so only its counter poll can tell its pages.
func TestEventsFromAnotherProcess(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		other, err := web.New(web.Options{DB: f.app.DB, Clock: f.app.Clock, Pipeline: f.app.Pipeline, PublicURL: f.app.URL})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		other.Routes(mux)
		srv := httptest.NewServer(mux)
		runCtx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { other.Run(runCtx); close(done) }()
		t.Cleanup(func() { stop(); <-done; srv.Close() })

		b := newBrowser(t, f.app)
		b.login("vic@example.com")
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events", nil)
		req.AddCookie(&http.Cookie{Name: "tocsin_session", Value: b.sessionToken()})
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("other process /events: %d (the session should be valid there too)", resp.StatusCode)
		}
		s := &stream{t: t, r: bufio.NewReader(resp.Body), resp: resp}
		s.until(": connected")
		id := f.trigger(t, tocsin.AlertEvent{Summary: "from process one", DedupKey: "p1"})
		s.until("event: alerts")
		if _, err := f.app.DB.ActOnAlerts(context.Background(), []int64{id}, storeAction(tocsin.ActionAcknowledge), f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		s.until("event: alerts")

		// Ending Run closes the streams, so that a server can shut down.
		stop()
		<-done
		if _, err := io.ReadAll(resp.Body); err != nil {
			t.Fatalf("stream did not end cleanly: %v", err)
		}
	})
}

func TestEventsNeedASession(t *testing.T) {
	f := newFixture(t, "sqlite")
	b := newBrowser(t, f.app)
	if p := b.get("/events"); p.Status != http.StatusUnauthorized {
		t.Fatalf("signed-out /events: %d", p.Status)
	}
	b.login("vic@example.com")
	if p := b.get("/alerts?fragment=1"); p.Status != http.StatusOK {
		t.Fatalf("fragment: %d", p.Status)
	}
	b.post("/logout", nil)
	// A live page whose session ended gets 401 on its refresh, not the login form.
	if p := b.get("/alerts?fragment=1"); p.Status != http.StatusUnauthorized {
		t.Fatalf("signed-out fragment: %d", p.Status)
	}
}
