package ingest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

func hookOK(t *testing.T, r response, alerts int) {
	t.Helper()
	if want := fmt.Sprintf(`{"status":"ok","alerts":%d}`+"\n", alerts); r.status != http.StatusOK || r.String() != want {
		t.Fatalf("reply %d %s; want 200 %s", r.status, r, want)
	}
}

func linkTexts(links []tocsin.Link) string {
	var out []string
	for _, l := range links {
		out = append(out, l.Text)
	}
	return strings.Join(out, ",")
}

// TestAlertmanagerWebhook sends what Alertmanager's webhook_configs sends, through
// a firing / repeat / acknowledge / resolve / fire-again cycle.
func TestAlertmanagerWebhook(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationAlertmanager)
		ctx := context.Background()
		firing := testdata(t, "alertmanager_firing.json", "")

		hookOK(t, e.do("POST", "/hooks/alertmanager/"+e.key, firing), 2)
		list := e.alerts()
		if len(list) != 2 {
			t.Fatalf("%d alerts, want 2", len(list))
		}
		db1, db2 := list[0], list[1]
		if db1.DedupKey != "c6eadffa33fcdf37" || db1.Summary != "Disk almost full on db1" || db1.Priority != tocsin.P1 || db1.Source != "db1:9100" ||
			db1.Labels["alertname"] != "DiskFull" || db1.Labels["team"] != "db" || linkTexts(db1.Links) != "Source" ||
			!strings.Contains(db1.Details, `"runbook_url": "https://runbooks.example.com/disk"`) || db1.ServiceID != e.service.ID {
			t.Fatalf("db1 stored as %+v", db1)
		}
		if db1.Links[0].Href != "http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes+%3C+0.05&g0.tab=1" {
			t.Fatalf("generatorURL link %q", db1.Links[0].Href)
		}
		// No annotation: the alert name and instance make the summary; severity warning is P3.
		if db2.Summary != "DiskFull on db2:9100" || db2.Priority != tocsin.P3 || db2.Details != "" {
			t.Fatalf("db2 stored as %+v", db2)
		}
		if entries := e.timeline(db1.ID); entries[0].Actor != "Alertmanager" || entries[0].Channel != tocsin.ChannelAlertmanager {
			t.Fatalf("created by %q via %q", entries[0].Actor, entries[0].Channel)
		}
		// db1 started two minutes before it came (startsAt): the timeline says so;
		// db2's startsAt is within a minute of its receipt, not worth a word.
		if got := e.timeline(db1.ID)[0].Message; got != "received through integration "+e.integ.Name+"; the sender dates it 2026-11-02 07:58:00 UTC" {
			t.Fatalf("db1 created with %q", got)
		}
		if got := e.timeline(db2.ID)[0].Message; strings.Contains(got, "sender") {
			t.Fatalf("db2 created with %q", got)
		}

		// Repeat interval: the same payload again, with the key as a bearer token.
		hookOK(t, e.do("POST", "/hooks/alertmanager", firing, "Authorization", "Bearer "+e.key), 2)
		if list = e.alerts(); len(list) != 2 || list[0].Occurrences != 2 || list[1].Occurrences != 2 {
			t.Fatalf("after a repeat: %+v", list)
		}

		// Someone acknowledges db1; Alertmanager keeps re-sending it as firing:
		// it stays acknowledged (Resent), counting occurrences.
		if _, err := e.app.DB.ActOnAlerts(ctx, []int64{db1.ID}, store.AlertAction{Action: tocsin.ActionAcknowledge, Actor: "alice", Channel: tocsin.ChannelWeb}, e.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		hookOK(t, e.do("POST", "/hooks/alertmanager/", firing, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alertmanager:"+e.key))), 2)
		a, _ := e.app.DB.Alert(ctx, db1.ID)
		if a.Status != tocsin.StatusAcknowledged || a.Occurrences != 3 || a.AckedBy != "alice" {
			t.Fatalf("re-sent firing on an acknowledged alert: %s, %d occurrences, acked by %q", a.Status, a.Occurrences, a.AckedBy)
		}

		// db1 resolves, db2 still fires.
		hookOK(t, e.do("POST", "/hooks/alertmanager/"+e.key, testdata(t, "alertmanager_resolved.json", "")), 2)
		a, _ = e.app.DB.Alert(ctx, db1.ID)
		if a.Status != tocsin.StatusResolved || a.ResolvedBy != "Alertmanager" || a.ResolveChannel != tocsin.ChannelAlertmanager {
			t.Fatalf("after resolved: %s by %q via %q", a.Status, a.ResolvedBy, a.ResolveChannel)
		}
		if entries := e.timeline(db1.ID); entries[len(entries)-1].Message != "the sender dates it 2026-11-02 08:10:00 UTC" {
			t.Fatalf("resolved with %q, want endsAt", entries[len(entries)-1].Message)
		}
		if a, _ = e.app.DB.Alert(ctx, db2.ID); a.Status != tocsin.StatusTriggered || a.Occurrences != 4 {
			t.Fatalf("db2 after the group's resolve notification: %s, %d", a.Status, a.Occurrences)
		}

		// db1 fires again: a new alert with the same fingerprint.
		hookOK(t, e.do("POST", "/hooks/alertmanager/"+e.key, firing), 2)
		if list = e.alerts(); len(list) != 3 || list[2].DedupKey != "c6eadffa33fcdf37" || list[2].Status != tocsin.StatusTriggered {
			t.Fatalf("after firing again: %+v", list)
		}

		// A custom payload without fingerprints is identified by its labels.
		watchdog := testdata(t, "alertmanager_nofingerprint.json", "")
		hookOK(t, e.do("POST", "/hooks/alertmanager/"+e.key, watchdog), 1)
		hookOK(t, e.do("POST", "/hooks/alertmanager/"+e.key, watchdog), 1)
		if list = e.alerts(); len(list) != 4 || list[3].Summary != "This alert is always firing." || list[3].Occurrences != 2 || len(list[3].DedupKey) != 16 {
			t.Fatalf("watchdog: %+v", list[3])
		}
	})
}

