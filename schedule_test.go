package tocsin

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func validSchedule() Schedule {
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	return Schedule{
		Name:     "payments-primary",
		Timezone: "Europe/Paris",
		Layers: []Layer{
			{Name: "weekly", Participants: []int64{1, 2}, Length: ShiftLength{1, Weeks}, Handoff: "Mon 09:00", Start: "2026-11-02"},
			{Name: "nights", Participants: []int64{3}, Length: ShiftLength{12, Hours}, Handoff: "18:00", Start: "2026-11-02", TimeOff: TimeOffGap,
				Restrictions: []TimeWindow{{Start: "09:00", End: "18:00", Outside: true}}},
			{Name: "imported", Kind: LayerFixed, Fixed: []FixedShift{{UserID: 4, Start: start, End: start.Add(24 * time.Hour)}}},
		},
		Overrides: []Override{{UserID: 5, Start: start, End: start.Add(time.Hour), Layer: "nights"}, {UserID: 6, Start: start, End: start.Add(time.Hour)}},
		TimeOff:   []TimeOff{{UserID: 1, Start: start, End: start.Add(72 * time.Hour), Note: "congés"}},
	}
}

func TestScheduleValidate(t *testing.T) {
	s := validSchedule()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Layers[0].Kind != LayerRotation || s.Layers[0].TimeOff != TimeOffSkip || s.Layers[1].Restrictions[0].Timezone != "Europe/Paris" {
		t.Fatalf("defaults not filled: %+v", s.Layers)
	}
	utc := Schedule{Name: "x"}
	if err := utc.Validate(); err != nil || utc.Timezone != "UTC" {
		t.Fatalf("empty schedule: %v, zone %q", err, utc.Timezone)
	}

	at := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		want   string // a piece of the message that names the problem
		change func(s *Schedule)
	}{
		{"schedule name is required", func(s *Schedule) { s.Name = "" }},
		{"schedule name \"Payments Primary\" must be", func(s *Schedule) { s.Name = "Payments Primary" }},
		{"time zone \"Mars/Olympus\" is unknown", func(s *Schedule) { s.Timezone = "Mars/Olympus" }},
		{"time zone \"Local\" is unknown: use an IANA name", func(s *Schedule) { s.Timezone = "Local" }},
		{"at most 10 layers", func(s *Schedule) { s.Layers = make([]Layer, 11) }},
		{"layer name is required", func(s *Schedule) { s.Layers[0].Name = " " }},
		{"two layers are named \"weekly\"", func(s *Schedule) { s.Layers[1].Name = "weekly" }},
		{"layer kind \"roster\" is not one of rotation, fixed", func(s *Schedule) { s.Layers[0].Kind = "roster" }},
		{"layer 1 (\"weekly\"): a rotation needs at least one participant", func(s *Schedule) { s.Layers[0].Participants = nil }},
		{"participant id 0 is not a user id", func(s *Schedule) { s.Layers[0].Participants = []int64{1, 0} }},
		{"at most 100 participants", func(s *Schedule) { s.Layers[0].Participants = make([]int64, 101) }},
		{"shift length is required", func(s *Schedule) { s.Layers[0].Length = ShiftLength{} }},
		{"shift length unit \"m\" is not one of h", func(s *Schedule) { s.Layers[0].Length = ShiftLength{1, "m"} }},
		{"shift length 0w is not between 1w and 52w", func(s *Schedule) { s.Layers[0].Length = ShiftLength{0, Weeks} }},
		{"shift length 400d is not between 1d and 364d", func(s *Schedule) { s.Layers[0].Length = ShiftLength{400, Days} }},
		{"handoff \"9h\" is not HH:MM", func(s *Schedule) { s.Layers[0].Handoff = "9h" }},
		{"handoff \"\" is not HH:MM", func(s *Schedule) { s.Layers[0].Handoff = "" }},
		{"handoff \"25:00\" is not HH:MM", func(s *Schedule) { s.Layers[0].Handoff = "25:00" }},
		{"handoff day \"funday\" is not one of mon", func(s *Schedule) { s.Layers[0].Handoff = "funday 09:00" }},
		{"only weekly rotations hand off on a given day", func(s *Schedule) { s.Layers[1].Handoff = "mon 18:00" }},
		{"start date is required", func(s *Schedule) { s.Layers[0].Start = "" }},
		{"start date \"2026-02-30\" is not YYYY-MM-DD", func(s *Schedule) { s.Layers[0].Start = "2026-02-30" }},
		{"time-off policy \"cover\" is not one of skip, gap", func(s *Schedule) { s.Layers[0].TimeOff = "cover" }},
		{"restriction 1: time \"9\" is not HH:MM", func(s *Schedule) { s.Layers[1].Restrictions[0].Start = "9" }},
		{"restriction 1: day \"weekend\" is not one of mon", func(s *Schedule) { s.Layers[1].Restrictions[0].Days = []string{"weekend"} }},
		{"restriction 1: its time zone \"UTC\" is not the schedule's", func(s *Schedule) { s.Layers[1].Restrictions[0].Timezone = "UTC" }},
		{"at most 20 restrictions", func(s *Schedule) { s.Layers[1].Restrictions = make([]TimeWindow, 21) }},
		{"a rotation has no fixed shifts", func(s *Schedule) { s.Layers[0].Fixed = s.Layers[2].Fixed }},
		{"a fixed layer has only fixed shifts", func(s *Schedule) { s.Layers[2].Participants = []int64{1} }},
		{"fixed shift 1: a fixed shift needs a user", func(s *Schedule) { s.Layers[2].Fixed[0].UserID = 0 }},
		{"fixed shift 1: the shift ends", func(s *Schedule) { s.Layers[2].Fixed[0].End = at.Add(-time.Hour) }},
		{"fixed shift 1: the shift is longer than 366 days", func(s *Schedule) { s.Layers[2].Fixed[0].End = at.AddDate(2, 0, 0) }},
		{"override 1: an override needs the user who takes over", func(s *Schedule) { s.Overrides[0].UserID = 0 }},
		{"override 1: the override needs a start and an end", func(s *Schedule) { s.Overrides[0].Start = time.Time{} }},
		{"override 2: the override ends (2026-11-02T08:00:00Z) before it starts (2026-11-02T08:00:00Z)", func(s *Schedule) { s.Overrides[1].End = at }},
		{"override 1: the override is longer than 366 days", func(s *Schedule) { s.Overrides[0].End = at.AddDate(1, 1, 0) }},
		{"override 1: there is no layer named \"days\"", func(s *Schedule) { s.Overrides[0].Layer = "days" }},
		{"override 2: note is longer than 500 characters", func(s *Schedule) { s.Overrides[1].Note = strings.Repeat("x", 501) }},
		{"time off 1: time off needs a user", func(s *Schedule) { s.TimeOff[0].UserID = -1 }},
		{"time off 1: the time off ends", func(s *Schedule) { s.TimeOff[0].End = s.TimeOff[0].Start }},
		{"time off 1: the time off is longer than 731 days", func(s *Schedule) { s.TimeOff[0].End = at.AddDate(3, 0, 0) }},
	}
	for _, c := range cases {
		s := validSchedule()
		c.change(&s)
		err := s.Validate()
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), c.want) {
			t.Errorf("want an invalid error saying %q, got %v", c.want, err)
		}
	}
}

