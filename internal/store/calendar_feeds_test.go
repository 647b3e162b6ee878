package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

func TestCalendarFeedLifecycle(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		ids := scheduleUsers(t, db, "alice@example.com", "bob@example.com")
		s := &tocsin.Schedule{Name: "payments", Timezone: "Europe/Paris", Layers: []tocsin.Layer{weekly("weekly", ids[0])}}
		if err := db.CreateSchedule(ctx, s, t0); err != nil {
			t.Fatal(err)
		}

		mine, token, err := db.CreateCalendarFeed(ctx, ids[0], store.CalendarPerson, 99, t0)
		if err != nil || len(token) != 64 || mine.ScheduleID != 0 {
			t.Fatalf("create: %+v %q %v", mine, token, err)
		}
		sched, _, err := db.CreateCalendarFeed(ctx, ids[0], store.CalendarSchedule, s.ID, t0)
		if err != nil || sched.ScheduleName != "payments" {
			t.Fatalf("create for a schedule: %+v %v", sched, err)
		}
		for name, tc := range map[string]struct {
			scope store.CalendarScope
			id    int64
		}{"unknown schedule": {store.CalendarSchedule, s.ID + 100}, "no schedule": {store.CalendarSchedule, 0}, "bad scope": {"team", 0}} {
			if _, _, err := db.CreateCalendarFeed(ctx, ids[0], tc.scope, tc.id, t0); tocsin.ErrorCode(err) != tocsin.EINVALID {
				t.Errorf("%s: %v, want EINVALID", name, err)
			}
		}

		got, err := db.CalendarFeedByToken(ctx, token, t0.Add(time.Second))
		if err != nil || got.ID != mine.ID || got.Scope != store.CalendarPerson || !got.LastUsedAt.Equal(t0.Add(time.Second)) {
			t.Fatalf("by token: %+v %v", got, err)
		}
		// Use is noted at most once a minute.
		db.CalendarFeedByToken(ctx, token, t0.Add(30*time.Second))
		list, err := db.CalendarFeeds(ctx, ids[0])
		if err != nil || len(list) != 2 || list[0].ID != sched.ID || !list[1].LastUsedAt.Equal(t0.Add(time.Second)) {
			t.Fatalf("list: %v %v", list, err)
		}
		if others, _ := db.CalendarFeeds(ctx, ids[1]); len(others) != 0 {
			t.Errorf("bob sees alice's subscriptions: %v", others)
		}

		// Only the owner rotates or revokes; others get not found.
		if _, _, err := db.RotateCalendarFeed(ctx, ids[1], mine.ID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Errorf("bob rotates alice's: %v", err)
		}
		if err := db.RevokeCalendarFeed(ctx, ids[1], mine.ID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Errorf("bob revokes alice's: %v", err)
		}
		_, rotated, err := db.RotateCalendarFeed(ctx, ids[0], mine.ID)
		if err != nil || rotated == token {
			t.Fatalf("rotate: %v", err)
		}
		if _, err := db.CalendarFeedByToken(ctx, token, t0); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Errorf("the rotated-away token still works: %v", err)
		}
		if f, err := db.CalendarFeedByToken(ctx, rotated, t0); err != nil || f.ID != mine.ID {
			t.Errorf("the new token: %v", err)
		}
		if err := db.RevokeCalendarFeed(ctx, ids[0], mine.ID); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{rotated, "", "short", strings.Repeat("a", 64)} {
			if _, err := db.CalendarFeedByToken(ctx, tok, t0); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
				t.Errorf("token %q: %v", tok, err)
			}
		}

		// Deleting the schedule deletes its subscriptions.
		if err := db.DeleteSchedule(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := db.CalendarFeeds(ctx, ids[0]); len(list) != 0 {
			t.Errorf("subscriptions outlive their schedule: %v", list)
		}
	})
}

func TestCalendarEventVersions(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		end := t0.Add(7 * 24 * time.Hour)
		render := func(now time.Time, digests ...string) []store.CalendarEventVersion {
			t.Helper()
			evs := make([]store.CalendarEventVersion, len(digests))
			for i, d := range digests {
				evs[i] = store.CalendarEventVersion{UID: string(rune('a'+i)) + "@x", Digest: d, End: end}
			}
			if err := db.CalendarEventVersions(ctx, evs, now); err != nil {
				t.Fatal(err)
			}
			return evs
		}
		check := func(evs []store.CalendarEventVersion, i, seq int, at time.Time) {
			t.Helper()
			if evs[i].Sequence != seq || !evs[i].ChangedAt.Equal(at) {
				t.Errorf("event %d: sequence %d at %v, want %d at %v", i, evs[i].Sequence, evs[i].ChangedAt, seq, at)
			}
		}
		evs := render(t0, "d1", "d2")
		check(evs, 0, 0, t0)
		check(evs, 1, 0, t0)
		t1 := t0.Add(time.Hour)
		evs = render(t1, "d1", "d2")
		check(evs, 0, 0, t0)
		check(evs, 1, 0, t0)
		t2 := t0.Add(2 * time.Hour)
		evs = render(t2, "d1", "d2 changed", "d3")
		check(evs, 0, 0, t0)
		check(evs, 1, 1, t2)
		check(evs, 2, 0, t2)

		// Several renders of one change at once bump it once.
		t3 := t0.Add(3 * time.Hour)
		var wg sync.WaitGroup
		results := make([][]store.CalendarEventVersion, 6)
		for i := range results {
			wg.Go(func() {
				evs := []store.CalendarEventVersion{{UID: "b@x", Digest: "d2 again", End: end}}
				if err := db.CalendarEventVersions(ctx, evs, t3); err != nil {
					t.Error(err)
				}
				results[i] = evs
			})
		}
		wg.Wait()
		for _, r := range results {
			if r != nil {
				check(r, 0, 2, t3)
			}
		}

		// Versions of events ended more than 60 days ago go when something is written.
		later := end.Add(61 * 24 * time.Hour)
		render(later, "d1", "d2 again", "d3", "d4")
		evs = []store.CalendarEventVersion{{UID: "a@x", Digest: "d1", End: later}, {UID: "z@x", Digest: "new", End: later}}
		if err := db.CalendarEventVersions(ctx, evs, later); err != nil {
			t.Fatal(err)
		}
		check(evs, 0, 0, later) // "a" was pruned, so it starts again
	})
}
