package api_test

import (
	"strings"
	"testing"

	"github.com/tocsin/tocsin/internal/testkit"
)

func TestEscalationPolicies(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		e.app.Service("payments", "checkout")
		policy := map[string]any{
			"name": "payments-default", "description": "On call, then the team", "team": "payments", "repeat": 1,
			"steps": []map[string]any{
				{"delay_minutes": 0, "targets": []string{"user:Alice@Example.com"}},
				{"delay_minutes": 15, "targets": []string{"team:payments", "slack:C0123ABC"}},
			},
		}
		r := e.call(e.admin, "POST", v1("/escalation-policies"), policy)
		if r.status != 201 {
			t.Fatalf("create policy: %d %s", r.status, r.raw)
		}
		id := num(r.body, "id")
		if r.header.Get("Location") != v1("/escalation-policies/%d", id) || str(r.body, "team") != "payments" || num(r.body, "repeat") != 1 ||
			num(r.body, "repeat_delay_minutes") != 10 || len(list(r.body, "services")) != 0 {
			t.Errorf("created: %s (Location %q)", r.raw, r.header.Get("Location"))
		}
		steps := list(r.body, "steps")
		if len(steps) != 2 || num(steps[1], "delay_minutes") != 15 || steps[0]["targets"].([]any)[0] != "user:alice@example.com" {
			t.Errorf("steps: %v", r.body["steps"])
		}

		// Refused: nothing written, the message says what is wrong.
		bad := func(edit func(map[string]any), status int, code string, words ...string) {
			t.Helper()
			p := map[string]any{"name": "other", "steps": []map[string]any{{"delay_minutes": 0, "targets": []string{"user:alice@example.com"}}}}
			edit(p)
			e.fails(e.admin, "POST", v1("/escalation-policies"), p, status, code, words...)
		}
		bad(func(p map[string]any) { p["name"] = "payments-default" }, 409, "conflict", "payments-default")
		bad(func(p map[string]any) {
			p["steps"] = []map[string]any{{"delay_minutes": 0, "targets": []string{"schedule:nope"}}}
		}, 400, "invalid", "step 1", "schedule", "nope", "does not exist")
		bad(func(p map[string]any) {
			p["steps"] = []map[string]any{{"delay_minutes": 0, "targets": []string{"pager:x"}}}
		}, 400, "invalid", "steps[0].targets[0]", "pager")
		bad(func(p map[string]any) { p["steps"] = []map[string]any{} }, 400, "invalid", "at least one step")
		bad(func(p map[string]any) {
			p["steps"] = []map[string]any{{"delay_minutes": -5, "targets": []string{"user:alice@example.com"}}}
		}, 400, "invalid", "steps[0].delay_minutes")
		bad(func(p map[string]any) { p["repeat"] = 10 }, 400, "invalid", "repeat")
		bad(func(p map[string]any) { p["team"] = "nobody" }, 400, "invalid", `"team"`)
		bad(func(p map[string]any) { p["stpes"] = 1 }, 400, "invalid", `"stpes"`)
		e.fails(e.member, "POST", v1("/escalation-policies"), policy, 403, "forbidden")
		if got := list(e.must(e.viewer, "GET", v1("/escalation-policies"), nil, 200), "escalation_policies"); len(got) != 1 {
			t.Fatalf("refused creates wrote policies: %v", got)
		}

		// By id or name; PATCH changes what it is sent.
		if got := e.must(e.viewer, "GET", v1("/escalation-policies/payments-default"), nil, 200); num(got, "id") != id {
			t.Errorf("by name: %v", got)
		}
		e.fails(e.viewer, "GET", v1("/escalation-policies/missing"), nil, 404, "not_found")
		got := e.must(e.admin, "PATCH", v1("/escalation-policies/%d", id), map[string]any{"repeat": 2, "repeat_delay_minutes": 30, "team": nil}, 200)
		if num(got, "repeat") != 2 || num(got, "repeat_delay_minutes") != 30 || got["team"] != nil || len(list(got, "steps")) != 2 || str(got, "description") != "On call, then the team" {
			t.Errorf("after PATCH: %v", got)
		}
		got = e.must(e.admin, "PATCH", v1("/escalation-policies/%d", id), map[string]any{"steps": []map[string]any{{"delay_minutes": 0, "targets": []string{"team:payments"}}}}, 200)
		if len(list(got, "steps")) != 1 || num(got, "repeat") != 2 {
			t.Errorf("after PATCH of the steps: %v", got)
		}
		if list(e.must(e.viewer, "GET", v1("/escalation-policies?team=payments"), nil, 200), "escalation_policies") != nil {
			t.Error("the team filter lists a policy of no team")
		}

		// A service uses it: shown on both sides; deleting it is a conflict.
		hours := map[string]any{"timezone": "Europe/Paris", "days": []string{"mon", "tue"}, "start": "09:00", "end": "18:00"}
		svc := e.must(e.admin, "PATCH", v1("/services/checkout"), map[string]any{
			"escalation_policy": "payments-default", "off_hours_policy": id, "business_hours": hours,
			"maintenance": []map[string]any{
				{"weekly": map[string]any{"days": []string{"tue"}, "start": "02:00", "end": "03:00", "timezone": "Europe/Paris"}, "note": "db upgrade"},
				{"from": "2026-11-10T22:00:00+01:00", "to": "2026-11-11T01:00:00+01:00"},
			},
		}, 200)
		if str(svc, "escalation_policy") != "payments-default" || num(svc, "off_hours_policy_id") != id || str(obj(svc, "business_hours"), "timezone") != "Europe/Paris" {
			t.Errorf("service after PATCH: %v", svc)
		}
		if m := list(svc, "maintenance"); len(m) != 2 || str(obj(m[0], "weekly"), "start") != "02:00" || m[0]["from"] != nil || str(m[1], "from") != "2026-11-10T21:00:00Z" {
			t.Errorf("maintenance: %v", svc["maintenance"])
		}
		if got := e.must(e.viewer, "GET", v1("/escalation-policies/%d", id), nil, 200); strings.Join(toStrings(got["services"]), ",") != "checkout" {
			t.Errorf("policy's services: %v", got["services"])
		}
		e.fails(e.admin, "DELETE", v1("/escalation-policies/%d", id), nil, 409, "conflict", "checkout")

		// The service's other fields are kept by a PATCH that does not send them.
		svc = e.must(e.admin, "PATCH", v1("/services/checkout"), map[string]any{"description": "Where people pay"}, 200)
		if str(svc, "escalation_policy") != "payments-default" || len(list(svc, "maintenance")) != 2 {
			t.Errorf("a PATCH of the description changed paging: %v", svc)
		}
		e.fails(e.admin, "PATCH", v1("/services/checkout"), map[string]any{"escalation_policy": nil}, 400, "invalid", "off-hours policy needs")
		e.fails(e.admin, "PATCH", v1("/services/checkout"), map[string]any{"maintenance": []map[string]any{{"from": "2026-11-11T01:00:00Z", "to": "2026-11-10T01:00:00Z"}}}, 400, "invalid", "before it starts")
		e.fails(e.admin, "PATCH", v1("/services/checkout"), map[string]any{"maintenance": []map[string]any{{"from": "yesterday"}}}, 400, "invalid", "RFC 3339")
		e.fails(e.admin, "PATCH", v1("/services/checkout"), map[string]any{"escalation_policy": "nope"}, 400, "invalid", `"escalation_policy"`, "nope")

		svc = e.must(e.admin, "PATCH", v1("/services/checkout"), map[string]any{"escalation_policy": nil, "off_hours_policy": nil, "business_hours": nil, "maintenance": []any{}}, 200)
		if svc["escalation_policy"] != nil || svc["off_hours_policy_id"] != nil || svc["business_hours"] != nil || len(list(svc, "maintenance")) != 0 {
			t.Errorf("service after clearing: %v", svc)
		}
		e.must(e.admin, "DELETE", v1("/escalation-policies/payments-default"), nil, 204)
		e.fails(e.admin, "DELETE", v1("/escalation-policies/%d", id), nil, 404, "not_found")

		// A new service may be created with its paging settings.
		e.must(e.admin, "POST", v1("/escalation-policies"), map[string]any{"name": "p2", "steps": []map[string]any{{"delay_minutes": 0, "targets": []string{"user:alice@example.com"}}}}, 201)
		created := e.must(e.admin, "POST", v1("/services"), map[string]any{"name": "billing", "escalation_policy": "p2"}, 201)
		if str(created, "escalation_policy") != "p2" || created["business_hours"] != nil || created["maintenance"] == nil {
			t.Errorf("created service: %v", created)
		}
	})
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
