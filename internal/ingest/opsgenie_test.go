package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opsgenie/opsgenie-go-sdk-v2/alert"
	"github.com/opsgenie/opsgenie-go-sdk-v2/client"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// opsgenieClient is Opsgenie's Go SDK pointed at the test server: the SDK
// switches to http for a host without "api" in its name.
func opsgenieClient(t *testing.T, e *env, key string) *alert.Client {
	t.Helper()
	c, err := alert.NewClient(&client.Config{
		ApiKey:         key,
		OpsGenieAPIURL: client.ApiUrl(strings.TrimPrefix(e.app.URL, "http://")),
		RetryCount:     1,
		RequestTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOpsgenieSDK drives the endpoints with Opsgenie's official Go SDK:
// create, acknowledge and close by alias, and the request status of each.
func TestOpsgenieSDK(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationOpsgenie)
		ctx := context.Background()
		og := opsgenieClient(t, e, e.key)

		create := &alert.CreateAlertRequest{
			Message: "checkout / payments / Card processor timeouts", Alias: "card-timeouts",
			Description: "30% of authorisations time out", Tags: []string{"env:prod", "critical-path"},
			Details: map[string]string{"region": "eu-west-1"}, Entity: "card-gateway", Source: "Datadog",
			Priority: alert.P2, User: "datadog-bot", Note: "opened by monitor 42",
			Responders: []alert.Responder{{Type: alert.TeamResponder, Name: "payments"}},
		}
		created, err := og.Create(ctx, create)
		if err != nil {
			t.Fatal(err)
		}
		if created.Result != "Request will be processed" || created.RequestId == "" {
			t.Fatalf("create reply %+v", created)
		}
		status, err := created.RetrieveStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a := e.only()
		if !status.IsSuccess || status.Action != "Create" || status.Status != "Created alert" || status.Alias != "card-timeouts" ||
			status.AlertID != fmt.Sprint(a.ID) || status.IntegrationId != fmt.Sprint(e.integ.ID) || !status.ProcessedAt.Equal(testkit.Epoch) {
			t.Fatalf("create status %+v", status)
		}
		if a.Summary != create.Message || a.Details != create.Description || a.Source != "Datadog" || a.Priority != tocsin.P2 || a.DedupKey != "card-timeouts" {
			t.Fatalf("stored %+v", a)
		}
		wantLabels := map[string]string{"env": "prod", "critical-path": "", "region": "eu-west-1", "entity": "card-gateway", "app": "checkout", "squad": "payments"}
		for k, v := range wantLabels {
			if got, ok := a.Labels[k]; !ok || got != v {
				t.Errorf("label %s = %q (present %v), want %q; labels %v", k, got, ok, v, a.Labels)
			}
		}
		if got := kinds(e.timeline(a.ID)); got != "created,escalated,note" {
			t.Fatalf("timeline after create: %s", got)
		}

		// The same alias counts an occurrence.
		again, err := og.Create(ctx, &alert.CreateAlertRequest{Message: create.Message, Alias: "card-timeouts"})
		if err != nil {
			t.Fatal(err)
		}
		if status, err = again.RetrieveStatus(ctx); err != nil || status.Status != "Alert already exists; count incremented" {
			t.Fatalf("repeat status %+v, %v", status, err)
		}
		if a = e.only(); a.Occurrences != 2 {
			t.Fatalf("occurrences %d, want 2", a.Occurrences)
		}

		acked, err := og.Acknowledge(ctx, &alert.AcknowledgeAlertRequest{IdentifierType: alert.ALIAS, IdentifierValue: "card-timeouts", User: "alice", Note: "looking"})
		if err != nil {
			t.Fatal(err)
		}
		if status, err = acked.RetrieveStatus(ctx); err != nil || !status.IsSuccess || status.Action != "Acknowledge" {
			t.Fatalf("acknowledge status %+v, %v", status, err)
		}
		if a = e.only(); a.Status != tocsin.StatusAcknowledged || a.AckedBy != "alice" || a.AckChannel != tocsin.ChannelOpsgenie {
			t.Fatalf("after acknowledge: %s by %q via %q", a.Status, a.AckedBy, a.AckChannel)
		}

		closed, err := og.Close(ctx, &alert.CloseAlertRequest{IdentifierType: alert.ALIAS, IdentifierValue: "card-timeouts", Source: "Datadog"})
		if err != nil {
			t.Fatal(err)
		}
		if status, err = closed.RetrieveStatus(ctx); err != nil || !status.IsSuccess || status.Action != "Close" || status.AlertID != fmt.Sprint(a.ID) {
			t.Fatalf("close status %+v, %v", status, err)
		}
		if a = e.only(); a.Status != tocsin.StatusResolved || a.ResolvedBy != "Datadog" || a.ResolveChannel != tocsin.ChannelOpsgenie {
			t.Fatalf("after close: %s by %q via %q", a.Status, a.ResolvedBy, a.ResolveChannel)
		}

		// Closing again names no open alert: accepted, and the status says it failed.
		closed, err = og.Close(ctx, &alert.CloseAlertRequest{IdentifierType: alert.ALIAS, IdentifierValue: "card-timeouts"})
		if err != nil {
			t.Fatal(err)
		}
		if status, err = closed.RetrieveStatus(ctx); err != nil || status.IsSuccess || status.Status != "Alert does not exist or is closed" {
			t.Fatalf("second close status %+v, %v", status, err)
		}

		// A create without alias is a new alert each time, as in Opsgenie.
		for range 2 {
			if _, err := og.Create(ctx, &alert.CreateAlertRequest{Message: "No alias"}); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(e.alerts()); n != 3 {
			t.Fatalf("%d alerts, want 3 (two creates without alias)", n)
		}

		// The SDK surfaces our 422 and 401 as its ApiError.
		_, err = og.Create(ctx, &alert.CreateAlertRequest{Message: "x", Priority: "P9"})
		var apiErr *client.ApiError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(apiErr.Message, "P9") {
			t.Fatalf("bad priority: %v", err)
		}
		_, err = opsgenieClient(t, e, "0123456789abcdef0123456789abcdef").Create(ctx, &alert.CreateAlertRequest{Message: "x"})
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
			t.Fatalf("unknown key: %v", err)
		}
		if n := len(e.alerts()); n != 3 {
			t.Fatalf("refused creates stored alerts: %d", n)
		}
	})
}

