package ingest_test

import (
	"context"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

func (e *env) rule(r tocsin.ProcessingRule) {
	e.t.Helper()
	r.Enabled = true
	if err := e.app.DB.CreateRule(context.Background(), &r, e.app.Clock.Now()); err != nil {
		e.t.Fatal(err)
	}
}

func hasRuleApplied(entries []tocsin.TimelineEntry, name string) bool {
	for _, t := range entries {
		if t.Kind == tocsin.TimelineRuleApplied && t.Message == name {
			return true
		}
	}
	return false
}

// TestProcessingRules sends alerts through the formats and checks what the
// integration's rules made of them, including a rule that holds only out of hours.
func TestProcessingRules(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationAlertmanager)
		id := e.integ.ID
		e.rule(tocsin.ProcessingRule{IntegrationID: id, Name: "timeouts are critical",
			Conditions: []tocsin.Condition{{Field: "summary", Op: "regex", Value: `(?i)time(d )?out`}},
			Actions:    tocsin.RuleActions{SetPriority: tocsin.P1, RewriteSummary: "{{labels.app}}: {{summary}}"}})
		e.rule(tocsin.ProcessingRule{IntegrationID: id, Name: "drop test env",
			Conditions: []tocsin.Condition{{Field: "label:env", Op: "equals", Value: "test"}},
			Actions:    tocsin.RuleActions{Drop: true}, Stop: true})
		e.rule(tocsin.ProcessingRule{IntegrationID: id, Name: "keep flapping quiet",
			Conditions: []tocsin.Condition{{Field: "summary", Op: "contains", Value: "flapping"}},
			Actions:    tocsin.RuleActions{Suppress: true}})
		e.rule(tocsin.ProcessingRule{IntegrationID: id, Name: "db out of hours",
			Conditions: []tocsin.Condition{{Field: "label:team", Op: "equals", Value: "db"}},
			When:       &tocsin.TimeWindow{Timezone: "Europe/Paris", Start: "09:00", End: "18:00", Outside: true},
			Actions:    tocsin.RuleActions{AddLabels: map[string]string{"out_of_hours": "yes"}, SetPriority: tocsin.P4}})

		fire := func(fingerprint, summary string, labels string) {
			t.Helper()
			body := `{"version":"4","alerts":[{"status":"firing","fingerprint":"` + fingerprint + `","labels":` + labels + `,"annotations":{"summary":"` + summary + `"}}]}`
			hookOK(t, e.do("POST", "/hooks/alertmanager/"+e.key, body), 1)
		}
		byKey := func(key string) *tocsin.Alert {
			t.Helper()
			for _, a := range e.alerts() {
				if a.DedupKey == key && a.Status.Open() {
					return a
				}
			}
			return nil
		}

		fire("f1", "Card gateway timed out", `{"app":"checkout","severity":"warning"}`)
		a := byKey("f1")
		if a == nil || a.Summary != "checkout: Card gateway timed out" || a.Priority != tocsin.P1 || !hasRuleApplied(e.timeline(a.ID), "timeouts are critical") {
			t.Fatalf("rewritten alert: %+v", a)
		}

		fire("f2", "Canary timed out", `{"app":"checkout","env":"test"}`)
		if byKey("f2") != nil {
			t.Fatal("a dropped alert was stored")
		}

		fire("f3", "Link flapping on sw1", `{"app":"net"}`)
		a = byKey("f3")
		if a == nil || !a.Suppressed || kinds(e.timeline(a.ID)) != "created,rule_applied,suppressed" {
			t.Fatalf("suppressed alert: %+v", a)
		}

		// testkit's clock starts on a Monday at 09:00 in Paris: business hours.
		fire("f4", "Replication lag", `{"team":"db"}`)
		if a = byKey("f4"); a == nil || a.Labels["out_of_hours"] != "" || a.Priority != tocsin.P3 {
			t.Fatalf("in business hours: %+v", a)
		}
		e.app.Clock.Set(time.Date(2026, 11, 2, 18, 30, 0, 0, time.UTC)) // 19:30 in Paris
		fire("f5", "Replication lag", `{"team":"db"}`)
		if a = byKey("f5"); a == nil || a.Labels["out_of_hours"] != "yes" || a.Priority != tocsin.P4 || !hasRuleApplied(e.timeline(a.ID), "db out of hours") {
			t.Fatalf("out of hours: %+v", a)
		}
		e.app.Clock.Set(time.Date(2026, 11, 7, 10, 0, 0, 0, time.UTC)) // Saturday
		fire("f6", "Replication lag", `{"team":"db"}`)
		if a = byKey("f6"); a == nil || a.Labels["out_of_hours"] != "yes" {
			t.Fatalf("on Saturday: %+v", a)
		}

		// Rules rewrite triggers only: a resolve still finds the rewritten alert.
		hookOK(t, e.do("POST", "/hooks/alertmanager/"+e.key, `{"version":"4","alerts":[{"status":"resolved","fingerprint":"f1","labels":{"app":"checkout"}}]}`), 1)
		if byKey("f1") != nil {
			t.Fatal("the rewritten alert did not resolve")
		}
	})
}

// TestGlobalIntegration: a global integration (no service) routes by the naming
// convention "application / squad / description", and by global routing rules.
func TestGlobalIntegration(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationGeneric)
		database := e.app.Service("dba", "database")
		global, key := e.app.Integration(tocsin.IntegrationPagerDuty, 0)
		if !global.Global() {
			t.Fatal("integration is not global")
		}
		e.rule(tocsin.ProcessingRule{Name: "dba owns replication",
			Conditions: []tocsin.Condition{{Field: "summary", Op: "contains", Value: "replication"}},
			Actions:    tocsin.RuleActions{RouteToService: "database"}})
		send := func(dedup, summary string) *tocsin.Alert {
			t.Helper()
			r := e.do("POST", "/v2/enqueue", map[string]any{"routing_key": key, "event_action": "trigger", "dedup_key": dedup,
				"payload": map[string]any{"summary": summary, "source": "mon", "severity": "error"}})
			if r.status != 202 {
				t.Fatalf("%s: %d %s", summary, r.status, r)
			}
			list, _, _ := e.app.DB.Alerts(context.Background(), tocsin.AlertFilter{Text: dedup})
			if len(list) != 1 {
				t.Fatalf("%s: %d alerts", dedup, len(list))
			}
			return list[0]
		}
		a := send("g1", "checkout / payments / Disk full")
		if a.ServiceID != e.service.ID || a.Labels["app"] != "checkout" || a.Labels["squad"] != "payments" || a.IntegrationID != global.ID {
			t.Fatalf("naming convention: %+v", a)
		}
		if a = send("g2", "[checkout][payments] Card declines up"); a.ServiceID != e.service.ID {
			t.Fatalf("bracket convention: %+v", a)
		}
		if a = send("g3", "Postgres replication broken"); a.ServiceID != database.ID || !hasRuleApplied(e.timeline(a.ID), "dba owns replication") {
			t.Fatalf("global rule routing: %+v", a)
		}
		if a = send("g4", "Something odd"); a.ServiceID != 0 {
			t.Fatalf("unroutable alert went to service %d", a.ServiceID)
		}
		if a = send("g5", "unknownapp / payments / Disk full"); a.ServiceID != 0 || a.Labels["app"] != "unknownapp" {
			t.Fatalf("convention naming no service: %+v", a)
		}
	})
}
