package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

func scheduleUsers(t *testing.T, db *store.DB, emails ...string) []int64 {
	t.Helper()
	var ids []int64
	for _, e := range emails {
		u := &tocsin.User{Email: e, Name: e, Role: tocsin.RoleMember}
		if err := db.CreateUser(context.Background(), u, "", t0); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	return ids
}

func weekly(name string, participants ...int64) tocsin.Layer {
	return tocsin.Layer{
		Name:         name,
		Participants: participants,
		Length:       tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks},
		Handoff:      "mon 09:00",
		Start:        "2026-11-02",
	}
}

func TestScheduleCreateRead(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		ids := scheduleUsers(t, db, "alice@example.com", "bob@example.com", "carol@example.com")
		team := &tocsin.Team{Name: "payments"}
		if err := db.CreateTeam(ctx, team, t0); err != nil {
			t.Fatal(err)
		}
		night := weekly("nights", ids[2])
		night.Length = tocsin.ShiftLength{Count: 1, Unit: tocsin.Days}
		night.Handoff = "19:00"
		night.TimeOff = tocsin.TimeOffGap
		night.Restrictions = []tocsin.TimeWindow{{Start: "19:00", End: "08:00", Days: []string{"mon", "tue"}}}
		s := &tocsin.Schedule{
			Name: "payments-primary", TeamID: team.ID, Timezone: "Europe/Paris",
			Layers: []tocsin.Layer{weekly("weekly", ids[0], ids[1]), night, {Name: "imported", Kind: tocsin.LayerFixed,
				Fixed: []tocsin.FixedShift{{Start: t0, End: t0.Add(time.Hour), UserID: ids[1], Note: "plan"}}}},
			Overrides: []tocsin.Override{{Start: t0, End: t0.Add(time.Hour), UserID: ids[2], Layer: "weekly", Note: "dentist"}},
		}
		if err := db.CreateSchedule(ctx, s, t0); err != nil {
			t.Fatal(err)
		}
		got, err := db.Schedule(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("read back:\n got %+v\nwant %+v", got, s)
		}
		byName, err := db.ScheduleByName(ctx, "payments-primary")
		if err != nil || byName.ID != s.ID {
			t.Fatalf("by name: %v %v", byName, err)
		}
		for _, team := range []int64{0, team.ID} {
			list, err := db.Schedules(ctx, team)
			if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], s) {
				t.Fatalf("Schedules(%d) = %v, %v", team, list, err)
			}
		}
		if list, err := db.Schedules(ctx, team.ID+100); err != nil || len(list) != 0 {
			t.Fatalf("other team: %v %v", list, err)
		}

		// Update: rename, drop the night and fixed layers, keep the override's layer.
		s.Name, s.Layers = "payments", s.Layers[:1]
		if err := db.UpdateSchedule(ctx, s, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, _ = db.Schedule(ctx, s.ID)
		if got.Name != "payments" || len(got.Layers) != 1 || len(got.Overrides) != 1 {
			t.Fatalf("updated: %+v", got)
		}
		// Removing a layer that has overrides is refused.
		s.Layers[0].Name = "renamed"
		if err := db.UpdateSchedule(ctx, s, t0); tocsin.ErrorCode(err) != tocsin.EINVALID || !strings.Contains(err.Error(), "weekly") {
			t.Fatalf("update dropping an overridden layer: %v", err)
		}

		// A swap: two overrides in one call; an invalid one writes neither.
		swap := []tocsin.Override{
			{Start: t0.Add(7 * 24 * time.Hour), End: t0.Add(14 * 24 * time.Hour), UserID: ids[0], Layer: "weekly", Note: "swap"},
			{Start: t0.Add(14 * 24 * time.Hour), End: t0.Add(21 * 24 * time.Hour), UserID: ids[1], Layer: "nope", Note: "swap"},
		}
		if err := db.AddOverrides(ctx, s.ID, swap, t0); tocsin.ErrorCode(err) != tocsin.EINVALID {
			t.Fatalf("bad swap: %v", err)
		}
		swap[1].Layer = "weekly"
		if err := db.AddOverrides(ctx, s.ID, swap, t0); err != nil {
			t.Fatal(err)
		}
		got, _ = db.Schedule(ctx, s.ID)
		if len(got.Overrides) != 3 || got.Overrides[1].ID != swap[0].ID || got.Overrides[2].ID != swap[1].ID {
			t.Fatalf("overrides: %+v", got.Overrides)
		}
		if err := db.DeleteOverride(ctx, s.ID, swap[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteOverride(ctx, s.ID, swap[0].ID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
		if err := db.DeleteSchedule(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Schedule(ctx, s.ID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("deleted: %v", err)
		}
	})
}

func TestScheduleInvalidAndConflict(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		ids := scheduleUsers(t, db, "alice@example.com")
		bad := []*tocsin.Schedule{
			{Name: "zone", Timezone: "Mars/Olympus", Layers: []tocsin.Layer{weekly("w", ids[0])}},
			{Name: "handoff", Layers: []tocsin.Layer{func() tocsin.Layer { l := weekly("w", ids[0]); l.Handoff = "noon"; return l }()}},
			{Name: "nobody", Layers: []tocsin.Layer{weekly("w", ids[0]+99)}},
			{Name: "team", TeamID: 42, Layers: []tocsin.Layer{weekly("w", ids[0])}},
		}
		for _, s := range bad {
			if err := db.CreateSchedule(ctx, s, t0); tocsin.ErrorCode(err) != tocsin.EINVALID {
				t.Fatalf("%s: %v", s.Name, err)
			}
		}
		if list, err := db.Schedules(ctx, 0); err != nil || len(list) != 0 {
			t.Fatalf("invalid schedules written: %v %v", list, err)
		}
		s := &tocsin.Schedule{Name: "primary", Layers: []tocsin.Layer{weekly("w", ids[0])}}
		if err := db.CreateSchedule(ctx, s, t0); err != nil {
			t.Fatal(err)
		}
		if s.Timezone != "UTC" {
			t.Fatalf("default zone %q", s.Timezone)
		}
		dup := &tocsin.Schedule{Name: "primary", Layers: []tocsin.Layer{weekly("w", ids[0])}}
		if err := db.CreateSchedule(ctx, dup, t0); tocsin.ErrorCode(err) != tocsin.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}
		other := &tocsin.Schedule{Name: "secondary"}
		if err := db.CreateSchedule(ctx, other, t0); err != nil {
			t.Fatal(err)
		}
		other.Name = "primary"
		if err := db.UpdateSchedule(ctx, other, t0); tocsin.ErrorCode(err) != tocsin.ECONFLICT {
			t.Fatalf("rename onto another: %v", err)
		}
	})
}

