package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// Operators probe /healthz and /readyz and scrape /metrics, which counts
// alerts received by format and outcome.
func TestOperationsEndpoints(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testkit.Start(t, engine)
		integ, _ := a.Integration(tocsin.IntegrationGeneric, a.Service("ops", "web").ID)
		if _, err := a.Pipeline.Submit(context.Background(), integ, []tocsin.AlertEvent{{Action: tocsin.ActionTrigger, Summary: "probe", DedupKey: "p", Channel: tocsin.ChannelGeneric}}); err != nil {
			t.Fatal(err)
		}
		get := func(path string) (int, string) {
			resp, err := a.Client().Get(a.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		for _, path := range []string{"/healthz", "/readyz"} {
			if status, body := get(path); status != http.StatusOK || strings.TrimSpace(body) != "ok" {
				t.Errorf("%s: %d %q", path, status, body)
			}
		}
		status, body := get("/metrics")
		if status != http.StatusOK {
			t.Fatalf("/metrics: %d", status)
		}
		for _, want := range []string{`tocsin_ingest_batch_events_count 1`, `tocsin_http_requests_total{code="200",route="GET /healthz"} 1`, `process_resident_memory_bytes`} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}