// TestGrafanaWebhook sends what Grafana's webhook contact point sends.
func TestGrafanaWebhook(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationGrafana)
		firing := testdata(t, "grafana_firing.json", "")

		hookOK(t, e.do("POST", "/hooks/grafana/"+e.key, firing), 1)
		a := e.only()
		if a.Summary != "p99 latency is 2.3 s over the last 5 minutes" || a.Priority != tocsin.P2 || a.DedupKey != "a1b2c3d4e5f60718" ||
			a.Labels["grafana_folder"] != "Checkout" || linkTexts(a.Links) != "Source,Dashboard,Panel,Silence" || a.Source != "https://grafana.example.com/" {
			t.Fatalf("stored %+v", a)
		}
		for _, want := range []string{`"valueString": "[ var='B'`, `"B": 2.31`, `"runbook_url"`} {
			if !strings.Contains(a.Details, want) {
				t.Fatalf("details lack %s: %s", want, a.Details)
			}
		}
		if entries := e.timeline(a.ID); entries[0].Actor != "Grafana" || entries[0].Channel != tocsin.ChannelGrafana {
			t.Fatalf("created by %q via %q", entries[0].Actor, entries[0].Channel)
		}

		// Grafana's method and auth options: PUT, basic auth with the key as
		// password, any Authorization scheme.
		hookOK(t, e.do("PUT", "/hooks/grafana", firing, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("grafana:"+e.key))), 1)
		hookOK(t, e.do("POST", "/hooks/grafana", firing, "Authorization", "Token "+e.key), 1)
		// A Grafana payload on the Alertmanager URL is still Grafana's.
		hookOK(t, e.do("POST", "/hooks/alertmanager/"+e.key, firing), 1)
		if a = e.only(); a.Occurrences != 4 {
			t.Fatalf("occurrences %d, want 4", a.Occurrences)
		}

		hookOK(t, e.do("POST", "/hooks/grafana/"+e.key, testdata(t, "grafana_resolved.json", "")), 1)
		if a = e.only(); a.Status != tocsin.StatusResolved || a.ResolvedBy != "Grafana" || a.ResolveChannel != tocsin.ChannelGrafana {
			t.Fatalf("after resolved: %s by %q via %q", a.Status, a.ResolvedBy, a.ResolveChannel)
		}
	})
}

func sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	if timestamp != "" {
		mac.Write([]byte(timestamp + ":"))
	}
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// TestGrafanaHMAC checks the signature of an integration with an HMAC secret.
func TestGrafanaHMAC(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationGrafana)
		ctx := context.Background()
		integ := &tocsin.Integration{Name: "signed", Type: tocsin.IntegrationGrafana, ServiceID: e.service.ID, HMACSecret: "grafana-shared-secret"}
		key, err := e.app.DB.CreateIntegration(ctx, integ, "", e.app.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		body := testdata(t, "grafana_firing.json", "")
		now := fmt.Sprint(e.app.Clock.Now().Unix())
		stale := fmt.Sprint(e.app.Clock.Now().Add(-10 * time.Minute).Unix())
		tampered := bytes.Replace(body, []byte("2.31"), []byte("0.01"), 1)
		path := "/hooks/grafana/" + key

		refused := []struct {
			name    string
			body    []byte
			headers []string
		}{
			{"no signature", body, nil},
			{"wrong secret", body, []string{"X-Grafana-Alerting-Signature", sign("guess", "", body)}},
			{"not hex", body, []string{"X-Grafana-Alerting-Signature", "zz"}},
			{"tampered body", tampered, []string{"X-Grafana-Alerting-Signature", sign("grafana-shared-secret", "", body)}},
			{"timestamp not signed", body, []string{"X-Grafana-Alerting-Signature", sign("grafana-shared-secret", "", body), "X-Grafana-Alerting-Timestamp", now}},
			{"stale timestamp", body, []string{"X-Grafana-Alerting-Signature", sign("grafana-shared-secret", stale, body), "X-Grafana-Alerting-Timestamp", stale}},
		}
		for _, c := range refused {
			r := e.do("POST", path, c.body, c.headers...)
			if r.status != http.StatusUnauthorized || !strings.Contains(r.String(), `"status":"error"`) {
				t.Errorf("%s: %d %s; want 401", c.name, r.status, r)
			}
		}
		// The key of a signed integration works nowhere the signature is not checked.
		r := e.do("POST", "/v2/enqueue", map[string]any{"routing_key": key, "event_action": "trigger", "payload": map[string]any{"summary": "s"}})
		if r.status != http.StatusUnauthorized || !strings.Contains(r.String(), "signed") {
			t.Fatalf("signed key on PagerDuty's endpoint: %d %s", r.status, r)
		}
		if n := len(e.alerts()); n != 0 {
			t.Fatalf("refused requests stored %d alerts", n)
		}

		hookOK(t, e.do("POST", path, body, "X-Grafana-Alerting-Signature", sign("grafana-shared-secret", "", body)), 1)
		hookOK(t, e.do("POST", path, body, "X-Grafana-Alerting-Signature", sign("grafana-shared-secret", now, body), "X-Grafana-Alerting-Timestamp", now), 1)
		// The default header name of Grafana's HMAC transport works too.
		hookOK(t, e.do("PUT", path, body, "X-Grafana-Alert-Signature", sign("grafana-shared-secret", now, body), "X-Grafana-Alert-Timestamp", now), 1)
		if a := e.only(); a.Occurrences != 3 || a.IntegrationID != integ.ID {
			t.Fatalf("signed requests stored %+v", a)
		}
	})
}

