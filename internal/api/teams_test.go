package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

func TestTeamsAndServices(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)

		r := e.call(e.admin, "POST", v1("/teams"), map[string]any{"name": "payments", "members": []string{"alice@example.com", "ADMIN@example.com", "alice@example.com"}})
		if r.status != 201 {
			t.Fatalf("create team: %d %s", r.status, r.raw)
		}
		team := r.body
		id := num(team, "id")
		if r.header.Get("Location") != v1("/teams/%d", id) || str(team, "name") != "payments" || str(team, "created_at") != "2026-11-02T08:00:00Z" {
			t.Errorf("created team: %v (Location %q)", team, r.header.Get("Location"))
		}
		if m := list(team, "members"); len(m) != 2 || str(m[0], "email") != "admin@example.com" || str(m[1], "name") != "Alice Martin" || str(m[1], "role") != "member" {
			t.Errorf("members: %v", team["members"])
		}

		// Bad input: 400 naming the problem, and nothing written.
		e.fails(e.admin, "POST", v1("/teams"), map[string]any{"name": "payments"}, 409, "conflict", "payments")
		e.fails(e.admin, "POST", v1("/teams"), map[string]any{"name": "Ops Team"}, 400, "invalid", "Ops Team", "lowercase")
		e.fails(e.admin, "POST", v1("/teams"), map[string]any{"name": "ops", "members": []string{"nobody@example.com"}}, 400, "invalid", "nobody@example.com")
		e.fails(e.admin, "POST", v1("/teams"), map[string]any{"name": "ops", "members": "alice@example.com"}, 400, "invalid", `"members"`, "array")
		e.fails(e.admin, "POST", v1("/teams"), map[string]any{"nmae": "ops"}, 400, "invalid", `"nmae"`)
		e.fails(e.admin, "POST", v1("/teams"), `[{"name":"ops"}]`, 400, "invalid", "JSON object")
		e.fails(e.admin, "POST", v1("/teams"), `name=ops`, 400, "invalid", "not valid JSON")
		e.fails(e.admin, "POST", v1("/teams"), "", 400, "invalid", "empty")
		e.fails(e.admin, "GET", v1("/teams/ops"), nil, 404, "not_found", "ops")
		if teams := list(e.must(e.viewer, "GET", v1("/teams"), nil, 200), "teams"); len(teams) != 1 {
			t.Errorf("refused creates wrote teams: %v", teams)
		}

		// Found by id or by name.
		if got := e.must(e.viewer, "GET", v1("/teams/payments"), nil, 200); num(got, "id") != id {
			t.Errorf("team by name: %v", got)
		}
		e.fails(e.viewer, "GET", v1("/teams/999"), nil, 404, "not_found")

		// A manager keeps their team role when the list is replaced.
		current, err := e.app.DB.Team(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		members := []tocsin.TeamMember{{UserID: e.admin.ID, Role: "manager"}}
		for _, m := range current.Members {
			if m.UserID != e.admin.ID {
				members = append(members, m)
			}
		}
		if err := e.app.DB.SetTeamMembers(context.Background(), id, members); err != nil {
			t.Fatal(err)
		}
		renamed := e.must(e.admin, "PATCH", v1("/teams/%d", id), map[string]any{"name": "billing", "members": []string{"admin@example.com", "victor@example.com"}}, 200)
		m := list(renamed, "members")
		if str(renamed, "name") != "billing" || len(m) != 2 || str(m[0], "role") != "manager" || str(m[1], "email") != "victor@example.com" {
			t.Errorf("after rename and new members: %v", renamed)
		}
		kept := e.must(e.admin, "PATCH", v1("/teams/billing"), map[string]any{"name": "payments"}, 200)
		if len(list(kept, "members")) != 2 {
			t.Errorf("a rename alone changed the members: %v", kept["members"])
		}
		e.must(e.admin, "POST", v1("/teams"), map[string]any{"name": "search"}, 201)
		e.fails(e.admin, "PATCH", v1("/teams/payments"), map[string]any{"name": "search"}, 409, "conflict")
		e.fails(e.admin, "PATCH", v1("/teams/payments"), map[string]any{"members": []string{"admin@example.com", "ghost@example.com"}}, 400, "invalid", "ghost@example.com")
		if got := e.must(e.viewer, "GET", v1("/teams/payments"), nil, 200); len(list(got, "members")) != 2 {
			t.Errorf("a refused update changed the members: %v", got["members"])
		}

		// Services belong to a team, given by name or id.
		r = e.call(e.admin, "POST", v1("/services"), map[string]any{"name": "checkout", "description": "Takes the money.", "team": "payments"})
		if r.status != 201 {
			t.Fatalf("create service: %d %s", r.status, r.raw)
		}
		svc := r.body
		sid := num(svc, "id")
		if str(svc, "team") != "payments" || num(svc, "team_id") != id || str(svc, "description") != "Takes the money." || r.header.Get("Location") != v1("/services/%d", sid) {
			t.Errorf("created service: %v", svc)
		}
		other := e.must(e.admin, "POST", v1("/services"), map[string]any{"name": "invoices", "team": id}, 201)
		if num(other, "team_id") != id {
			t.Errorf("service with team by id: %v", other)
		}
		orphan := e.must(e.admin, "POST", v1("/services"), map[string]any{"name": "legacy"}, 201)
		if orphan["team"] != nil || orphan["team_id"] != nil {
			t.Errorf("service without a team: %v", orphan)
		}
		e.fails(e.admin, "POST", v1("/services"), map[string]any{"name": "checkout"}, 409, "conflict", "checkout")
		e.fails(e.admin, "POST", v1("/services"), map[string]any{"name": "web", "team": "nope"}, 400, "invalid", `field "team"`, `"nope"`)
		e.fails(e.admin, "POST", v1("/services"), map[string]any{"name": "web", "team": true}, 400, "invalid", `"team"`)
		e.fails(e.admin, "POST", v1("/services"), map[string]any{"name": "web", "description": strings.Repeat("x", 2001)}, 400, "invalid", "2000")
		e.fails(e.admin, "GET", v1("/services/web"), nil, 404, "not_found")

		byTeam := list(e.must(e.viewer, "GET", v1("/services?team=payments"), nil, 200), "services")
		if len(byTeam) != 2 || str(byTeam[0], "name") != "checkout" || str(byTeam[1], "name") != "invoices" {
			t.Errorf("services of payments: %v", byTeam)
		}
		e.fails(e.viewer, "GET", v1("/services?team=nope"), nil, 400, "invalid", "nope")
		if got := e.must(e.viewer, "GET", v1("/services/checkout"), nil, 200); num(got, "id") != sid {
			t.Errorf("service by name: %v", got)
		}

		moved := e.must(e.admin, "PATCH", v1("/services/%d", sid), map[string]any{"team": "search"}, 200)
		if str(moved, "team") != "search" || str(moved, "description") != "Takes the money." || str(moved, "name") != "checkout" {
			t.Errorf("service moved to search: %v", moved)
		}
		freed := e.must(e.admin, "PATCH", v1("/services/checkout"), map[string]any{"team": nil, "description": ""}, 200)
		if freed["team"] != nil || str(freed, "description") != "" {
			t.Errorf("service with team cleared: %v", freed)
		}
		e.fails(e.admin, "PATCH", v1("/services/checkout"), map[string]any{"name": "invoices"}, 409, "conflict")

		// Change events (deploys) of a service.
		integ, _ := e.app.Integration(tocsin.IntegrationPagerDuty, sid)
		change := &tocsin.ChangeEvent{Summary: "deploy v1.2.3", Source: "ci", At: testkit.Epoch.Add(-time.Hour)}
		if err := e.app.Pipeline.RecordChange(context.Background(), integ, change); err != nil {
			t.Fatal(err)
		}
		changes := e.must(e.viewer, "GET", v1("/services/checkout/changes"), nil, 200)
		if c := list(changes, "changes"); len(c) != 1 || str(c[0], "summary") != "deploy v1.2.3" || str(c[0], "at") != "2026-11-02T07:00:00Z" || num(c[0], "service_id") != sid {
			t.Errorf("changes: %v", changes)
		}
		e.fails(e.viewer, "GET", v1("/services/checkout/changes?limit=0"), nil, 400, "invalid", "limit")

		// Deleting a team leaves its services without an owner.
		e.must(e.admin, "DELETE", v1("/teams/payments"), nil, 204)
		e.fails(e.viewer, "GET", v1("/teams/%d", id), nil, 404, "not_found")
		if got := e.must(e.viewer, "GET", v1("/services/invoices"), nil, 200); got["team"] != nil {
			t.Errorf("service of a deleted team: %v", got)
		}
		e.must(e.admin, "DELETE", v1("/services/legacy"), nil, 204)
		e.fails(e.admin, "DELETE", v1("/services/legacy"), nil, 404, "not_found")
		e.fails(e.admin, "DELETE", v1("/teams/payments"), nil, 404, "not_found")
	})
}
