// Package oncall computes schedules: who is on call at an instant, and the
// shifts, gaps and conflicts over a window. The functions are pure: no
// database, no clock; each takes the instants it needs.
//
// The rules, in order of precedence at an instant t:
//
//   - Time off wins over everything: a user is never scheduled while off.
//   - On a layer, the most recent override (last in Schedule.Overrides) that
//     covers t and whose user is not off takes the layer, whatever its rotation
//     and restrictions say. Otherwise:
//   - a rotation is empty before its first handoff and outside its restrictions;
//     inside, shift k (from handoff k to handoff k+1) belongs to participant
//     k mod n. If that participant is off, the skip policy gives the shift to
//     the next participant in rotation order who is not off at t (for as long as
//     the absence lasts), the gap policy leaves the layer empty; either way an
//     empty layer is flagged as a gap of that layer.
//   - a fixed layer takes the most recent of its shifts covering t whose user is
//     not off; if all such users are off, the layer is empty and flagged.
//   - The final row takes the highest layer that has someone, then the most
//     recent final override (Layer "") covering t whose user is not off.
//
// Handoffs and restriction edges are local wall-clock times in the schedule's
// zone, resolved to instants as described at resolve: a local time that does
// not exist is the instant the clocks jump, a local time that happens twice is
// its first occurrence. Shifts of a rotation are therefore contiguous across
// DST changes, a daily 09:00 handoff stays at 09:00 local, and a day-long shift
// lasts 23 or 25 hours on the days the clocks change.
package oncall

import (
	"sort"
	"time"

	"github.com/tocsin/tocsin"
)

// Compiled is a schedule ready to answer questions: zone loaded, times parsed,
// overrides attached to their rows. It is immutable and safe for concurrent use.
type Compiled struct {
	loc    *time.Location
	layers []layer
	final  []entry           // overrides of the final row, in schedule order
	off    map[int64][]entry // time off by user
	edges  []time.Time       // sorted: every start and end of time off, overrides and fixed shifts
}

type layer struct {
	name  string
	fixed bool

	// Rotations.
	participants []int64
	anchor       wall              // wall clock of the first handoff (shift 0)
	step         int64             // wall-clock seconds per shift
	gap          bool              // TimeOffGap
	restrict     []tocsin.WeekSpan // nil: all the time

	// Fixed layers: sorted by start, maxEnd the running maximum of ends.
	shifts []fixedShift

	overrides []entry // in schedule order
}

// entry is an override, a time off or a fixed shift: [start, end) for user,
// idx its index in the schedule (or in the layer's Fixed list).
type entry struct {
	start, end time.Time
	user       int64
	idx        int
}

func (e entry) covers(t time.Time) bool { return !t.Before(e.start) && t.Before(e.end) }

type fixedShift struct {
	entry
	maxEnd time.Time
}

// Compile prepares s, which should have passed Validate; what cannot be read
// (an unknown zone, an unparsable handoff, an override on a missing layer) is an
// EINVALID error. zones may be nil.
func Compile(s *tocsin.Schedule, zones Zones) (*Compiled, error) {
	loc, err := zones.Load(s.Timezone)
	if err != nil {
		return nil, err
	}
	c := &Compiled{loc: loc, layers: make([]layer, len(s.Layers))}
	byName := make(map[string]int, len(s.Layers))
	for i := range s.Layers {
		if err := c.layers[i].compile(&s.Layers[i]); err != nil {
			return nil, tocsin.Errorf(tocsin.EINVALID, "layer %q: %s", s.Layers[i].Name, tocsin.ErrorMessage(err))
		}
		byName[s.Layers[i].Name] = i
		for _, f := range c.layers[i].shifts {
			c.edges = append(c.edges, f.start, f.end)
		}
	}
	for i, o := range s.Overrides {
		e := entry{start: o.Start.UTC(), end: o.End.UTC(), user: o.UserID, idx: i}
		c.edges = append(c.edges, e.start, e.end)
		if o.Layer == "" {
			c.final = append(c.final, e)
			continue
		}
		l, ok := byName[o.Layer]
		if !ok {
			return nil, tocsin.Errorf(tocsin.EINVALID, "override %d: there is no layer named %q", i+1, o.Layer)
		}
		c.layers[l].overrides = append(c.layers[l].overrides, e)
	}
	if len(s.TimeOff) > 0 {
		c.off = make(map[int64][]entry)
		for i, o := range s.TimeOff {
			e := entry{start: o.Start.UTC(), end: o.End.UTC(), user: o.UserID, idx: i}
			c.off[o.UserID] = append(c.off[o.UserID], e)
			c.edges = append(c.edges, e.start, e.end)
		}
	}
	sort.Slice(c.edges, func(i, j int) bool { return c.edges[i].Before(c.edges[j]) })
	edges := c.edges[:0]
	for _, e := range c.edges {
		if len(edges) == 0 || !e.Equal(edges[len(edges)-1]) {
			edges = append(edges, e)
		}
	}
	c.edges = edges
	return c, nil
}