// TestWebhookRefused checks refusals of both webhooks, and that none wrote anything.
func TestWebhookRefused(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationAlertmanager)
		revoked, revokedKey := e.app.Integration(tocsin.IntegrationAlertmanager, e.service.ID)
		if err := e.app.DB.RevokeIntegration(context.Background(), revoked.ID, e.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		firing := testdata(t, "alertmanager_firing.json", "")
		cases := []struct {
			name, path string
			body       any
			headers    []string
			status     int
			want       string
		}{
			{"no key", "/hooks/alertmanager", firing, nil, 401, "key missing"},
			{"unknown key in path", "/hooks/alertmanager/0123456789abcdef0123456789abcdef", firing, nil, 401, "unknown or revoked"},
			{"unknown bearer", "/hooks/grafana", firing, []string{"Authorization", "Bearer 0123456789abcdef0123456789abcdef"}, 401, "unknown or revoked"},
			{"revoked key", "/hooks/alertmanager/" + revokedKey, firing, nil, 401, "unknown or revoked"},
			{"revoked key grafana", "/hooks/grafana/" + revokedKey, firing, nil, 401, "unknown or revoked"},
			{"malformed", "/hooks/alertmanager/" + e.key, `{"version":"4","alerts":[{"status":"firing",}]}`, nil, 400, "malformed JSON at byte"},
			{"alerts not a list", "/hooks/grafana/" + e.key, `{"version":"1","alerts":"none"}`, nil, 400, `field \"alerts\" must be a list`},
			{"bad status", "/hooks/alertmanager/" + e.key, `{"alerts":[{"status":"firing","fingerprint":"a"},{"status":"pending","fingerprint":"b"}]}`, nil, 400, `alerts[1].status \"pending\"`},
			{"another tool's body", "/hooks/alertmanager/" + e.key, `{"text":"Disk full on db1"}`, nil, 400, `the body has no \"alerts\" list`},
			{"empty object", "/hooks/grafana/" + e.key, `{}`, nil, 400, `the body has no \"alerts\" list`},
			{"alerts null", "/hooks/grafana/" + e.key, `{"version":"1","alerts":null}`, nil, 400, `the body has no \"alerts\" list`},
			{"null alert", "/hooks/alertmanager/" + e.key, `{"version":"4","status":"firing","alerts":[{"status":"firing","fingerprint":"a"},null]}`, nil, 400, "alerts[1] is null"},
			{"oversized", "/hooks/alertmanager/" + e.key, bigBody(), nil, 413, "larger than"},
			{"oversized grafana", "/hooks/grafana/" + e.key, bigBody(), nil, 413, "larger than"},
		}
		for _, c := range cases {
			r := e.do("POST", c.path, c.body, c.headers...)
			if r.status != c.status || !strings.Contains(r.String(), `"status":"error"`) || !strings.Contains(r.String(), c.want) {
				t.Errorf("%s: %d %s; want %d with %q", c.name, r.status, r, c.status, c.want)
			}
		}
		if n := len(e.alerts()); n != 0 {
			t.Fatalf("refused requests stored %d alerts", n)
		}
		// The same payload with an empty alert list is accepted and stores nothing.
		hookOK(t, e.do("POST", "/hooks/alertmanager/"+e.key, `{"version":"4","status":"resolved","alerts":[]}`), 0)
	})
}

// FuzzWebhook feeds arbitrary bodies to the Alertmanager and Grafana webhooks,
// with a live key in the path.
func FuzzWebhook(f *testing.F) {
	for _, seed := range seeds(f, "alertmanager_") {
		f.Add(false, seed)
	}
	for _, seed := range seeds(f, "grafana_") {
		f.Add(true, seed)
	}
	f.Add(false, []byte(`{"alerts":[{"status":"firing","labels":{"a":1,"b":null,"c":{"x":[1]}},"annotations":{"summary":"\u0000"}}]}`))
	f.Add(true, []byte(`{"status":"resolved","alerts":[{"fingerprint":"x"},{"fingerprint":"x","status":"firing"}]}`))
	a := testkit.Start(f, "sqlite")
	svc := a.Service("payments", "checkout")
	_, amKey := a.Integration(tocsin.IntegrationAlertmanager, svc.ID)
	_, gfKey := a.Integration(tocsin.IntegrationGrafana, svc.ID)
	f.Fuzz(func(t *testing.T, grafana bool, body []byte) {
		path := "/hooks/alertmanager/" + amKey
		if grafana {
			path = "/hooks/grafana/" + gfKey
		}
		fuzzServe(t, a, httptest.NewRequest("POST", path, bytes.NewReader(body)))
	})
}
