package oncall

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustPlan(t *testing.T, s *tocsin.Schedule, from, to time.Time) Plan {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	p, err := Shifts(s, from, to)
	if err != nil {
		t.Fatalf("Shifts: %v", err)
	}
	return p
}

// describe writes shifts as "user start→end" lines in UTC, for comparisons.
func describe(shifts []Shift) string {
	var b strings.Builder
	for _, s := range shifts {
		fmt.Fprintf(&b, "%d %s→%s %s\n", s.UserID, s.Start.Format("01-02 15:04"), s.End.Format("01-02 15:04"), s.Reason)
	}
	return b.String()
}

func rotation(zoneName string, length string, handoff, start string, users ...int64) *tocsin.Schedule {
	l, err := tocsin.ParseShiftLength(length)
	if err != nil {
		panic(err)
	}
	return &tocsin.Schedule{Name: "s", Timezone: zoneName, Layers: []tocsin.Layer{
		{Name: "primary", Participants: users, Length: l, Handoff: handoff, Start: start},
	}}
}

// TestHandoffsAcrossDST pins the UTC instants of handoffs around every DST
// change of 2026 in Paris and New York: handoffs stay at their local time,
// shifts stay contiguous, and a local time that does not exist falls at the
// jump while one that happens twice is its first occurrence.
func TestHandoffsAcrossDST(t *testing.T) {
	cases := []struct {
		name     string
		s        *tocsin.Schedule
		from, to string
		want     string // UTC
	}{
		{"Paris weekly Monday 09:00, spring", rotation("Europe/Paris", "1w", "mon 09:00", "2026-03-16", 1, 2, 3),
			"2026-03-20 00:00", "2026-04-04 00:00", `
1 03-20 00:00→03-23 08:00 rotation
2 03-23 08:00→03-30 07:00 rotation
3 03-30 07:00→04-04 00:00 rotation`},
		{"Paris weekly Monday 09:00, autumn", rotation("Europe/Paris", "1w", "mon 09:00", "2026-10-12", 1, 2),
			"2026-10-19 00:00", "2026-10-27 00:00", `
1 10-19 00:00→10-19 07:00 rotation
2 10-19 07:00→10-26 08:00 rotation
1 10-26 08:00→10-27 00:00 rotation`},
		{"Paris daily 02:30, spring: 02:30 does not exist on the 29th, the jump (03:00 CEST) is the handoff", rotation("Europe/Paris", "1d", "02:30", "2026-03-27", 1, 2, 3),
			"2026-03-27 00:00", "2026-03-31 00:00", `
1 03-27 01:30→03-28 01:30 rotation
2 03-28 01:30→03-29 01:00 rotation
3 03-29 01:00→03-30 00:30 rotation
1 03-30 00:30→03-31 00:00 rotation`},
		{"Paris daily 02:30, autumn: the first 02:30 (CEST) is the handoff", rotation("Europe/Paris", "1d", "02:30", "2026-10-24", 1, 2),
			"2026-10-24 00:00", "2026-10-27 00:00", `
1 10-24 00:30→10-25 00:30 rotation
2 10-25 00:30→10-26 01:30 rotation
1 10-26 01:30→10-27 00:00 rotation`},
		{"Paris 12-hour shifts keep 09:00 and 21:00", rotation("Europe/Paris", "12h", "09:00", "2026-03-28", 1, 2),
			"2026-03-28 00:00", "2026-03-30 00:00", `
1 03-28 08:00→03-28 20:00 rotation
2 03-28 20:00→03-29 07:00 rotation
1 03-29 07:00→03-29 19:00 rotation
2 03-29 19:00→03-30 00:00 rotation`},
		{"Paris hourly at :30 through the missing hour", rotation("Europe/Paris", "1h", "00:30", "2026-03-29", 1, 2, 3),
			"2026-03-28 23:00", "2026-03-29 02:00", `
1 03-28 23:30→03-29 00:30 rotation
2 03-29 00:30→03-29 01:00 rotation
3 03-29 01:00→03-29 01:30 rotation
1 03-29 01:30→03-29 02:00 rotation`},
		{"Paris hourly at :30 through the repeated hour", rotation("Europe/Paris", "1h", "00:30", "2026-10-25", 1, 2, 3),
			"2026-10-24 22:00", "2026-10-25 03:00", `
1 10-24 22:30→10-24 23:30 rotation
2 10-24 23:30→10-25 00:30 rotation
3 10-25 00:30→10-25 02:30 rotation
1 10-25 02:30→10-25 03:00 rotation`},
		{"New York daily 02:30, spring: the jump (03:00 EDT) is the handoff", rotation("America/New_York", "1d", "02:30", "2026-03-07", 1, 2),
			"2026-03-07 00:00", "2026-03-10 00:00", `
1 03-07 07:30→03-08 07:00 rotation
2 03-08 07:00→03-09 06:30 rotation
1 03-09 06:30→03-10 00:00 rotation`},
		{"New York daily 01:30, autumn: the first 01:30 (EDT) is the handoff", rotation("America/New_York", "1d", "01:30", "2026-10-31", 1, 2),
			"2026-10-31 00:00", "2026-11-03 00:00", `
1 10-31 05:30→11-01 05:30 rotation
2 11-01 05:30→11-02 06:30 rotation
1 11-02 06:30→11-03 00:00 rotation`},
		{"New York weekly Sunday 02:00 on the day the clocks jump", rotation("America/New_York", "1w", "sun 02:00", "2026-03-01", 1, 2),
			"2026-03-01 00:00", "2026-03-16 00:00", `
1 03-01 07:00→03-08 07:00 rotation
2 03-08 07:00→03-15 06:00 rotation
1 03-15 06:00→03-16 00:00 rotation`},
		{"New York weekly Monday 09:00, autumn", rotation("America/New_York", "1w", "mon 09:00", "2026-10-26", 1, 2),
			"2026-10-26 00:00", "2026-11-10 00:00", `
1 10-26 13:00→11-02 14:00 rotation
2 11-02 14:00→11-09 14:00 rotation
1 11-09 14:00→11-10 00:00 rotation`},
		{"Lord Howe daily 02:15: the clocks jump from 02:00 to 02:30 on 4 October", rotation("Australia/Lord_Howe", "1d", "02:15", "2026-10-02", 1, 2),
			"2026-10-01 00:00", "2026-10-05 00:00", `
1 10-01 15:45→10-02 15:45 rotation
2 10-02 15:45→10-03 15:30 rotation
1 10-03 15:30→10-04 15:15 rotation
2 10-04 15:15→10-05 00:00 rotation`},
		{"leap day, daily", rotation("Europe/Paris", "1d", "09:00", "2028-02-27", 1, 2, 3),
			"2028-02-27 00:00", "2028-03-02 00:00", `
1 02-27 08:00→02-28 08:00 rotation
2 02-28 08:00→02-29 08:00 rotation
3 02-29 08:00→03-01 08:00 rotation
1 03-01 08:00→03-02 00:00 rotation`},
		{"leap day, two-day shifts", rotation("UTC", "2d", "00:00", "2028-02-28", 1, 2),
			"2028-02-28 00:00", "2028-03-04 00:00", `
1 02-28 00:00→03-01 00:00 rotation
2 03-01 00:00→03-03 00:00 rotation
1 03-03 00:00→03-04 00:00 rotation`},
		{"leap day, weekly from Tuesday 29 February", rotation("Europe/Paris", "1w", "09:00", "2028-02-29", 1, 2),
			"2028-02-28 00:00", "2028-03-15 00:00", `
1 02-29 08:00→03-07 08:00 rotation
2 03-07 08:00→03-14 08:00 rotation
1 03-14 08:00→03-15 00:00 rotation`},
		{"leap day, weekly on Mondays from 29 February starts on 6 March", rotation("Europe/Paris", "1w", "mon 09:00", "2028-02-29", 1, 2),
			"2028-02-28 00:00", "2028-03-15 00:00", `
1 03-06 08:00→03-13 08:00 rotation
2 03-13 08:00→03-15 00:00 rotation`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPlan(t, tc.s, utc(tc.from), utc(tc.to))
			want := strings.TrimPrefix(tc.want, "\n") + "\n"
			if got := describe(p.Layers[0].Shifts); got != want {
				t.Fatalf("layer shifts:\n%s\nwant:\n%s", got, want)
			}
			if got := describe(p.Final); got != want {
				t.Fatalf("final shifts differ from the only layer's:\n%s", got)
			}
			for _, s := range p.Final {
				if a := mustAt(t, tc.s, s.Start).Final; a != s.Assignment {
					t.Errorf("At(%s) = %+v, plan says %+v", s.Start, a, s.Assignment)
				}
			}
		})
	}
}