// TestOpsgenieEndpoints covers what Alertmanager and Grafana send (both URL
// styles), actions by number, the PUT updates, and the exact reply shapes.
func TestOpsgenieEndpoints(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationOpsgenie)
		auth := []string{"Authorization", "GenieKey " + e.key}
		accepted := func(r response) string {
			t.Helper()
			var reply struct {
				Result    string  `json:"result"`
				Took      float64 `json:"took"`
				RequestID string  `json:"requestId"`
			}
			r.decode(t, &reply)
			if r.status != http.StatusAccepted || reply.Result != "Request will be processed" || reply.Took <= 0 || !uuidPattern.MatchString(reply.RequestID) {
				t.Fatalf("reply %d %s", r.status, r)
			}
			if r.header.Get("X-Request-Id") != reply.RequestID {
				t.Fatalf("X-Request-Id %q differs from requestId %q", r.header.Get("X-Request-Id"), reply.RequestID)
			}
			return reply.RequestID
		}

		// Alertmanager: base URL + v2/alerts; Grafana: the full URL, here with a trailing slash.
		accepted(e.do("POST", "/v2/alerts", testdata(t, "opsgenie_alertmanager.json", ""), auth...))
		accepted(e.do("POST", "/v2/alerts/", testdata(t, "opsgenie_grafana.json", ""), auth...))
		list := e.alerts()
		if len(list) != 2 {
			t.Fatalf("%d alerts", len(list))
		}
		am, gf := list[0], list[1]
		if am.Priority != tocsin.P1 || am.Labels["severity"] != "page" || am.Labels["db"] != "" || am.Labels["entity"] != "db1" || am.Source != "http://alertmanager:9093" {
			t.Fatalf("alertmanager's create stored as %+v", am)
		}
		if gf.Priority != tocsin.P2 || gf.Labels["service"] != "checkout" || gf.Labels["alertname"] != "High latency" || gf.Labels["url"] == "" {
			t.Fatalf("grafana's create stored as %+v", gf)
		}

		// Alertmanager's update_alerts: PUT message and description by alias.
		alias := am.DedupKey
		accepted(e.do("PUT", "/v2/alerts/"+alias+"/message?identifierType=alias", `{"message":"[FIRING:2] DiskFull db"}`, auth...))
		accepted(e.do("PUT", "/v2/alerts/"+alias+"/description?identifierType=alias", `{"description":"two disks now"}`, auth...))
		if a, _ := e.app.DB.Alert(context.Background(), am.ID); a.Summary != "[FIRING:2] DiskFull db" || a.Details != "two disks now" {
			t.Fatalf("after updates: %q / %q", a.Summary, a.Details)
		}

		// By number: id (the default) and tiny are both the alert number.
		accepted(e.do("POST", fmt.Sprintf("/v2/alerts/%d/acknowledge", gf.ID), nil, auth...))
		accepted(e.do("POST", fmt.Sprintf("/v2/alerts/%d/unacknowledge?identifierType=tiny", gf.ID), `{"user":"bob"}`, auth...))
		accepted(e.do("POST", fmt.Sprintf("/v2/alerts/%d/notes?identifierType=id", gf.ID), `{"user":"bob","note":"rolling back"}`, auth...))
		id := accepted(e.do("POST", fmt.Sprintf("/v2/alerts/%d/close?identifierType=tiny", gf.ID), `{"source":"Grafana"}`, auth...))
		got := kinds(e.timeline(gf.ID))
		if got != "created,escalated,acknowledged,unacknowledged,note,resolved" {
			t.Fatalf("timeline %s", got)
		}

		// Alertmanager closing by alias.
		accepted(e.do("POST", "/v2/alerts/"+alias+"/close?identifierType=alias", `{"source":"http://alertmanager:9093"}`, auth...))
		if a, _ := e.app.DB.Alert(context.Background(), am.ID); a.Status != tocsin.StatusResolved {
			t.Fatalf("alertmanager close: %s", a.Status)
		}

		r := e.do("GET", "/v2/alerts/requests/"+id, nil, auth...)
		var status struct {
			Data      map[string]any `json:"data"`
			Took      float64        `json:"took"`
			RequestID string         `json:"requestId"`
		}
		r.decode(t, &status)
		if r.status != http.StatusOK || status.Data["success"] != true || status.Data["action"] != "Close" || status.Data["alertId"] != fmt.Sprint(gf.ID) ||
			status.Data["alias"] != gf.DedupKey || status.Data["processedAt"] != "2026-11-02T08:00:00.000Z" || status.Took <= 0 || status.RequestID == "" {
			t.Fatalf("request status %d %s", r.status, r)
		}
		// Another key cannot read it, and an unknown id is 404.
		_, otherKey := e.app.Integration(tocsin.IntegrationOpsgenie, e.service.ID)
		if r = e.do("GET", "/v2/alerts/requests/"+id, nil, "Authorization", "GenieKey "+otherKey); r.status != http.StatusNotFound {
			t.Fatalf("another key read the request: %d %s", r.status, r)
		}
		if r = e.do("GET", "/v2/alerts/requests/no-such-request", nil, auth...); r.status != http.StatusNotFound || !strings.Contains(r.String(), `"message":"Request not found."`) {
			t.Fatalf("unknown request: %d %s", r.status, r)
		}

		// Outcomes are kept a week: the next commit after that forgets this one.
		e.app.Clock.Advance(7*24*time.Hour + time.Minute)
		accepted(e.do("POST", "/v2/alerts", `{"message":"a week later","alias":"later"}`, auth...))
		if r = e.do("GET", "/v2/alerts/requests/"+id, nil, auth...); r.status != http.StatusNotFound {
			t.Fatalf("a request outcome older than a week: %d %s", r.status, r)
		}
	})
}

