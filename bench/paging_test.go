package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/testkit"
)

// BenchmarkPagingLatency measures alert accepted → first notification handed
// to the provider, over real HTTP at a steady rate and in a burst. The
// escalation policy pages a webhook, whose receiver timestamps each delivery,
// and a person (by SMS to a fake Twilio), so that the engine does the work of
// a real page: step, rules, outbox, throttling. It runs once whatever b.N and
// prints percentiles. On PostgreSQL it also runs with two processes sharing
// the database, the alerts sent to the one that does not lead the engine:
//
//	go test -run '^$' -bench PagingLatency -benchtime 1x ./bench/
func BenchmarkPagingLatency(b *testing.B) {
	for _, engine := range testkit.Engines(b) {
		for _, load := range []struct {
			rate int
			for_ time.Duration
		}{{100, 10 * time.Second}, {1000, 3 * time.Second}} {
			b.Run(fmt.Sprintf("%s/%d-per-s", engine, load.rate), func(b *testing.B) {
				measurePaging(b, engine, false, load.rate, load.for_)
			})
			if engine == "postgres" {
				b.Run(fmt.Sprintf("%s-via-follower/%d-per-s", engine, load.rate), func(b *testing.B) {
					measurePaging(b, engine, true, load.rate, load.for_)
				})
			}
		}
	}
}

func measurePaging(b *testing.B, engine string, viaFollower bool, rate int, duration time.Duration) {
	var mu sync.Mutex
	received := map[string]time.Time{} // by summary: "bench <i>"
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		var body struct {
			Alert struct {
				Summary string `json:"summary"`
			} `json:"alert"`
		}
		json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body)
		mu.Lock()
		if _, ok := received[body.Alert.Summary]; !ok {
			received[body.Alert.Summary] = at
		}
		mu.Unlock()
	}))
	defer receiver.Close()
	tw := testkit.StartFakeTwilio(b)
	twilio := func(c *config.Config) {
		c.TwilioAuthToken, c.Providers.TwilioAccountSID, c.Providers.TwilioFrom, c.Providers.TwilioAPIURL = tw.AuthToken, tw.AccountSID, "+15005550006", tw.URL
	}
	a := testkit.Start(b, engine, twilio)
	target := a.URL // where alerts are sent
	if viaFollower {
		// A second process on the same database: a leads the engine (it
		// started first), the follower only takes the alerts.
		follower := testkit.Start(b, engine, twilio, func(c *config.Config) { c.DatabaseURL = a.Config.DatabaseURL })
		target = follower.URL
	}
	key := seedPaging(b, inProcess(a), receiver.URL)

	total := int(float64(rate) * duration.Seconds())
	sent := make([]time.Time, total)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var wg sync.WaitGroup
	start := time.Now()
	b.ResetTimer()
	// Open loop: event i leaves at start + i/rate, whether or not earlier ones were answered.
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		<-time.After(time.Until(due)) // pacing the load, not synchronising a test
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body, _ := json.Marshal(map[string]any{"routing_key": key, "event_action": "trigger", "dedup_key": fmt.Sprint("k", i),
				"payload": map[string]any{"summary": fmt.Sprint("bench ", i), "source": "bench", "severity": "critical"}})
			sent[i] = time.Now()
			res, err := client.Post(target+"/v2/enqueue", "application/json", bytes.NewReader(body))
			if err != nil {
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}(i)
	}
	wg.Wait()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mu.Lock()
		n := len(received)
		mu.Unlock()
		if n >= total || time.Now().After(deadline) {
			break
		}
		a.Engine.Wake()
		<-time.After(10 * time.Millisecond) // waits for deliveries to drain; figures are not taken from this loop
	}
	b.StopTimer()
	var lat []time.Duration
	mu.Lock()
	for i := range sent {
		if at, ok := received[fmt.Sprint("bench ", i)]; ok {
			lat = append(lat, at.Sub(sent[i]))
		}
	}
	mu.Unlock()
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(100 * time.Microsecond)
	}
	if viaFollower {
		engine += " (sent to the process that does not lead)"
	}
	b.Logf("%s, %d alerts/s for %s: %d of %d delivered; alert sent → webhook received p50 %s, p90 %s, p99 %s, max %s; SMS to the person: %d (bundled)",
		engine, rate, duration, len(lat), total, pct(0.50), pct(0.90), pct(0.99), pct(1), len(tw.Messages()))
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