func mustAt(t *testing.T, s *tocsin.Schedule, at time.Time) OnCall {
	t.Helper()
	oc, err := At(s, at)
	if err != nil {
		t.Fatal(err)
	}
	return oc
}

func TestLocalHandoffTimeIsKept(t *testing.T) {
	// A weekly Monday 09:00 rotation in Paris hands off at 09:00 local every
	// week of 2026, and its shifts are 167, 168 or 169 hours long.
	s := rotation("Europe/Paris", "1w", "mon 09:00", "2026-01-05", 1, 2, 3)
	p := mustPlan(t, s, utc("2026-01-05 08:00"), utc("2027-01-04 08:00"))
	paris := zone(t, "Europe/Paris")
	if len(p.Final) != 52 {
		t.Fatalf("%d shifts in a year, want 52", len(p.Final))
	}
	lengths := map[time.Duration]int{}
	for i, sh := range p.Final {
		local := sh.Start.In(paris)
		if local.Weekday() != time.Monday || local.Hour() != 9 || local.Minute() != 0 {
			t.Errorf("shift %d starts %s", i, local)
		}
		if i > 0 && !p.Final[i-1].End.Equal(sh.Start) {
			t.Errorf("shift %d does not start where shift %d ends", i, i-1)
		}
		if want := s.Layers[0].Participants[i%3]; sh.UserID != want {
			t.Errorf("shift %d: user %d, want %d", i, sh.UserID, want)
		}
		lengths[sh.End.Sub(sh.Start)]++
	}
	if lengths[167*time.Hour] != 1 || lengths[169*time.Hour] != 1 || lengths[168*time.Hour] != 50 {
		t.Errorf("shift lengths: %v", lengths)
	}
}

