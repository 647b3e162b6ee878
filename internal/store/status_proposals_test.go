package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

func proposals(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	list, err := db.ComponentProposals(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range list {
		out[p.Component.Name] = fmt.Sprintf("%s→%s %v", p.Component.Status, p.Proposed, p.AlertIDs)
	}
	return out
}

func prioritised(key string, p tocsin.Priority) store.IngestItem {
	item := event(tocsin.ActionTrigger, key, "Errors on "+key)
	item.Event.Priority = p
	return item
}

// Open alerts on a component's services propose a status; components that
// take it by themselves get it, saying which alerts.
func TestStatusComponentProposals(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)
		asked := createComponent(t, db, &tocsin.Component{Name: "Checkout", ServiceIDs: []int64{integ.ServiceID}}, 0, t0)
		auto := createComponent(t, db, &tocsin.Component{Name: "Payments", ServiceIDs: []int64{integ.ServiceID}, AutoApply: true}, 0, t0)
		createComponent(t, db, &tocsin.Component{Name: "Docs"}, 0, t0)

		if got := proposals(t, db); len(got) != 0 {
			t.Fatalf("proposals with no alert: %v", got)
		}
		low := apply(t, db, integ, t0, prioritised("slow", tocsin.P4))[0].AlertID
		want := map[string]string{
			"Checkout": fmt.Sprintf("operational→degraded_performance [%d]", low),
			"Payments": fmt.Sprintf("operational→degraded_performance [%d]", low),
		}
		if got := proposals(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("P4 proposals = %v, want %v", got, want)
		}
		p2 := apply(t, db, integ, t0, prioritised("errors", tocsin.P2))[0].AlertID
		p1 := apply(t, db, integ, t0, prioritised("down", tocsin.P1))[0].AlertID
		want = map[string]string{
			"Checkout": fmt.Sprintf("operational→major_outage [%d %d %d]", low, p2, p1),
			"Payments": fmt.Sprintf("operational→major_outage [%d %d %d]", low, p2, p1),
		}
		if got := proposals(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("P1 proposals = %v, want %v", got, want)
		}

		v := version(t, db)
		n, err := db.ApplyComponentProposals(ctx, t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || componentStatus(t, db, auto.ID) != tocsin.ComponentMajor || componentStatus(t, db, asked.ID) != tocsin.ComponentOperational || version(t, db) != v+1 {
			t.Fatalf("applied %d: Payments %s, Checkout %s", n, componentStatus(t, db, auto.ID), componentStatus(t, db, asked.ID))
		}
		events, _ := db.StatusEvents(ctx, 0, 1)
		if e := events[0]; e.ActorName != "Tocsin" || e.ActorID != 0 || !strings.Contains(e.Text, fmt.Sprintf("open alerts #%d, #%d, #%d", low, p2, p1)) || !strings.Contains(e.Text, "Payments") {
			t.Fatalf("event = %+v", e)
		}
		if n, _ := db.ApplyComponentProposals(ctx, t0.Add(2*time.Minute)); n != 0 {
			t.Fatalf("applied again: %d", n)
		}

		// A person confirms the proposal for Checkout; the alerts resolve;
		// both are proposed back to operational, Payments goes by itself.
		if err := db.SetComponentStatus(ctx, asked.ID, tocsin.ComponentMajor, 0, t0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		apply(t, db, integ, t0.Add(time.Hour), event(tocsin.ActionResolve, "slow", ""), event(tocsin.ActionResolve, "errors", ""), event(tocsin.ActionResolve, "down", ""))
		want = map[string]string{"Checkout": "major_outage→operational []", "Payments": "major_outage→operational []"}
		if got := proposals(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after resolve = %v, want %v", got, want)
		}
		if n, _ := db.ApplyComponentProposals(ctx, t0.Add(time.Hour)); n != 1 || componentStatus(t, db, auto.ID) != tocsin.ComponentOperational {
			t.Fatalf("applied %d after resolve, Payments %s", n, componentStatus(t, db, auto.ID))
		}
		events, _ = db.StatusEvents(ctx, 0, 1)
		if !strings.Contains(events[0].Text, "no open alert") {
			t.Fatalf("event = %+v", events[0])
		}

		// Under maintenance: left to its maintenance.
		if err := db.SetComponentStatus(ctx, auto.ID, tocsin.ComponentMaintenance, 0, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		apply(t, db, integ, t0.Add(2*time.Hour), prioritised("again", tocsin.P1))
		if got := proposals(t, db); strings.Contains(fmt.Sprint(got), "Payments") {
			t.Fatalf("a component under maintenance got a proposal: %v", got)
		}
	})
}

// A proposal applies once, when it changes: a person's status stays until
// the alerts propose something else, and a component an open incident set
// is left to it.
func TestStatusAutoApplyLeavesPeopleAlone(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		integ := fixture(t, db)
		pay := createComponent(t, db, &tocsin.Component{Name: "Payments", ServiceIDs: []int64{integ.ServiceID}, AutoApply: true}, 0, t0)
		at := t0
		step := func(want tocsin.ComponentStatus, what string) {
			t.Helper()
			at = at.Add(time.Minute)
			if _, err := db.ApplyComponentProposals(ctx, at); err != nil {
				t.Fatal(err)
			}
			if got := componentStatus(t, db, pay.ID); got != want {
				t.Fatalf("%s: Payments is %s, want %s", what, got, want)
			}
		}

		apply(t, db, integ, at, prioritised("errors", tocsin.P2))
		step(tocsin.ComponentPartial, "a P2 alert")
		if err := db.SetComponentStatus(ctx, pay.ID, tocsin.ComponentMajor, sam.ID, at); err != nil {
			t.Fatal(err)
		}
		step(tocsin.ComponentMajor, "a member set major outage")
		step(tocsin.ComponentMajor, "a member set major outage, a cycle later")
		if err := db.SetComponentStatus(ctx, pay.ID, tocsin.ComponentOperational, sam.ID, at); err != nil {
			t.Fatal(err)
		}
		step(tocsin.ComponentOperational, "a member set operational")
		apply(t, db, integ, at, prioritised("down", tocsin.P1))
		step(tocsin.ComponentMajor, "a P1 alert: a new proposal")

		// An open incident sets it degraded; the P1 resolves (proposal:
		// partial) while the incident is open: left to the incident.
		inc := &tocsin.StatusIncident{Name: "Slow payments"}
		first := &tocsin.StatusUpdate{Body: "Slower than usual.", Changes: []tocsin.ComponentChange{{ComponentID: pay.ID, New: tocsin.ComponentDegraded}}}
		if err := db.CreateStatusIncident(ctx, inc, first, sam.ID, at); err != nil {
			t.Fatal(err)
		}
		apply(t, db, integ, at, event(tocsin.ActionResolve, "down", ""))
		step(tocsin.ComponentDegraded, "an open incident set it")
		// Resolved, Payments back to operational: the proposal, changed
		// meanwhile, applies.
		if err := db.PostStatusUpdate(ctx, inc.ID, &tocsin.StatusUpdate{Status: tocsin.IncidentResolved, Body: "Fine now."}, sam.ID, at); err != nil {
			t.Fatal(err)
		}
		step(tocsin.ComponentPartial, "incident resolved, the proposal changed meanwhile")

		// Following alerts again after a pause: the current proposal applies.
		c, _ := db.Component(ctx, pay.ID)
		c.AutoApply = false
		if err := db.UpdateComponent(ctx, c, sam.ID, at); err != nil {
			t.Fatal(err)
		}
		if err := db.SetComponentStatus(ctx, pay.ID, tocsin.ComponentOperational, sam.ID, at); err != nil {
			t.Fatal(err)
		}
		step(tocsin.ComponentOperational, "not applying automatically")
		c, _ = db.Component(ctx, pay.ID)
		c.AutoApply = true
		if err := db.UpdateComponent(ctx, c, sam.ID, at); err != nil {
			t.Fatal(err)
		}
		step(tocsin.ComponentPartial, "applying automatically again")
	})
}
