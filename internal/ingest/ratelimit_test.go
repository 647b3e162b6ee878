package ingest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/testkit"
)

// TestRateLimit: with 1 request/s and a burst of 2 per key, the third request
// at once gets 429 with Retry-After in each format's shape and stores nothing;
// a second later the key works again.
func TestRateLimit(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationGeneric, func(c *config.Config) { c.RateLimit, c.RateBurst = 1, 2 })
		formats := []struct {
			typ     tocsin.IntegrationType
			send    func(key string, n int) response
			refusal string // in the 429 body
		}{
			{tocsin.IntegrationPagerDuty, func(key string, n int) response {
				return e.do("POST", "/v2/enqueue", map[string]any{"routing_key": key, "event_action": "trigger", "dedup_key": fmt.Sprint("pd-", n), "payload": map[string]any{"summary": "s", "source": "h", "severity": "info"}})
			}, `"status":"throttle event"`},
			{tocsin.IntegrationOpsgenie, func(key string, n int) response {
				return e.do("POST", "/v2/alerts", map[string]any{"message": "m", "alias": fmt.Sprint("og-", n)}, "Authorization", "GenieKey "+key)
			}, `"message":"too many requests`},
			{tocsin.IntegrationAlertmanager, func(key string, n int) response {
				return e.do("POST", "/hooks/alertmanager/"+key, fmt.Sprintf(`{"version":"4","alerts":[{"status":"firing","fingerprint":"am-%d","labels":{"alertname":"A"}}]}`, n))
			}, `"status":"error"`},
			{tocsin.IntegrationGrafana, func(key string, n int) response {
				return e.do("POST", "/hooks/grafana/"+key, fmt.Sprintf(`{"version":"1","alerts":[{"status":"firing","fingerprint":"gf-%d","labels":{"alertname":"G"}}]}`, n))
			}, `"status":"error"`},
			{tocsin.IntegrationGeneric, func(key string, n int) response {
				return e.do("POST", "/hooks/generic/"+key, map[string]any{"summary": "s", "dedup_key": fmt.Sprint("gen-", n)})
			}, `"code":"rate_limited"`},
		}
		for _, f := range formats {
			_, key := e.app.Integration(f.typ, e.service.ID)
			before := len(e.alerts())
			for n := range 2 {
				if r := f.send(key, n); r.status >= 300 {
					t.Fatalf("%s request %d within the burst: %d %s", f.typ, n+1, r.status, r)
				}
			}
			r := f.send(key, 2)
			if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" || !strings.Contains(r.String(), f.refusal) {
				t.Fatalf("%s over the limit: %d Retry-After %q %s", f.typ, r.status, r.header.Get("Retry-After"), r)
			}
			if n := len(e.alerts()); n != before+2 {
				t.Fatalf("%s: %d alerts after the refusal, want %d", f.typ, n, before+2)
			}
			e.app.Clock.Advance(time.Second)
			if r := f.send(key, 3); r.status >= 300 {
				t.Fatalf("%s a second later: %d %s", f.typ, r.status, r)
			}
		}
		// Each refusal and each outcome is counted by format.
		resp, err := http.Get(e.app.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{
			`tocsin_alert_events_received_total{format="pagerduty",outcome="rate_limited"} 1`,
			`tocsin_alert_events_received_total{format="opsgenie",outcome="created"} 3`,
			`tocsin_alert_events_received_total{format="grafana",outcome="rate_limited"} 1`,
			`tocsin_ingest_duration_seconds_count{format="generic"} 4`,
		} {
			if !strings.Contains(string(metrics), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}