func TestParseShiftLength(t *testing.T) {
	for in, want := range map[string]ShiftLength{"1w": {1, Weeks}, "12h": {12, Hours}, "3D": {3, Days}, " 2w ": {2, Weeks}} {
		got, err := ParseShiftLength(in)
		if err != nil || got != want {
			t.Errorf("ParseShiftLength(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "w", "1", "1y", "-1d", "0h", "53w", "1.5d", "xw"} {
		if _, err := ParseShiftLength(in); ErrorCode(err) != EINVALID {
			t.Errorf("ParseShiftLength(%q) = %v, want an invalid error", in, err)
		}
	}
	var l ShiftLength
	if err := l.UnmarshalText([]byte("2w")); err != nil || l.String() != "2w" {
		t.Fatal(l, err)
	}
	if b, _ := l.MarshalText(); string(b) != "2w" {
		t.Fatal(string(b))
	}
}

func TestWeekSpans(t *testing.T) {
	cases := []struct {
		w    TimeWindow
		want []WeekSpan
	}{
		// Business hours, mon–fri by default.
		{TimeWindow{Start: "09:00", End: "18:00"}, []WeekSpan{{540, 1080}, {1980, 2520}, {3420, 3960}, {4860, 5400}, {6300, 6840}}},
		// Nights and week-ends: the rest of the week.
		{TimeWindow{Start: "09:00", End: "18:00", Outside: true}, []WeekSpan{{0, 540}, {1080, 1980}, {2520, 3420}, {3960, 4860}, {5400, 6300}, {6840, 10080}}},
		// Week-end days, whole: 00:00–00:00 spans a day.
		{TimeWindow{Days: []string{"sat", "SUN"}, Start: "00:00", End: "00:00"}, []WeekSpan{{7200, 10080}}},
		// Sunday night to Monday morning wraps around the week.
		{TimeWindow{Days: []string{"sun"}, Start: "22:00", End: "06:00"}, []WeekSpan{{0, 360}, {9960, 10080}}},
	}
	for _, c := range cases {
		got, err := c.w.WeekSpans()
		if err != nil || len(got) != len(c.want) {
			t.Errorf("%+v: %v, %v", c.w, got, err)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%+v: %v, want %v", c.w, got, c.want)
				break
			}
		}
	}
}

// A fixed layer has no shift length; its layer must survive a JSON round trip.
func TestShiftLengthZeroRoundTrip(t *testing.T) {
	var l Layer
	l.Name, l.Kind = "imported", LayerFixed
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var back Layer
	if err := json.Unmarshal(b, &back); err != nil || back.Length != (ShiftLength{}) {
		t.Fatalf("round trip of %s: %+v, %v", b, back, err)
	}
}
