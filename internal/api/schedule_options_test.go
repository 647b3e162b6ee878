package api_test

import (
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// A schedule's voice language, holiday calendar and pay rates, and a user's
// phone and working hours, go through the API and come back as stored.
func TestScheduleOptionsAndPersonalSettings(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		body := map[string]any{"name": "ops", "timezone": "Europe/Paris", "language": "fr",
			"holidays": map[string]any{"country": "FR", "dates": []any{"2026-12-24"}},
			"pay":      map[string]any{"weekday": 20, "weekend": "45,50", "hourly": 30.5}}
		for field, bad := range map[string]any{
			"language": "de",
			"holidays": map[string]any{"country": "XX"},
			"pay":      map[string]any{"weekday": -1},
		} {
			b := map[string]any{"name": "ops"}
			b[field] = bad
			e.fails(e.admin, "POST", v1("/schedules"), b, 400, "invalid")
		}
		r := e.must(e.admin, "POST", v1("/schedules"), body, 201)
		pay, holidays := obj(r, "pay"), obj(r, "holidays")
		if str(r, "language") != "fr" || str(holidays, "country") != "FR" || pay["weekday"] != 20.0 || pay["weekend"] != 45.5 ||
			pay["hourly"] != 30.5 || str(pay, "currency") != "EUR" {
			t.Fatalf("created schedule: %v", r)
		}
		r = e.must(e.admin, "PATCH", v1("/schedules/ops"), map[string]any{"pay": map[string]any{}}, 200)
		if p := obj(r, "pay"); len(p) != 0 || str(r, "language") != "fr" {
			t.Fatalf("after clearing pay: %v", r)
		}

		bob := e.app.CreateUser("bob@example.com", "Bob", tocsin.RoleMember, "correct horse battery")
		e.fails(e.admin, "PATCH", v1("/users/%d", bob.ID), map[string]any{"phone": "06 12"}, 400, "invalid", "06 12")
		e.fails(e.admin, "PATCH", v1("/users/%d", bob.ID), map[string]any{"working_hours": map[string]any{"start": "25:00", "end": "18:00"}}, 400, "invalid", "25:00")
		u := e.must(e.admin, "PATCH", v1("/users/%d", bob.ID), map[string]any{"phone": "+33 6 39 98 00 01",
			"working_hours": map[string]any{"days": []any{"mon", "tue"}, "start": "08:00", "end": "16:00"}}, 200)
		if str(u, "phone") != "+33639980001" || str(obj(u, "working_hours"), "start") != "08:00" {
			t.Fatalf("patched user: %v", u)
		}
		u = e.must(e.admin, "PATCH", v1("/users/%d", bob.ID), map[string]any{"working_hours": nil}, 200)
		if wh := obj(u, "working_hours"); str(wh, "start") != "09:00" || str(wh, "end") != "18:00" || str(u, "phone") != "+33639980001" {
			t.Fatalf("default working hours: %v", u)
		}
	})
}