func TestNobodyBeforeTheStart(t *testing.T) {
	s := rotation("UTC", "1d", "09:00", "2026-05-10", 1, 2)
	p := mustPlan(t, s, utc("2026-05-09 00:00"), utc("2026-05-11 00:00"))
	if len(p.Gaps) != 1 || !p.Gaps[0].Start.Equal(utc("2026-05-09 00:00")) || !p.Gaps[0].End.Equal(utc("2026-05-10 09:00")) || p.Gaps[0].Off != 0 {
		t.Fatalf("gaps: %+v", p.Gaps)
	}
	if oc := mustAt(t, s, utc("2026-05-10 08:59")); oc.Final.UserID != 0 || oc.Layers[0].UserID != 0 {
		t.Fatalf("before the start: %+v", oc)
	}
}

func TestTimeOffPolicies(t *testing.T) {
	// Weekly rotation of 1, 2, 3 from Monday 2026-06-01 09:00 UTC; 2 is off
	// Wednesday to Friday of their week (the week of 8 June).
	off := []tocsin.TimeOff{{UserID: 2, Start: utc("2026-06-10 00:00"), End: utc("2026-06-13 00:00"), Note: "leave"}}
	from, to := utc("2026-06-08 09:00"), utc("2026-06-15 09:00")

	skip := rotation("UTC", "1w", "mon 09:00", "2026-06-01", 1, 2, 3)
	skip.TimeOff = off
	p := mustPlan(t, skip, from, to)
	want := `2 06-08 09:00→06-10 00:00 rotation
3 06-10 00:00→06-13 00:00 skip
2 06-13 00:00→06-15 09:00 rotation
`
	if got := describe(p.Final); got != want {
		t.Fatalf("skip:\n%s\nwant:\n%s", got, want)
	}
	if p.Final[1].Replaces != 2 || len(p.Gaps) != 0 || len(p.Layers[0].Gaps) != 0 {
		t.Fatalf("skip: replaces %d, gaps %+v %+v", p.Final[1].Replaces, p.Gaps, p.Layers[0].Gaps)
	}

	// 3 is off too for a day: 1 is next in rotation order after 3.
	skip.TimeOff = append(skip.TimeOff, tocsin.TimeOff{UserID: 3, Start: utc("2026-06-11 00:00"), End: utc("2026-06-12 00:00")})
	p = mustPlan(t, skip, from, to)
	want = `2 06-08 09:00→06-10 00:00 rotation
3 06-10 00:00→06-11 00:00 skip
1 06-11 00:00→06-12 00:00 skip
3 06-12 00:00→06-13 00:00 skip
2 06-13 00:00→06-15 09:00 rotation
`
	if got := describe(p.Final); got != want {
		t.Fatalf("skip, two off:\n%s\nwant:\n%s", got, want)
	}

	// Everyone off: a gap even with the skip policy, flagged on the layer and the final row.
	skip.TimeOff = append(skip.TimeOff, tocsin.TimeOff{UserID: 1, Start: utc("2026-06-11 06:00"), End: utc("2026-06-11 07:00")})
	p = mustPlan(t, skip, from, to)
	if len(p.Gaps) != 1 || !p.Gaps[0].Start.Equal(utc("2026-06-11 06:00")) || !p.Gaps[0].End.Equal(utc("2026-06-11 07:00")) || p.Gaps[0].Off != 2 || p.Gaps[0].Layer != -1 {
		t.Fatalf("everyone off: final gaps %+v", p.Gaps)
	}
	if len(p.Layers[0].Gaps) != 1 || p.Layers[0].Gaps[0].Layer != 0 {
		t.Fatalf("everyone off: layer gaps %+v", p.Layers[0].Gaps)
	}

	gap := rotation("UTC", "1w", "mon 09:00", "2026-06-01", 1, 2, 3)
	gap.Layers[0].TimeOff = tocsin.TimeOffGap
	gap.TimeOff = off
	p = mustPlan(t, gap, from, to)
	want = `2 06-08 09:00→06-10 00:00 rotation
2 06-13 00:00→06-15 09:00 rotation
`
	if got := describe(p.Final); got != want {
		t.Fatalf("gap:\n%s\nwant:\n%s", got, want)
	}
	wantGap := Gap{Start: utc("2026-06-10 00:00"), End: utc("2026-06-13 00:00"), Layer: -1, Off: 2}
	if len(p.Gaps) != 1 || p.Gaps[0] != wantGap {
		t.Fatalf("gap: final gaps %+v", p.Gaps)
	}
	wantGap.Layer = 0
	if len(p.Layers[0].Gaps) != 1 || p.Layers[0].Gaps[0] != wantGap {
		t.Fatalf("gap: layer gaps %+v", p.Layers[0].Gaps)
	}
	if oc := mustAt(t, gap, utc("2026-06-11 12:00")); oc.Final.UserID != 0 {
		t.Fatalf("gap: At = %+v", oc)
	}
}

