package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

func advance(t *testing.T, db *store.DB, at time.Time, remind time.Duration) int {
	t.Helper()
	n, err := db.AdvanceMaintenances(context.Background(), at, remind)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// followsAlerts is a component that takes the status its service's open
// alerts propose by itself.
func followsAlerts(t *testing.T, db *store.DB, integ *tocsin.Integration, name string) *tocsin.Component {
	t.Helper()
	return createComponent(t, db, &tocsin.Component{Name: name, ServiceIDs: []int64{integ.ServiceID}, AutoApply: true}, 0, t0)
}

// openIncident opens an incident listing components and making changes.
func openIncident(t *testing.T, db *store.DB, actorID int64, name string, listed []int64, changes ...tocsin.ComponentChange) *tocsin.StatusIncident {
	t.Helper()
	inc := &tocsin.StatusIncident{Name: name, ComponentIDs: listed}
	if err := db.CreateStatusIncident(context.Background(), inc, &tocsin.StatusUpdate{Body: name + ".", Changes: changes}, actorID, t0); err != nil {
		t.Fatal(err)
	}
	return inc
}

// A maintenance that moves by itself: a reminder an hour before, components
// under maintenance at its start, back at its end unless a person changed them.
func TestStatusMaintenanceMovesByItself(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		page, _ := db.StatusPage(ctx)
		page.Language = "fr"
		if err := db.SaveStatusPage(ctx, page, sam.ID, t0); err != nil {
			t.Fatal(err)
		}
		_, rest, gql, web := statusComponents(t, db)
		sub := &tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: "https://hooks.example.com/m"}
		if err := db.Subscribe(ctx, sub, t0); err != nil {
			t.Fatal(err)
		}
		start, end := t0.Add(2*time.Hour), t0.Add(4*time.Hour)
		m := &tocsin.StatusIncident{Name: "Database upgrade", Maintenance: true, AutoTransition: true, Notify: true, ScheduledFor: start, ScheduledUntil: end, ComponentIDs: []int64{rest.ID, web.ID}}
		if err := db.CreateStatusIncident(ctx, m, &tocsin.StatusUpdate{Body: "Planned upgrade."}, sam.ID, t0); err != nil {
			t.Fatal(err)
		}
		manual := &tocsin.StatusIncident{Name: "Manual one", Maintenance: true, Notify: true, ScheduledFor: start, ScheduledUntil: end, ComponentIDs: []int64{gql.ID}}
		if err := db.CreateStatusIncident(ctx, manual, &tocsin.StatusUpdate{Body: "Moved by hand."}, sam.ID, t0); err != nil {
			t.Fatal(err)
		}

		if n := advance(t, db, t0, time.Hour); n != 0 {
			t.Fatalf("%d moves two hours early", n)
		}
		// Reminders: both maintenances, once each.
		if n := advance(t, db, start.Add(-30*time.Minute), time.Hour); n != 2 {
			t.Fatalf("%d reminders, want 2", n)
		}
		if n := advance(t, db, start.Add(-20*time.Minute), time.Hour); n != 0 {
			t.Fatalf("reminded again: %d", n)
		}
		msgs := subscriberMessages(t, db)
		if len(msgs) != 2 || msgs[0].Key != fmt.Sprintf("sub/%d/remind/%d", sub.ID, m.ID) || msgs[0].Ref != fmt.Sprintf("remind:%d", m.ID) {
			t.Fatalf("reminders = %+v", msgs)
		}
		v := version(t, db)

		// Start: in progress, components under maintenance, subscribers told.
		if n := advance(t, db, start, time.Hour); n != 1 {
			t.Fatalf("%d moves at the start, want 1", n)
		}
		if n := advance(t, db, start.Add(time.Minute), time.Hour); n != 0 {
			t.Fatalf("moved again: %d", n)
		}
		got, _ := db.StatusIncident(ctx, m.ID)
		if got.Status != tocsin.MaintenanceInProgress || !got.StartedAt.Equal(start) || len(got.Updates) != 2 || !strings.HasPrefix(got.Updates[0].Body, "La maintenance programmée est en cours") || len(got.Updates[0].Changes) != 2 {
			t.Fatalf("started maintenance = %+v", got)
		}
		if componentStatus(t, db, rest.ID) != tocsin.ComponentMaintenance || componentStatus(t, db, web.ID) != tocsin.ComponentMaintenance {
			t.Fatal("components not under maintenance")
		}
		if version(t, db) != v+1 {
			t.Fatalf("version %d, want %d", version(t, db), v+1)
		}
		if got, _ := db.StatusIncident(ctx, manual.ID); got.Status != tocsin.MaintenanceScheduled {
			t.Fatalf("a maintenance without AutoTransition moved: %s", got.Status)
		}

		// A person puts the Website in outage meanwhile: the end leaves it so.
		if err := db.SetComponentStatus(ctx, web.ID, tocsin.ComponentMajor, sam.ID, start.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := advance(t, db, end, time.Hour); n != 1 {
			t.Fatalf("%d moves at the end, want 1", n)
		}
		got, _ = db.StatusIncident(ctx, m.ID)
		if got.Status != tocsin.MaintenanceCompleted || !got.ResolvedAt.Equal(end) || got.Updates[0].Body != "La maintenance programmée est terminée." {
			t.Fatalf("completed maintenance = %+v", got)
		}
		if ch := got.Updates[0].Changes; len(ch) != 1 || ch[0].ComponentID != rest.ID || ch[0].New != tocsin.ComponentOperational {
			t.Fatalf("completion changes = %+v", ch)
		}
		if componentStatus(t, db, rest.ID) != tocsin.ComponentOperational || componentStatus(t, db, web.ID) != tocsin.ComponentMajor {
			t.Fatal("the end did not give back REST, or took the Website's outage away")
		}
		// The webhook also hears of the Website's outage, set outside the
		// maintenance, as a component update.
		var told []string
		for _, msg := range subscriberMessages(t, db) {
			ref := msg.Ref
			if strings.HasPrefix(ref, "component:") {
				ref = "component"
			}
			told = append(told, ref)
		}
		if want := fmt.Sprintf("[remind:%d remind:%d update:%d component update:%d]", m.ID, manual.ID, got.Updates[1].ID, got.Updates[0].ID); fmt.Sprint(told) != want {
			t.Fatalf("subscriber told %v, want %s", told, want)
		}
		events, _ := db.StatusEvents(ctx, m.ID, 100)
		actions := map[string]bool{}
		for _, e := range events {
			actions[e.Action] = true
			if (e.Action == "maintenance.started" || e.Action == "maintenance.completed") && e.ActorName != "Tocsin" {
				t.Fatalf("event %+v", e)
			}
		}
		if !actions["maintenance.started"] || !actions["maintenance.completed"] || !actions["maintenance.reminded"] {
			t.Fatalf("events = %v", actions)
		}

		// Moved by hand without changes: the same component moves.
		if err := db.PostStatusUpdate(ctx, manual.ID, &tocsin.StatusUpdate{Status: tocsin.MaintenanceInProgress, Body: "Starting."}, sam.ID, end); err != nil {
			t.Fatal(err)
		}
		if componentStatus(t, db, gql.ID) != tocsin.ComponentMaintenance {
			t.Fatal("starting a maintenance by hand left its component as it was")
		}
		if err := db.PostStatusUpdate(ctx, manual.ID, &tocsin.StatusUpdate{Status: tocsin.MaintenanceCompleted, Body: "Done."}, sam.ID, end); err != nil {
			t.Fatal(err)
		}
		if componentStatus(t, db, gql.ID) != tocsin.ComponentOperational {
			t.Fatal("completing a maintenance by hand did not give its component back")
		}

		// A window that passed while nothing ran: straight to completed, one update.
		late := &tocsin.StatusIncident{Name: "Missed", Maintenance: true, AutoTransition: true, ScheduledFor: end.Add(time.Hour), ScheduledUntil: end.Add(2 * time.Hour), ComponentIDs: []int64{rest.ID}}
		if err := db.CreateStatusIncident(ctx, late, &tocsin.StatusUpdate{Body: "Planned."}, sam.ID, end); err != nil {
			t.Fatal(err)
		}
		if n := advance(t, db, end.Add(10*time.Hour), 0); n != 1 {
			t.Fatalf("%d moves for a passed window, want 1", n)
		}
		got, _ = db.StatusIncident(ctx, late.ID)
		if got.Status != tocsin.MaintenanceCompleted || len(got.Updates) != 2 || len(got.Updates[0].Changes) != 0 || componentStatus(t, db, rest.ID) != tocsin.ComponentOperational {
			t.Fatalf("passed maintenance = %+v", got)
		}
	})
}

