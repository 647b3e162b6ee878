package tocsin

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Schedule answers one question with certainty: who is on call at instant t.
// It has a time zone, ordered layers (index 0 is the lowest; a higher layer wins
// wherever it has someone), overrides and time off. internal/oncall computes it.
type Schedule struct {
	ID        int64
	Name      string
	TeamID    int64
	Timezone  string // IANA name; every handoff and restriction is local wall-clock time here
	Layers    []Layer
	Overrides []Override
	TimeOff   []TimeOff
	CreatedAt time.Time
	UpdatedAt time.Time // last change of the schedule itself (not of its overrides): edit forms check it

	Language string          // "en" or "fr": the phone number's voice prompts; empty: English
	Holidays HolidayCalendar // public holidays, for the on-call pay report
	Pay      PayRates        // what a day on call and an hour of intervention pay
}

// LayerKind says how a layer decides who is on call.
type LayerKind string

const (
	LayerRotation LayerKind = "rotation" // participants take turns, one shift each
	LayerFixed    LayerKind = "fixed"    // explicit shifts, e.g. an imported plan
)

// TimeOffPolicy says what a rotation does when the participant whose turn it is is off.
type TimeOffPolicy string

const (
	// TimeOffSkip: the next participant in rotation order who is not off covers
	// the part of the shift that the absent one cannot take.
	TimeOffSkip TimeOffPolicy = "skip"
	// TimeOffGap: nobody covers it on this layer; the hole is flagged.
	TimeOffGap TimeOffPolicy = "gap"
)

// Layer is one row of a schedule: a rotation, or a list of fixed shifts.
type Layer struct {
	ID   int64
	Name string
	Kind LayerKind // empty: rotation

	// Rotation layers.
	Participants []int64       // user ids in rotation order; the first takes the first shift; one may appear twice
	Length       ShiftLength   // "12h", "1d", "1w"…
	Handoff      string        // local time of day, "09:00"; weekly rotations may name the day: "mon 09:00"
	Start        string        // "2026-11-02": local date of the first handoff; nobody is on this layer before it
	Restrictions []TimeWindow  // optional: the layer only covers these hours (union), in the schedule's zone; empty: all the time
	TimeOff      TimeOffPolicy // empty: skip

	// Fixed layers.
	Fixed []FixedShift
}

// FixedShift is one explicit shift of a fixed layer: [Start, End).
type FixedShift struct {
	Start  time.Time
	End    time.Time
	UserID int64
	Note   string
}

// Override puts a user on call for [Start, End), on one layer or on the final row.
type Override struct {
	ID        int64
	Start     time.Time
	End       time.Time
	UserID    int64  // any user, not only a participant: a manager may cover a night
	Layer     string // a layer's name; empty: the final row, whatever the layers say
	Note      string
	CreatedAt time.Time
}

// TimeOff is a window when a user must not be scheduled: leave, sickness.
type TimeOff struct {
	ID     int64
	UserID int64
	Start  time.Time
	End    time.Time
	Note   string
}

// Limits on a schedule's size and windows.
const (
	MaxLayers          = 10
	MaxParticipants    = 100
	MaxRestrictions    = 20
	MaxFixedShifts     = 10000
	MaxOverrides       = 10000
	MaxTimeOffEntries  = 10000
	MaxScheduleNoteLen = 500
	MaxLayerNameLen    = 100
	MaxOverrideLength  = 366 * 24 * time.Hour // an override (or a fixed shift) covers at most a year
	MaxTimeOffLength   = 731 * 24 * time.Hour // time off covers at most two years
)

// ShiftUnit is the unit of a rotation's shift length.
type ShiftUnit string

const (
	Hours ShiftUnit = "h"
	Days  ShiftUnit = "d"
	Weeks ShiftUnit = "w"
)

// ShiftLength is how long each turn of a rotation lasts, in local wall-clock
// units: a day is from one handoff to the same local time the next day, even
// when that is 23 or 25 hours.
type ShiftLength struct {
	Count int
	Unit  ShiftUnit
}

