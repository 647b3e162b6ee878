package store_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

func createComponent(t *testing.T, db *store.DB, c *tocsin.Component, actorID int64, at time.Time) *tocsin.Component {
	t.Helper()
	if err := db.CreateComponent(context.Background(), c, actorID, at); err != nil {
		t.Fatal(err)
	}
	return c
}

func componentNames(t *testing.T, db *store.DB) []string {
	t.Helper()
	list, err := db.Components(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range list {
		names = append(names, c.Name+":"+string(c.Status))
	}
	return names
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStatusComponents(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		svc := &tocsin.Service{Name: "checkout"}
		if err := db.CreateService(ctx, svc, t0); err != nil {
			t.Fatal(err)
		}
		v0 := version(t, db)

		api := createComponent(t, db, &tocsin.Component{Name: "API", Group: true}, sam.ID, t0)
		web := createComponent(t, db, &tocsin.Component{Name: "Website", Showcase: true}, sam.ID, t0)
		rest := createComponent(t, db, &tocsin.Component{Name: "REST", GroupID: api.ID, ServiceIDs: []int64{svc.ID, svc.ID}, Showcase: true}, sam.ID, t0)
		gql := createComponent(t, db, &tocsin.Component{Name: "GraphQL", GroupID: api.ID, Status: tocsin.ComponentDegraded}, sam.ID, t0)
		if !publicIDPattern.MatchString(rest.PublicID) || rest.PublicID == gql.PublicID {
			t.Fatalf("public ids %q %q", rest.PublicID, gql.PublicID)
		}
		if version(t, db) != v0+4 {
			t.Fatalf("version %d after 4 creations, want %d", version(t, db), v0+4)
		}
		// Groups first with their components, by position; a group is its worst child.
		want := []string{"API:degraded_performance", "REST:operational", "GraphQL:degraded_performance", "Website:operational"}
		if got := componentNames(t, db); !sameStrings(got, want) {
			t.Fatalf("components = %v, want %v", got, want)
		}
		got, err := db.Component(ctx, rest.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.ServiceIDs) != 1 || got.ServiceIDs[0] != svc.ID || got.GroupID != api.ID || !got.Showcase {
			t.Fatalf("REST = %+v", got)
		}

		// Bad input: refused, nothing written.
		v1 := version(t, db)
		wantCode(t, db.CreateComponent(ctx, &tocsin.Component{Name: ""}, sam.ID, t0), tocsin.EINVALID, "needs a name")
		wantCode(t, db.CreateComponent(ctx, &tocsin.Component{Name: "X", Status: "on_fire"}, sam.ID, t0), tocsin.EINVALID, "Unknown component status")
		wantCode(t, db.CreateComponent(ctx, &tocsin.Component{Name: "X", GroupID: web.ID}, sam.ID, t0), tocsin.EINVALID, "not a group")
		wantCode(t, db.CreateComponent(ctx, &tocsin.Component{Name: "X", GroupID: 9999}, sam.ID, t0), tocsin.EINVALID, "does not exist")
		wantCode(t, db.CreateComponent(ctx, &tocsin.Component{Name: "X", ServiceIDs: []int64{9999}}, sam.ID, t0), tocsin.EINVALID, "service does not exist")
		wantCode(t, db.CreateComponent(ctx, &tocsin.Component{Name: "X", Group: true, GroupID: api.ID}, sam.ID, t0), tocsin.EINVALID, "inside another group")
		wantCode(t, db.SetComponentStatus(ctx, api.ID, tocsin.ComponentMajor, sam.ID, t0), tocsin.EINVALID, "set theirs")
		wantCode(t, db.SetComponentStatus(ctx, web.ID, "down", sam.ID, t0), tocsin.EINVALID, "Unknown component status")
		wantCode(t, db.DeleteComponent(ctx, api.ID, sam.ID, t0), tocsin.EINVALID, "move or delete its components first")
		wantCode(t, db.SetComponentStatus(ctx, 9999, tocsin.ComponentMajor, sam.ID, t0), tocsin.ENOTFOUND, "not found")
		if got := componentNames(t, db); !sameStrings(got, want) || version(t, db) != v1 {
			t.Fatalf("refused changes wrote something: %v, version %d (was %d)", got, version(t, db), v1)
		}

		// Order: Website up above API; GraphQL up above REST within the group.
		if err := db.MoveComponent(ctx, web.ID, -1, sam.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.MoveComponent(ctx, gql.ID, -5, sam.ID, t0); err != nil { // past the top: stays first
			t.Fatal(err)
		}
		want = []string{"Website:operational", "API:degraded_performance", "GraphQL:degraded_performance", "REST:operational"}
		if got := componentNames(t, db); !sameStrings(got, want) {
			t.Fatalf("after moves = %v, want %v", got, want)
		}

		// A status change moves the group with it; an update moves a component between groups.
		if err := db.SetComponentStatus(ctx, rest.ID, tocsin.ComponentMajor, sam.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		// The group's own updated_at moves with its status.
		if g, _ := db.Component(ctx, api.ID); g.Status != tocsin.ComponentMajor || !g.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("group after its component's outage: %s, updated %s", g.Status, g.UpdatedAt)
		}
		web.GroupID, web.Name, web.Status = api.ID, "Web site", tocsin.ComponentPartial
		if err := db.UpdateComponent(ctx, web, sam.ID, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if web.Name != "Web site" || web.GroupID != api.ID || web.Status != tocsin.ComponentPartial || web.Position != 2 {
			t.Fatalf("updated = %+v", web)
		}
		want = []string{"API:major_outage", "GraphQL:degraded_performance", "REST:major_outage", "Web site:partial_outage"}
		if got := componentNames(t, db); !sameStrings(got, want) {
			t.Fatalf("after status changes = %v, want %v", got, want)
		}
		api.Group = false
		wantCode(t, db.UpdateComponent(ctx, api, sam.ID, t0), tocsin.EINVALID, "A group cannot become a component")

		// Deleting the group's components one by one, then the group.
		for _, c := range []*tocsin.Component{gql, rest, web} {
			if err := db.DeleteComponent(ctx, c.ID, sam.ID, t0.Add(3*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if got := componentNames(t, db); !sameStrings(got, []string{"API:operational"}) {
			t.Fatalf("after deletes = %v", got)
		}
		if err := db.DeleteComponent(ctx, api.ID, sam.ID, t0.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Component(ctx, api.ID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("deleted group still there: %v", err)
		}
		events, _ := db.StatusEvents(ctx, 0, 100)
		actions := map[string]int{}
		for _, e := range events {
			actions[e.Action]++
		}
		if actions["component.created"] != 4 || actions["component.deleted"] != 4 || actions["component.moved"] != 2 || actions["component.status"] != 2 {
			t.Fatalf("events by action = %v", actions)
		}
	})
}

// The uptime of a component comes from its recorded status spans: a major
// outage of 6 hours over 10 days is 97.5% up.
func TestStatusUptimeFromSpans(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		created := t0
		c := createComponent(t, db, &tocsin.Component{Name: "API"}, 0, created)
		if err := db.SetComponentStatus(ctx, c.ID, tocsin.ComponentMajor, 0, created.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.SetComponentStatus(ctx, c.ID, tocsin.ComponentOperational, 0, created.Add(30*time.Hour)); err != nil {
			t.Fatal(err)
		}
		now := created.Add(10 * 24 * time.Hour)
		snap, err := db.StatusSnapshot(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		spans := snap.Spans[c.ID]
		if len(spans) != 3 || spans[0].Status != tocsin.ComponentOperational || !spans[0].From.Equal(created) || spans[1].Status != tocsin.ComponentMajor {
			t.Fatalf("spans = %+v", spans)
		}
		days, pct := tocsin.UptimeHistory(spans, tocsin.UptimeDays, now, time.UTC)
		if math.Abs(pct-97.5) > 0.001 {
			t.Fatalf("uptime %.4f%%, want 97.5%%", pct)
		}
		if day := days[len(days)-10]; day.Major != 6*time.Hour {
			t.Fatalf("the outage day shows %v of major outage: %+v", day.Major, day)
		}

		// Spans older than the 90 days are summed up by the one in force at the start.
		later := created.Add(200 * 24 * time.Hour)
		snap, err = db.StatusSnapshot(ctx, later)
		if err != nil {
			t.Fatal(err)
		}
		if spans := snap.Spans[c.ID]; len(spans) != 1 || spans[0].Status != tocsin.ComponentOperational {
			t.Fatalf("spans 200 days later = %+v", spans)
		}
		if _, pct := tocsin.UptimeHistory(snap.Spans[c.ID], tocsin.UptimeDays, later, time.UTC); pct != 100 {
			t.Fatalf("uptime 200 days later = %v", pct)
		}
	})
}
