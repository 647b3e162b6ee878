package api_test

import (
	"context"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

func TestRules(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		e.app.Service("payments", "checkout")
		e.app.Service("storage", "databases")
		integ, _ := e.app.Integration(tocsin.IntegrationGeneric, 0)

		r := e.call(e.admin, "POST", v1("/rules"), map[string]any{
			"name":       "disks are urgent",
			"conditions": []map[string]any{{"field": "summary", "op": "regex", "value": "(?i)disk"}},
			"actions":    map[string]any{"set_priority": "P1", "route_to_service": "databases", "add_labels": map[string]string{"team": "storage"}},
		})
		if r.status != 201 {
			t.Fatalf("create rule: %d %s", r.status, r.raw)
		}
		global := r.body
		gid := num(global, "id")
		actions := obj(global, "actions")
		if global["integration_id"] != nil || global["enabled"] != true || num(global, "position") != 1 || global["when"] != nil ||
			actions["set_priority"] != "P1" || actions["route_to_service"] != "databases" || obj(actions, "add_labels")["team"] != "storage" ||
			len(list(global, "conditions")) != 1 || r.header.Get("Location") != v1("/rules/%d", gid) {
			t.Errorf("created rule: %s", r.raw)
		}
		own := e.must(e.admin, "POST", v1("/rules"), map[string]any{
			"name": "quiet at night", "integration": integ.ID, "stop": true,
			"when":    map[string]any{"timezone": "Europe/Paris", "start": "20:00", "end": "08:00", "days": []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}},
			"actions": map[string]any{"suppress": true},
		}, 201)
		if num(own, "integration_id") != integ.ID || str(obj(own, "when"), "timezone") != "Europe/Paris" || own["stop"] != true {
			t.Errorf("integration rule: %v", own)
		}
		second := e.must(e.admin, "POST", v1("/rules"), map[string]any{"name": "drop tests", "integration": "global", "enabled": false,
			"conditions": []map[string]any{{"field": "label:env", "op": "equals", "value": "test"}}, "actions": map[string]any{"drop": true}}, 201)
		if num(second, "position") != 2 || second["enabled"] != false {
			t.Errorf("second global rule: %v", second)
		}

		// Rules made over the API run on the next alert.
		e.app.Clock.Set(testkit.Epoch.Add(4 * 3600e9)) // 12:00 UTC, 13:00 in Paris: not night
		id := e.trigger(integ, alertEvent("disk full on db-1", "P4", nil))[0]
		alert := e.must(e.viewer, "GET", v1("/alerts/%d", id), nil, 200)
		if str(alert, "priority") != "P1" || str(alert, "service") != "databases" || obj(alert, "labels")["team"] != "storage" || alert["suppressed"] != false {
			t.Errorf("alert after the API's rules: %v", alert)
		}

		// Validation errors come back as 400, and nothing is written.
		for _, bad := range []struct {
			body  map[string]any
			words []string
		}{
			{map[string]any{"name": "x", "conditions": []map[string]any{{"field": "summary", "op": "regex", "value": "(unclosed"}}, "actions": map[string]any{"suppress": true}}, []string{"condition 1", "regular expression"}},
			{map[string]any{"name": "x", "conditions": []map[string]any{{"field": "summary", "op": "like", "value": "a"}}, "actions": map[string]any{"suppress": true}}, []string{"like"}},
			{map[string]any{"name": "x", "conditions": []map[string]any{{"field": "host", "op": "equals", "value": "a"}}, "actions": map[string]any{"suppress": true}}, []string{"host"}},
			{map[string]any{"name": "x"}, []string{"no action"}},
			{map[string]any{"name": ""}, []string{"name"}},
			{map[string]any{"name": "x", "actions": map[string]any{"drop": true, "suppress": true}}, []string{"drops"}},
			{map[string]any{"name": "x", "actions": map[string]any{"set_priority": "urgent"}}, []string{"urgent"}},
			{map[string]any{"name": "x", "actions": map[string]any{"route_to_service": "nowhere"}}, []string{"nowhere"}},
			{map[string]any{"name": "x", "actions": map[string]any{"suppress": true}, "when": map[string]any{"timezone": "Moon/Base", "start": "09:00", "end": "18:00"}}, []string{"Moon/Base"}},
			{map[string]any{"name": "x", "actions": map[string]any{"suppress": true}, "when": map[string]any{"start": "9am", "end": "18:00"}}, []string{"9am"}},
			{map[string]any{"name": "x", "actions": map[string]any{"suppress": true}, "when": map[string]any{"start": "09:00", "end": "18:00", "days": []string{"monday"}}}, []string{"monday"}},
			{map[string]any{"name": "x", "actions": map[string]any{"suppress": true}, "integration": 999}, []string{"999"}},
			{map[string]any{"name": "x", "actions": map[string]any{"suppress": true}, "integration": "generic-1"}, []string{"generic-1"}},
			{map[string]any{"name": "x", "actions": map[string]any{"suppress": true, "page": true}}, []string{`"actions.page"`}},
			{map[string]any{"name": "x", "actions": map[string]any{"suppress": true}, "position": -1}, []string{"position"}},
		} {
			e.fails(e.admin, "POST", v1("/rules"), bad.body, 400, "invalid", bad.words...)
		}
		e.fails(e.admin, "POST", v1("/rules"), map[string]any{"name": "disks are urgent", "actions": map[string]any{"suppress": true}}, 409, "conflict", "disks are urgent")
		if rules := list(e.must(e.viewer, "GET", v1("/rules"), nil, 200), "rules"); len(rules) != 3 {
			t.Errorf("%d rules after refused creates, want 3", len(rules))
		}

		globals := list(e.must(e.viewer, "GET", v1("/rules?integration=global"), nil, 200), "rules")
		if len(globals) != 2 || num(globals[0], "id") != gid {
			t.Errorf("global rules: %v", globals)
		}
		if got := list(e.must(e.viewer, "GET", v1("/rules?integration=%d", integ.ID), nil, 200), "rules"); len(got) != 1 || str(got[0], "name") != "quiet at night" {
			t.Errorf("integration rules: %v", got)
		}
		e.fails(e.viewer, "GET", v1("/rules?integration=999"), nil, 400, "invalid", "999")
		e.fails(e.viewer, "GET", v1("/rules?integration=generic-1"), nil, 400, "invalid", "generic-1")

		// PATCH replaces the fields sent; actions are replaced whole.
		patched := e.must(e.admin, "PATCH", v1("/rules/%d", gid), map[string]any{"enabled": false, "actions": map[string]any{"set_priority": "P2"}}, 200)
		pa := obj(patched, "actions")
		if patched["enabled"] != false || pa["set_priority"] != "P2" || pa["route_to_service"] != "" || len(obj(pa, "add_labels")) != 0 ||
			len(list(patched, "conditions")) != 1 || str(patched, "name") != "disks are urgent" {
			t.Errorf("patched rule: %v", patched)
		}
		noWindow := e.must(e.admin, "PATCH", v1("/rules/%d", num(own, "id")), map[string]any{"when": nil, "position": 5}, 200)
		if noWindow["when"] != nil || num(noWindow, "position") != 5 {
			t.Errorf("rule with its window removed: %v", noWindow)
		}
		e.fails(e.admin, "PATCH", v1("/rules/%d", gid), map[string]any{"integration": integ.ID}, 400, "invalid", "integration")
		e.fails(e.admin, "PATCH", v1("/rules/%d", gid), map[string]any{"name": "drop tests"}, 409, "conflict")
		e.fails(e.admin, "PATCH", v1("/rules/%d", gid), map[string]any{"actions": map[string]any{}}, 400, "invalid", "no action")
		if got := e.must(e.viewer, "GET", v1("/rules/%d", gid), nil, 200); obj(got, "actions")["set_priority"] != "P2" {
			t.Errorf("refused update changed the rule: %v", got)
		}

		e.must(e.admin, "DELETE", v1("/rules/%d", gid), nil, 204)
		e.fails(e.viewer, "GET", v1("/rules/%d", gid), nil, 404, "not_found")
		e.fails(e.admin, "DELETE", v1("/rules/%d", gid), nil, 404, "not_found")
		id = e.trigger(integ, alertEvent("disk full on db-2", "P4", nil))[0]
		if a, err := e.app.DB.Alert(context.Background(), id); err != nil || a.Priority != tocsin.P4 {
			t.Errorf("a deleted rule still applies: %v %v", a, err)
		}
	})
}
