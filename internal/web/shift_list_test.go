package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

func TestMyShiftsAndTimeOff(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		weekly := f.weekly(t) // Ada from 2 November, Max from 9 November, weekly
		nights := &tocsin.Schedule{Name: "storage-nights", Timezone: "UTC", Layers: []tocsin.Layer{{
			Name: "daily", Participants: []int64{f.member.ID, f.viewer.ID},
			Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Days}, Handoff: "20:00", Start: "2026-11-02",
		}}}
		if err := f.app.DB.CreateSchedule(ctx, nights, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, f.app)
		b.login(f.member.Email)

		p := b.get("/shifts")
		if p.Status != http.StatusOK {
			t.Fatalf("/shifts: %d", p.Status)
		}
		// Max's shifts from both schedules, in order, with their layer and why.
		mustContain(t, p.Body, `href="/shifts" aria-current="page"`, `id="my-shifts"`,
			fmt.Sprintf(`<a href="/schedules/%d">payments-primary</a></td><td>2026-11-09 08:00:00 UTC</td><td>2026-11-16 08:00:00 UTC</td><td>weekly · rotation</td>`, weekly.ID),
			fmt.Sprintf(`<a href="/schedules/%d">storage-nights</a></td><td>2026-11-02 20:00:00 UTC</td><td>2026-11-03 20:00:00 UTC</td><td>daily · rotation</td>`, nights.ID),
			"No time off ahead.", `id="time-off-form"`)
		mustNotContain(t, p.Body, "2026-11-02 08:00:00 UTC</td>") // Ada's first week is not Max's

		// Add time off, in the user's zone (UTC here): listed, and it takes Max off the rotations.
		saved := b.post("/shifts/time-off", url.Values{"start": {"2026-11-10T00:00"}, "end": {"2026-11-12T00:00"}, "note": {"congé"}})
		if saved.Status != http.StatusSeeOther || saved.Location != "/shifts" {
			t.Fatalf("add time off: %d %s", saved.Status, excerpt(saved.Body))
		}
		p = b.follow(saved)
		mustContain(t, p.Body, "Time off saved.", `id="my-time-off"`, "<td>2026-11-10 00:00:00 UTC</td><td>2026-11-12 00:00:00 UTC</td><td>congé</td>",
			"<td>2026-11-09 08:00:00 UTC</td><td>2026-11-10 00:00:00 UTC</td><td>weekly · rotation</td>")
		list, err := f.app.DB.TimeOff(ctx, f.member.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("stored time off: %v %v", list, err)
		}

		// Bad windows are refused with the form kept, and nothing stored.
		for _, bad := range []struct{ start, end, want string }{
			{"2026-11-20T00:00", "2026-11-19T00:00", "“To” (2026-11-19 00:00) must come after “From” (2026-11-20 00:00), in UTC."},
			{"2026-11-20T00:00", "2029-11-19T00:00", "longer than 731 days"},
			{"tomorrow", "2026-11-19T00:00", "is not a date and time"},
		} {
			r := b.post("/shifts/time-off", url.Values{"start": {bad.start}, "end": {bad.end}})
			if r.Status != http.StatusBadRequest {
				t.Errorf("time off %s → %s: %d", bad.start, bad.end, r.Status)
			}
			mustContain(t, r.Body, "form-error", bad.want, fmt.Sprintf(`value="%s"`, bad.start))
		}
		if list, _ := f.app.DB.TimeOff(ctx, f.member.ID); len(list) != 1 {
			t.Errorf("refused time off was stored: %v", list)
		}

		// Nobody deletes someone else's time off; Max deletes his own.
		ada := newBrowser(t, f.app)
		ada.login(f.admin.Email)
		if got := ada.post(fmt.Sprintf("/shifts/time-off/%d/delete", list[0].ID), nil).Status; got != http.StatusNotFound {
			t.Errorf("deleting another's time off: %d", got)
		}
		mustContain(t, p.Body, fmt.Sprintf(`action="/shifts/time-off/%d/delete"`, list[0].ID))
		del := b.post(fmt.Sprintf("/shifts/time-off/%d/delete", list[0].ID), nil)
		p = b.follow(del)
		mustContain(t, p.Body, "Time off deleted.", "No time off ahead.")
		if list, _ := f.app.DB.TimeOff(ctx, f.member.ID); len(list) != 0 {
			t.Errorf("time off after delete: %v", list)
		}

		// Viewers see their shifts but, as in the API, do not file time off.
		v := newBrowser(t, f.app)
		v.login(f.viewer.Email)
		vp := v.get("/shifts")
		mustContain(t, vp.Body, "storage-nights", "2026-11-03 20:00:00 UTC")
		mustNotContain(t, vp.Body, `id="time-off-form"`)
		if got := v.post("/shifts/time-off", url.Values{"start": {"2026-11-10T00:00"}, "end": {"2026-11-12T00:00"}}).Status; got != http.StatusForbidden {
			t.Errorf("viewer time off: %d", got)
		}
		// Each person sees their own: Ada has the weekly rotation's other weeks.
		if n := len(regexp.MustCompile(`<tr><td><a href="/schedules/`).FindAllString(ada.get("/shifts").Body, -1)); n == 0 {
			t.Errorf("Ada has weekly shifts, none listed")
		}
	})
}
