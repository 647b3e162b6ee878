package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// withOp is the form as a browser sends it when the button named op is pressed.
func withOp(form url.Values, op string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = append([]string(nil), v...)
	}
	out.Set("op", op)
	return out
}

func TestPolicyCreateEditAndDeleteFromTheForms(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		f.weekly(t) // the schedule payments-primary
		b := newBrowser(t, f.app)
		b.login(f.admin.Email)

		list := b.get("/policies")
		if list.Status != http.StatusOK {
			t.Fatalf("list: %d", list.Status)
		}
		mustContain(t, list.Body, `href="/policies"`, `href="/policies/new"`, "No escalation policy yet")

		blank := b.get("/policies/new")
		form := formOf(t, blank.Body, "/policies")
		if form.Get("steps") != "1" || form.Get("s0.delay") != "0" || form.Get("s0.targets") != "1" || form.Get("s0.t0.kind") != "schedule" {
			t.Fatalf("the blank form has one step paging a schedule at once: %v", form)
		}
		mustContain(t, blank.Body, `<datalist id="targets-schedule"><option value="payments-primary">`, `<option value="max@example.com" label="Max Member">`)
		form.Set("name", "payments-default")
		form.Set("team", itoa(f.service.TeamID))
		form.Set("s0.t0.value", "payments-primary")

		// The buttons reshape the form without saving: a step, a target, one removed.
		p := b.post("/policies", withOp(form, "add-step"))
		if p.Status != http.StatusOK {
			t.Fatalf("add a step: %d %s", p.Status, excerpt(p.Body))
		}
		form = formOf(t, p.Body, "/policies")
		if form.Get("steps") != "2" || form.Get("s1.delay") != "15" || form.Get("s0.t0.value") != "payments-primary" || form.Get("name") != "payments-default" {
			t.Fatalf("after add-step: %v", form)
		}
		form = formOf(t, b.post("/policies", withOp(form, "add-target:1")).Body, "/policies")
		if form.Get("s1.targets") != "2" || form.Get("s1.t1.kind") != "user" {
			t.Fatalf("after add-target: %v", form)
		}
		form.Set("s1.t0.kind", "team")
		form.Set("s1.t0.value", "payments")
		form.Set("s1.t1.value", "max@example.com")
		form = formOf(t, b.post("/policies", withOp(form, "remove-target:1.1")).Body, "/policies")
		if form.Get("s1.targets") != "1" || form.Get("s1.t0.value") != "payments" || form.Has("s1.t1.value") {
			t.Fatalf("after remove-target: %v", form)
		}
		if ps, _ := f.app.DB.EscalationPolicies(ctx); len(ps) != 0 {
			t.Fatalf("reshaping the form saved %d policies", len(ps))
		}

		// A schedule that does not exist: 400, the form as typed, nothing saved.
		form.Set("s1.t0.kind", "schedule")
		form.Set("s1.t0.value", "payments-nope")
		form.Set("repeat", "2")
		form.Set("description", "Checkout & payments")
		p = b.post("/policies", withOp(form, "save"))
		if p.Status != http.StatusBadRequest {
			t.Fatalf("unknown schedule: %d", p.Status)
		}
		mustContain(t, p.Body, `step 2: schedule &#34;payments-nope&#34; does not exist`, `value="payments-nope"`, `value="payments-default"`, "Checkout &amp; payments")
		kept := formOf(t, p.Body, "/policies")
		if kept.Get("repeat") != "2" || kept.Get("s1.t0.kind") != "schedule" || kept.Get("team") != itoa(f.service.TeamID) {
			t.Fatalf("the refused form lost what was typed: %v", kept)
		}
		if ps, _ := f.app.DB.EscalationPolicies(ctx); len(ps) != 0 {
			t.Fatalf("a refused policy was saved: %+v", ps[0])
		}

		form.Set("s1.t0.kind", "team")
		form.Set("s1.t0.value", "payments")
		p = b.post("/policies", form) // Enter in a field: no op, a save
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/policies#policy-") {
			t.Fatalf("save: %d %q %s", p.Status, p.Location, excerpt(p.Body))
		}
		list = b.follow(p)
		mustContain(t, list.Body, "Escalation policy payments-default saved.",
			"0 min: schedule payments-primary · 15 min: team payments", "2 more times, each 10 min after the last step", "Checkout &amp; payments")
		pol, err := f.app.DB.EscalationPolicyByName(ctx, "payments-default")
		if err != nil {
			t.Fatal(err)
		}
		want := []tocsin.EscalationStep{
			{Delay: 0, Targets: []tocsin.Target{{Kind: tocsin.TargetSchedule, Ref: "payments-primary"}}},
			{Delay: 15 * time.Minute, Targets: []tocsin.Target{{Kind: tocsin.TargetTeam, Ref: "payments"}}},
		}
		if pol.TeamID != f.service.TeamID || pol.Repeat != 2 || pol.RepeatDelay != 10*time.Minute || pol.Description != "Checkout & payments" || !sameSteps(pol.Steps, want) {
			t.Fatalf("stored policy: %+v", pol)
		}

		// Edit: the stored policy in the form; moving step 2 up swaps them.
		edit := "/policies/" + itoa(pol.ID) + "/edit"
		opened := formOf(t, b.get(edit).Body, edit)
		if opened.Get("s0.t0.value") != "payments-primary" || opened.Get("s1.delay") != "15" || opened.Get("repeat") != "2" || opened.Get("repeat_delay") != "10" {
			t.Fatalf("edit form: %v", opened)
		}
		moved := formOf(t, b.post(edit, withOp(opened, "up:1")).Body, edit)
		if moved.Get("s0.t0.value") != "payments" || moved.Get("s1.t0.value") != "payments-primary" {
			t.Fatalf("after up:1: %v", moved)
		}
		f.app.Clock.Advance(time.Minute)
		moved.Set("s0.delay", "0")
		moved.Set("s1.delay", "5")
		moved.Set("repeat", "0")
		if p := b.post(edit, withOp(moved, "save")); p.Status != http.StatusSeeOther {
			t.Fatalf("save the edit: %d %s", p.Status, excerpt(p.Body))
		}
		pol, _ = f.app.DB.EscalationPolicy(ctx, pol.ID)
		if pol.Steps[0].Targets[0].Ref != "payments" || pol.Steps[1].Delay != 5*time.Minute || pol.Repeat != 0 {
			t.Fatalf("edited policy: %+v", pol)
		}
		// The first form, opened before that change, cannot undo it.
		if p := b.post(edit, withOp(opened, "save")); p.Status != http.StatusConflict || !strings.Contains(p.Body, "someone changed this escalation policy") {
			t.Fatalf("stale form: %d", p.Status)
		}

		// Delete: refused (409, the store's reason) while a service uses it.
		svc, _ := f.app.DB.Service(ctx, f.service.ID)
		svc.EscalationPolicyID = pol.ID
		if err := f.app.DB.UpdateService(ctx, svc); err != nil {
			t.Fatal(err)
		}
		del := "/policies/" + itoa(pol.ID) + "/delete"
		confirm := b.get(del)
		mustContain(t, confirm.Body, `action="`+del+`"`, `href="/services/`+itoa(svc.ID)+`">checkout</a>`)
		p = b.post(del, url.Values{"confirm": {"yes"}})
		if p.Status != http.StatusConflict || !strings.Contains(p.Body, "service checkout uses this escalation policy") {
			t.Fatalf("delete a used policy: %d %s", p.Status, excerpt(p.Body))
		}
		svc.EscalationPolicyID, svc.EscalationPolicy = 0, ""
		if err := f.app.DB.UpdateService(ctx, svc); err != nil {
			t.Fatal(err)
		}
		if p := b.post(del, nil); p.Status != http.StatusSeeOther || p.Location != del {
			t.Fatalf("delete without confirmation asks first: %d %q", p.Status, p.Location)
		}
		p = b.follow(b.post(del, url.Values{"confirm": {"yes"}}))
		mustContain(t, p.Body, "Escalation policy payments-default deleted.")
		if _, err := f.app.DB.EscalationPolicy(ctx, pol.ID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("deleted policy: %v", err)
		}
	})
}

