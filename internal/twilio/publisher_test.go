package twilio_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/app"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/testkit"
	"github.com/tocsin/tocsin/internal/twilio"
)

// staticHost is a fake bucket: it stores what is PUT under /bucket/ and
// serves it back on GET, like any static host would.
type staticHost struct {
	mu      sync.Mutex
	docs    map[string][]byte
	puts    map[string]int
	changed chan struct{}
}

func newStaticHost() *staticHost {
	return &staticHost{docs: map[string][]byte{}, puts: map[string]int{}, changed: make(chan struct{}, 1)}
}

func (h *staticHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/bucket/")
	if !ok || name == "" || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodPut:
		body, err := io.ReadAll(r.Body)
		if err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml") {
			http.Error(w, "bad upload", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.docs[name] = body
		h.puts[name]++
		h.mu.Unlock()
		select {
		case h.changed <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusCreated)
	case http.MethodGet:
		h.mu.Lock()
		body, ok := h.docs[name]
		h.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write(body)
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

func (h *staticHost) get(name string) ([]byte, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.docs[name], h.puts[name]
}

// waitFor waits until the host holds a document that satisfies ok: the
// publisher works in the background, so the test waits on the condition.
func (h *staticHost) waitFor(t *testing.T, name string, ok func(doc) bool) doc {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		if body, _ := h.get(name); body != nil {
			if d := parseDoc(t, body); ok(d) {
				return d
			}
		}
		select {
		case <-h.changed:
		case <-deadline:
			body, _ := h.get(name)
			t.Fatalf("%s never became right; last published:\n%s", name, body)
		}
	}
}

// stoppable is a whole Tocsin that the test can stop, like a crashed host.
type stoppable struct {
	*app.App
	URL   string
	Clock *testkit.Clock
	stop  func()
}

func startStoppable(t *testing.T, edit func(*config.Config)) *stoppable {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.RateLimit = t.TempDir(), 0
	edit(&cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen, cfg.PublicURL = ln.Addr().String(), "http://"+ln.Addr().String()
	clock := testkit.NewClock(testkit.Epoch)
	var out io.Writer = io.Discard
	if os.Getenv("TOCSIN_TEST_LOG") != "" {
		out = os.Stderr
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(out, nil)), clock)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	var once sync.Once
	s := &stoppable{App: a, URL: cfg.PublicURL, Clock: clock}
	s.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("app stopped with: %v", err)
			}
			a.Close()
		})
	}
	t.Cleanup(s.stop)
	return s
}

