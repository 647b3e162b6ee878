package api_test

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// settle runs engine cycles until nothing is due at the clock's instant and
// nothing is being sent.
func (e *env) settle() {
	e.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := e.app.Engine.Cycle(ctx); err != nil {
			e.t.Fatal(err)
		}
		idle, err := e.app.DB.Idle(ctx, e.app.Clock.Now())
		if err != nil {
			e.t.Fatal(err)
		}
		if idle {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatal("the engine did not settle within 10 s")
		}
		runtime.Gosched()
	}
}

// pageable gives a user a verified webhook method paged at once, whatever the urgency.
func (e *env) pageable(u *tocsin.User, url string) {
	e.t.Helper()
	ctx := context.Background()
	c := &tocsin.ContactMethod{UserID: u.ID, Name: "hook", Type: tocsin.ContactWebhook, Value: url}
	if err := e.app.DB.CreateContactMethod(ctx, c, e.app.Clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	if err := e.app.DB.MarkContactVerified(ctx, u.ID, c.ID, e.app.Clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	for _, urg := range []tocsin.Urgency{tocsin.UrgencyHigh, tocsin.UrgencyLow} {
		if err := e.app.DB.AddNotificationRule(ctx, &tocsin.NotificationRule{UserID: u.ID, ContactMethodID: c.ID, Urgency: urg}); err != nil {
			e.t.Fatal(err)
		}
	}
}

func timelineHas(a map[string]any, kind, text string) bool {
	for _, l := range list(a, "timeline") {
		if str(l, "kind") == kind && strings.Contains(str(l, "text"), text) {
			return true
		}
	}
	return false
}

func TestAlertEscalationAndMessages(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		ctx := context.Background()
		hook := hookServer(t)
		e.pageable(e.member, hook)
		e.pageable(e.admin, hook)
		svc := e.app.Service("payments", "checkout")
		e.must(e.admin, "POST", v1("/escalation-policies"), map[string]any{"name": "two-steps", "steps": []map[string]any{
			{"delay_minutes": 0, "targets": []string{"user:alice@example.com"}},
			{"delay_minutes": 15, "targets": []string{"user:admin@example.com"}},
		}}, 201)
		e.must(e.admin, "POST", v1("/escalation-policies"), map[string]any{"name": "admins", "steps": []map[string]any{
			{"delay_minutes": 0, "targets": []string{"user:admin@example.com"}},
		}}, 201)
		e.must(e.admin, "PATCH", v1("/services/checkout"), map[string]any{"escalation_policy": "two-steps"}, 200)
		integ, _ := e.app.Integration(tocsin.IntegrationGeneric, svc.ID)
		id := e.trigger(integ, alertEvent("disk full on db-1", tocsin.P1, nil))[0]
		e.settle()

		// Step 1 paged Alice; step 2 waits 15 minutes.
		a := e.must(e.viewer, "GET", v1("/alerts/%d", id), nil, 200)
		esc := obj(a, "escalation")
		if str(esc, "policy") != "two-steps" || num(esc, "step") != 2 || num(esc, "pass") != 1 ||
			str(esc, "next_at") != testkit.Epoch.Add(15*time.Minute).Format(time.RFC3339) || esc["reassigned_to"] != nil {
			t.Errorf("escalation after step 1: %v", esc)
		}
		msgs := list(e.must(e.viewer, "GET", v1("/alerts/%d/notifications", id), nil, 200), "notifications")
		if len(msgs) != 1 || str(msgs[0], "kind") != "page" || str(msgs[0], "user") != "Alice Martin" || str(msgs[0], "type") != "webhook" ||
			num(msgs[0], "step") != 1 || strings.Contains(str(msgs[0], "destination"), "/hook") {
			t.Fatalf("messages after step 1: %v", msgs)
		}

		// Escalate now: step 2 runs without waiting, and the timeline says who asked.
		e.fails(e.viewer, "POST", v1("/alerts/%d/escalate", id), nil, 403, "forbidden")
		a = e.must(e.member, "POST", v1("/alerts/%d/escalate", id), nil, 200)
		if !timelineHas(a, "escalated", "by Alice Martin via api: escalated now") {
			t.Errorf("timeline after escalate: %v", a["timeline"])
		}
		e.settle()
		msgs = list(e.must(e.viewer, "GET", v1("/alerts/%d/notifications", id), nil, 200), "notifications")
		if len(msgs) != 2 || str(msgs[0], "user") != "Ada Admin" || num(msgs[0], "step") != 2 {
			t.Fatalf("messages after escalating: %v", msgs)
		}
		if esc := obj(e.must(e.viewer, "GET", v1("/alerts/%d", id), nil, 200), "escalation"); esc["next_at"] != nil {
			t.Errorf("escalation after the last step: %v", esc)
		}

		// Reassign to a policy: it replaces the alert's, from its first step.
		a = e.must(e.member, "POST", v1("/alerts/%d/reassign", id), map[string]any{"to": "policy:admins"}, 200)
		if !timelineHas(a, "reassigned", "reassigned to admins") || str(obj(a, "escalation"), "policy") != "admins" {
			t.Errorf("after reassigning to a policy: %v", a)
		}
		e.settle()
		// To a person: an acknowledged alert is triggered again and they are paged.
		e.must(e.member, "POST", v1("/alerts/%d/acknowledge", id), nil, 200)
		e.fails(e.member, "POST", v1("/alerts/%d/escalate", id), nil, 409, "conflict", "acknowledged")
		e.app.Clock.Advance(time.Minute)
		a = e.must(e.admin, "POST", v1("/alerts/%d/reassign", id), map[string]any{"to": "user:Alice@example.com"}, 200)
		if str(a, "status") != "triggered" || !timelineHas(a, "reassigned", "by Ada Admin via api: reassigned to Alice Martin") {
			t.Errorf("after reassigning to a person: %v", a)
		}
		e.settle()
		msgs = list(e.must(e.viewer, "GET", v1("/alerts/%d/notifications", id), nil, 200), "notifications")
		if len(msgs) != 4 || str(msgs[0], "user") != "Alice Martin" || str(msgs[1], "user") != "Ada Admin" {
			t.Fatalf("messages after the reassignments: %v", msgs)
		}

		e.fails(e.member, "POST", v1("/alerts/%d/reassign", id), map[string]any{"to": "team:payments"}, 400, "invalid", "user:EMAIL or policy:NAME")
		e.fails(e.member, "POST", v1("/alerts/%d/reassign", id), map[string]any{"to": "policy:nope"}, 400, "invalid", "nope")
		e.fails(e.member, "POST", v1("/alerts/%d/reassign", id), map[string]any{"to": "user:nobody@example.com"}, 400, "invalid", "nobody@example.com")
		e.fails(e.member, "POST", v1("/alerts/%d/reassign", id), map[string]any{}, 400, "invalid", "user:EMAIL")
		e.fails(e.member, "POST", v1("/alerts/999/reassign"), map[string]any{"to": "policy:admins"}, 404, "not_found")
		e.fails(e.member, "POST", v1("/alerts/999/escalate"), nil, 404, "not_found")
		e.fails(e.viewer, "GET", v1("/alerts/999/notifications"), nil, 404, "not_found")
		e.must(e.member, "POST", v1("/alerts/%d/resolve", id), nil, 200)
		e.fails(e.member, "POST", v1("/alerts/%d/reassign", id), map[string]any{"to": "policy:admins"}, 409, "conflict", "resolved")

		// An alert of a service without a policy cannot escalate.
		other := e.app.Service("search", "search-api")
		oi, _ := e.app.Integration(tocsin.IntegrationGeneric, other.ID)
		lone := e.trigger(oi, alertEvent("index lag", tocsin.P3, nil))[0]
		e.fails(e.member, "POST", v1("/alerts/%d/escalate", lone), nil, 400, "invalid", "no escalation policy")
		if esc := obj(e.must(e.viewer, "GET", v1("/alerts/%d", lone), nil, 200), "escalation"); esc["policy"] != nil || esc["policy_id"] != nil {
			t.Errorf("escalation of an alert with no policy: %v", esc)
		}

		// The admin list: every message, filtered, paged, never a message's text.
		c := &tocsin.ContactMethod{UserID: e.viewer.ID, Name: "mine", Type: tocsin.ContactWebhook, Value: hook}
		if err := e.app.DB.CreateContactMethod(ctx, c, e.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.app.DB.StartVerification(ctx, e.viewer.ID, c.ID, func(code string) string { return "code " + code }, e.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		e.fails(e.member, "GET", v1("/notifications"), nil, 403, "forbidden")
		all := e.call(e.admin, "GET", v1("/notifications"), nil)
		if all.status != 200 || len(list(all.body, "notifications")) != 5 || all.body["next_before"] != nil || strings.Contains(string(all.raw), "code ") {
			t.Fatalf("all messages: %s", all.raw)
		}
		for _, tc := range []struct {
			query string
			want  int
		}{
			{"kind=page", 4},
			{"kind=verify", 1},
			{"user=alice@example.com", 2},
			{"user=" + itoa(e.admin.ID), 2},
			{"alert=" + itoa(id) + "&type=webhook", 4},
			{"status=failed", 0},
			{"alert=" + itoa(lone), 0},
		} {
			if got := list(e.must(e.admin, "GET", v1("/notifications?%s", tc.query), nil, 200), "notifications"); len(got) != tc.want {
				t.Errorf("?%s: %d messages, want %d", tc.query, len(got), tc.want)
			}
		}
		page := e.must(e.admin, "GET", v1("/notifications?limit=3"), nil, 200)
		before := num(page, "next_before")
		rest := e.must(e.admin, "GET", v1("/notifications?limit=3&before=%d", before), nil, 200)
		if len(list(page, "notifications")) != 3 || len(list(rest, "notifications")) != 2 || rest["next_before"] != nil || num(list(rest, "notifications")[0], "id") >= before {
			t.Errorf("pages: %v then %v", page, rest)
		}
		e.fails(e.admin, "GET", v1("/notifications?status=lost"), nil, 400, "invalid", "lost")
		e.fails(e.admin, "GET", v1("/notifications?kind=fax"), nil, 400, "invalid", "fax")
		e.fails(e.admin, "GET", v1("/notifications?type=fax"), nil, 400, "invalid", "fax")
		e.fails(e.admin, "GET", v1("/notifications?user=nobody@example.com"), nil, 400, "invalid", "nobody@example.com")
		e.fails(e.admin, "GET", v1("/notifications?before=x"), nil, 400, "invalid", "before")
		e.fails(e.admin, "GET", v1("/notifications?sort=new"), nil, 400, "invalid", "sort")
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