func (l *layer) compile(src *tocsin.Layer) error {
	l.name = src.Name
	if src.Kind == tocsin.LayerFixed {
		l.fixed = true
		l.shifts = make([]fixedShift, len(src.Fixed))
		for i, f := range src.Fixed {
			l.shifts[i] = fixedShift{entry: entry{start: f.Start.UTC(), end: f.End.UTC(), user: f.UserID, idx: i}}
		}
		sort.SliceStable(l.shifts, func(i, j int) bool { return l.shifts[i].start.Before(l.shifts[j].start) })
		var maxEnd time.Time
		for i := range l.shifts {
			if l.shifts[i].end.After(maxEnd) {
				maxEnd = l.shifts[i].end
			}
			l.shifts[i].maxEnd = maxEnd
		}
		return nil
	}
	if src.Kind != "" && src.Kind != tocsin.LayerRotation {
		return tocsin.Errorf(tocsin.EINVALID, "layer kind %q is not one of rotation, fixed", src.Kind)
	}
	if err := src.Length.Validate(); err != nil {
		return err
	}
	h, err := tocsin.ParseHandoff(src.Handoff)
	if err != nil {
		return err
	}
	start, err := tocsin.ParseDate(src.Start)
	if err != nil {
		return err
	}
	l.participants = src.Participants
	l.gap = src.TimeOff == tocsin.TimeOffGap
	l.anchor = start.Unix() + int64(h.Minute)*60
	switch src.Length.Unit {
	case tocsin.Hours:
		l.step = int64(src.Length.Count) * hour
	case tocsin.Days:
		l.step = int64(src.Length.Count) * day
	case tocsin.Weeks:
		l.step = int64(src.Length.Count) * week
		if h.HasDay { // the first handoff is on that weekday, on or after the start date
			l.anchor += int64((int(h.Weekday)-int(start.Weekday())+7)%7) * day
		}
	}
	if len(src.Restrictions) > 0 {
		var spans []tocsin.WeekSpan
		for i := range src.Restrictions {
			s, err := src.Restrictions[i].WeekSpans()
			if err != nil {
				return err
			}
			spans = append(spans, s...)
		}
		spans = tocsin.MergeWeekSpans(spans)
		if !(len(spans) == 1 && spans[0] == tocsin.WeekSpan{Start: 0, End: tocsin.MinutesPerWeek}) {
			l.restrict = append([]tocsin.WeekSpan{}, spans...) // non-nil even when empty: never active
		}
	}
	return nil
}

// handoff returns the instant of handoff k (the start of shift k).
func (l *layer) handoff(k int64, loc *time.Location) time.Time {
	return resolve(l.anchor+k*l.step, loc)
}

// shiftAt returns the rotation shift holding t: the k with handoff k ≤ t <
// handoff k+1, or -1 before the first handoff.
func (l *layer) shiftAt(t time.Time, loc *time.Location) int64 {
	// Wall-clock arithmetic puts t within a shift or two of the answer; the DST
	// offset of the day is all that separates them.
	k := max(floorDiv(wallOf(t, loc)-l.anchor, l.step), -1)
	for k >= 0 && l.handoff(k, loc).After(t) {
		k--
	}
	for !l.handoff(k+1, loc).After(t) {
		k++
	}
	return k
}

// restrictionSlack bounds how far a resolved instant can be from its wall
// clock reading: the largest change of UTC offset ever made at once (a day, in
// Samoa in 2011), plus margin.
const restrictionSlack = 2 * day

// activeAt reports whether instant t is inside the layer's restrictions.
func (l *layer) activeAt(t time.Time, loc *time.Location) bool {
	if l.restrict == nil {
		return true
	}
	w := wallOf(t, loc)
	monday := weekStart(w)
	for wk := monday - week; wk <= monday+week; wk += week {
		for _, s := range l.restrict {
			a, b := wk+int64(s.Start)*60, wk+int64(s.End)*60
			if b < w-restrictionSlack || a > w+restrictionSlack {
				continue
			}
			if !resolve(a, loc).After(t) && resolve(b, loc).After(t) {
				return true
			}
		}
	}
	return false
}

// activeSpans returns the instants when the layer is inside its restrictions,
// merged, covering at least [from, to).
func (l *layer) activeSpans(from, to time.Time, loc *time.Location) []entry {
	var out []entry
	for wk := weekStart(wallOf(from, loc)) - week; wk <= weekStart(wallOf(to, loc))+week; wk += week {
		for _, s := range l.restrict {
			a, b := resolve(wk+int64(s.Start)*60, loc), resolve(wk+int64(s.End)*60, loc)
			if !b.After(a) {
				continue
			}
			if n := len(out); n > 0 && !a.After(out[n-1].end) {
				if b.After(out[n-1].end) {
					out[n-1].end = b
				}
				continue
			}
			out = append(out, entry{start: a, end: b})
		}
	}
	return out
}

// isOff reports whether user is on time off at t.
func (c *Compiled) isOff(user int64, t time.Time) bool {
	for _, e := range c.off[user] {
		if e.covers(t) {
			return true
		}
	}
	return false
}