// TestOpsgenieRefused checks statuses and Opsgenie's error shape, and that nothing was written.
func TestOpsgenieRefused(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationOpsgenie)
		revoked, revokedKey := e.app.Integration(tocsin.IntegrationOpsgenie, e.service.ID)
		if err := e.app.DB.RevokeIntegration(context.Background(), revoked.ID, e.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		auth := "GenieKey " + e.key
		cases := []struct {
			name, method, path, authorization string
			body                              any
			status                            int
			want                              string
		}{
			{"no header", "POST", "/v2/alerts", "", `{"message":"m"}`, 401, "GenieKey"},
			{"bearer instead", "POST", "/v2/alerts", "Bearer " + e.key, `{"message":"m"}`, 401, "GenieKey"},
			{"unknown key", "POST", "/v2/alerts", "GenieKey 0123456789abcdef0123456789abcdef", `{"message":"m"}`, 401, "unknown or revoked"},
			{"revoked key", "POST", "/v2/alerts", "GenieKey " + revokedKey, `{"message":"m"}`, 401, "unknown or revoked"},
			{"revoked key close", "POST", "/v2/alerts/x/close?identifierType=alias", "GenieKey " + revokedKey, nil, 401, "unknown or revoked"},
			{"malformed", "POST", "/v2/alerts", auth, `{"message":`, 400, "malformed JSON"},
			{"wrong type", "POST", "/v2/alerts", auth, `{"message":"m","tags":"a,b"}`, 400, `field \"tags\" must be a list`},
			{"no message", "POST", "/v2/alerts", auth, `{"alias":"a"}`, 422, "Message can not be empty."},
			{"bad priority", "POST", "/v2/alerts", auth, `{"message":"m","priority":"urgent"}`, 422, "P1, P2, P3, P4, P5"},
			{"bad identifierType", "POST", "/v2/alerts/a/close?identifierType=name", auth, nil, 422, "identifierType should be one of id, tiny, alias"},
			{"id not a number", "POST", "/v2/alerts/abc/acknowledge", auth, nil, 422, "not an alert number"},
			{"empty message update", "PUT", "/v2/alerts/a/message?identifierType=alias", auth, `{"message":""}`, 422, "Message can not be empty."},
			{"empty note", "POST", "/v2/alerts/a/notes?identifierType=alias", auth, `{"note":" "}`, 422, "Note can not be empty."},
			{"malformed close", "POST", "/v2/alerts/a/close?identifierType=alias", auth, `{"note":`, 400, "malformed JSON"},
			{"oversized", "POST", "/v2/alerts", auth, bigBody(), 413, "larger than"},
		}
		for _, c := range cases {
			r := e.do(c.method, c.path, c.body, "Authorization", c.authorization)
			var reply struct {
				Message   string  `json:"message"`
				Took      float64 `json:"took"`
				RequestID string  `json:"requestId"`
			}
			r.decode(t, &reply)
			if r.status != c.status || !strings.Contains(r.String(), c.want) || reply.RequestID == "" || reply.Took <= 0 {
				t.Errorf("%s: %d %s; want %d with %q", c.name, r.status, r, c.status, c.want)
			}
		}
		if n := len(e.alerts()); n != 0 {
			t.Fatalf("refused requests stored %d alerts", n)
		}
	})
}

