package api_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/testkit"
)

func TestHeartbeats(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		svc := e.app.Service("ops", "backups")
		e.app.Service("ops", "reports")

		// Created by an admin: new, with its ping URL on this server.
		r := e.call(e.admin, "POST", v1("/heartbeats"), map[string]any{"name": "nightly-backup", "service": "backups", "period_minutes": 1440, "grace_minutes": 60})
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.raw)
		}
		hb := r.body
		id := num(hb, "id")
		pingID := str(hb, "ping_id")
		if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(pingID) ||
			str(hb, "ping_url") != e.app.URL+"/ping/"+pingID || str(hb, "state") != "new" || str(hb, "priority") != "P2" ||
			num(hb, "service_id") != svc.ID || num(hb, "period_minutes") != 1440 || num(hb, "grace_minutes") != 60 || hb["last_ping_at"] != nil {
			t.Fatalf("created: %s", r.raw)
		}
		if r.header.Get("Location") != v1("/heartbeats/%d", id) {
			t.Errorf("Location = %q", r.header.Get("Location"))
		}

		// Pinged: viewers see it up, by id or name, in the list and per service.
		res, err := http.Post(str(hb, "ping_url"), "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got := e.must(e.viewer, "GET", v1("/heartbeats/nightly-backup"), nil, 200)
		if str(got, "state") != "up" || str(got, "last_ping_kind") != "success" || got["last_success_at"] == nil || got["due_at"] == nil {
			t.Fatalf("after a ping: %v", got)
		}
		if l := list(e.must(e.viewer, "GET", v1("/heartbeats?service=backups"), nil, 200), "heartbeats"); len(l) != 1 || num(l[0], "id") != id {
			t.Errorf("list of backups: %v", l)
		}
		if l := list(e.must(e.viewer, "GET", v1("/heartbeats?service=reports"), nil, 200), "heartbeats"); len(l) != 0 {
			t.Errorf("list of reports: %v", l)
		}

		// Changed: period, service, priority; the ping id stays.
		got = e.must(e.admin, "PATCH", v1("/heartbeats/%d", id), map[string]any{"period_minutes": 60, "service": "reports", "priority": "p1"}, 200)
		if num(got, "period_minutes") != 60 || str(got, "service") != "reports" || str(got, "priority") != "P1" || str(got, "ping_id") != pingID || num(got, "grace_minutes") != 60 {
			t.Fatalf("after patch: %v", got)
		}

		// Missed: the engine's check opens its alert, shown on the heartbeat.
		// The clock's move woke the engine, which checks heartbeats each
		// cycle; checking here too spares waiting for it: one of the two
		// opens the alert, and ours returns once it is committed.
		e.app.Clock.Advance(3 * time.Hour)
		if _, err := e.app.DB.CheckHeartbeats(t.Context(), e.app.Clock.Now()); err != nil {
			t.Fatalf("check: %v", err)
		}
		got = e.must(e.viewer, "GET", v1("/heartbeats/%d", id), nil, 200)
		alertID := num(got, "alert_id")
		if str(got, "state") != "down" || alertID == 0 || got["due_at"] != nil {
			t.Fatalf("after the miss: %v", got)
		}
		alert := e.must(e.viewer, "GET", v1("/alerts/%d", alertID), nil, 200)
		if str(alert, "priority") != "P1" || str(alert, "status") != "triggered" || str(alert, "service") != "reports" {
			t.Errorf("its alert: %v", alert)
		}

		// A healthchecks.io check moves with its URL's ping id; the id is fixed afterwards.
		kept := "0f3c2a9e-5b1d-4c8e-9a7f-2d6b1e4c8a01"
		moved := e.must(e.admin, "POST", v1("/heartbeats"), map[string]any{"name": "hourly-sync", "service": "backups", "period_minutes": 60, "ping_id": kept}, 201)
		if str(moved, "ping_id") != kept || str(moved, "ping_url") != e.app.URL+"/ping/"+kept {
			t.Errorf("with a ping id: %v", moved)
		}
		e.fails(e.admin, "PATCH", v1("/heartbeats/hourly-sync"), map[string]any{"ping_id": pingID}, 400, "invalid", "ping id")
		e.fails(e.admin, "POST", v1("/heartbeats"), map[string]any{"name": "y", "service": "backups", "period_minutes": 60, "ping_id": "not-a-uuid"}, 400, "invalid", "ping id")
		e.fails(e.admin, "POST", v1("/heartbeats"), map[string]any{"name": "z", "service": "backups", "period_minutes": 60, "ping_id": kept}, 409, "conflict")

		// Refused: bad input, a taken name, members, viewers.
		e.fails(e.admin, "POST", v1("/heartbeats"), map[string]any{"name": "x", "service": "backups"}, 400, "invalid", "period_minutes")
		e.fails(e.admin, "POST", v1("/heartbeats"), map[string]any{"name": "x", "period_minutes": 60}, 400, "invalid", "service")
		e.fails(e.admin, "POST", v1("/heartbeats"), map[string]any{"name": "x", "service": "backups", "period_minutes": 60, "grace_minutes": 20000}, 400, "invalid", "grace")
		e.fails(e.admin, "POST", v1("/heartbeats"), map[string]any{"name": "x", "service": "nope", "period_minutes": 60}, 400, "invalid", "nope")
		e.fails(e.admin, "POST", v1("/heartbeats"), map[string]any{"name": "x", "service": "backups", "period_minutes": 60, "every": 3}, 400, "invalid", "every")
		e.fails(e.admin, "POST", v1("/heartbeats"), map[string]any{"name": "nightly-backup", "service": "backups", "period_minutes": 60}, 409, "conflict", "nightly-backup")
		e.fails(e.member, "POST", v1("/heartbeats"), map[string]any{"name": "x", "service": "backups", "period_minutes": 60}, 403, "forbidden")
		e.fails(e.viewer, "DELETE", v1("/heartbeats/%d", id), nil, 403, "forbidden")
		e.fails(e.viewer, "GET", v1("/heartbeats/nothing"), nil, 404, "not_found")

		// Deleted: its open alert is resolved, its ping URL answers 404.
		e.must(e.admin, "DELETE", v1("/heartbeats/%d", id), nil, 204)
		if a := e.must(e.viewer, "GET", v1("/alerts/%d", alertID), nil, 200); str(a, "status") != "resolved" {
			t.Errorf("alert after delete: %v", a)
		}
		res, err = http.Get(str(hb, "ping_url"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("ping after delete: %d", res.StatusCode)
		}
	})
}