// TestNightsAndWeekends is the astreinte: a weekly business-hours layer and,
// above it, a layer restricted to nights and week-ends. Restriction edges stay
// at 09:00 and 18:00 local across the spring change.
func TestNightsAndWeekends(t *testing.T) {
	s := &tocsin.Schedule{Name: "ops", Timezone: "Europe/Paris", Layers: []tocsin.Layer{
		{Name: "day", Participants: []int64{1, 2}, Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "mon 09:00", Start: "2026-03-02"},
		{Name: "astreinte", Participants: []int64{7, 8}, Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "mon 09:00", Start: "2026-03-02",
			Restrictions: []tocsin.TimeWindow{{Start: "09:00", End: "18:00", Outside: true}}},
	}}
	p := mustPlan(t, s, utc("2026-03-27 00:00"), utc("2026-03-31 00:00"))
	want := `8 03-27 00:00→03-27 08:00 rotation
2 03-27 08:00→03-27 17:00 rotation
8 03-27 17:00→03-30 07:00 rotation
1 03-30 07:00→03-30 16:00 rotation
7 03-30 16:00→03-31 00:00 rotation
`
	if got := describe(p.Final); got != want {
		t.Fatalf("final:\n%s\nwant:\n%s", got, want)
	}
	if p.Final[2].Layer != 1 || p.Final[1].Layer != 0 {
		t.Fatalf("layers: %+v", p.Final)
	}
	wantLayer := `8 03-27 00:00→03-27 08:00 rotation
8 03-27 17:00→03-30 07:00 rotation
7 03-30 16:00→03-31 00:00 rotation
`
	if got := describe(p.Layers[1].Shifts); got != wantLayer {
		t.Fatalf("astreinte layer:\n%s\nwant:\n%s", got, wantLayer)
	}
	if len(p.Gaps) != 0 || len(p.Layers[1].Gaps) != 0 {
		t.Fatalf("restrictions are not gaps of their layer: %+v %+v", p.Gaps, p.Layers[1].Gaps)
	}
	oc := mustAt(t, s, utc("2026-03-28 12:00")) // Saturday
	if oc.Final.UserID != 8 || oc.Layers[0].UserID != 2 || oc.Layers[1].UserID != 8 {
		t.Fatalf("Saturday: %+v", oc)
	}
	oc = mustAt(t, s, utc("2026-03-31 09:00")) // Tuesday 11:00 CEST
	if oc.Final.UserID != 1 || oc.Layers[1].UserID != 0 {
		t.Fatalf("Tuesday morning: %+v", oc)
	}
}

