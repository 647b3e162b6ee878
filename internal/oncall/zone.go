package oncall

import (
	"time"

	"github.com/tocsin/tocsin"
)

// Zones caches loaded time zones for a caller that compiles many schedules:
// loading a zone reads the zoneinfo database (about 10 µs). It is a plain map
// owned by its caller, not safe for concurrent use; a nil Zones loads every time.
type Zones map[string]*time.Location

// Load returns the named zone ("" is UTC).
func (z Zones) Load(name string) (*time.Location, error) {
	if name == "" {
		name = "UTC"
	}
	if loc, ok := z[name]; ok {
		return loc, nil
	}
	// Reading stays lenient: a schedule stored with "Local" before Validate
	// refused it must still compile, or the engine could page nobody.
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, tocsin.Errorf(tocsin.EINVALID, "time zone %q is unknown", name)
	}
	if z != nil {
		z[name] = loc
	}
	return loc, nil
}

// A wall is a local wall-clock reading in a zone, counted in seconds as if the
// zone were UTC: wall arithmetic is calendar arithmetic (a day is 86,400 s of
// wall clock, whatever the zone does that day).
type wall = int64

const (
	hour = 3600
	day  = 24 * hour
	week = 7 * day
)

// wallOf returns the wall clock that instant t shows in loc.
func wallOf(t time.Time, loc *time.Location) wall {
	_, off := t.In(loc).Zone()
	return t.Unix() + int64(off)
}

// resolve returns the instant at which the wall clock in loc first reads w or
// later. For most readings that is simply the instant showing w. A reading that
// happens twice (clocks going back) gives its first occurrence; a reading that
// never happens (clocks jumping forward over it) gives the instant of the jump:
// a 02:30 handoff in Paris on 2026-03-29 falls at 03:00 CEST. Because the rule is
// "first instant at or after", resolve never goes backwards when w increases,
// so boundaries computed with it stay in order and shifts never overlap.
//
// Go's time.Date does not give this on its own: it normalises a missing 02:30
// to 03:30 in Paris but to 01:30 in New York, and picks the second of two
// 02:30s in Paris but the first of two 01:30s in New York.
func resolve(w wall, loc *time.Location) time.Time {
	u := time.Unix(w, 0).UTC()
	t := time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), 0, loc)
	_, off := t.Zone()
	if got := t.Unix() + int64(off); got != w {
		// w does not exist; t lies on one side of the jump, which bounds its zone period.
		start, end := t.ZoneBounds()
		if got > w {
			return start.UTC()
		}
		return end.UTC()
	}
	if start, _ := t.ZoneBounds(); !start.IsZero() {
		if _, prev := start.Add(-time.Second).Zone(); prev > off {
			// The clocks went back at start: the same reading happened before it.
			if first := t.Add(-time.Duration(prev-off) * time.Second); first.Before(start) {
				return first.UTC()
			}
		}
	}
	return t.UTC()
}

// weekStart returns the wall clock of Monday 00:00 of the week holding w.
func weekStart(w wall) wall {
	days := floorDiv(w, day)
	return (days - floorMod(days+3, 7)) * day // 1970-01-01 was a Thursday (Monday + 3)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// StartOfDay is the first instant of the local date (year, month, day) in loc
// (day may overflow: day+1 is tomorrow). That is midnight, or, where midnight
// does not exist that day (America/Santiago in September), the instant the
// clocks jump. time.Date would give 23:00 of the day before instead, and a loop
// that adds days with it would never end.
func StartOfDay(year int, month time.Month, day int, loc *time.Location) time.Time {
	return resolve(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix(), loc).In(loc)
}
