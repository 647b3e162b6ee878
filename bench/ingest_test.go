package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// submitters is how many requests run at once: enough for commit batching to
// matter, as with a busy Alertmanager fleet, on a 2-core machine.
const submitters = 32

// BenchmarkPipeline measures durable ingest through ingest.Pipeline (rules,
// batching, commit), without HTTP: new alerts and repeats of 100 open alerts.
// For a CPU profile:
//
//	go test -run '^$' -bench Pipeline/sqlite/new -cpuprofile cpu.out ./bench/
//	go tool pprof -top bench.test cpu.out
func BenchmarkPipeline(b *testing.B) {
	for _, engine := range testkit.Engines(b) {
		for _, mode := range []string{"new", "repeat"} {
			b.Run(engine+"/"+mode, func(b *testing.B) {
				a := testkit.Start(b, engine)
				integ, _ := a.Integration(tocsin.IntegrationPagerDuty, a.Service("bench", "bench").ID)
				ctx := context.Background()
				var seq atomic.Int64
				b.SetParallelism(max(1, submitters/runtime.GOMAXPROCS(0)))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						key := dedupKey(mode, seq.Add(1))
						ev := tocsin.AlertEvent{Action: tocsin.ActionTrigger, DedupKey: key, Summary: "bench " + key,
							Source: "bench.example.com", Priority: tocsin.P2, Channel: tocsin.ChannelPagerDuty}
						if _, err := a.Pipeline.Submit(ctx, integ, []tocsin.AlertEvent{ev}); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkHTTP measures the same over HTTP: PagerDuty Events v2 triggers
// posted to /v2/enqueue by concurrent clients, each answer a 202.
func BenchmarkHTTP(b *testing.B) {
	for _, engine := range testkit.Engines(b) {
		for _, mode := range []string{"new", "repeat"} {
			b.Run(engine+"/"+mode, func(b *testing.B) {
				a := testkit.Start(b, engine)
				_, key := a.Integration(tocsin.IntegrationPagerDuty, a.Service("bench", "bench").ID)
				client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: submitters}}
				defer client.CloseIdleConnections()
				var seq atomic.Int64
				b.SetParallelism(max(1, submitters/runtime.GOMAXPROCS(0)))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					var body bytes.Buffer
					for pb.Next() {
						dk := dedupKey(mode, seq.Add(1))
						body.Reset()
						fmt.Fprintf(&body, `{"routing_key":%q,"event_action":"trigger","dedup_key":%q,"payload":{"summary":"bench %s","source":"bench.example.com","severity":"error"}}`, key, dk, dk)
						resp, err := client.Post(a.URL+"/v2/enqueue", "application/json", &body)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusAccepted {
							b.Errorf("POST /v2/enqueue: %s, want 202", resp.Status)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

func dedupKey(mode string, n int64) string {
	if mode == "repeat" {
		n %= 100
	}
	return "bench-" + strconv.FormatInt(n, 10)
}