// FuzzOpsgenie feeds arbitrary identifiers, identifier types and bodies to every
// Opsgenie endpoint, with a live key.
func FuzzOpsgenie(f *testing.F) {
	for _, seed := range seeds(f, "opsgenie_") {
		f.Add(uint8(0), "", "", seed)
	}
	f.Add(uint8(1), "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b", "alias", []byte(`{"source":"http://alertmanager:9093"}`))
	f.Add(uint8(2), "1", "", []byte(`{"user":"alice","note":"on it"}`))
	f.Add(uint8(3), "1", "tiny", []byte(nil))
	f.Add(uint8(4), "x", "alias", []byte(`{"note":"n"}`))
	f.Add(uint8(5), "x", "alias", []byte(`{"message":"new"}`))
	f.Add(uint8(6), "x", "alias", []byte(`{"description":"d"}`))
	f.Add(uint8(7), "00000000-0000-4000-8000-000000000000", "", []byte(nil))
	a := testkit.Start(f, "sqlite")
	_, key := a.Integration(tocsin.IntegrationOpsgenie, a.Service("payments", "checkout").ID)
	f.Fuzz(func(t *testing.T, op uint8, id, identifierType string, body []byte) {
		method, path := "POST", "/v2/alerts"
		switch op % 8 {
		case 1:
			path = "/v2/alerts/" + id + "/close"
		case 2:
			path = "/v2/alerts/" + id + "/acknowledge"
		case 3:
			path = "/v2/alerts/" + id + "/unacknowledge"
		case 4:
			path = "/v2/alerts/" + id + "/notes"
		case 5:
			method, path = "PUT", "/v2/alerts/"+id+"/message"
		case 6:
			method, path = "PUT", "/v2/alerts/"+id+"/description"
		case 7:
			method, path = "GET", "/v2/alerts/requests/"+id
		}
		req := httptest.NewRequest(method, "/", bytes.NewReader(body))
		req.URL = &url.URL{Path: path, RawQuery: url.Values{"identifierType": {identifierType}}.Encode()}
		req.Header.Set("Authorization", "GenieKey "+key)
		fuzzServe(t, a, req)
	})
}