// ParseShiftLength reads "12h", "1d", "2w".
func ParseShiftLength(s string) (ShiftLength, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return ShiftLength{}, Errorf(EINVALID, "shift length %q is not a number followed by h, d or w (e.g. 1w)", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	l := ShiftLength{Count: n, Unit: ShiftUnit(strings.ToLower(s[len(s)-1:]))}
	if err != nil {
		return ShiftLength{}, Errorf(EINVALID, "shift length %q is not a number followed by h, d or w (e.g. 1w)", s)
	}
	if err := l.Validate(); err != nil {
		return ShiftLength{}, err
	}
	return l, nil
}

// String writes the length as ParseShiftLength reads it.
func (l ShiftLength) String() string { return fmt.Sprintf("%d%s", l.Count, l.Unit) }

// MarshalText writes "1w", so that JSON and YAML show the length as typed; the
// zero length (fixed layers have none) is written as "".
func (l ShiftLength) MarshalText() ([]byte, error) {
	if l == (ShiftLength{}) {
		return []byte{}, nil
	}
	return []byte(l.String()), nil
}

// UnmarshalText reads "1w", and "" as the zero length.
func (l *ShiftLength) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*l = ShiftLength{}
		return nil
	}
	v, err := ParseShiftLength(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Validate checks that the length is between 1 hour and 52 weeks.
func (l ShiftLength) Validate() error {
	var max int
	switch l.Unit {
	case Hours:
		max = 52 * 7 * 24
	case Days:
		max = 52 * 7
	case Weeks:
		max = 52
	default:
		return Errorf(EINVALID, "shift length unit %q is not one of h (hours), d (days), w (weeks)", l.Unit)
	}
	if l.Count < 1 || l.Count > max {
		return Errorf(EINVALID, "shift length %s is not between 1%s and %d%s", l, l.Unit, max, l.Unit)
	}
	return nil
}

// Handoff is a parsed Layer.Handoff.
type Handoff struct {
	HasDay  bool
	Weekday time.Weekday // when HasDay
	Minute  int          // minutes after local midnight
}

// ParseHandoff reads "09:00" or "mon 09:00".
func ParseHandoff(s string) (Handoff, error) {
	fields := strings.Fields(s)
	var h Handoff
	switch len(fields) {
	case 1:
	case 2:
		d, ok := parseWeekday(fields[0])
		if !ok {
			return h, Errorf(EINVALID, "handoff day %q is not one of mon, tue, wed, thu, fri, sat, sun", fields[0])
		}
		h.HasDay, h.Weekday = true, d
		fields = fields[1:]
	default:
		return h, Errorf(EINVALID, "handoff %q is not HH:MM or DAY HH:MM (e.g. mon 09:00)", s)
	}
	m, err := parseClock(fields[0])
	if err != nil {
		return h, Errorf(EINVALID, "handoff %q is not HH:MM or DAY HH:MM (e.g. mon 09:00)", s)
	}
	h.Minute = m
	return h, nil
}

// ParseDate reads a local date, "2026-11-02".
func ParseDate(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, Errorf(EINVALID, "date %q is not YYYY-MM-DD", s)
	}
	return d, nil
}

// MinutesPerWeek is the length of a week in minutes; WeekSpan counts from Monday 00:00.
const MinutesPerWeek = 7 * 24 * 60

// WeekSpan is a part of a week, [Start, End) in minutes after Monday 00:00 local.
type WeekSpan struct{ Start, End int }

// WeekSpans returns the window as sorted, disjoint parts of a week, with
// TimeWindow's meaning: days mon…sun (empty: mon–fri), a window whose end is not
// after its start spans midnight and belongs to the day it starts on (so
// "sat 00:00–00:00" is all of Saturday), and Outside takes the rest of the week.
// The time zone is the caller's business. It fails on what Validate rejects.
func (w *TimeWindow) WeekSpans() ([]WeekSpan, error) {
	start, err := parseClock(w.Start)
	if err != nil {
		return nil, err
	}
	end, err := parseClock(w.End)
	if err != nil {
		return nil, err
	}
	length := end - start
	if length <= 0 {
		length += 24 * 60
	}
	var days [7]bool // Monday first
	if len(w.Days) == 0 {
		for i := 0; i < 5; i++ {
			days[i] = true
		}
	}
	for _, name := range w.Days {
		d, ok := parseWeekday(name)
		if !ok {
			return nil, Errorf(EINVALID, "day %q is not one of mon, tue, wed, thu, fri, sat, sun", name)
		}
		days[(int(d)+6)%7] = true
	}
	var spans []WeekSpan
	for i, on := range days {
		if !on {
			continue
		}
		s := i*24*60 + start
		e := s + length
		if e > MinutesPerWeek {
			spans = append(spans, WeekSpan{0, e - MinutesPerWeek})
			e = MinutesPerWeek
		}
		spans = append(spans, WeekSpan{s, e})
	}
	spans = MergeWeekSpans(spans)
	if w.Outside {
		spans = complementWeek(spans)
	}
	return spans, nil
}