// fakeTwilioCall does what Twilio does for a call to the number: POST the
// voice URL, signed; when that fails (no answer, an error status, not
// TwiML), GET the fallback URL with the call's parameters and ErrorCode.
func fakeTwilioCall(t *testing.T, voiceURL, fallbackURL string) (d doc, from string) {
	t.Helper()
	params := callParams()
	m := map[string]string{}
	for k := range params {
		m[k] = params.Get(k)
	}
	req, _ := http.NewRequest(http.MethodPost, voiceURL, strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", specSignature(authToken, voiceURL, m))
	client := &http.Client{Timeout: 5 * time.Second}
	if res, err := client.Do(req); err == nil {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK && strings.HasPrefix(res.Header.Get("Content-Type"), "text/xml") {
			return parseDoc(t, body), "primary"
		}
	}
	params.Set("ErrorCode", "11200")
	params.Set("ErrorUrl", voiceURL)
	res, err := client.Get(fallbackURL + "?" + params.Encode())
	if err != nil {
		t.Fatalf("fallback URL: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("fallback URL: %d %s", res.StatusCode, body)
	}
	return parseDoc(t, body), "fallback"
}

func TestFallbackWhenTocsinIsDown(t *testing.T) {
	host := newStaticHost()
	bucket := httptest.NewServer(host)
	defer bucket.Close()
	dir := t.TempDir()
	files := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer files.Close()

	a := startStoppable(t, func(c *config.Config) {
		c.TwilioAuthToken, c.OncallFallback, c.TwilioRing = authToken, fallback, 25
		c.TwiMLPublishDir, c.TwiMLPublishURL = dir, bucket.URL+"/bucket"
	})
	ppl := addPeopleTo(t, a.DB, a.Clock.Now())
	// Created after the start: the schedules' change counter triggers the publication.
	s := addSchedule(t, a.DB, "payments", "", "2026-11-02", ppl, a.Clock.Now())
	voiceDoc, smsDoc := twilio.VoiceDocument(s.ID), twilio.SMSDocument(s.ID)

	// Week 1: Alice (primary), then Bob (secondary), then the fallback number.
	d := host.waitFor(t, voiceDoc, func(d doc) bool { return len(d.dialled()) > 0 })
	if got := d.dialled(); !slices.Equal(got, []string{alicePhone, bobPhone, fallback}) {
		t.Fatalf("published dials %v", got)
	}
	for _, dial := range d.only("Dial") {
		if dial.attr("timeout") != "25" || dial.attr("action") != "" {
			t.Errorf("a static dial rings --twilio-ring-timeout and calls nothing back: %+v", dial.Attrs)
		}
	}
	if d.only("Say")[0].attr("language") != "en-US" || d.Verbs[len(d.Verbs)-1].XMLName.Local != "Hangup" {
		t.Errorf("published voice document: %s", d.names())
	}
	sms := host.waitFor(t, smsDoc, func(d doc) bool { return len(d.only("Message")) == 1 })
	if m := sms.only("Message")[0]; m.attr("to") != alicePhone || !strings.Contains(m.Text, "Twilio console") {
		t.Errorf("published SMS document: %+v", m)
	}

	// Another schedule changes: its documents appear, the first ones are not sent again.
	fr := addSchedule(t, a.DB, "astreinte", "fr", "2026-11-02", ppl, a.Clock.Now())
	d = host.waitFor(t, twilio.VoiceDocument(fr.ID), func(d doc) bool { return len(d.dialled()) > 0 })
	if !strings.Contains(d.says(), "personne d'astreinte") {
		t.Errorf("French schedule, published: %s", d.says())
	}
	if _, puts := host.get(voiceDoc); puts != 1 {
		t.Errorf("an unchanged document was sent %d times", puts)
	}
	// An hour on, it is sent again all the same: the host may have lost it.
	a.Clock.Advance(61 * time.Minute)
	deadline := time.After(15 * time.Second)
	for _, puts := host.get(voiceDoc); puts < 2; _, puts = host.get(voiceDoc) {
		select {
		case <-host.changed:
		case <-deadline:
			t.Fatalf("an unchanged document was not sent again after an hour (%d puts)", puts)
		}
	}

	// While Tocsin is up, Twilio gets the live answer.
	live := a.URL + "/twilio/voice/oncall/payments"
	if d, from := fakeTwilioCall(t, live, bucket.URL+"/bucket/"+voiceDoc); from != "primary" || !slices.Equal(d.dialled(), []string{alicePhone}) {
		t.Fatalf("Tocsin up: answered by %s, dials %v", from, d.dialled())
	}

	// The handoff: Monday 9 November, 09:00 in Paris. The clock reaching it republishes.
	a.Clock.Set(time.Date(2026, 11, 9, 8, 0, 0, 0, time.UTC))
	host.waitFor(t, voiceDoc, func(d doc) bool { return slices.Equal(d.dialled(), []string{bobPhone, alicePhone, fallback}) })
	host.waitFor(t, smsDoc, func(d doc) bool { return d.only("Message")[0].attr("to") == bobPhone })

	// Tocsin goes down. Twilio's fallback URL still reaches the person on call,
	// from the bucket and from the folder served by any static host.
	a.stop()
	for _, fallbackURL := range []string{bucket.URL + "/bucket/" + voiceDoc, files.URL + "/" + voiceDoc} {
		d, from := fakeTwilioCall(t, live, fallbackURL)
		if from != "fallback" || !slices.Equal(d.dialled(), []string{bobPhone, alicePhone, fallback}) {
			t.Errorf("Tocsin down, %s: answered by %s, dials %v", fallbackURL, from, d.dialled())
		}
		if !strings.Contains(d.says(), "person on call") {
			t.Errorf("Tocsin down: says %q", d.says())
		}
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, voiceDoc))
	bucketCopy, _ := host.get(voiceDoc)
	if err != nil || string(onDisk) != string(bucketCopy) {
		t.Errorf("the folder and the bucket differ: %v", err)
	}
}

func TestPublishErrorsHideCredentials(t *testing.T) {
	a := testkit.Start(t, "sqlite")
	ppl := addPeople(t, a)
	addSchedule(t, a.DB, "payments", "", "2026-11-02", ppl, a.Clock.Now())
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != "tocsin" || pass != "hunter2-secret" {
			t.Errorf("credentials in the URL are not sent as Basic auth: %q %q", user, pass)
		}
		http.Error(w, "read-only bucket", http.StatusForbidden)
	}))
	defer refuse.Close()
	u, _ := url.Parse(refuse.URL)
	u.User = url.UserPassword("tocsin", "hunter2-secret")
	p := twilio.NewPublisher(twilio.PublisherOptions{DB: a.DB, Clock: a.Clock, URL: u.String() + "/docs", Ring: 20})
	if _, err := p.Publish(t.Context(), a.Clock.Now()); err == nil || !strings.Contains(err.Error(), "403") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("publish to a refusing bucket: %v", err)
	}
	u.Host = "127.0.0.1:1" // nothing listens there
	p = twilio.NewPublisher(twilio.PublisherOptions{DB: a.DB, Clock: a.Clock, URL: u.String(), Ring: 20})
	if _, err := p.Publish(t.Context(), a.Clock.Now()); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("publish to nowhere: %v", err)
	}
}
