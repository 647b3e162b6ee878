package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer answers /v2/enqueue like Tocsin, refusing every refuseEvery-th
// event with 429 when refuseEvery > 0, and remembers what it accepted.
type fakeServer struct {
	t           *testing.T
	refuseEvery int
	mu          sync.Mutex
	requests    int
	accepted    []string
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue" {
		http.NotFound(w, r)
		return
	}
	var ev struct {
		RoutingKey  string `json:"routing_key"`
		EventAction string `json:"event_action"`
		DedupKey    string `json:"dedup_key"`
		Payload     struct {
			Summary, Source, Severity string
		} `json:"payload"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &ev); err != nil {
		f.t.Errorf("body is not JSON: %v: %s", err, body)
	}
	if ev.RoutingKey != "k1" && ev.RoutingKey != "k2" || ev.EventAction != "trigger" || ev.DedupKey == "" ||
		ev.Payload.Summary == "" || ev.Payload.Source == "" || ev.Payload.Severity == "" {
		f.t.Errorf("incomplete PagerDuty event: %s", body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.refuseEvery > 0 && f.requests%f.refuseEvery == 0 {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	f.accepted = append(f.accepted, ev.DedupKey)
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]string{"status": "success", "message": "Event processed", "dedup_key": ev.DedupKey})
}

func start(t *testing.T, refuseEvery int) (*fakeServer, string) {
	f := &fakeServer{t: t, refuseEvery: refuseEvery}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func testConfig(url string) config {
	return config{URL: url + "/v2/enqueue", Keys: []string{"k1", "k2"}, Mode: "new", RepeatKeys: 5, Clients: 4,
		Duration: 150 * time.Millisecond, MaxEvents: 1_000_000, Timeout: 5 * time.Second, RecordAcked: true}
}

func TestNewModeSendsDistinctKeysAndReportsEveryAcceptedOne(t *testing.T) {
	f, url := start(t, 0)
	res, err := generate(context.Background(), testConfig(url))
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted == 0 || int(res.Accepted) != len(f.accepted) || len(res.Acked) != len(f.accepted) {
		t.Fatalf("accepted %d, acked %d, server accepted %d", res.Accepted, len(res.Acked), len(f.accepted))
	}
	seen := map[string]bool{}
	for _, k := range f.accepted {
		if seen[k] {
			t.Fatalf("dedup key %q sent twice in new mode", k)
		}
		seen[k] = true
	}
	for _, k := range res.Acked {
		if !seen[k] {
			t.Fatalf("reported %q as acknowledged, but the server never accepted it", k)
		}
	}
	if len(res.Latencies) != int(res.Accepted) || res.Percentile(50) <= 0 || res.Percentile(100) < res.Percentile(99) {
		t.Fatalf("latencies: %d for %d accepted, p50 %s p99 %s max %s", len(res.Latencies), res.Accepted, res.Percentile(50), res.Percentile(99), res.Percentile(100))
	}
	if res.Throughput() <= 0 {
		t.Fatalf("throughput %f", res.Throughput())
	}
}

func TestRepeatModeReusesTheSameKeys(t *testing.T) {
	f, url := start(t, 0)
	c := testConfig(url)
	c.Mode = "repeat"
	if _, err := generate(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{}
	for _, k := range f.accepted {
		distinct[k] = true
	}
	if len(f.accepted) <= c.RepeatKeys || len(distinct) > c.RepeatKeys {
		t.Fatalf("%d events over %d distinct keys, want many events over at most %d", len(f.accepted), len(distinct), c.RepeatKeys)
	}
}

func TestRefusedEventsAreCountedByStatusAndNotAcked(t *testing.T) {
	f, url := start(t, 3)
	c := testConfig(url)
	c.Clients = 1
	c.MaxEvents = 30
	res, err := generate(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 30 || !res.HitMax {
		t.Fatalf("sent %d (hit max %v), want exactly -max-events 30", res.Sent, res.HitMax)
	}
	if res.Status[429] != 10 || res.Accepted != 20 || len(res.Acked) != len(f.accepted) {
		t.Fatalf("status counts %v, acked %d; want 20 accepted and 10 refused", res.Status, len(res.Acked))
	}
	if !strings.Contains(res.failureText(), "429: 10") {
		t.Fatalf("failure text %q does not name the 429s", res.failureText())
	}
}

func TestOpenLoopKeepsToTheRate(t *testing.T) {
	f, url := start(t, 0)
	c := testConfig(url)
	c.Rate = 200
	c.Duration = 200 * time.Millisecond
	if _, err := generate(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	// 200/s for 0.2 s is 40 events, however fast the server answers.
	if n := len(f.accepted); n < 20 || n > 41 {
		t.Fatalf("%d events sent at 200/s over 0.2 s, want about 40", n)
	}
}

func TestRefusesNonLoopbackServers(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1", "localhost"} {
		if err := checkLoopback(host); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	for _, host := range []string{"192.0.2.1", "10.1.2.3", "2001:db8::1"} {
		if err := checkLoopback(host); err == nil {
			t.Errorf("%s accepted as loopback", host)
		}
	}
	var out bytes.Buffer
	err := run([]string{"-url", "http://192.0.2.1:8080", "-key", "k1", "-duration", "1s"}, &out)
	if err == nil || !strings.Contains(err.Error(), "-allow-remote") {
		t.Fatalf("run against a remote URL: %v", err)
	}
	if err := loopbackOnly("tcp", "192.0.2.1:80", nil); err == nil {
		t.Fatal("dialer would connect to a remote address")
	}
}

func TestFlagsAreChecked(t *testing.T) {
	for _, args := range [][]string{
		{"-mode", "new"}, // no key
		{"-key", "k", "-mode", "sideways"},
		{"-key", "k", "-clients", "0"},
		{"-key", "k", "-duration", "2h"},
		{"-key", "k", "-rate", "-1"},
	} {
		if err := run(args, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
