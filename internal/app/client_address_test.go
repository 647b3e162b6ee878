package app_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/testkit"
)

// Behind a reverse proxy every request comes from the proxy's address:
// with --trusted-proxy the status page's subscription limit counts each
// client on its own, instead of shutting the form for everyone after ten.
func TestSubscriptionLimitBehindAProxy(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		a := startStatusApp(t, engine, func(c *config.Config) {
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		})
		if err := a.Status().Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		subscribe := func(client, address string) int {
			t.Helper()
			req, err := http.NewRequest(http.MethodPost, a.URL+"/status/subscribe", strings.NewReader(url.Values{"email": {address}}.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", client)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		for i := range 10 {
			if status := subscribe("203.0.113.7", "reader"+string(rune('a'+i))+"@example.com"); status != http.StatusOK {
				t.Fatalf("subscription %d from one client: HTTP %d", i+1, status)
			}
		}
		if status := subscribe("203.0.113.7", "eleventh@example.com"); status != http.StatusTooManyRequests {
			t.Errorf("the same client's 11th in the hour: HTTP %d, want 429", status)
		}
		if status := subscribe("198.51.100.9", "someone.else@example.com"); status != http.StatusOK {
			t.Errorf("another client behind the same proxy: HTTP %d, want 200", status)
		}
	})
}