func TestTimeOffAppliesToEverySchedule(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		ids := scheduleUsers(t, db, "admin@example.com", "alice@example.com", "bob@example.com", "carol@example.com")
		alice, bob, carol := ids[1], ids[2], ids[3]
		a := &tocsin.Schedule{Name: "a", Layers: []tocsin.Layer{weekly("w", alice, bob)}}
		b := &tocsin.Schedule{Name: "b", Layers: []tocsin.Layer{weekly("w", bob)}}
		c := &tocsin.Schedule{Name: "c", Layers: []tocsin.Layer{weekly("w", bob)},
			Overrides: []tocsin.Override{{Start: t0, End: t0.Add(time.Hour), UserID: carol}}}
		for _, s := range []*tocsin.Schedule{a, b, c} {
			if err := db.CreateSchedule(ctx, s, t0); err != nil {
				t.Fatal(err)
			}
		}
		off := &tocsin.TimeOff{UserID: alice, Start: t0, End: t0.Add(48 * time.Hour), Note: "leave"}
		if err := db.AddTimeOff(ctx, off, t0); err != nil {
			t.Fatal(err)
		}
		carolOff := &tocsin.TimeOff{UserID: carol, Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)}
		if err := db.AddTimeOff(ctx, carolOff, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.AddTimeOff(ctx, &tocsin.TimeOff{UserID: alice, Start: t0, End: t0}, t0); tocsin.ErrorCode(err) != tocsin.EINVALID {
			t.Fatalf("empty window: %v", err)
		}
		if err := db.AddTimeOff(ctx, &tocsin.TimeOff{UserID: 999, Start: t0, End: t0.Add(time.Hour)}, t0); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("unknown user: %v", err)
		}
		want := map[string][]int64{"a": {off.ID}, "b": nil, "c": {carolOff.ID}}
		for name, ids := range want {
			s, err := db.ScheduleByName(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, o := range s.TimeOff {
				got = append(got, o.ID)
			}
			if !reflect.DeepEqual(got, ids) {
				t.Fatalf("%s time off = %v, want %v", name, got, ids)
			}
		}
		// Bob joins later: his time off shows in all three.
		bobOff := &tocsin.TimeOff{UserID: bob, Start: t0, End: t0.Add(time.Hour)}
		if err := db.AddTimeOff(ctx, bobOff, t0); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"a", "b", "c"} {
			s, _ := db.ScheduleByName(ctx, name)
			found := false
			for _, o := range s.TimeOff {
				found = found || o.ID == bobOff.ID
			}
			if !found {
				t.Fatalf("%s lacks bob's time off: %+v", name, s.TimeOff)
			}
		}
		list, err := db.TimeOff(ctx, alice)
		if err != nil || len(list) != 1 || list[0] != *off {
			t.Fatalf("alice's time off = %+v, %v", list, err)
		}
		if err := db.DeleteTimeOff(ctx, bob, off.ID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("delete someone else's: %v", err)
		}
		if err := db.DeleteTimeOff(ctx, alice, off.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := db.TimeOff(ctx, alice); len(list) != 0 {
			t.Fatalf("after delete: %+v", list)
		}
	})
}

func TestDeleteUserOnSchedule(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		ids := scheduleUsers(t, db, "alice@example.com", "bob@example.com")
		admin := &tocsin.User{Email: "root@example.com", Name: "Root", Role: tocsin.RoleAdmin}
		if err := db.CreateUser(ctx, admin, "", t0); err != nil {
			t.Fatal(err)
		}
		s := &tocsin.Schedule{Name: "payments-primary", Layers: []tocsin.Layer{weekly("w", ids[0])},
			Overrides: []tocsin.Override{{Start: t0, End: t0.Add(time.Hour), UserID: ids[1]}}}
		if err := db.CreateSchedule(ctx, s, t0); err != nil {
			t.Fatal(err)
		}
		err := db.DeleteUser(ctx, ids[0])
		if tocsin.ErrorCode(err) != tocsin.ECONFLICT || !strings.Contains(err.Error(), "payments-primary") {
			t.Fatalf("delete participant: %v", err)
		}
		if _, err := db.User(ctx, ids[0]); err != nil {
			t.Fatalf("participant gone: %v", err)
		}
		// A user who only holds an override goes, with the override.
		if err := db.DeleteUser(ctx, ids[1]); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Schedule(ctx, s.ID)
		if len(got.Overrides) != 0 {
			t.Fatalf("override of a deleted user kept: %+v", got.Overrides)
		}
		// Out of the rotation (its only participant: the layer goes), the participant can go.
		s.Layers = nil
		if err := db.UpdateSchedule(ctx, s, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteUser(ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
	})
}
