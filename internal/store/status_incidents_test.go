package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// statusComponents makes an "API" group holding REST and GraphQL, and a
// top-level Website.
func statusComponents(t *testing.T, db *store.DB) (api, rest, gql, web *tocsin.Component) {
	t.Helper()
	api = createComponent(t, db, &tocsin.Component{Name: "API", Group: true}, 0, t0)
	rest = createComponent(t, db, &tocsin.Component{Name: "REST", GroupID: api.ID}, 0, t0)
	gql = createComponent(t, db, &tocsin.Component{Name: "GraphQL", GroupID: api.ID}, 0, t0)
	web = createComponent(t, db, &tocsin.Component{Name: "Website"}, 0, t0)
	return
}

func componentStatus(t *testing.T, db *store.DB, id int64) tocsin.ComponentStatus {
	t.Helper()
	c, err := db.Component(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

func countIncidents(t *testing.T, db *store.DB) int {
	t.Helper()
	list, err := db.StatusIncidents(context.Background(), store.StatusIncidentFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func TestStatusIncidentLifecycle(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		api, rest, gql, web := statusComponents(t, db)
		v0 := version(t, db)

		// Bad input: refused with what is wrong, nothing written.
		bad := []struct {
			inc   tocsin.StatusIncident
			first tocsin.StatusUpdate
			says  string
		}{
			{tocsin.StatusIncident{Name: " "}, tocsin.StatusUpdate{Body: "x"}, "needs a title"},
			{tocsin.StatusIncident{Name: strings.Repeat("t", 201)}, tocsin.StatusUpdate{Body: "x"}, "at most 200"},
			{tocsin.StatusIncident{Name: "Down", Impact: "apocalyptic"}, tocsin.StatusUpdate{Body: "x"}, "Unknown impact"},
			{tocsin.StatusIncident{Name: "Down", Status: "fixed"}, tocsin.StatusUpdate{Body: "x"}, "Unknown incident status"},
			{tocsin.StatusIncident{Name: "Down"}, tocsin.StatusUpdate{Body: "  "}, "needs a message"},
			{tocsin.StatusIncident{Name: "Down"}, tocsin.StatusUpdate{Body: strings.Repeat("b", tocsin.MaxUpdateBody+1)}, "at most"},
			{tocsin.StatusIncident{Name: "Down", ComponentIDs: []int64{9999}}, tocsin.StatusUpdate{Body: "x"}, "does not exist"},
			{tocsin.StatusIncident{Name: "Down"}, tocsin.StatusUpdate{Body: "x", Changes: []tocsin.ComponentChange{{ComponentID: rest.ID, New: "melted"}}}, "Unknown component status"},
			{tocsin.StatusIncident{Name: "Down"}, tocsin.StatusUpdate{Body: "x", Changes: []tocsin.ComponentChange{{ComponentID: rest.ID, New: tocsin.ComponentMajor}, {ComponentID: 9999, New: tocsin.ComponentMajor}}}, "does not exist"},
			{tocsin.StatusIncident{Name: "Down", Maintenance: true}, tocsin.StatusUpdate{Body: "x"}, "needs a start and an end"},
			{tocsin.StatusIncident{Name: "Down", Postmortem: "We learnt"}, tocsin.StatusUpdate{Body: "x"}, "once the incident is resolved"},
		}
		for _, b := range bad {
			inc, first := b.inc, b.first
			wantCode(t, db.CreateStatusIncident(ctx, &inc, &first, sam.ID, t0), tocsin.EINVALID, b.says)
		}
		if countIncidents(t, db) != 0 || version(t, db) != v0 || componentStatus(t, db, rest.ID) != tocsin.ComponentOperational {
			t.Fatal("a refused incident wrote something")
		}

		// Opened on the API group as a major outage of REST and a partial one of GraphQL.
		opened := t0.Add(time.Hour)
		inc := &tocsin.StatusIncident{Name: "API errors", Impact: tocsin.ImpactMajor, ComponentIDs: []int64{api.ID}}
		first := &tocsin.StatusUpdate{Body: "We are **investigating** errors on the API.", Changes: []tocsin.ComponentChange{
			{ComponentID: api.ID, New: tocsin.ComponentPartial}, {ComponentID: rest.ID, New: tocsin.ComponentMajor}}}
		if err := db.CreateStatusIncident(ctx, inc, first, sam.ID, opened); err != nil {
			t.Fatal(err)
		}
		if !publicIDPattern.MatchString(inc.PublicID) || !publicIDPattern.MatchString(first.PublicID) || inc.Status != tocsin.IncidentInvestigating || !inc.StartedAt.Equal(opened) {
			t.Fatalf("incident = %+v", inc)
		}
		if len(first.Changes) != 2 || first.Changes[0] != (tocsin.ComponentChange{ComponentID: rest.ID, PublicID: rest.PublicID, Name: "REST", Old: tocsin.ComponentOperational, New: tocsin.ComponentMajor}) ||
			first.Changes[1].ComponentID != gql.ID || first.Changes[1].New != tocsin.ComponentPartial {
			t.Fatalf("first update's changes = %+v", first.Changes)
		}
		if componentStatus(t, db, rest.ID) != tocsin.ComponentMajor || componentStatus(t, db, gql.ID) != tocsin.ComponentPartial || componentStatus(t, db, api.ID) != tocsin.ComponentMajor {
			t.Fatal("the first update's changes were not applied")
		}
		if version(t, db) != v0+1 {
			t.Fatalf("version %d, want %d: one public change", version(t, db), v0+1)
		}

		// Identified, then monitoring: timestamps follow.
		if err := db.PostStatusUpdate(ctx, inc.ID, &tocsin.StatusUpdate{Status: tocsin.IncidentIdentified, Body: "A bad deploy."}, sam.ID, opened.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.PostStatusUpdate(ctx, inc.ID, &tocsin.StatusUpdate{Status: tocsin.MaintenanceScheduled, Body: "x"}, sam.ID, opened), tocsin.EINVALID, "Unknown incident status")
		wantCode(t, db.PostStatusUpdate(ctx, inc.ID, &tocsin.StatusUpdate{Body: ""}, sam.ID, opened), tocsin.EINVALID, "needs a message")
		wantCode(t, db.PostStatusUpdate(ctx, 9999, &tocsin.StatusUpdate{Body: "x"}, sam.ID, opened), tocsin.ENOTFOUND, "not found")
		mon := &tocsin.StatusUpdate{Status: tocsin.IncidentMonitoring, Body: "Rolled back.", Changes: []tocsin.ComponentChange{{ComponentID: rest.ID, New: tocsin.ComponentDegraded}}}
		if err := db.PostStatusUpdate(ctx, inc.ID, mon, sam.ID, opened.Add(20*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if len(mon.Changes) != 1 || mon.Changes[0].Old != tocsin.ComponentMajor || mon.AuthorName != "Sam" {
			t.Fatalf("monitoring update = %+v", mon)
		}

		// Another open incident holds the Website: resolving this one leaves it.
		other := &tocsin.StatusIncident{Name: "Slow pages"}
		if err := db.CreateStatusIncident(ctx, other, &tocsin.StatusUpdate{Body: "Pages are slow.", Changes: []tocsin.ComponentChange{{ComponentID: web.ID, New: tocsin.ComponentDegraded}}}, sam.ID, opened); err != nil {
			t.Fatal(err)
		}
		if err := db.PostStatusUpdate(ctx, inc.ID, &tocsin.StatusUpdate{Body: "Web too.", Changes: []tocsin.ComponentChange{{ComponentID: web.ID, New: tocsin.ComponentPartial}}}, sam.ID, opened.Add(25*time.Minute)); err != nil {
			t.Fatal(err)
		}

		// Resolved without changes: its components go back to operational, recorded as changes.
		resolvedAt := opened.Add(30 * time.Minute)
		res := &tocsin.StatusUpdate{Status: tocsin.IncidentResolved, Body: "Fixed.", Notify: true}
		if err := db.PostStatusUpdate(ctx, inc.ID, res, sam.ID, resolvedAt); err != nil {
			t.Fatal(err)
		}
		if len(res.Changes) != 2 {
			t.Fatalf("resolve recorded changes %+v, want REST and GraphQL back to operational", res.Changes)
		}
		for _, ch := range res.Changes {
			if ch.New != tocsin.ComponentOperational || (ch.ComponentID != rest.ID && ch.ComponentID != gql.ID) {
				t.Fatalf("resolve change %+v", ch)
			}
		}
		if componentStatus(t, db, rest.ID) != tocsin.ComponentOperational || componentStatus(t, db, api.ID) != tocsin.ComponentOperational || componentStatus(t, db, web.ID) != tocsin.ComponentPartial {
			t.Fatalf("after resolve: REST %s, API %s, Website %s", componentStatus(t, db, rest.ID), componentStatus(t, db, api.ID), componentStatus(t, db, web.ID))
		}

		got, err := db.StatusIncident(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != tocsin.IncidentResolved || !got.ResolvedAt.Equal(resolvedAt) || !got.MonitoringAt.Equal(opened.Add(20*time.Minute)) || got.CreatedByName != "Sam" {
			t.Fatalf("stored incident = %+v", got)
		}
		if len(got.Updates) != 5 || got.Updates[0].Body != "Fixed." || got.Updates[4].Body != first.Body || !got.Updates[0].Notify {
			t.Fatalf("updates newest first: %+v", got.Updates)
		}
		if want := []int64{rest.ID, gql.ID, web.ID}; len(got.ComponentIDs) != 3 {
			t.Fatalf("affected %v, want %v", got.ComponentIDs, want)
		}

		// Edit: a post-mortem once resolved; title and impact.
		got.Name, got.Impact, got.Postmortem = "API errors after a deploy", tocsin.ImpactCritical, "## What happened\nA bad deploy."
		if err := db.EditStatusIncident(ctx, got, sam.ID, resolvedAt.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got.Name != "API errors after a deploy" || got.Impact != tocsin.ImpactCritical || !got.PostmortemAt.Equal(resolvedAt.Add(time.Hour)) || len(got.Updates) != 5 {
			t.Fatalf("edited = %+v", got)
		}
		otherStored, _ := db.StatusIncident(ctx, other.ID)
		otherStored.Postmortem = "Too early"
		wantCode(t, db.EditStatusIncident(ctx, otherStored, sam.ID, resolvedAt), tocsin.EINVALID, "once the incident is resolved")
		otherStored.Postmortem, otherStored.Name = "", ""
		wantCode(t, db.EditStatusIncident(ctx, otherStored, sam.ID, resolvedAt), tocsin.EINVALID, "needs a title")

		// Lists.
		open, err := db.StatusIncidents(ctx, store.StatusIncidentFilter{OpenOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || open[0].ID != other.ID || len(open[0].Updates) != 1 {
			t.Fatalf("open incidents = %+v", open)
		}
		yes := true
		if m, _ := db.StatusIncidents(ctx, store.StatusIncidentFilter{Maintenance: &yes}); len(m) != 0 {
			t.Fatalf("maintenances = %+v", m)
		}

		// The internal timeline: who published what.
		events, err := db.StatusEvents(ctx, inc.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		var published []string
		for _, e := range events {
			if e.Action == "update.published" {
				published = append(published, e.Text)
			}
			if e.ActorName != "Sam" {
				t.Fatalf("event by %q: %+v", e.ActorName, e)
			}
		}
		if len(published) != 5 || published[0] != "Update (resolved): Fixed." {
			t.Fatalf("published = %q", published)
		}

		// Delete: gone, components as they are, the timeline kept.
		if err := db.DeleteStatusIncident(ctx, inc.ID, sam.ID, resolvedAt.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.StatusIncident(ctx, inc.ID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("deleted incident: %v", err)
		}
		all, _ := db.StatusEvents(ctx, 0, 500)
		if all[0].Action != "incident.deleted" || !strings.Contains(all[0].Text, "API errors after a deploy") {
			t.Fatalf("last event = %+v", all[0])
		}
		kept := 0
		for _, e := range all {
			if strings.HasPrefix(e.Text, "Update (") {
				kept++
			}
		}
		if kept != 6 {
			t.Fatalf("%d update events kept after the delete, want 6", kept)
		}
	})
}

// The snapshot holds what the page shows, read together with its version.
func TestStatusSnapshot(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		_, rest, _, _ := statusComponents(t, db)
		for k := 0; k < tocsin.MaxSnapshotIncidents+2; k++ {
			inc := &tocsin.StatusIncident{Name: "Blip", Status: tocsin.IncidentResolved}
			if err := db.CreateStatusIncident(ctx, inc, &tocsin.StatusUpdate{Body: "Resolved."}, 0, t0.Add(time.Duration(k)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		// The oldest incident is still open: it stays in the snapshot.
		old := &tocsin.StatusIncident{Name: "Long-running", Impact: tocsin.ImpactMinor}
		if err := db.CreateStatusIncident(ctx, old, &tocsin.StatusUpdate{Body: "Still on it."}, 0, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		m := &tocsin.StatusIncident{Name: "DB upgrade", Maintenance: true, ScheduledFor: t0.Add(48 * time.Hour), ScheduledUntil: t0.Add(50 * time.Hour), ComponentIDs: []int64{rest.ID}}
		if err := db.CreateStatusIncident(ctx, m, &tocsin.StatusUpdate{Body: "Planned."}, 0, t0); err != nil {
			t.Fatal(err)
		}
		snap, err := db.StatusSnapshot(ctx, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if snap.Version != version(t, db) || snap.Page.Name != "Status" || len(snap.Components) != 4 {
			t.Fatalf("snapshot: version %d (store %d), page %+v, %d components", snap.Version, version(t, db), snap.Page, len(snap.Components))
		}
		if len(snap.Incidents) != tocsin.MaxSnapshotIncidents+1 || snap.Incidents[len(snap.Incidents)-1].ID != old.ID || snap.Incidents[0].Updates[0].Body != "Resolved." {
			t.Fatalf("%d incidents, last %q", len(snap.Incidents), snap.Incidents[len(snap.Incidents)-1].Name)
		}
		if len(snap.Maintenances) != 1 || snap.Maintenances[0].Impact != tocsin.ImpactMaintenance || snap.Maintenances[0].ComponentIDs[0] != rest.ID {
			t.Fatalf("maintenances = %+v", snap.Maintenances)
		}
		if tocsin.RollUp(snap.Components, snap.Incidents) != tocsin.IndicatorMinor {
			t.Fatalf("roll-up = %s, want minor (the open incident)", tocsin.RollUp(snap.Components, snap.Incidents))
		}
		if len(snap.Spans[rest.ID]) != 1 {
			t.Fatalf("spans = %+v", snap.Spans)
		}
	})
}

// A reopened incident can still be edited with the post-mortem it has; a new
// one waits until it is resolved again.
func TestStatusIncidentReopenedKeepsItsPostmortem(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		inc := &tocsin.StatusIncident{Name: "API errors"}
		if err := db.CreateStatusIncident(ctx, inc, &tocsin.StatusUpdate{Body: "Errors."}, sam.ID, t0); err != nil {
			t.Fatal(err)
		}
		move := func(status tocsin.IncidentStatus, at time.Time) {
			t.Helper()
			if err := db.PostStatusUpdate(ctx, inc.ID, &tocsin.StatusUpdate{Status: status, Body: string(status) + "."}, sam.ID, at); err != nil {
				t.Fatal(err)
			}
		}
		move(tocsin.IncidentResolved, t0.Add(time.Hour))
		got, _ := db.StatusIncident(ctx, inc.ID)
		got.Postmortem = "A bad deploy."
		if err := db.EditStatusIncident(ctx, got, sam.ID, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		move(tocsin.IncidentInvestigating, t0.Add(3*time.Hour))
		reopened, _ := db.StatusIncident(ctx, inc.ID)
		reopened.Impact = tocsin.ImpactMajor
		if err := db.EditStatusIncident(ctx, reopened, sam.ID, t0.Add(3*time.Hour)); err != nil {
			t.Fatalf("a reopened incident with its post-mortem: %v", err)
		}
		reopened.Postmortem = "Rewritten before it is over."
		wantCode(t, db.EditStatusIncident(ctx, reopened, sam.ID, t0.Add(3*time.Hour)), tocsin.EINVALID, "once the incident is resolved")
		if after, _ := db.StatusIncident(ctx, inc.ID); after.Postmortem != "A bad deploy." || after.Impact != tocsin.ImpactMajor {
			t.Fatalf("after the refusal: %q, %s", after.Postmortem, after.Impact)
		}
	})
}
