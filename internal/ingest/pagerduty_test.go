package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestPagerDutyClient drives the endpoints with PagerDuty's official Go client,
// as a tool integrated with PagerDuty would after its URL is repointed.
func TestPagerDutyClient(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationPagerDuty)
		ctx := context.Background()
		client := pagerduty.NewClient("no-rest-api-token", pagerduty.WithV2EventsAPIEndpoint(e.app.URL))
		send := func(action, key, summary string) *pagerduty.V2EventResponse {
			t.Helper()
			ev := &pagerduty.V2Event{RoutingKey: e.key, Action: action, DedupKey: key, Client: "Nagios"}
			if action == "trigger" {
				ev.Payload = &pagerduty.V2Payload{Summary: summary, Source: "db1.example.com", Severity: "warning", Timestamp: "2026-11-02T07:59:00.000+0100"}
			}
			resp, err := client.ManageEventWithContext(ctx, ev)
			if err != nil {
				t.Fatalf("%s %s: %v", action, key, err)
			}
			if resp.Status != "success" || resp.Message != "Event processed" {
				t.Fatalf("%s %s: reply %+v", action, key, resp)
			}
			return resp
		}

		if resp := send("trigger", "db1/disk", "Disk full on db1"); resp.DedupKey != "db1/disk" {
			t.Fatalf("dedup_key in reply = %q, want db1/disk", resp.DedupKey)
		}
		send("trigger", "db1/disk", "Disk full on db1")
		a := e.only()
		if a.Status != tocsin.StatusTriggered || a.Occurrences != 2 || a.Priority != tocsin.P3 || a.Source != "db1.example.com" || a.IntegrationID != e.integ.ID || a.ServiceID != e.service.ID {
			t.Fatalf("after two triggers: %+v", a)
		}

		send("acknowledge", "db1/disk", "")
		if a = e.only(); a.Status != tocsin.StatusAcknowledged || a.AckedBy != "Nagios" || a.AckChannel != tocsin.ChannelPagerDuty {
			t.Fatalf("after acknowledge: status %s by %q via %q", a.Status, a.AckedBy, a.AckChannel)
		}
		send("resolve", "db1/disk", "")
		if a = e.only(); a.Status != tocsin.StatusResolved || a.ResolvedBy != "Nagios" || a.ResolveChannel != tocsin.ChannelPagerDuty {
			t.Fatalf("after resolve: status %s by %q via %q", a.Status, a.ResolvedBy, a.ResolveChannel)
		}
		if got := kinds(e.timeline(a.ID)); got != "created,escalated,repeated,acknowledged,resolved" {
			t.Fatalf("timeline = %s", got)
		}

		// After a resolve, the same key opens a fresh alert; ack and resolve of
		// keys that name no open alert are accepted and change nothing.
		send("trigger", "db1/disk", "Disk full on db1 again")
		send("acknowledge", "never-seen", "")
		send("resolve", "never-seen", "")
		list := e.alerts()
		if len(list) != 2 || list[0].Status != tocsin.StatusResolved || list[1].Status != tocsin.StatusTriggered || list[1].Summary != "Disk full on db1 again" {
			t.Fatalf("after re-trigger: %d alerts %+v", len(list), list)
		}

		// A trigger without a dedup key gets a generated one, returned to the client.
		resp := send("trigger", "", "Backup failed")
		if !uuidPattern.MatchString(resp.DedupKey) {
			t.Fatalf("generated dedup_key %q is not a UUID", resp.DedupKey)
		}
		list = e.alerts()
		if len(list) != 3 || list[2].DedupKey != resp.DedupKey {
			t.Fatalf("alert of the generated key: %+v", list)
		}

		change, err := client.CreateChangeEventWithContext(ctx, pagerduty.ChangeEvent{
			RoutingKey: e.key,
			Payload: pagerduty.ChangeEventPayload{Summary: "Deploy checkout v2.14.0", Source: "github-actions",
				Timestamp: "2026-11-02T07:30:00.000+0000", CustomDetails: map[string]any{"commit": "a1b2c3d"}},
			Links: []pagerduty.ChangeEventLink{{Href: "https://github.com/acme/checkout/pull/1", Text: "PR"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if change.Status != "success" || change.Message != "Change event processed" {
			t.Fatalf("change reply %+v", change)
		}
		changes, err := e.app.DB.ChangeEvents(ctx, e.service.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 || changes[0].Summary != "Deploy checkout v2.14.0" || changes[0].Source != "github-actions" ||
			!changes[0].At.Equal(time.Date(2026, 11, 2, 7, 30, 0, 0, time.UTC)) || !strings.Contains(changes[0].Details, `"commit": "a1b2c3d"`) ||
			len(changes[0].Links) != 1 || changes[0].Links[0].Text != "PR" {
			t.Fatalf("stored change events: %+v", changes)
		}
		if n := len(e.alerts()); n != 3 {
			t.Fatalf("a change event created an alert: %d alerts", n)
		}

		// The client's error type carries our 400 reply.
		_, err = client.ManageEventWithContext(ctx, &pagerduty.V2Event{RoutingKey: e.key, Action: "trigger", Payload: &pagerduty.V2Payload{Source: "x", Severity: "info"}})
		var apiErr pagerduty.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
			t.Fatalf("trigger without summary: %v", err)
		}
	})
}

// TestPagerDutyReplies pins the exact bytes clients parse and what is stored
// from each field.
func TestPagerDutyReplies(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationPagerDuty)
		r := e.do("POST", "/v2/enqueue", testdata(t, "pagerduty_trigger.json", e.key))
		if r.status != http.StatusAccepted || r.String() != `{"status":"success","message":"Event processed","dedup_key":"srv01/mysql"}`+"\n" {
			t.Fatalf("trigger: %d %s", r.status, r)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type %q", ct)
		}
		a := e.only()
		if a.Summary != "DISK at 99% on prod-datapipe03" || a.Source != "prod-datapipe03.example.com" || a.Priority != tocsin.P1 || a.DedupKey != "srv01/mysql" {
			t.Fatalf("stored %+v", a)
		}
		if a.Labels["component"] != "mysql" || a.Labels["group"] != "prod-datapipe" || a.Labels["class"] != "disk" {
			t.Fatalf("labels %v", a.Labels)
		}
		if !strings.Contains(a.Details, "\"free space\": \"1%\"") || !strings.Contains(a.Details, "\n") {
			t.Fatalf("details are not the indented custom_details: %q", a.Details)
		}
		var hrefs []string
		for _, l := range a.Links {
			hrefs = append(hrefs, l.Text+"="+l.Href)
		}
		if got := strings.Join(hrefs, " "); got != "graph=https://mon.example.com/x Sample Monitoring Service=https://monitoring.example.com Disk usage=https://mon.example.com/disk" {
			t.Fatalf("links %s", got)
		}
		if entries := e.timeline(a.ID); len(entries) == 0 || entries[0].Actor != "Sample Monitoring Service" || entries[0].Channel != tocsin.ChannelPagerDuty {
			t.Fatalf("timeline %+v", entries)
		}

		// What Alertmanager's pagerduty_configs sends: severity error is P2.
		r = e.do("POST", "/v2/enqueue", testdata(t, "pagerduty_alertmanager.json", e.key))
		if r.status != http.StatusAccepted {
			t.Fatalf("alertmanager event: %d %s", r.status, r)
		}
		if list := e.alerts(); len(list) != 2 || list[1].Priority != tocsin.P2 || list[1].Source != "Alertmanager" {
			t.Fatalf("alertmanager event stored as %+v", list[1])
		}

		for severity, want := range map[string]tocsin.Priority{"critical": tocsin.P1, "error": tocsin.P2, "warning": tocsin.P3, "info": tocsin.P5} {
			r = e.do("POST", "/v2/enqueue", map[string]any{"routing_key": e.key, "event_action": "trigger", "dedup_key": "sev-" + severity,
				"payload": map[string]any{"summary": "severity " + severity, "source": "x", "severity": severity}})
			if r.status != http.StatusAccepted {
				t.Fatalf("%s: %d %s", severity, r.status, r)
			}
			list, _, _ := e.app.DB.Alerts(context.Background(), tocsin.AlertFilter{Text: "sev-" + severity})
			if len(list) != 1 || list[0].Priority != want {
				t.Fatalf("severity %s stored as %+v, want %s", severity, list, want)
			}
		}

		r = e.do("POST", "/v2/change/enqueue", testdata(t, "pagerduty_change.json", e.key))
		if r.status != http.StatusAccepted || r.String() != `{"status":"success","message":"Change event processed"}`+"\n" {
			t.Fatalf("change: %d %s", r.status, r)
		}
		changes, _ := e.app.DB.ChangeEvents(context.Background(), e.service.ID, 10)
		if len(changes) != 1 || !changes[0].At.Equal(time.Date(2026, 11, 2, 6, 30, 0, 0, time.UTC)) {
			t.Fatalf("change timestamp with an offset without colon: %+v", changes)
		}
	})
}