// A maintenance over components an open incident holds gives them back, at
// its end, to what they were before it (the incident's outage, or what a
// person set since), still held by that incident: alert proposals leave
// them alone. Once no incident is open, a maintenance gives them back
// operational.
func TestStatusMaintenanceEndKeepsAnOpenIncidentsStatus(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		_, rest, _, web := statusComponents(t, db)
		integ := fixture(t, db)
		pay := followsAlerts(t, db, integ, "Payments")
		// A person says the Website is slow; the incident lists it without
		// changing it.
		if err := db.SetComponentStatus(ctx, web.ID, tocsin.ComponentDegraded, sam.ID, t0); err != nil {
			t.Fatal(err)
		}
		outage := &tocsin.StatusIncident{Name: "REST errors", Impact: tocsin.ImpactMajor, ComponentIDs: []int64{web.ID}}
		first := &tocsin.StatusUpdate{Body: "Errors.", Changes: []tocsin.ComponentChange{{ComponentID: rest.ID, New: tocsin.ComponentMajor}, {ComponentID: pay.ID, New: tocsin.ComponentPartial}}}
		if err := db.CreateStatusIncident(ctx, outage, first, sam.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.PostStatusUpdate(ctx, outage.ID, &tocsin.StatusUpdate{Status: tocsin.IncidentIdentified, Body: "Fewer errors.", Changes: []tocsin.ComponentChange{{ComponentID: rest.ID, New: tocsin.ComponentPartial}}}, sam.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		all := []int64{rest.ID, web.ID, pay.ID}
		maintain := func(from time.Time) *tocsin.StatusIncident {
			t.Helper()
			m := &tocsin.StatusIncident{Name: "Upgrade", Maintenance: true, AutoTransition: true, ScheduledFor: from, ScheduledUntil: from.Add(time.Hour), ComponentIDs: all}
			if err := db.CreateStatusIncident(ctx, m, &tocsin.StatusUpdate{Body: "Planned."}, sam.ID, t0); err != nil {
				t.Fatal(err)
			}
			advance(t, db, from, 0)
			for _, id := range all {
				if componentStatus(t, db, id) != tocsin.ComponentMaintenance {
					t.Fatal("the maintenance's start did not put its components under maintenance")
				}
			}
			return m
		}
		want := func(when string, statuses map[*tocsin.Component]tocsin.ComponentStatus) {
			t.Helper()
			for c, want := range statuses {
				if got := componentStatus(t, db, c.ID); got != want {
					t.Errorf("%s: %s is %s, want %s", when, c.Name, got, want)
				}
			}
		}

		m := maintain(t0.Add(time.Hour))
		advance(t, db, m.ScheduledUntil, 0)
		want("after a maintenance, the incident open", map[*tocsin.Component]tocsin.ComponentStatus{
			rest: tocsin.ComponentPartial, web: tocsin.ComponentDegraded, pay: tocsin.ComponentPartial})
		done, _ := db.StatusIncident(ctx, m.ID)
		if ch := done.Updates[0].Changes; len(ch) != 3 || ch[0].ComponentID != rest.ID || ch[0].Old != tocsin.ComponentMaintenance || ch[0].New != tocsin.ComponentPartial {
			t.Fatalf("the completion's changes = %+v", ch)
		}
		// No alert on Payments' service: its proposal is operational, but
		// the open incident holds it.
		if _, err := db.ApplyComponentProposals(ctx, m.ScheduledUntil.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		want("alert proposals after the maintenance", map[*tocsin.Component]tocsin.ComponentStatus{pay: tocsin.ComponentPartial})

		// Completed by hand, the same.
		m = maintain(t0.Add(3 * time.Hour))
		if err := db.PostStatusUpdate(ctx, m.ID, &tocsin.StatusUpdate{Status: tocsin.MaintenanceCompleted, Body: "Done early."}, sam.ID, m.ScheduledFor.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		want("after a maintenance completed by hand", map[*tocsin.Component]tocsin.ComponentStatus{
			rest: tocsin.ComponentPartial, web: tocsin.ComponentDegraded, pay: tocsin.ComponentPartial})

		// Resolved during the next maintenance: nothing holds them at its end.
		m = maintain(t0.Add(5 * time.Hour))
		if err := db.PostStatusUpdate(ctx, outage.ID, &tocsin.StatusUpdate{Status: tocsin.IncidentResolved, Body: "Fixed."}, sam.ID, m.ScheduledFor.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		advance(t, db, m.ScheduledUntil, 0)
		want("after a maintenance with no incident open", map[*tocsin.Component]tocsin.ComponentStatus{
			rest: tocsin.ComponentOperational, web: tocsin.ComponentOperational, pay: tocsin.ComponentOperational})
	})
}

// What a maintenance gives back, however its components went under it and
// whichever incidents are open: the status from before, held by the open
// incident that set it.
func TestStatusMaintenanceEndAmongIncidents(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		integ := fixture(t, db)
		pay, cart, search := followsAlerts(t, db, integ, "Payments"), followsAlerts(t, db, integ, "Cart"), followsAlerts(t, db, integ, "Search")
		open := func(name string, listed []int64, changes ...tocsin.ComponentChange) *tocsin.StatusIncident {
			t.Helper()
			return openIncident(t, db, sam.ID, name, listed, changes...)
		}
		maintenance := func(from, until time.Time, ids ...int64) *tocsin.StatusIncident {
			t.Helper()
			m := &tocsin.StatusIncident{Name: "Upgrade", Maintenance: true, AutoTransition: true, ScheduledFor: from, ScheduledUntil: until, ComponentIDs: ids}
			if err := db.CreateStatusIncident(ctx, m, &tocsin.StatusUpdate{Body: "Planned."}, sam.ID, t0); err != nil {
				t.Fatal(err)
			}
			return m
		}
		at := t0
		check := func(when string, want map[*tocsin.Component]tocsin.ComponentStatus) {
			t.Helper()
			at = at.Add(time.Minute)
			if _, err := db.ApplyComponentProposals(ctx, at); err != nil {
				t.Fatal(err)
			}
			for c, status := range want {
				if got := componentStatus(t, db, c.ID); got != status {
					t.Errorf("%s: %s is %s, want %s", when, c.Name, got, status)
				}
			}
		}

		// Payments: A set it in outage, a newer B lists it only. Cart: A
		// set it in partial outage.
		a := open("A", nil, tocsin.ComponentChange{ComponentID: pay.ID, New: tocsin.ComponentMajor}, tocsin.ComponentChange{ComponentID: cart.ID, New: tocsin.ComponentPartial})
		b := open("B", []int64{pay.ID})
		// Two maintenances overlap on Cart: the early one puts it under
		// maintenance and ends first; the late one changes nothing of it.
		h := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Hour))) }
		early, late := maintenance(h(1), h(2.5), cart.ID), maintenance(h(2), h(3), pay.ID, cart.ID)
		advance(t, db, early.ScheduledFor, 0)
		advance(t, db, late.ScheduledFor, 0)
		// Search: a person puts it under maintenance and adds it to the
		// running one; an incident opened meanwhile lists it unchanged.
		if err := db.SetComponentStatus(ctx, search.ID, tocsin.ComponentMaintenance, sam.ID, h(2.1)); err != nil {
			t.Fatal(err)
		}
		late.ComponentIDs = []int64{pay.ID, cart.ID, search.ID}
		if err := db.EditStatusIncident(ctx, late, sam.ID, h(2.1)); err != nil {
			t.Fatal(err)
		}
		open("C", []int64{search.ID})

		advance(t, db, early.ScheduledUntil, 0)
		at = early.ScheduledUntil
		check("the early maintenance over, the late one running", map[*tocsin.Component]tocsin.ComponentStatus{
			pay: tocsin.ComponentMaintenance, cart: tocsin.ComponentMaintenance, search: tocsin.ComponentMaintenance})
		advance(t, db, late.ScheduledUntil, 0)
		at = late.ScheduledUntil
		check("both over", map[*tocsin.Component]tocsin.ComponentStatus{
			pay: tocsin.ComponentMajor, cart: tocsin.ComponentPartial, search: tocsin.ComponentOperational})
		// An alert proposes degraded performance: it applies to Search, which
		// no incident set, not to what A holds.
		apply(t, db, integ, at, prioritised("slow", tocsin.P4))
		check("an alert", map[*tocsin.Component]tocsin.ComponentStatus{
			pay: tocsin.ComponentMajor, cart: tocsin.ComponentPartial, search: tocsin.ComponentDegraded})
		// B resolved: A still holds Payments.
		if err := db.PostStatusUpdate(ctx, b.ID, &tocsin.StatusUpdate{Status: tocsin.IncidentResolved, Body: "Not us."}, sam.ID, at); err != nil {
			t.Fatal(err)
		}
		check("B resolved", map[*tocsin.Component]tocsin.ComponentStatus{pay: tocsin.ComponentMajor, cart: tocsin.ComponentPartial})
		if err := db.PostStatusUpdate(ctx, a.ID, &tocsin.StatusUpdate{Status: tocsin.IncidentResolved, Body: "Fixed."}, sam.ID, at); err != nil {
			t.Fatal(err)
		}
		check("A resolved", map[*tocsin.Component]tocsin.ComponentStatus{pay: tocsin.ComponentDegraded, cart: tocsin.ComponentDegraded})
	})
}

