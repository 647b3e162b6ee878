package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// TestReportQueries: the pages of a window are the alerts created in it (not
// suppressed) with their service's team; acknowledgements are credited to
// the user the timeline names, with the alert's resolution time.
func TestReportQueries(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)
		svc, err := db.Service(ctx, integ.ServiceID)
		if err != nil {
			t.Fatal(err)
		}
		orphan := &tocsin.Service{Name: "orphan"}
		if err := db.CreateService(ctx, orphan, t0); err != nil {
			t.Fatal(err)
		}
		orphanInteg := &tocsin.Integration{Name: "orphan", Type: tocsin.IntegrationPagerDuty, ServiceID: orphan.ID}
		if _, err := db.CreateIntegration(ctx, orphanInteg, "", t0); err != nil {
			t.Fatal(err)
		}
		var users []*tocsin.User
		for _, u := range [][2]string{{"alice@example.com", "Alice Martin"}, {"bob@example.com", "Bob Durand"}, {"sam1@example.com", "Sam Same"}, {"sam2@example.com", "Sam Same"}} {
			user := &tocsin.User{Email: u[0], Name: u[1], Role: tocsin.RoleMember}
			if err := db.CreateUser(ctx, user, "", t0); err != nil {
				t.Fatal(err)
			}
			users = append(users, user)
		}
		alice, bob := users[0], users[1]
		h := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Hour))) }
		trigger := func(in *tocsin.Integration, at time.Time, key string, suppress bool) int64 {
			item := event(tocsin.ActionTrigger, key, key)
			item.Suppress = suppress
			return apply(t, db, in, at, item)[0].AlertID
		}
		act := func(id int64, action tocsin.EventAction, actor string, at time.Time) {
			if _, err := db.ActOnAlerts(ctx, []int64{id}, store.AlertAction{Action: action, Actor: actor, Channel: tocsin.ChannelWeb}, at); err != nil {
				t.Fatal(err)
			}
		}

		old := trigger(integ, h(-48), "old", false) // acknowledged by e-mail through the integration, still open
		ack := event(tocsin.ActionAcknowledge, "old", "")
		ack.Event.Actor = "BOB@example.com"
		apply(t, db, integ, h(-47), ack)
		done := trigger(integ, h(-30), "done", false) // over before the window
		act(done, tocsin.ActionAcknowledge, "Alice Martin", h(-29))
		act(done, tocsin.ActionResolve, "Alice Martin", h(-28))
		inWindow := trigger(integ, h(0), "in", false)
		act(inWindow, tocsin.ActionAcknowledge, "Alice Martin", h(1))
		act(inWindow, tocsin.ActionResolve, "Alice Martin", h(3))
		trigger(integ, h(1), "quiet", true) // suppressed: paged nobody
		drop := event(tocsin.ActionTrigger, "dropped", "dropped")
		drop.Drop = true
		apply(t, db, integ, h(1), drop)
		noTeam := trigger(orphanInteg, h(2), "orphan", false)
		act(noTeam, tocsin.ActionAcknowledge, "Sam Same", h(2.5)) // two users share the name
		late := trigger(integ, h(30), "late", false)
		act(late, tocsin.ActionAcknowledge, "Alice Martin", h(30.5))

		pages, err := db.AlertPages(ctx, h(-1), h(24))
		if err != nil {
			t.Fatal(err)
		}
		wantPages := []store.AlertPage{
			{AlertID: inWindow, CreatedAt: h(0), ServiceID: svc.ID, TeamID: svc.TeamID},
			{AlertID: noTeam, CreatedAt: h(2), ServiceID: orphan.ID},
		}
		if !reflect.DeepEqual(pages, wantPages) {
			t.Errorf("pages:\n got %+v\nwant %+v", pages, wantPages)
		}

		acks, err := db.Acknowledgements(ctx, h(-1), h(24))
		if err != nil {
			t.Fatal(err)
		}
		wantAcks := []store.Acknowledgement{
			{AlertID: old, UserID: bob.ID, AckedAt: h(-47)},
			{AlertID: inWindow, UserID: alice.ID, AckedAt: h(1), ResolvedAt: h(3)},
		}
		if !reflect.DeepEqual(acks, wantAcks) {
			t.Errorf("acknowledgements:\n got %+v\nwant %+v", acks, wantAcks)
		}
	})
}
