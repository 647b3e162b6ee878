package api_test

import (
	"net/url"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

func TestSchedules(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		bob := e.app.CreateUser("bob@example.com", "Bob Durand", tocsin.RoleMember, "correct horse battery")
		e.tokens[bob] = e.app.Token(bob)
		e.must(e.admin, "POST", v1("/teams"), map[string]any{"name": "ops"}, 201)

		// Who is on call on "ops" at an instant (RFC 3339, offsets allowed).
		who := func(at string) map[string]any {
			t.Helper()
			got := list(e.must(e.viewer, "GET", v1("/oncall?schedule=ops&at=%s", url.QueryEscape(at)), nil, 200), "schedules")
			if len(got) != 1 || str(obj(got[0], "schedule"), "name") != "ops" {
				t.Fatalf("oncall at %s: %v", at, got)
			}
			return got[0]
		}
		email := func(o map[string]any) string { return str(obj(o, "on_call"), "email") }

		// A weekly rotation in Paris handing off on Monday at 09:00 local.
		layer := map[string]any{"name": "primary", "participants": []any{"alice@example.com", bob.ID}, "length": "1w", "handoff": "mon 09:00", "start": "2026-11-02"}
		body := map[string]any{"name": "ops", "team": "ops", "timezone": "Europe/Paris", "layers": []any{layer}}

		// Roles and bad input: refused, naming the problem, nothing written.
		e.fails(e.member, "POST", v1("/schedules"), body, 403, "forbidden")
		bad := func(change func(b, l map[string]any), words ...string) {
			t.Helper()
			l := map[string]any{}
			for k, v := range layer {
				l[k] = v
			}
			b := map[string]any{"name": "ops", "timezone": "Europe/Paris", "layers": []any{l}}
			change(b, l)
			e.fails(e.admin, "POST", v1("/schedules"), b, 400, "invalid", words...)
		}
		bad(func(b, l map[string]any) { b["timezone"] = "Mars/Olympus" }, "Mars/Olympus")
		bad(func(b, l map[string]any) { b["timezone"] = "Local" }, `"Local" is unknown`)
		bad(func(b, l map[string]any) { l["participants"] = []any{} }, "at least one participant")
		bad(func(b, l map[string]any) { l["length"] = "3x" }, "shift length", `"x"`)
		bad(func(b, l map[string]any) { l["handoff"] = "funday 09:00" }, "funday")
		bad(func(b, l map[string]any) { l["length"] = "1d" }, "only weekly rotations")
		bad(func(b, l map[string]any) { delete(l, "start") }, "start date is required")
		bad(func(b, l map[string]any) { l["participants"] = []any{"ghost@example.com"} }, "ghost@example.com", "participants[0]")
		bad(func(b, l map[string]any) { l["time_off_policy"] = "panic" }, "panic")
		bad(func(b, l map[string]any) {
			l["restrictions"] = []any{map[string]any{"timezone": "UTC", "start": "19:00", "end": "08:00"}}
		}, "restriction 1", "UTC")
		bad(func(b, l map[string]any) { l["lenght"] = "1w" }, "layers[0].lenght")
		bad(func(b, l map[string]any) { b["team"] = "nope" }, `"team"`, "nope")
		bad(func(b, l map[string]any) { b["name"] = "Ops Schedule" }, "Ops Schedule")
		if got := list(e.must(e.viewer, "GET", v1("/schedules"), nil, 200), "schedules"); len(got) != 0 {
			t.Fatalf("refused creates wrote schedules: %v", got)
		}

		r := e.call(e.admin, "POST", v1("/schedules"), body)
		if r.status != 201 {
			t.Fatalf("create schedule: %d %s", r.status, r.raw)
		}
		id := num(r.body, "id")
		ls := list(r.body, "layers")
		if r.header.Get("Location") != v1("/schedules/%d", id) || str(r.body, "team") != "ops" || str(r.body, "timezone") != "Europe/Paris" ||
			len(ls) != 1 || str(ls[0], "length") != "1w" || str(ls[0], "time_off_policy") != "skip" || str(ls[0], "kind") != "rotation" {
			t.Errorf("created schedule: %s", r.raw)
		}
		if p := list(ls[0], "participants"); len(p) != 2 || str(p[0], "email") != "alice@example.com" || num(p[1], "user_id") != bob.ID {
			t.Errorf("participants: %v", ls[0]["participants"])
		}
		e.fails(e.admin, "POST", v1("/schedules"), body, 409, "conflict", "ops")
		e.fails(e.viewer, "GET", v1("/schedules/nope"), nil, 404, "not_found", "nope")
		e.fails(e.viewer, "GET", v1("/schedules/999"), nil, 404, "not_found")
		e.fails(e.member, "POST", v1("/schedules/nope/overrides"), map[string]any{"user": "alice@example.com"}, 404, "not_found")
		e.fails(e.viewer, "GET", v1("/oncall?schedule=nope"), nil, 400, "invalid", "nope")
		e.fails(e.viewer, "GET", v1("/oncall?at=tomorrow"), nil, 400, "invalid", "tomorrow", "RFC 3339")
		if got := list(e.must(e.viewer, "GET", v1("/schedules?team=ops"), nil, 200), "schedules"); len(got) != 1 || num(got[0], "id") != id {
			t.Errorf("schedules of team ops: %v", got)
		}

		// Now (the test clock: Monday 09:00 Paris) and either side of the next handoff.
		now := e.must(e.viewer, "GET", v1("/oncall"), nil, 200)
		if str(now, "at") != "2026-11-02T08:00:00Z" || len(list(now, "schedules")) != 1 || email(list(now, "schedules")[0]) != "alice@example.com" {
			t.Errorf("on call now: %v", now)
		}
		if o := who("2026-11-09T08:59:59+01:00"); email(o) != "alice@example.com" || str(o, "reason") != "rotation" || str(o, "layer") != "primary" {
			t.Errorf("before the handoff: %v", o)
		}
		if o := who("2026-11-09T09:00:00+01:00"); email(o) != "bob@example.com" {
			t.Errorf("at the handoff: %v", o)
		}
		// The handoff stays at 09:00 local across the March change (UTC+1 → UTC+2):
		// 2027-03-29 starts bob's week (shift 21, 147 days in).
		if o := who("2027-03-29T06:59:59Z"); email(o) != "alice@example.com" {
			t.Errorf("before the summer-time handoff: %v", o)
		}
		if o := who("2027-03-29T09:00:00+02:00"); email(o) != "bob@example.com" {
			t.Errorf("at the summer-time handoff (07:00Z): %v", o)
		}
		if o := who("2026-10-01T00:00:00Z"); o["on_call"] != nil || o["reason"] != nil || o["layer"] != nil || list(o, "layers")[0]["user"] != nil {
			t.Errorf("before the rotation starts: %v", o)
		}

		// An override changes the answer inside its window only.
		e.fails(e.viewer, "POST", v1("/schedules/ops/overrides"), map[string]any{"user": "victor@example.com", "start": "2026-11-03T10:00:00Z", "end": "2026-11-03T12:00:00Z"}, 403, "forbidden")
		e.fails(e.member, "POST", v1("/schedules/ops/overrides"), map[string]any{"user": "victor@example.com", "start": "2026-11-03T12:00:00Z", "end": "2026-11-03T10:00:00Z"}, 400, "invalid", "ends")
		e.fails(e.member, "POST", v1("/schedules/ops/overrides"), map[string]any{"user": "victor@example.com", "start": "2026-11-03T10:00:00Z", "end": "2026-11-03T12:00:00Z", "layer": "nights"}, 400, "invalid", "nights")
		e.fails(e.member, "POST", v1("/schedules/ops/overrides"), map[string]any{"user": "ghost@example.com", "start": "2026-11-03T10:00:00Z", "end": "2026-11-03T12:00:00Z"}, 400, "invalid", "ghost@example.com")
		e.fails(e.member, "POST", v1("/schedules/ops/overrides"), map[string]any{"start": "2026-11-03T10:00:00Z", "end": "2026-11-03T12:00:00Z"}, 400, "invalid", `"user"`)
		if got := e.must(e.viewer, "GET", v1("/schedules/ops"), nil, 200); len(list(got, "overrides")) != 0 {
			t.Fatalf("refused overrides were written: %v", got["overrides"])
		}
		ov := e.must(e.member, "POST", v1("/schedules/%d/overrides", id), map[string]any{"user": "victor@example.com", "start": "2026-11-03T10:00:00Z", "end": "2026-11-03T12:00:00Z", "note": "dentist"}, 201)
		if str(obj(ov, "user"), "email") != "victor@example.com" || ov["layer"] != nil || str(ov, "note") != "dentist" {
			t.Errorf("override: %v", ov)
		}
		if o := who("2026-11-03T11:00:00Z"); email(o) != "victor@example.com" || str(o, "reason") != "override" || o["layer"] != nil ||
			str(obj(list(o, "layers")[0], "user"), "email") != "alice@example.com" {
			t.Errorf("inside the override: %v", o)
		}
		for _, at := range []string{"2026-11-03T09:59:59Z", "2026-11-03T12:00:00Z"} {
			if o := who(at); email(o) != "alice@example.com" {
				t.Errorf("outside the override, at %s: %v", at, o)
			}
		}
		e.fails(e.viewer, "DELETE", v1("/schedules/ops/overrides/%d", num(ov, "id")), nil, 403, "forbidden")
		e.must(e.member, "DELETE", v1("/schedules/ops/overrides/%d", num(ov, "id")), nil, 204)
		e.fails(e.member, "DELETE", v1("/schedules/ops/overrides/%d", num(ov, "id")), nil, 404, "not_found")
		if o := who("2026-11-03T11:00:00Z"); email(o) != "alice@example.com" {
			t.Errorf("after deleting the override: %v", o)
		}

		// A swap: alice's third week for bob's fourth, stored as two overrides.
		swap := map[string]any{
			"a": map[string]any{"user": "alice@example.com", "start": "2026-11-16T08:00:00Z", "end": "2026-11-23T08:00:00Z"},
			"b": map[string]any{"user": "bob@example.com", "start": "2026-11-23T08:00:00Z", "end": "2026-11-30T08:00:00Z"},
		}
		e.fails(e.viewer, "POST", v1("/schedules/ops/swap"), swap, 403, "forbidden")
		e.fails(e.member, "POST", v1("/schedules/ops/swap"), map[string]any{"a": swap["a"], "b": swap["a"]}, 400, "invalid", "nothing to swap")
		// Bob's week named as alice's: a swap of what she does not hold is refused.
		e.fails(e.member, "POST", v1("/schedules/ops/swap"), map[string]any{"a": swap["a"], "b": map[string]any{"user": "alice@example.com", "start": "2026-11-23T08:00:00Z", "end": "2026-11-30T08:00:00Z"}}, 400, "invalid",
			`field "b": that shift changed since the page was shown: alice@example.com does not hold the final row alone from 2026-11-23T08:00Z to 2026-11-30T08:00Z (it shows bob@example.com 2026-11-23T08:00Z–2026-11-30T08:00Z)`)
		sw := list(e.must(e.member, "POST", v1("/schedules/ops/swap"), swap, 201), "overrides")
		if len(sw) != 2 || str(obj(sw[0], "user"), "email") != "bob@example.com" || str(obj(sw[1], "user"), "email") != "alice@example.com" {
			t.Errorf("swap overrides: %v", sw)
		}
		if o := who("2026-11-17T12:00:00Z"); email(o) != "bob@example.com" {
			t.Errorf("alice's swapped week: %v", o)
		}
		if o := who("2026-11-24T12:00:00Z"); email(o) != "alice@example.com" {
			t.Errorf("bob's swapped week: %v", o)
		}

		// Time off: bob is off in his week of 7 December; alice covers (skip policy).
		off := map[string]any{"start": "2026-12-07T08:00:00Z", "end": "2026-12-14T08:00:00Z", "note": "ski"}
		e.fails(e.viewer, "POST", v1("/users/me/time-off"), off, 403, "forbidden")
		e.fails(e.member, "POST", v1("/users/%d/time-off", bob.ID), off, 403, "forbidden", "admins")
		e.fails(bob, "POST", v1("/users/me/time-off"), map[string]any{"start": "2026-12-14T08:00:00Z", "end": "2026-12-07T08:00:00Z"}, 400, "invalid", "ends")
		e.fails(bob, "POST", v1("/users/me/time-off"), map[string]any{"start": "2026-12-07T08:00:00Z"}, 400, "invalid", "start and an end")
		e.fails(bob, "POST", v1("/users/me/time-off"), map[string]any{"start": "next monday", "end": "2026-12-07T08:00:00Z"}, 400, "invalid", `"next monday"`, "RFC 3339")
		e.fails(bob, "POST", v1("/users/me/time-off"), map[string]any{"start": 5, "end": "2026-12-07T08:00:00Z"}, 400, "invalid", "RFC 3339")
		e.fails(e.admin, "POST", v1("/users/9999/time-off"), off, 404, "not_found")
		if got := list(e.must(bob, "GET", v1("/users/me/time-off"), nil, 200), "time_off"); len(got) != 0 {
			t.Fatalf("refused time off was written: %v", got)
		}
		created := e.must(bob, "POST", v1("/users/me/time-off"), off, 201)
		if num(created, "user_id") != bob.ID || str(created, "note") != "ski" || str(created, "start") != "2026-12-07T08:00:00Z" {
			t.Errorf("time off: %v", created)
		}
		if o := who("2026-12-08T12:00:00Z"); email(o) != "alice@example.com" || str(o, "reason") != "skip" {
			t.Errorf("bob off, alice covers: %v", o)
		}
		if got := list(e.must(e.admin, "GET", v1("/users/%d/time-off", bob.ID), nil, 200), "time_off"); len(got) != 1 || num(got[0], "id") != num(created, "id") {
			t.Errorf("bob's time off seen by an admin: %v", got)
		}
		e.fails(e.member, "GET", v1("/users/%d/time-off", bob.ID), nil, 403, "forbidden")

		// Everyone off: the plan shows the gap.
		aliceOff := e.must(e.admin, "POST", v1("/users/%d/time-off", e.member.ID), off, 201)
		if o := who("2026-12-08T12:00:00Z"); o["on_call"] != nil || o["reason"] != nil {
			t.Errorf("everyone off: %v", o)
		}
		plan := obj(e.must(e.viewer, "GET", v1("/schedules/ops?from=2026-12-01T00:00:00Z&to=2026-12-21T00:00:00Z"), nil, 200), "plan")
		gaps := list(plan, "gaps")
		if len(gaps) != 1 || str(gaps[0], "start") != "2026-12-07T08:00:00Z" || str(gaps[0], "end") != "2026-12-14T08:00:00Z" {
			t.Errorf("gaps: %v", plan["gaps"])
		}
		shifts := list(plan, "shifts")
		if len(shifts) != 2 || num(shifts[0], "user_id") != e.member.ID || str(shifts[0], "start") != "2026-12-01T00:00:00Z" || num(shifts[1], "user_id") != e.member.ID ||
			str(shifts[1], "start") != "2026-12-14T08:00:00Z" || str(shifts[1], "layer") != "primary" || str(shifts[1], "reason") != "rotation" {
			t.Errorf("shifts: %v", plan["shifts"])
		}
		def := obj(e.must(e.viewer, "GET", v1("/schedules/%d", id), nil, 200), "plan")
		if str(def, "from") != "2026-11-02T08:00:00Z" || str(def, "to") != "2026-12-28T08:00:00Z" {
			t.Errorf("default plan window: %v → %v", def["from"], def["to"])
		}
		e.fails(e.viewer, "GET", v1("/schedules/ops?from=2026-12-01T00:00:00Z&to=2027-06-01T00:00:00Z"), nil, 400, "invalid", "90 days")
		e.fails(e.viewer, "GET", v1("/schedules/ops?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z"), nil, 400, "invalid", "not after")
		e.fails(e.viewer, "GET", v1("/schedules/ops?since=2026-12-01T00:00:00Z"), nil, 400, "invalid", "since")

		e.must(e.admin, "DELETE", v1("/users/%d/time-off/%d", e.member.ID, num(aliceOff, "id")), nil, 204)
		e.fails(e.member, "DELETE", v1("/users/%d/time-off/%d", bob.ID, num(created, "id")), nil, 403, "forbidden")
		e.must(bob, "DELETE", v1("/users/me/time-off/%d", num(created, "id")), nil, 204)
		e.fails(bob, "DELETE", v1("/users/me/time-off/%d", num(created, "id")), nil, 404, "not_found")
		if o := who("2026-12-08T12:00:00Z"); email(o) != "bob@example.com" {
			t.Errorf("time off deleted: %v", o)
		}

		// PATCH replaces the fields sent; a layer with overrides cannot disappear unnoticed.
		e.fails(e.member, "PATCH", v1("/schedules/ops"), map[string]any{"timezone": "UTC"}, 403, "forbidden")
		e.fails(e.admin, "PATCH", v1("/schedules/ops"), map[string]any{"timezone": "Nowhere/Land"}, 400, "invalid", "Nowhere/Land")
		up := e.must(e.admin, "PATCH", v1("/schedules/ops"), map[string]any{"name": "ops-primary", "team": nil}, 200)
		if str(up, "name") != "ops-primary" || up["team"] != nil || str(up, "timezone") != "Europe/Paris" || len(list(up, "layers")) != 1 || len(list(up, "overrides")) != 2 {
			t.Errorf("after PATCH: %v", up)
		}
		// Restrictions are in the schedule's zone and follow it when it changes.
		nights := map[string]any{"name": "nights", "participants": []any{"victor@example.com"}, "length": "1d", "handoff": "19:00", "start": "2026-11-02",
			"restrictions": []any{map[string]any{"start": "19:00", "end": "08:00"}}}
		e.must(e.admin, "PATCH", v1("/schedules/ops-primary"), map[string]any{"layers": []any{layer, nights}}, 200)
		moved := e.must(e.admin, "PATCH", v1("/schedules/ops-primary"), map[string]any{"timezone": "Europe/Brussels"}, 200)
		if w := list(list(moved, "layers")[1], "restrictions"); len(w) != 1 || str(w[0], "timezone") != "Europe/Brussels" || str(w[0], "start") != "19:00" {
			t.Errorf("restrictions after a time-zone change: %v", w)
		}
		e.fails(e.admin, "DELETE", v1("/schedules/ops"), nil, 404, "not_found")
		e.must(e.admin, "DELETE", v1("/schedules/ops-primary"), nil, 204)
		if got := list(e.must(e.viewer, "GET", v1("/oncall"), nil, 200), "schedules"); len(got) != 0 {
			t.Errorf("on call after delete: %v", got)
		}
	})
}
