package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// paris is a local Paris time, "2026-11-03 17:00".
func paris(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// TestOnCallPayReport: a November on a weekly Paris rotation with French
// holidays and rates; Bob is paged twice in his week and works 17:00-21:00
// on two overlapping alerts, 3 hours of which are out of his working hours.
func TestOnCallPayReport(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		bob := e.app.CreateUser("bob@example.com", "Bob Durand", tocsin.RoleMember, "correct horse battery")
		e.tokens[bob] = e.app.Token(bob)
		bob.Timezone = "Europe/Paris"
		if err := e.app.DB.UpdateUser(context.Background(), bob, ""); err != nil {
			t.Fatal(err)
		}
		svc := e.app.Service("payments", "checkout")
		integ, _ := e.app.Integration(tocsin.IntegrationGeneric, svc.ID)
		e.must(e.admin, "POST", v1("/schedules"), map[string]any{
			"name": "payments-primary", "team": "payments", "timezone": "Europe/Paris",
			"holidays": map[string]any{"country": "FR"},
			"pay":      map[string]any{"currency": "EUR", "weekday": "40", "weekend": 60, "holiday": "100.00", "hourly": 25},
			"layers": []any{map[string]any{"name": "weekly", "participants": []any{"alice@example.com", "bob@example.com"},
				"length": "1w", "handoff": "mon 09:00", "start": "2026-10-26"}},
		}, 201)

		clock := e.app.Clock
		at := func(s string) { clock.Set(paris(t, s)) }
		at("2026-11-03 17:00")
		first := e.trigger(integ, tocsin.AlertEvent{DedupKey: "db", Summary: "Database slow"})[0]
		e.must(bob, "POST", v1("/alerts/%d/acknowledge", first), nil, 200)
		at("2026-11-03 19:00")
		second := e.trigger(integ, tocsin.AlertEvent{DedupKey: "disk", Summary: "Disk full"})[0]
		at("2026-11-03 19:30")
		e.must(bob, "POST", v1("/alerts/%d/acknowledge", second), nil, 200)
		at("2026-11-03 20:00")
		e.must(bob, "POST", v1("/alerts/%d/resolve", first), nil, 200)
		at("2026-11-03 21:00")
		e.must(bob, "POST", v1("/alerts/%d/resolve", second), nil, 200)
		at("2026-11-21 12:00")

		byEmail := func(body map[string]any) map[string]map[string]any {
			out := map[string]map[string]any{}
			for _, r := range list(body, "rows") {
				out[str(obj(r, "user"), "email")] = r
			}
			return out
		}
		days := func(r map[string]any, kind string) float64 { f, _ := obj(r, kind)["days"].(float64); return f }
		all := e.must(e.admin, "GET", v1("/reports/oncall-pay?month=2026-11"), nil, 200)
		rows := byEmail(all)
		if len(rows) != 2 || str(all, "month") != "2026-11" {
			t.Fatalf("admin sees %s", mustJSON(all))
		}
		b, a := rows["bob@example.com"], rows["alice@example.com"]
		// Bob: 255 weekday hours (10.63 days), 4 week-end days, 2 pages, 3 h → 10.625×40 + 4×60 + 3×25.
		if days(b, "weekday") != 10.63 || days(b, "weekend") != 4 || days(b, "holiday") != 0 || num(b, "pages") != 2 ||
			b["intervention_hours"] != 3.0 || b["amount"] != 740.0 || str(b, "currency") != "EUR" || str(obj(b, "schedule"), "name") != "payments-primary" {
			t.Errorf("Bob's row: %s", mustJSON(b))
		}
		// Alice: All Saints' Day and Armistice Day in her weeks: 225 h, 4 week-end days, 2 holidays.
		if days(a, "weekday") != 9.38 || days(a, "weekend") != 4 || days(a, "holiday") != 2 || num(a, "pages") != 0 ||
			a["intervention_hours"] != 0.0 || a["amount"] != 815.0 {
			t.Errorf("Alice's row: %s", mustJSON(a))
		}
		if g := list(all, "grand_totals"); len(g) != 1 || g[0]["amount"] != 1555.0 || num(g[0], "pages") != 2 {
			t.Errorf("grand totals: %v", g)
		}
		if byTeam := byEmail(e.must(e.admin, "GET", v1("/reports/oncall-pay?month=2026-11&team=payments"), nil, 200)); len(byTeam) != 2 {
			t.Errorf("team payments: %v", byTeam)
		}
		if other := e.must(e.admin, "GET", v1("/reports/oncall-pay?month=2026-10"), nil, 200); len(list(other, "rows")) != 1 {
			t.Errorf("October: %s", mustJSON(other)) // Alice's week from 26 October
		}

		// Pay is personal: a member sees their own row, a viewer on no schedule nothing.
		mine := byEmail(e.must(e.member, "GET", v1("/reports/oncall-pay?month=2026-11"), nil, 200))
		if len(mine) != 1 || mine["alice@example.com"] == nil {
			t.Errorf("Alice sees %v", mine)
		}
		if none := e.must(e.viewer, "GET", v1("/reports/oncall-pay?month=2026-11"), nil, 200); len(list(none, "rows")) != 0 || len(list(none, "totals")) != 0 {
			t.Errorf("a viewer sees %s", mustJSON(none))
		}

		e.fails(e.admin, "GET", v1("/reports/oncall-pay?month=2026-13"), nil, 400, "invalid", "2026-13", "YYYY-MM")
		e.fails(e.admin, "GET", v1("/reports/oncall-pay?month=november"), nil, 400, "invalid", "november")
		e.fails(e.admin, "GET", v1("/reports/oncall-pay?team=nope"), nil, 400, "invalid", "nope")
		e.fails(e.admin, "GET", v1("/reports/oncall-pay?mnoth=2026-11"), nil, 400, "invalid", "mnoth")
	})
}