// TestPagerDutyRefused checks each refusal's status and body, and that none wrote anything.
func TestPagerDutyRefused(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationPagerDuty)
		revoked, revokedKey := e.app.Integration(tocsin.IntegrationPagerDuty, e.service.ID)
		if err := e.app.DB.RevokeIntegration(context.Background(), revoked.ID, e.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		_, globalKey := e.app.Integration(tocsin.IntegrationPagerDuty, 0)
		trigger := func(key string) map[string]any {
			return map[string]any{"routing_key": key, "event_action": "trigger", "payload": map[string]any{"summary": "s", "source": "h", "severity": "critical"}}
		}
		cases := []struct {
			name, path string
			body       any
			status     int
			want       string // in the errors
		}{
			{"unknown key", "/v2/enqueue", trigger("0123456789abcdef0123456789abcdef"), 401, "unknown or revoked"},
			{"revoked key", "/v2/enqueue", trigger(revokedKey), 401, "unknown or revoked"},
			{"revoked key change", "/v2/change/enqueue", map[string]any{"routing_key": revokedKey, "payload": map[string]any{"summary": "deploy"}}, 401, "unknown or revoked"},
			{"no key", "/v2/enqueue", map[string]any{"event_action": "trigger"}, 400, "'routing_key' is missing"},
			{"malformed", "/v2/enqueue", `{"routing_key": "` + e.key + `", "event_action": trigger}`, 400, "malformed JSON at byte"},
			{"truncated", "/v2/enqueue", `{"routing_key": "` + e.key, 400, "ends in the middle"},
			{"empty", "/v2/enqueue", "", 400, "body is empty"},
			{"not an object", "/v2/enqueue", `[1,2]`, 400, "must be an object"},
			{"wrong type", "/v2/enqueue", map[string]any{"routing_key": e.key, "event_action": "trigger", "payload": map[string]any{"summary": 42}}, 400, `field "payload.summary" must be a string`},
			{"no summary", "/v2/enqueue", map[string]any{"routing_key": e.key, "event_action": "trigger", "payload": map[string]any{"source": "h", "severity": "info"}}, 400, "'payload.summary' is missing"},
			{"no payload", "/v2/enqueue", map[string]any{"routing_key": e.key, "event_action": "trigger"}, 400, "'payload' is missing"},
			{"bad severity", "/v2/enqueue", map[string]any{"routing_key": e.key, "event_action": "trigger", "payload": map[string]any{"summary": "s", "severity": "apocalyptic"}}, 400, "'payload.severity' \"apocalyptic\""},
			{"bad action", "/v2/enqueue", map[string]any{"routing_key": e.key, "event_action": "explode"}, 400, "'event_action' \"explode\""},
			{"ack without key", "/v2/enqueue", map[string]any{"routing_key": e.key, "event_action": "acknowledge"}, 400, "'dedup_key' is required"},
			{"change without summary", "/v2/change/enqueue", map[string]any{"routing_key": e.key, "payload": map[string]any{"source": "ci"}}, 400, "'payload.summary' is missing"},
			{"change on a global key", "/v2/change/enqueue", map[string]any{"routing_key": globalKey, "payload": map[string]any{"summary": "deploy"}}, 400, "belongs to a global integration"},
			{"oversized", "/v2/enqueue", bigBody(), 413, "larger than"},
			{"oversized change", "/v2/change/enqueue", bigBody(), 413, "larger than"},
		}
		for _, c := range cases {
			r := e.do("POST", c.path, c.body)
			var reply struct {
				Status  string   `json:"status"`
				Message string   `json:"message"`
				Errors  []string `json:"errors"`
			}
			r.decode(t, &reply)
			if r.status != c.status || reply.Status != "invalid event" || reply.Message == "" || len(reply.Errors) == 0 || !strings.Contains(strings.Join(reply.Errors, "|"), c.want) {
				t.Errorf("%s: %d %s; want %d with %q", c.name, r.status, r, c.status, c.want)
			}
		}
		if n := len(e.alerts()); n != 0 {
			t.Fatalf("refused requests stored %d alerts", n)
		}
		if changes, _ := e.app.DB.ChangeEvents(context.Background(), 0, 10); len(changes) != 0 {
			t.Fatalf("refused requests stored change events: %+v", changes)
		}
	})
}

// FuzzPagerDuty feeds arbitrary bodies to both PagerDuty endpoints, with a live
// routing key wherever the body says ROUTING_KEY.
func FuzzPagerDuty(f *testing.F) {
	for _, seed := range seeds(f, "pagerduty_") {
		f.Add(false, seed)
		f.Add(true, seed)
	}
	f.Add(false, []byte(`{"routing_key":"ROUTING_KEY","event_action":"resolve","dedup_key":"srv01/mysql"}`))
	f.Add(false, []byte(`{"routing_key":"ROUTING_KEY","event_action":"trigger","payload":{"summary":"\u0000\ud800","severity":"P1"},"links":[{"href":""}]}`))
	f.Add(false, []byte(`{}`))
	a := testkit.Start(f, "sqlite")
	_, key := a.Integration(tocsin.IntegrationPagerDuty, a.Service("payments", "checkout").ID)
	f.Fuzz(func(t *testing.T, change bool, body []byte) {
		path := "/v2/enqueue"
		if change {
			path = "/v2/change/enqueue"
		}
		req := httptest.NewRequest("POST", path, bytes.NewReader(bytes.ReplaceAll(body, []byte("ROUTING_KEY"), []byte(key))))
		fuzzServe(t, a, req)
	})
}