func TestOverrides(t *testing.T) {
	s := rotation("UTC", "1d", "09:00", "2026-06-01", 1, 2)
	s.Layers = append(s.Layers, tocsin.Layer{Name: "secondary", Participants: []int64{5}, Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "09:00", Start: "2026-06-01",
		Restrictions: []tocsin.TimeWindow{{Days: []string{"sat", "sun"}, Start: "00:00", End: "00:00"}}})
	s.Overrides = []tocsin.Override{
		{UserID: 9, Start: utc("2026-06-02 12:00"), End: utc("2026-06-02 14:00")},                         // final row
		{UserID: 4, Start: utc("2026-06-03 12:00"), End: utc("2026-06-03 14:00"), Layer: "primary"},       // a layer
		{UserID: 6, Start: utc("2026-06-04 12:00"), End: utc("2026-06-04 14:00"), Layer: "secondary"},     // outside its restrictions: wins anyway
		{UserID: 7, Start: utc("2026-06-05 12:00"), End: utc("2026-06-05 14:00")},                         // overlapping final overrides:
		{UserID: 8, Start: utc("2026-06-05 13:00"), End: utc("2026-06-05 15:00"), Note: "later, so wins"}, // the later wins
	}
	cases := []struct {
		at           string
		final        int64
		reason       Reason
		replaces     int64
		layer0       int64
		layer1       int64
		finalLayerIs int
	}{
		{"2026-06-02 11:59", 2, ReasonRotation, 0, 2, 0, 0},
		{"2026-06-02 12:00", 9, ReasonOverride, 2, 2, 0, -1},
		{"2026-06-02 14:00", 2, ReasonRotation, 0, 2, 0, 0},
		{"2026-06-03 13:00", 4, ReasonOverride, 1, 4, 0, 0},
		{"2026-06-04 13:00", 6, ReasonOverride, 0, 2, 6, 1},
		{"2026-06-05 12:30", 7, ReasonOverride, 1, 1, 0, -1},
		{"2026-06-05 13:30", 8, ReasonOverride, 1, 1, 0, -1},
		{"2026-06-05 14:30", 8, ReasonOverride, 1, 1, 0, -1},
		{"2026-06-06 13:00", 5, ReasonRotation, 0, 2, 5, 1},
	}
	for _, c := range cases {
		oc := mustAt(t, s, utc(c.at))
		f := oc.Final
		if f.UserID != c.final || f.Reason != c.reason || f.Replaces != c.replaces || f.Layer != c.finalLayerIs || oc.Layers[0].UserID != c.layer0 || oc.Layers[1].UserID != c.layer1 {
			t.Errorf("At(%s) = %+v", c.at, oc)
		}
	}
	p := mustPlan(t, s, utc("2026-06-05 00:00"), utc("2026-06-06 00:00"))
	if len(p.Conflicts) != 1 || p.Conflicts[0] != (Conflict{Kind: ConflictOverlappingOverrides, Start: utc("2026-06-05 13:00"), End: utc("2026-06-05 14:00"), Layer: -1, UserID: 7, First: 3, Second: 4}) {
		t.Fatalf("conflicts: %+v", p.Conflicts)
	}
}