// MergeWeekSpans sorts spans and joins those that overlap or touch.
func MergeWeekSpans(spans []WeekSpan) []WeekSpan {
	sorted := make([]WeekSpan, len(spans))
	copy(sorted, spans)
	for i := 1; i < len(sorted); i++ { // insertion sort: a handful of spans
		for j := i; j > 0 && sorted[j].Start < sorted[j-1].Start; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	var out []WeekSpan
	for _, s := range sorted {
		if s.End <= s.Start {
			continue
		}
		if n := len(out); n > 0 && s.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

func complementWeek(spans []WeekSpan) []WeekSpan {
	var out []WeekSpan
	at := 0
	for _, s := range spans {
		if s.Start > at {
			out = append(out, WeekSpan{at, s.Start})
		}
		at = s.End
	}
	if at < MinutesPerWeek {
		out = append(out, WeekSpan{at, MinutesPerWeek})
	}
	return out
}

// Validate checks a schedule before it is stored and fills defaults: time zone
// UTC, rotation layers, the skip policy, restrictions in the schedule's zone.
func (s *Schedule) Validate() error {
	if err := ValidateName("schedule", s.Name); err != nil {
		return err
	}
	if s.Timezone == "" {
		s.Timezone = "UTC"
	}
	if _, err := LoadZone(s.Timezone); err != nil {
		return err
	}
	if s.Language != "" && !slices.Contains(Locales(), s.Language) {
		return Errorf(EINVALID, "language %q is not one of %s", s.Language, strings.Join(Locales(), ", "))
	}
	if err := s.Holidays.Validate(); err != nil {
		return err
	}
	if err := s.Pay.Validate(); err != nil {
		return err
	}
	if len(s.Layers) > MaxLayers {
		return Errorf(EINVALID, "a schedule has at most %d layers", MaxLayers)
	}
	names := make(map[string]bool, len(s.Layers))
	for i := range s.Layers {
		l := &s.Layers[i]
		if err := l.validate(s.Timezone); err != nil {
			return Errorf(EINVALID, "layer %d (%q): %s", i+1, l.Name, ErrorMessage(err))
		}
		if names[l.Name] {
			return Errorf(EINVALID, "two layers are named %q", l.Name)
		}
		names[l.Name] = true
	}
	if len(s.Overrides) > MaxOverrides {
		return Errorf(EINVALID, "a schedule has at most %d overrides", MaxOverrides)
	}
	for i := range s.Overrides {
		o := &s.Overrides[i]
		if err := o.Validate(); err != nil {
			return Errorf(EINVALID, "override %d: %s", i+1, ErrorMessage(err))
		}
		if o.Layer != "" && !names[o.Layer] {
			return Errorf(EINVALID, "override %d: there is no layer named %q", i+1, o.Layer)
		}
	}
	if len(s.TimeOff) > MaxTimeOffEntries {
		return Errorf(EINVALID, "a schedule has at most %d time-off entries", MaxTimeOffEntries)
	}
	for i := range s.TimeOff {
		if err := s.TimeOff[i].Validate(); err != nil {
			return Errorf(EINVALID, "time off %d: %s", i+1, ErrorMessage(err))
		}
	}
	return nil
}

func (l *Layer) validate(zone string) error {
	l.Name = strings.TrimSpace(CleanText(l.Name))
	if l.Name == "" {
		return Errorf(EINVALID, "layer name is required")
	}
	if len(l.Name) > MaxLayerNameLen {
		return Errorf(EINVALID, "layer name is longer than %d characters", MaxLayerNameLen)
	}
	if l.Kind == "" {
		l.Kind = LayerRotation
	}
	switch l.Kind {
	case LayerFixed:
		if len(l.Participants) > 0 || l.Length != (ShiftLength{}) || l.Handoff != "" || l.Start != "" || len(l.Restrictions) > 0 || l.TimeOff != "" {
			return Errorf(EINVALID, "a fixed layer has only fixed shifts: no participants, length, handoff, start, restrictions or time-off policy")
		}
		if len(l.Fixed) > MaxFixedShifts {
			return Errorf(EINVALID, "a fixed layer has at most %d shifts", MaxFixedShifts)
		}
		for i := range l.Fixed {
			if err := l.Fixed[i].Validate(); err != nil {
				return Errorf(EINVALID, "fixed shift %d: %s", i+1, ErrorMessage(err))
			}
		}
		return nil
	case LayerRotation:
	default:
		return Errorf(EINVALID, "layer kind %q is not one of rotation, fixed", l.Kind)
	}
	if len(l.Fixed) > 0 {
		return Errorf(EINVALID, "a rotation has no fixed shifts (make a fixed layer)")
	}
	if len(l.Participants) == 0 {
		// Nobody to rotate through is a form left half-filled, not a rotation: it
		// would leave the schedule with nobody on call, for ever, without a word.
		return Errorf(EINVALID, "a rotation needs at least one participant (remove the layer to have none)")
	}
	if len(l.Participants) > MaxParticipants {
		return Errorf(EINVALID, "a rotation has at most %d participants", MaxParticipants)
	}
	for _, id := range l.Participants {
		if id <= 0 {
			return Errorf(EINVALID, "participant id %d is not a user id", id)
		}
	}
	if l.Length == (ShiftLength{}) {
		return Errorf(EINVALID, "shift length is required (e.g. 1w, 1d, 12h)")
	}
	if err := l.Length.Validate(); err != nil {
		return err
	}
	h, err := ParseHandoff(l.Handoff)
	if err != nil {
		return err
	}
	if h.HasDay && l.Length.Unit != Weeks {
		return Errorf(EINVALID, "handoff %q names a day, but only weekly rotations hand off on a given day", l.Handoff)
	}
	if l.Start == "" {
		return Errorf(EINVALID, "start date is required (YYYY-MM-DD)")
	}
	if _, err := ParseDate(l.Start); err != nil {
		return Errorf(EINVALID, "start %s", ErrorMessage(err))
	}
	if l.TimeOff == "" {
		l.TimeOff = TimeOffSkip
	}
	if l.TimeOff != TimeOffSkip && l.TimeOff != TimeOffGap {
		return Errorf(EINVALID, "time-off policy %q is not one of skip, gap", l.TimeOff)
	}
	if len(l.Restrictions) > MaxRestrictions {
		return Errorf(EINVALID, "a rotation has at most %d restrictions", MaxRestrictions)
	}
	for i := range l.Restrictions {
		w := &l.Restrictions[i]
		if w.Timezone == "" {
			w.Timezone = zone
		}
		if w.Timezone != zone {
			return Errorf(EINVALID, "restriction %d: its time zone %q is not the schedule's (%s)", i+1, w.Timezone, zone)
		}
		if err := w.Validate(); err != nil {
			return Errorf(EINVALID, "restriction %d: %s", i+1, ErrorMessage(err))
		}
	}
	return nil
}

func validateWindow(what string, start, end time.Time, maxLen time.Duration) error {
	if start.IsZero() || end.IsZero() {
		return Errorf(EINVALID, "%s needs a start and an end", what)
	}
	if !end.After(start) {
		return Errorf(EINVALID, "%s ends (%s) before it starts (%s)", what, end.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
	}
	if end.Sub(start) > maxLen {
		return Errorf(EINVALID, "%s is longer than %d days", what, int(maxLen/(24*time.Hour)))
	}
	return nil
}

func validateNote(note *string) error {
	*note = strings.TrimSpace(CleanText(*note))
	if len(*note) > MaxScheduleNoteLen {
		return Errorf(EINVALID, "note is longer than %d characters", MaxScheduleNoteLen)
	}
	return nil
}

// Validate checks a fixed shift.
func (f *FixedShift) Validate() error {
	if f.UserID <= 0 {
		return Errorf(EINVALID, "a fixed shift needs a user")
	}
	if err := validateWindow("the shift", f.Start, f.End, MaxOverrideLength); err != nil {
		return err
	}
	return validateNote(&f.Note)
}

// Validate checks an override on its own; Schedule.Validate also checks that its layer exists.
// The user may be anyone, not only a participant of the schedule.
func (o *Override) Validate() error {
	if o.UserID <= 0 {
		return Errorf(EINVALID, "an override needs the user who takes over")
	}
	o.Layer = strings.TrimSpace(CleanText(o.Layer))
	if err := validateWindow("the override", o.Start, o.End, MaxOverrideLength); err != nil {
		return err
	}
	return validateNote(&o.Note)
}

// Validate checks a time-off entry.
func (t *TimeOff) Validate() error {
	if t.UserID <= 0 {
		return Errorf(EINVALID, "time off needs a user")
	}
	if err := validateWindow("the time off", t.Start, t.End, MaxTimeOffLength); err != nil {
		return err
	}
	return validateNote(&t.Note)
}