// A maintenance gives back an outage only while the incident that set it is
// open, and holds for an incident only what that incident set.
func TestStatusMaintenanceEndAfterIncidentsMoved(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		integ := fixture(t, db)
		pay, web, cart := followsAlerts(t, db, integ, "Payments"), followsAlerts(t, db, integ, "Web"), followsAlerts(t, db, integ, "Cart")
		open := func(name string, listed []int64, changes ...tocsin.ComponentChange) *tocsin.StatusIncident {
			t.Helper()
			return openIncident(t, db, sam.ID, name, listed, changes...)
		}
		// X puts Payments in outage; A puts Web in outage, then a member
		// calls Web merely degraded.
		x := open("X", nil, tocsin.ComponentChange{ComponentID: pay.ID, New: tocsin.ComponentMajor})
		open("A", nil, tocsin.ComponentChange{ComponentID: web.ID, New: tocsin.ComponentMajor})
		if err := db.SetComponentStatus(ctx, web.ID, tocsin.ComponentDegraded, sam.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		// D calls Cart degraded, E puts it in outage and is resolved: Cart
		// stays in outage, D holding it.
		open("D", nil, tocsin.ComponentChange{ComponentID: cart.ID, New: tocsin.ComponentDegraded})
		e := open("E", nil, tocsin.ComponentChange{ComponentID: cart.ID, New: tocsin.ComponentMajor})
		if err := db.PostStatusUpdate(ctx, e.ID, &tocsin.StatusUpdate{Status: tocsin.IncidentResolved, Body: "Fixed."}, sam.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		from := t0.Add(time.Hour)
		m := &tocsin.StatusIncident{Name: "Upgrade", Maintenance: true, AutoTransition: true, ScheduledFor: from, ScheduledUntil: from.Add(time.Hour), ComponentIDs: []int64{pay.ID, web.ID, cart.ID}}
		if err := db.CreateStatusIncident(ctx, m, &tocsin.StatusUpdate{Body: "Planned."}, sam.ID, t0); err != nil {
			t.Fatal(err)
		}
		advance(t, db, from, 0)
		// X resolved during the maintenance; Y, opened then, lists Payments.
		if err := db.PostStatusUpdate(ctx, x.ID, &tocsin.StatusUpdate{Status: tocsin.IncidentResolved, Body: "Fixed."}, sam.ID, from.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		open("Y", []int64{pay.ID})
		advance(t, db, m.ScheduledUntil, 0)
		// Cart: E's outage is over; D's degraded, from before, still stands.
		for c, want := range map[*tocsin.Component]tocsin.ComponentStatus{pay: tocsin.ComponentOperational, web: tocsin.ComponentDegraded, cart: tocsin.ComponentDegraded} {
			if got := componentStatus(t, db, c.ID); got != want {
				t.Errorf("after the maintenance: %s is %s, want %s", c.Name, got, want)
			}
		}
		// An alert proposes a partial outage; Web's degraded is a person's,
		// held by no incident: the proposal applies to both.
		apply(t, db, integ, m.ScheduledUntil, prioritised("errors", tocsin.P2))
		if _, err := db.ApplyComponentProposals(ctx, m.ScheduledUntil.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*tocsin.Component{pay, web} {
			if got := componentStatus(t, db, c.ID); got != tocsin.ComponentPartial {
				t.Errorf("after the alert: %s is %s, want partial_outage", c.Name, got)
			}
		}
		if got := componentStatus(t, db, cart.ID); got != tocsin.ComponentDegraded {
			t.Errorf("after the alert: Cart is %s, want degraded_performance, D's", got)
		}
	})
}

// Two engines advancing the same maintenance at once move it once.
func TestStatusMaintenanceTwoEngines(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		url := testkit.DatabaseURL(t, engine)
		var dbs [2]*store.DB
		for k := range dbs {
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs[k] = db
		}
		_, rest, _, _ := statusComponents(t, dbs[0])
		sub := &tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: "https://hooks.example.com/two"}
		if err := dbs[0].Subscribe(ctx, sub, t0); err != nil {
			t.Fatal(err)
		}
		m := &tocsin.StatusIncident{Name: "Upgrade", Maintenance: true, AutoTransition: true, Notify: true, ScheduledFor: t0.Add(time.Hour), ScheduledUntil: t0.Add(2 * time.Hour), ComponentIDs: []int64{rest.ID}}
		if err := dbs[0].CreateStatusIncident(ctx, m, &tocsin.StatusUpdate{Body: "Planned."}, 0, t0); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		moves := make([]int, 2)
		errs := make([]error, 2)
		for k := range dbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				moves[k], errs[k] = dbs[k].AdvanceMaintenances(ctx, t0.Add(time.Hour), 30*time.Minute)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil && tocsin.ErrorCode(err) != tocsin.ECONFLICT {
				t.Fatal(err)
			}
		}
		if moves[0]+moves[1] != 1 {
			t.Fatalf("moves %v, want one in all", moves)
		}
		got, _ := dbs[1].StatusIncident(ctx, m.ID)
		if got.Status != tocsin.MaintenanceInProgress || len(got.Updates) != 2 || len(subscriberMessages(t, dbs[1])) != 1 {
			t.Fatalf("after two engines: %s, %d updates, %d messages", got.Status, len(got.Updates), len(subscriberMessages(t, dbs[1])))
		}
	})
}