func TestOverrideForSomeoneOff(t *testing.T) {
	s := rotation("UTC", "1d", "09:00", "2026-06-01", 1, 2)
	s.Overrides = []tocsin.Override{{UserID: 9, Start: utc("2026-06-02 00:00"), End: utc("2026-06-03 00:00")}}
	s.TimeOff = []tocsin.TimeOff{{UserID: 9, Start: utc("2026-06-02 12:00"), End: utc("2026-06-04 00:00")}}
	if oc := mustAt(t, s, utc("2026-06-02 11:00")); oc.Final.UserID != 9 {
		t.Fatalf("before the time off: %+v", oc)
	}
	if oc := mustAt(t, s, utc("2026-06-02 13:00")); oc.Final.UserID != 2 || oc.Final.Reason != ReasonRotation {
		t.Fatalf("time off wins over the override: %+v", oc)
	}
	p := mustPlan(t, s, utc("2026-06-01 00:00"), utc("2026-06-10 00:00"))
	want := Conflict{Kind: ConflictOverrideTimeOff, Start: utc("2026-06-02 12:00"), End: utc("2026-06-03 00:00"), Layer: -1, UserID: 9, First: 0, Second: 0}
	if len(p.Conflicts) != 1 || p.Conflicts[0] != want {
		t.Fatalf("conflicts: %+v", p.Conflicts)
	}
	// Outside the plan's window, the conflict is not reported.
	p = mustPlan(t, s, utc("2026-06-05 00:00"), utc("2026-06-10 00:00"))
	if len(p.Conflicts) != 0 {
		t.Fatalf("conflicts outside the window: %+v", p.Conflicts)
	}
}

func TestFixedLayer(t *testing.T) {
	s := &tocsin.Schedule{Name: "imported", Timezone: "Europe/Paris", Layers: []tocsin.Layer{
		{Name: "plan", Kind: tocsin.LayerFixed, Fixed: []tocsin.FixedShift{
			{UserID: 1, Start: utc("2026-06-01 07:00"), End: utc("2026-06-08 07:00")},
			{UserID: 2, Start: utc("2026-06-08 07:00"), End: utc("2026-06-15 07:00")},
			{UserID: 3, Start: utc("2026-06-10 07:00"), End: utc("2026-06-11 07:00"), Note: "overlaps 2: later, wins"},
			{UserID: 4, Start: utc("2026-06-20 07:00"), End: utc("2026-06-21 07:00")},
		}},
	}, TimeOff: []tocsin.TimeOff{{UserID: 4, Start: utc("2026-06-20 00:00"), End: utc("2026-06-20 12:00")}}}
	p := mustPlan(t, s, utc("2026-06-01 00:00"), utc("2026-06-22 00:00"))
	want := `1 06-01 07:00→06-08 07:00 fixed
2 06-08 07:00→06-10 07:00 fixed
3 06-10 07:00→06-11 07:00 fixed
2 06-11 07:00→06-15 07:00 fixed
4 06-20 12:00→06-21 07:00 fixed
`
	if got := describe(p.Final); got != want {
		t.Fatalf("final:\n%s\nwant:\n%s", got, want)
	}
	wantGaps := []Gap{
		{Start: utc("2026-06-01 00:00"), End: utc("2026-06-01 07:00"), Layer: -1},
		{Start: utc("2026-06-15 07:00"), End: utc("2026-06-20 07:00"), Layer: -1},
		{Start: utc("2026-06-20 07:00"), End: utc("2026-06-20 12:00"), Layer: -1, Off: 4},
		{Start: utc("2026-06-21 07:00"), End: utc("2026-06-22 00:00"), Layer: -1},
	}
	if fmt.Sprint(p.Gaps) != fmt.Sprint(wantGaps) {
		t.Fatalf("gaps:\n%+v\nwant\n%+v", p.Gaps, wantGaps)
	}
	kinds := []ConflictKind{}
	for _, c := range p.Conflicts {
		kinds = append(kinds, c.Kind)
	}
	if fmt.Sprint(kinds) != "[overlapping_fixed_shifts fixed_shift_during_time_off]" || p.Conflicts[0].First != 1 || p.Conflicts[0].Second != 2 {
		t.Fatalf("conflicts: %+v", p.Conflicts)
	}
}

