package api_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

func TestIntegrations(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		svc := e.app.Service("payments", "checkout")

		// Created: the key once, with the URLs of its format on this server.
		r := e.call(e.admin, "POST", v1("/integrations"), map[string]any{"name": "prometheus", "type": "pagerduty", "service": "checkout"})
		if r.status != 201 {
			t.Fatalf("create integration: %d %s", r.status, r.raw)
		}
		pd := r.body
		key := str(pd, "key")
		id := num(pd, "id")
		urls := obj(pd, "urls")
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(key) || str(pd, "key_prefix") != key[:6] || num(pd, "service_id") != svc.ID ||
			str(pd, "service") != "checkout" || pd["global"] != false || pd["revoked"] != false || str(pd, "key_usage") == "" ||
			urls["events"] != e.app.URL+"/v2/enqueue" || urls["change_events"] != e.app.URL+"/v2/change/enqueue" {
			t.Fatalf("created integration: %s", r.raw)
		}
		if r.header.Get("Location") != v1("/integrations/%d", id) {
			t.Errorf("Location = %q", r.header.Get("Location"))
		}

		// The key is never shown again.
		for _, p := range []string{v1("/integrations/%d", id), v1("/integrations"), v1("/integrations?service=checkout")} {
			r := e.call(e.viewer, "GET", p, nil)
			if r.status != 200 || bytes.Contains(r.raw, []byte(key)) || bytes.Contains(r.raw, []byte(`"key"`)) {
				t.Errorf("GET %s: %d, shows the key: %s", p, r.status, r.raw)
			}
		}

		// The key works for ingest, in its format, and the alert lands on the service.
		if integ, err := e.integration(key); err != nil || integ.ID != id {
			t.Fatalf("key does not authenticate: %v %v", integ, err)
		}
		event := `{"routing_key":"` + key + `","event_action":"trigger","dedup_key":"db-1/disk","payload":{"summary":"disk full on db-1","source":"db-1","severity":"critical"}}`
		res, err := http.Post(urls["events"].(string), "application/json", strings.NewReader(event))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("PagerDuty event with the new key: %d", res.StatusCode)
		}
		alerts := list(e.must(e.viewer, "GET", v1("/alerts?service=checkout"), nil, 200), "alerts")
		if len(alerts) != 1 || str(alerts[0], "summary") != "disk full on db-1" || str(alerts[0], "priority") != "P1" || num(alerts[0], "integration_id") != id {
			t.Errorf("alert from the PagerDuty event: %v", alerts)
		}

		// A generic integration's URL carries its key.
		gen := e.must(e.admin, "POST", v1("/integrations"), map[string]any{"name": "cron", "type": "generic", "service": svc.ID}, 201)
		hook := obj(gen, "urls")["webhook"].(string)
		if hook != e.app.URL+"/hooks/generic/"+str(gen, "key") {
			t.Errorf("generic webhook URL %q", hook)
		}
		res, err = http.Post(hook, "application/json", strings.NewReader(`{"summary":"backup failed","priority":"P2"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			t.Errorf("generic event on its URL: %d", res.StatusCode)
		}
		if page := e.must(e.viewer, "GET", v1("/alerts?q=backup"), nil, 200); num(page, "total") != 1 {
			t.Errorf("alert from the generic URL not listed: %v", page)
		}

		// Each format gets its own URLs.
		for typ, want := range map[string]map[string]string{
			"alertmanager": {"webhook": "/hooks/alertmanager/", "webhook_bearer": "/hooks/alertmanager"},
			"grafana":      {"webhook": "/hooks/grafana/", "webhook_bearer": "/hooks/grafana"},
			"opsgenie":     {"api": "/v2/alerts", "alertmanager_api_url": "/"},
		} {
			got := e.must(e.admin, "POST", v1("/integrations"), map[string]any{"name": typ, "type": typ, "service": "checkout"}, 201)
			urls := obj(got, "urls")
			for name, suffix := range want {
				u, _ := urls[name].(string)
				if strings.HasSuffix(suffix, "/") && suffix != "/" {
					suffix += str(got, "key")
				}
				if u != e.app.URL+suffix {
					t.Errorf("%s urls.%s = %q, want %q", typ, name, u, e.app.URL+suffix)
				}
			}
		}

		// Global integrations; Grafana HMAC secrets are never shown.
		global := e.must(e.admin, "POST", v1("/integrations"), map[string]any{"name": "everything", "type": "grafana", "hmac_secret": "s3cret-hmac"}, 201)
		if global["global"] != true || global["service_id"] != nil || global["hmac_secret_set"] != true || strings.Contains(string(mustJSON(global)), "s3cret-hmac") {
			t.Errorf("global grafana integration: %v", global)
		}
		gid := num(global, "id")
		if got := list(e.must(e.viewer, "GET", v1("/integrations?service=global"), nil, 200), "integrations"); len(got) != 1 || num(got[0], "id") != gid {
			t.Errorf("global integrations: %v", got)
		}
		if got := list(e.must(e.viewer, "GET", v1("/integrations?service=checkout"), nil, 200), "integrations"); len(got) != 5 {
			t.Errorf("%d integrations on checkout, want 5", len(got))
		}
		cleared := e.must(e.admin, "PATCH", v1("/integrations/%d", gid), map[string]any{"hmac_secret": ""}, 200)
		if cleared["hmac_secret_set"] != false {
			t.Errorf("hmac secret not cleared: %v", cleared)
		}

		// Bad input, nothing written.
		before := len(list(e.must(e.viewer, "GET", v1("/integrations"), nil, 200), "integrations"))
		e.fails(e.admin, "POST", v1("/integrations"), map[string]any{"name": "prometheus", "type": "pagerduty", "service": "checkout"}, 409, "conflict", "prometheus")
		e.fails(e.admin, "POST", v1("/integrations"), map[string]any{"name": "x", "type": "nagios"}, 400, "invalid", "nagios", "alertmanager")
		e.fails(e.admin, "POST", v1("/integrations"), map[string]any{"name": "x"}, 400, "invalid", "type")
		e.fails(e.admin, "POST", v1("/integrations"), map[string]any{"name": "x", "type": "generic", "service": "nope"}, 400, "invalid", "nope")
		e.fails(e.admin, "POST", v1("/integrations"), map[string]any{"name": "x", "type": "generic", "hmac_secret": "s"}, 400, "invalid", "grafana")
		e.fails(e.admin, "POST", v1("/integrations"), map[string]any{"name": "X Y", "type": "generic"}, 400, "invalid", "X Y")
		e.fails(e.admin, "POST", v1("/integrations"), map[string]any{"name": "x", "type": "generic", "key": "chosen"}, 400, "invalid", `"key"`)
		if after := len(list(e.must(e.viewer, "GET", v1("/integrations"), nil, 200), "integrations")); after != before {
			t.Errorf("refused creates wrote %d integrations", after-before)
		}
		e.fails(e.admin, "PATCH", v1("/integrations/%d", id), map[string]any{"type": "generic"}, 400, "invalid", "type")
		e.fails(e.admin, "PATCH", v1("/integrations/%d", id), map[string]any{"service": nil}, 400, "invalid", "service")
		renamed := e.must(e.admin, "PATCH", v1("/integrations/%d", id), map[string]any{"name": "prom", "type": "pagerduty", "service": "checkout"}, 200)
		if str(renamed, "name") != "prom" {
			t.Errorf("renamed integration: %v", renamed)
		}
		e.fails(e.viewer, "GET", v1("/integrations/999"), nil, 404, "not_found")

		// Rotate: a new key, once; the old one stops at once.
		rotated := e.must(e.admin, "POST", v1("/integrations/%d/rotate", id), nil, 200)
		newKey := str(rotated, "key")
		if newKey == "" || newKey == key || str(rotated, "key_prefix") != newKey[:6] || rotated["rotated_at"] == nil || obj(rotated, "urls")["events"] == nil {
			t.Fatalf("rotated integration: %v", rotated)
		}
		if _, err := e.integration(key); tocsin.ErrorCode(err) != tocsin.EUNAUTHORIZED {
			t.Errorf("old key after rotate: %v, want unauthorized", err)
		}
		if integ, err := e.integration(newKey); err != nil || integ.ID != id {
			t.Errorf("new key: %v %v", integ, err)
		}

		// Revoke: the key stops; the alerts stay; rotating brings it back.
		revoked := e.must(e.admin, "POST", v1("/integrations/%d/revoke", id), nil, 200)
		if revoked["revoked"] != true || revoked["revoked_at"] == nil {
			t.Errorf("revoked integration: %v", revoked)
		}
		if _, err := e.integration(newKey); tocsin.ErrorCode(err) != tocsin.EUNAUTHORIZED {
			t.Errorf("key after revoke: %v, want unauthorized", err)
		}
		e.fails(e.admin, "POST", v1("/integrations/%d/revoke", id), nil, 409, "conflict", "revoked")
		if page := e.must(e.viewer, "GET", v1("/alerts?service=checkout"), nil, 200); num(page, "total") != 2 {
			t.Errorf("alerts after revoke: %v", page["total"])
		}
		back := e.must(e.admin, "POST", v1("/integrations/%d/rotate", id), nil, 200)
		if _, err := e.integration(str(back, "key")); err != nil || back["revoked"] != false {
			t.Errorf("rotating a revoked integration: %v %v", back, err)
		}

		e.must(e.admin, "DELETE", v1("/integrations/%d", id), nil, 204)
		e.fails(e.viewer, "GET", v1("/integrations/%d", id), nil, 404, "not_found")
		e.fails(e.admin, "POST", v1("/integrations/%d/rotate", id), nil, 404, "not_found")
	})
}
