package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
	"github.com/tocsin/tocsin/internal/testkit"
)

// weekly adds a weekly rotation in Europe/Paris: Ada from Monday 2 November
// 09:00 (08:00 UTC, the test clock's epoch), then Max, handing off Mondays 09:00.
func (f *fixture) weekly(t *testing.T) *tocsin.Schedule {
	t.Helper()
	s := &tocsin.Schedule{Name: "payments-primary", TeamID: f.service.TeamID, Timezone: "Europe/Paris", Layers: []tocsin.Layer{{
		Name: "weekly", Participants: []int64{f.admin.ID, f.member.ID},
		Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "mon 09:00", Start: "2026-11-02",
	}}}
	if err := f.app.DB.CreateSchedule(context.Background(), s, f.app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	return s
}

// finalRow is the planning's final row, as HTML.
func finalRow(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `data-row="final"`)
	if i < 0 {
		t.Fatalf("no final row:\n%s", excerpt(body))
	}
	rest := body[i:]
	if j := strings.Index(rest, "</svg>\n    </div>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

func key(start, end time.Time, user int64) string {
	return fmt.Sprintf("%d_%d_%d", start.Unix(), end.Unix(), user)
}

func TestOncallPage(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		s := f.weekly(t)
		f.app.Clock.Advance(time.Hour)
		b := newBrowser(t, f.app)
		b.login(f.viewer.Email)

		p := b.get("/oncall")
		if p.Status != http.StatusOK {
			t.Fatalf("/oncall: %d", p.Status)
		}
		mustContain(t, p.Body, `href="/oncall" aria-current="page"`, "payments-primary", "<strong>Ada Admin</strong>", "rotation", "2026-11-09 08:00:00 UTC")

		// Across the handoff, Monday 9 November 09:00 Paris = 08:00 UTC (the viewer's zone).
		before := b.get("/oncall?at=" + url.QueryEscape("2026-11-09T07:59"))
		mustContain(t, before.Body, "<strong>Ada Admin</strong>")
		after := b.get("/oncall?at=" + url.QueryEscape("2026-11-09T08:00"))
		mustContain(t, after.Body, "<strong>Max Member</strong>", "On call at 2026-11-09 08:00:00 UTC")
		mustNotContain(t, after.Body, "<strong>Ada Admin</strong>")

		// By team: another team's schedules are not listed.
		other := &tocsin.Team{Name: "storage"}
		if err := f.app.DB.CreateTeam(context.Background(), other, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		mustNotContain(t, b.get("/oncall?team="+itoa(other.ID)).Body, "payments-primary")
		mustContain(t, b.get("/oncall?team="+itoa(s.TeamID)).Body, "payments-primary")

		bad := b.get("/oncall?at=tomorrow")
		if bad.Status != http.StatusBadRequest {
			t.Errorf("bad time: %d", bad.Status)
		}
		mustContain(t, bad.Body, "form-error")

		list := b.get("/schedules")
		mustContain(t, list.Body, fmt.Sprintf(`href="/schedules/%d"`, s.ID), "Europe/Paris", "Ada Admin", "Gaps, next 7 days", ">None<")

		// Max is off from Tuesday to Wednesday of his week: with the layer's gap
		// policy, the list warns of that window ahead of time.
		s.Layers[0].TimeOff = tocsin.TimeOffGap
		if err := f.app.DB.UpdateSchedule(context.Background(), s, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		off := &tocsin.TimeOff{UserID: f.member.ID, Start: testkit.Epoch.Add(8 * 24 * time.Hour), End: testkit.Epoch.Add(9 * 24 * time.Hour)}
		if err := f.app.DB.AddTimeOff(context.Background(), off, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.app.Clock.Advance(3 * 24 * time.Hour) // the coming week now holds Max's days off
		mustContain(t, b.get("/schedules").Body, ">1 gap</a>", "First: 2026-11-10 08:00:00 UTC → 2026-11-11 08:00:00 UTC")
	})
}

func TestSchedulePlanningAndOverride(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		s := f.weekly(t)
		ctx := context.Background()
		f.app.Clock.Advance(time.Hour)
		// Everyone is off on 20 November: nobody can cover.
		offStart, offEnd := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
		for _, u := range []*tocsin.User{f.admin, f.member} {
			if err := f.app.DB.AddTimeOff(ctx, &tocsin.TimeOff{UserID: u.ID, Start: offStart, End: offEnd, Note: "leave"}, f.app.Clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		b := newBrowser(t, f.app)
		b.login(f.member.Email)
		p := b.get(fmt.Sprintf("/schedules/%d", s.ID))
		if p.Status != http.StatusOK {
			t.Fatalf("planning: %d %s", p.Status, excerpt(p.Body))
		}
		final := finalRow(t, p.Body)
		mustContain(t, final, fmt.Sprintf(`data-user="%d"`, f.admin.ID), fmt.Sprintf(`data-user="%d"`, f.member.ID), `class="block gap"`, "/override?shift=")
		mustContain(t, p.Body, "Nobody on call from 2026-11-20 00:00:00 UTC to 2026-11-21 00:00:00 UTC", `data-row="off"`, `class="today"`)

		// Click Ada's first shift: the form is pre-filled with its window.
		week1, week2 := testkit.Epoch, testkit.Epoch.Add(7*24*time.Hour)
		form := b.get(fmt.Sprintf("/schedules/%d/override?shift=%s", s.ID, key(week1, week2, f.admin.ID)))
		if form.Status != http.StatusOK {
			t.Fatalf("override form: %d", form.Status)
		}
		mustContain(t, form.Body, `value="2026-11-02T08:00"`, `value="2026-11-09T08:00"`, "Max Member: 2026-11-09 08:00:00 UTC")

		// Refused: the end before the start.
		bad := b.post(fmt.Sprintf("/schedules/%d/overrides", s.ID), url.Values{"user": {itoa(f.viewer.ID)}, "start": {"2026-11-04T00:00"}, "end": {"2026-11-03T00:00"}})
		if bad.Status != http.StatusBadRequest {
			t.Fatalf("bad override: %d", bad.Status)
		}
		mustContain(t, bad.Body, "form-error", `value="2026-11-04T00:00"`, "“To” (2026-11-03 00:00) must come after “From” (2026-11-04 00:00), in UTC.")

		ok := b.post(fmt.Sprintf("/schedules/%d/overrides", s.ID), url.Values{"user": {itoa(f.viewer.ID)}, "start": {"2026-11-03T00:00"}, "end": {"2026-11-04T00:00"}, "note": {"covering"}})
		after := b.follow(ok)
		mustContain(t, after.Body, "Override saved.")
		mustContain(t, finalRow(t, after.Body), fmt.Sprintf(`data-user="%d"`, f.viewer.ID))
		stored, err := f.app.DB.Schedule(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if oc, _ := oncall.At(stored, time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)); oc.Final.UserID != f.viewer.ID {
			t.Errorf("on call after the override: %+v", oc.Final)
		}
		mustNotContain(t, after.Body, `id="conflicts"`)
		// A second override over the first: saved, and the contradiction is said,
		// in the flash and under the planning, until it is removed.
		over := b.follow(b.post(fmt.Sprintf("/schedules/%d/overrides", s.ID), url.Values{"user": {itoa(f.admin.ID)}, "start": {"2026-11-03T12:00"}, "end": {"2026-11-03T18:00"}}))
		conflict := fmt.Sprintf("On call (final): the overrides of %s and %s overlap from 2026-11-03 12:00:00 UTC to 2026-11-03 18:00:00 UTC; %s’s, added later, applies.", f.viewer.Name, f.admin.Name, f.admin.Name)
		mustContain(t, over.Body, "Override saved. "+conflict, `id="conflicts"`)
		if n := strings.Count(over.Body, conflict); n != 2 {
			t.Errorf("the conflict is said %d times, want in the flash and the list", n)
		}
		// An override elsewhere is saved without a word about that conflict,
		// which stays in the list.
		apart := b.follow(b.post(fmt.Sprintf("/schedules/%d/overrides", s.ID), url.Values{"user": {itoa(f.admin.ID)}, "start": {"2026-11-05T00:00"}, "end": {"2026-11-05T06:00"}}))
		mustContain(t, apart.Body, "Override saved.")
		if n := strings.Count(apart.Body, conflict); n != 1 {
			t.Errorf("after an unrelated override, the conflict is said %d times, want only in the list", n)
		}
		stored, _ = f.app.DB.Schedule(ctx, s.ID)
		for _, o := range stored.Overrides[len(stored.Overrides)-2:] {
			if err := f.app.DB.DeleteOverride(ctx, s.ID, o.ID); err != nil {
				t.Fatal(err)
			}
		}

		// Swap Max's second week with Ada's fifth (her third has a gap: everyone is off on the 20th).
		week3 := week2.Add(7 * 24 * time.Hour)
		week5 := week3.Add(14 * 24 * time.Hour)
		week6 := week5.Add(7 * 24 * time.Hour)
		gapped := b.post(fmt.Sprintf("/schedules/%d/swap", s.ID), url.Values{"shift": {key(week2, week3, f.member.ID)}, "with": {key(week3, week3.Add(7*24*time.Hour), f.admin.ID)}})
		if gapped.Status != http.StatusBadRequest {
			t.Errorf("swap with a shift that has a gap: %d", gapped.Status)
		}
		mustContain(t, gapped.Body, "that shift changed since the page was shown")
		sw := b.post(fmt.Sprintf("/schedules/%d/swap", s.ID), url.Values{"shift": {key(week2, week3, f.member.ID)}, "with": {key(week5, week6, f.admin.ID)}})
		mustContain(t, b.follow(sw).Body, "Shifts swapped.")
		stored, _ = f.app.DB.Schedule(ctx, s.ID)
		if oc, _ := oncall.At(stored, week2.Add(time.Hour)); oc.Final.UserID != f.admin.ID {
			t.Errorf("week 2 after the swap: %+v", oc.Final)
		}
		if oc, _ := oncall.At(stored, week5.Add(time.Hour)); oc.Final.UserID != f.member.ID {
			t.Errorf("week 5 after the swap: %+v", oc.Final)
		}
		// A stale shift is refused with the form again.
		stale := b.post(fmt.Sprintf("/schedules/%d/swap", s.ID), url.Values{"shift": {key(week2, week3, f.member.ID)}, "with": {key(week5, week6, f.admin.ID)}})
		if stale.Status != http.StatusBadRequest {
			t.Errorf("stale swap: %d", stale.Status)
		}

		// Viewers read but do not change.
		v := newBrowser(t, f.app)
		v.login(f.viewer.Email)
		vp := v.get(fmt.Sprintf("/schedules/%d", s.ID))
		mustNotContain(t, vp.Body, "/override?shift=")
		if got := v.get(fmt.Sprintf("/schedules/%d/override?shift=%s", s.ID, key(week1, week2, f.admin.ID))).Status; got != http.StatusForbidden {
			t.Errorf("viewer override form: %d", got)
		}
		if got := v.post(fmt.Sprintf("/schedules/%d/overrides", s.ID), url.Values{"user": {itoa(f.viewer.ID)}, "start": {"2026-11-05T00:00"}, "end": {"2026-11-06T00:00"}}).Status; got != http.StatusForbidden {
			t.Errorf("viewer override: %d", got)
		}
		if got := v.post(fmt.Sprintf("/schedules/%d/swap", s.ID), url.Values{"shift": {key(week2, week3, f.admin.ID)}}).Status; got != http.StatusForbidden {
			t.Errorf("viewer swap: %d", got)
		}
	})
}

func TestSchedulesEmpty(t *testing.T) {
	f := newFixture(t, "sqlite")
	b := newBrowser(t, f.app)
	b.login(f.viewer.Email)
	mustContain(t, b.get("/schedules").Body, "No schedules yet.", "tocsin apply", "docs/config.md")

}

// In Santiago midnight does not exist on 6 September 2026 (the clocks jump to
// 01:00): the planning across that day still has one tick a day and answers.
func TestPlanningWhereMidnightIsSkipped(t *testing.T) {
	f := newFixture(t, "sqlite")
	s := f.weekly(t)
	u := *f.viewer
	u.Timezone = "America/Santiago"
	if err := f.app.DB.UpdateUser(context.Background(), &u, ""); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, f.app)
	b.login(f.viewer.Email)
	p := b.get(fmt.Sprintf("/schedules/%d?from=2026-09-01&weeks=1", s.ID))
	if p.Status != http.StatusOK {
		t.Fatalf("planning: %d", p.Status)
	}
	mustContain(t, p.Body, "2026-09-07")                     // the Monday's label
	if n := strings.Count(p.Body, `class="tick`); n != 2*7 { // a tick a day on the layer's row and the final row
		t.Errorf("%d day ticks in a week on two rows, want 14", n)
	}
}

// An override typed at a time the viewer's zone skips (New York, 14 March
// 2027, 02:00 → 03:00) is refused with the reason, not moved by an hour.
func TestOverrideInAClockGapIsRefused(t *testing.T) {
	f := newFixture(t, "sqlite")
	s := f.weekly(t)
	u := *f.admin
	u.Timezone = "America/New_York"
	if err := f.app.DB.UpdateUser(context.Background(), &u, ""); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, f.app)
	b.login(f.admin.Email)
	p := b.post(fmt.Sprintf("/schedules/%d/overrides", s.ID), url.Values{"user": {itoa(f.viewer.ID)}, "start": {"2027-03-14T02:30"}, "end": {"2027-03-14T09:00"}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("override in the gap: %d", p.Status)
	}
	mustContain(t, p.Body, "does not exist in America/New_York: the clocks jump forward over that time", `value="2027-03-14T02:30"`)
	stored, err := f.app.DB.Schedule(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Overrides) != 0 {
		t.Errorf("an override was stored: %+v", stored.Overrides)
	}
}