// A maintenance scheduled without telling subscribers moves by itself
// without telling them either, and is never reminded of; one whose window
// has already ended is refused, as is moving an open one's window into the
// past.
func TestStatusMaintenanceNotifyChoice(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		_, rest, gql, _ := statusComponents(t, db)
		if err := db.Subscribe(ctx, &tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: "https://hooks.example.com/quiet"}, t0); err != nil {
			t.Fatal(err)
		}

		past := &tocsin.StatusIncident{Name: "Last night", Maintenance: true, AutoTransition: true, Notify: true,
			ScheduledFor: t0.Add(-3 * time.Hour), ScheduledUntil: t0.Add(-time.Hour), ComponentIDs: []int64{rest.ID}}
		err := db.CreateStatusIncident(ctx, past, &tocsin.StatusUpdate{Body: "Done already."}, sam.ID, t0)
		wantCode(t, err, tocsin.EINVALID, "window has already ended")
		if n := countIncidents(t, db); n != 0 {
			t.Fatalf("%d incidents after a refused maintenance", n)
		}

		start, end := t0.Add(2*time.Hour), t0.Add(3*time.Hour)
		quiet := &tocsin.StatusIncident{Name: "Quiet upgrade", Maintenance: true, AutoTransition: true,
			ScheduledFor: start, ScheduledUntil: end, ComponentIDs: []int64{rest.ID}}
		if err := db.CreateStatusIncident(ctx, quiet, &tocsin.StatusUpdate{Body: "Planned."}, sam.ID, t0); err != nil {
			t.Fatal(err)
		}
		told := &tocsin.StatusIncident{Name: "Told upgrade", Maintenance: true, AutoTransition: true, Notify: true,
			ScheduledFor: start, ScheduledUntil: end, ComponentIDs: []int64{gql.ID}}
		if err := db.CreateStatusIncident(ctx, told, &tocsin.StatusUpdate{Body: "Planned."}, sam.ID, t0); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.StatusIncident(ctx, quiet.ID); got.Notify {
			t.Fatal("the quiet maintenance reads as notifying")
		}
		if got, _ := db.StatusIncident(ctx, told.ID); !got.Notify {
			t.Fatal("the told maintenance reads as quiet")
		}

		// Its window moved into the past while it is still scheduled: refused.
		edit := *quiet
		edit.ScheduledFor, edit.ScheduledUntil = t0.Add(-2*time.Hour), t0.Add(-time.Hour)
		wantCode(t, db.EditStatusIncident(ctx, &edit, sam.ID, t0), tocsin.EINVALID, "window has already ended")

		advance(t, db, start.Add(-30*time.Minute), time.Hour)
		advance(t, db, start, time.Hour)
		advance(t, db, end, time.Hour)
		for _, m := range []*tocsin.StatusIncident{quiet, told} {
			got, _ := db.StatusIncident(ctx, m.ID)
			if got.Status != tocsin.MaintenanceCompleted || len(got.Updates) != 3 || got.Updates[0].Notify != m.Notify || got.Updates[1].Notify != m.Notify {
				t.Fatalf("%s after its window: %s, %d updates, notify %t/%t", m.Name, got.Status, len(got.Updates), got.Updates[0].Notify, got.Updates[1].Notify)
			}
		}
		var refs []string
		for _, msg := range subscriberMessages(t, db) {
			refs = append(refs, msg.Ref)
		}
		got, _ := db.StatusIncident(ctx, told.ID)
		if want := fmt.Sprintf("[remind:%d update:%d update:%d]", told.ID, got.Updates[1].ID, got.Updates[0].ID); fmt.Sprint(refs) != want {
			t.Fatalf("subscribers told %v, want %s (nothing about the quiet one)", refs, want)
		}

		// Completed: its window may be corrected to what happened.
		edit = *told
		edit.ScheduledFor, edit.ScheduledUntil = start.Add(-10*time.Minute), end.Add(-10*time.Minute)
		if err := db.EditStatusIncident(ctx, &edit, sam.ID, end.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if !edit.Notify {
			t.Fatal("an edit lost the notify choice")
		}
		// Completed or not, a maintenance has no post-mortem.
		edit.Postmortem = "It went well."
		wantCode(t, db.EditStatusIncident(ctx, &edit, sam.ID, end.Add(time.Hour)), tocsin.EINVALID, "A maintenance has no post-mortem")
	})
}