func sameSteps(a, b []tocsin.EscalationStep) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Delay != b[i].Delay || len(a[i].Targets) != len(b[i].Targets) {
			return false
		}
		for j := range a[i].Targets {
			if a[i].Targets[j] != b[i].Targets[j] {
				return false
			}
		}
	}
	return true
}

func TestPolicyPagesForMembers(t *testing.T) {
	f := newFixture(t, "sqlite")
	ctx := context.Background()
	pol := &tocsin.EscalationPolicy{Name: "payments-default", TeamID: f.service.TeamID, Repeat: 1,
		Steps: []tocsin.EscalationStep{{Targets: []tocsin.Target{{Kind: tocsin.TargetUser, Ref: "max@example.com"}}}}}
	if err := f.app.DB.CreateEscalationPolicy(ctx, pol, f.app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	svc, _ := f.app.DB.Service(ctx, f.service.ID)
	svc.EscalationPolicyID, svc.OffHoursPolicyID = pol.ID, pol.ID
	if err := f.app.DB.UpdateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, f.app)
	b.login(f.member.Email)
	p := b.get("/policies")
	if p.Status != http.StatusOK {
		t.Fatalf("a member reads the policies: %d", p.Status)
	}
	mustContain(t, p.Body, "0 min: person max@example.com", "Once more, 10 min after the last step", `>checkout</a> <span class="tag">off hours</span>`)
	mustNotContain(t, p.Body, `href="/policies/new"`, `/edit"`)
	for _, path := range []string{"/policies/new", "/policies/" + itoa(pol.ID) + "/edit", "/policies/" + itoa(pol.ID) + "/delete"} {
		if p := b.get(path); p.Status != http.StatusForbidden {
			t.Errorf("member GET %s: %d", path, p.Status)
		}
	}
	if p := b.post("/policies", url.Values{"name": {"x"}}); p.Status != http.StatusForbidden {
		t.Errorf("member POST /policies: %d", p.Status)
	}

	// In French.
	req, _ := http.NewRequest(http.MethodGet, f.app.URL+"/policies", nil)
	req.Header.Set("Accept-Language", "fr")
	fr := b.do(req)
	mustContain(t, fr.Body, "Politiques d&#39;escalade", "0 min : personne max@example.com")
}