func TestSwap(t *testing.T) {
	s := rotation("Europe/Paris", "1w", "mon 09:00", "2026-06-01", 1, 2)
	p := mustPlan(t, s, utc("2026-06-01 07:00"), utc("2026-06-15 07:00"))
	a, b := p.Final[0], p.Final[1]
	pair, err := Swap(a, b, "")
	if err != nil {
		t.Fatal(err)
	}
	s.Overrides = append(s.Overrides, pair[:]...)
	p = mustPlan(t, s, utc("2026-06-01 07:00"), utc("2026-06-15 07:00"))
	if p.Final[0].UserID != 2 || p.Final[1].UserID != 1 || !p.Final[0].End.Equal(a.End) || p.Final[0].Reason != ReasonOverride || p.Final[0].Replaces != 1 {
		t.Fatalf("after the swap:\n%s", describe(p.Final))
	}
	if p.Layers[0].Shifts[0].UserID != 1 {
		t.Fatal("a swap on the final row leaves the layer's row as it was")
	}
	bad := []struct {
		name string
		a, b Shift
	}{
		{"same user", a, Shift{Start: b.Start, End: b.End, Assignment: Assignment{UserID: a.UserID}}},
		{"nobody", a, Shift{Start: b.Start, End: b.End}},
		{"overlapping", a, Shift{Start: a.Start.Add(time.Hour), End: b.End, Assignment: b.Assignment}},
	}
	for _, c := range bad {
		if _, err := Swap(c.a, c.b, ""); tocsin.ErrorCode(err) != tocsin.EINVALID {
			t.Errorf("%s: Swap = %v", c.name, err)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	bad := []*tocsin.Schedule{
		{Name: "a", Timezone: "Mars/Olympus"},
		{Name: "b", Layers: []tocsin.Layer{{Name: "x", Length: tocsin.ShiftLength{Count: 1, Unit: "y"}, Handoff: "09:00", Start: "2026-01-01"}}},
		{Name: "c", Layers: []tocsin.Layer{{Name: "x", Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Days}, Handoff: "9h", Start: "2026-01-01"}}},
		{Name: "d", Layers: []tocsin.Layer{{Name: "x", Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Days}, Handoff: "09:00", Start: "01/01/2026"}}},
		{Name: "e", Overrides: []tocsin.Override{{UserID: 1, Start: utc("2026-01-01 00:00"), End: utc("2026-01-02 00:00"), Layer: "nope"}}},
	}
	for _, s := range bad {
		if _, err := Compile(s, nil); tocsin.ErrorCode(err) != tocsin.EINVALID {
			t.Errorf("schedule %q: Compile = %v", s.Name, err)
		}
	}
	s := rotation("UTC", "1d", "09:00", "2026-01-01", 1)
	if _, err := Shifts(s, utc("2026-01-01 00:00"), utc("2030-01-01 00:00")); tocsin.ErrorCode(err) != tocsin.EINVALID {
		t.Errorf("a four-year plan: %v", err)
	}
	if p, err := Shifts(s, utc("2026-01-02 00:00"), utc("2026-01-01 00:00")); err != nil || len(p.Final)+len(p.Gaps) != 0 {
		t.Errorf("an empty window: %+v, %v", p, err)
	}
}

func TestZonesCache(t *testing.T) {
	z := Zones{}
	a, err := z.Load("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := z.Load("Europe/Paris"); a != b || len(z) != 1 {
		t.Fatal("the zone was loaded twice")
	}
	if _, err := z.Load("Nowhere/Land"); tocsin.ErrorCode(err) != tocsin.EINVALID {
		t.Fatal(err)
	}
	var none Zones
	if loc, err := none.Load(""); err != nil || loc != time.UTC {
		t.Fatal(loc, err)
	}
}

func TestExtremeInstants(t *testing.T) {
	s := rotation("Europe/Paris", "1h", "00:30", "2026-01-01", 1, 2, 3)
	s.Layers[0].Restrictions = []tocsin.TimeWindow{{Start: "09:00", End: "18:00", Outside: true}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := Compile(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if oc := c.At(time.Time{}); oc.Final.UserID != 0 {
		t.Fatalf("year 1: %+v", oc)
	}
	far := time.Date(9999, 12, 25, 3, 0, 0, 0, time.UTC) // a Saturday night
	if oc := c.At(far); oc.Final.UserID == 0 {
		t.Fatalf("year 9999: %+v", oc)
	}
	p, err := c.Shifts(far, far.Add(24*time.Hour))
	if err != nil || len(p.Final) == 0 {
		t.Fatalf("year 9999: %v, %v", p.Final, err)
	}
}