// No reminder for a maintenance subscribers heard of within the reminder
// window: scheduled, or announced again, less than an hour before it starts.
func TestStatusMaintenanceNoLateReminder(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		_, rest, _, _ := statusComponents(t, db)
		if err := db.Subscribe(ctx, &tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: "https://hooks.example.com/late"}, t0); err != nil {
			t.Fatal(err)
		}
		start := t0.Add(3 * time.Hour)
		schedule := func(name string, at time.Time, announce bool) *tocsin.StatusIncident {
			m := &tocsin.StatusIncident{Name: name, Maintenance: true, AutoTransition: true, Notify: true,
				ScheduledFor: start, ScheduledUntil: start.Add(time.Hour), ComponentIDs: []int64{rest.ID}}
			if err := db.CreateStatusIncident(ctx, m, &tocsin.StatusUpdate{Body: "Planned.", Notify: announce}, sam.ID, at); err != nil {
				t.Fatal(err)
			}
			return m
		}
		early := schedule("Early", t0, true)
		announced := schedule("Announced again", t0, true)
		late := schedule("Late", start.Add(-40*time.Minute), true)
		quietLate := schedule("Late, not announced", start.Add(-45*time.Minute), false)
		again := &tocsin.StatusUpdate{Body: "Still on, in 35 minutes.", Notify: true}
		if err := db.PostStatusUpdate(ctx, announced.ID, again, sam.ID, start.Add(-35*time.Minute)); err != nil {
			t.Fatal(err)
		}
		// A quiet update does not count as telling them.
		if err := db.PostStatusUpdate(ctx, early.ID, &tocsin.StatusUpdate{Body: "Typo fixed."}, sam.ID, start.Add(-35*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := advance(t, db, start.Add(-30*time.Minute), time.Hour); n != 1 {
			t.Fatalf("%d reminders, want 1", n)
		}
		var reminded []string
		for _, msg := range subscriberMessages(t, db) {
			if strings.HasPrefix(msg.Ref, "remind:") {
				reminded = append(reminded, msg.Ref)
			}
		}
		if want := fmt.Sprintf("[remind:%d]", early.ID); fmt.Sprint(reminded) != want {
			t.Fatalf("reminded %v, want %s only (not %d, %d, %d)", reminded, want, announced.ID, late.ID, quietLate.ID)
		}
	})
}
