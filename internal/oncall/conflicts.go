package oncall

import (
	"cmp"
	"slices"
	"time"
)

// ConflictKind names a contradiction between entries of a schedule. Only
// explicit entries conflict: a rotation participant's time off is handled by
// the layer's policy (a skip shift or a layer gap), and the same user on two
// layers at once is not a conflict, since only the final row pages.
type ConflictKind string

const (
	// ConflictOverrideTimeOff: an override puts on call a user who is off
	// (First: the override, Second: the time off, both in the schedule's lists).
	// Time off wins: while the user is off, the row is what it would be without
	// the override.
	ConflictOverrideTimeOff ConflictKind = "override_during_time_off"
	// ConflictOverlappingOverrides: two overrides of the same row overlap
	// (indexes in Schedule.Overrides). The later one, Second, wins.
	ConflictOverlappingOverrides ConflictKind = "overlapping_overrides"
	// ConflictFixedTimeOff: a fixed shift belongs to a user who is off
	// (First: the shift in the layer's Fixed list, Second: the time off). The
	// layer is empty there, and the window is also one of its gaps.
	ConflictFixedTimeOff ConflictKind = "fixed_shift_during_time_off"
	// ConflictOverlappingFixed: two shifts of a fixed layer overlap (indexes in
	// the layer's Fixed list). The later one, Second, wins.
	ConflictOverlappingFixed ConflictKind = "overlapping_fixed_shifts"
)

// Conflict is a contradiction over [Start, End), the part of the plan's window
// where the two entries overlap.
type Conflict struct {
	Kind          ConflictKind
	Start, End    time.Time
	Layer         int   // the row concerned; -1: the final row
	UserID        int64 // the user of First: the one who is off, or the entry that loses
	First, Second int   // indexes of the two entries, as Kind says
}

func (c *Compiled) conflicts(from, to time.Time) []Conflict {
	var out []Conflict
	window := entry{start: from, end: to}
	// overlaps calls f for every pair of entries of list that overlap inside the window.
	overlaps := func(list []entry, f func(a, b entry, start, end time.Time)) {
		in := make([]entry, 0, len(list))
		for _, e := range list {
			if _, _, ok := overlap(e, window); ok {
				in = append(in, e)
			}
		}
		slices.SortStableFunc(in, func(a, b entry) int { return a.start.Compare(b.start) })
		for i, a := range in {
			for _, b := range in[i+1:] {
				if !b.start.Before(a.end) {
					break
				}
				if s, e, ok := overlap(a, b); ok {
					s, e, _ = overlap(entry{start: s, end: e}, window)
					if a.idx > b.idx {
						a, b = b, a
					}
					f(a, b, s, e)
				}
			}
		}
	}
	// offDuring flags every time off of e's user overlapping e inside the window.
	offDuring := func(kind ConflictKind, layer int, e entry) {
		for _, o := range c.off[e.user] {
			if s, end, ok := overlap(e, o); ok {
				if s, end, ok = overlap(entry{start: s, end: end}, window); ok {
					out = append(out, Conflict{Kind: kind, Start: s, End: end, Layer: layer, UserID: e.user, First: e.idx, Second: o.idx})
				}
			}
		}
	}
	rowOverrides := func(layer int, list []entry) {
		for _, o := range list {
			offDuring(ConflictOverrideTimeOff, layer, o)
		}
		overlaps(list, func(a, b entry, s, e time.Time) {
			out = append(out, Conflict{Kind: ConflictOverlappingOverrides, Start: s, End: e, Layer: layer, UserID: a.user, First: a.idx, Second: b.idx})
		})
	}
	rowOverrides(-1, c.final)
	for i := range c.layers {
		l := &c.layers[i]
		rowOverrides(i, l.overrides)
		if !l.fixed {
			continue
		}
		fixed := make([]entry, len(l.shifts))
		for j, f := range l.shifts {
			fixed[j] = f.entry
			offDuring(ConflictFixedTimeOff, i, f.entry)
		}
		overlaps(fixed, func(a, b entry, s, e time.Time) {
			out = append(out, Conflict{Kind: ConflictOverlappingFixed, Start: s, End: e, Layer: i, UserID: a.user, First: a.idx, Second: b.idx})
		})
	}
	slices.SortFunc(out, func(a, b Conflict) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Layer, b.Layer), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.First, b.First), cmp.Compare(a.Second, b.Second))
	})
	return out
}

// overlap returns the intersection of two windows, if it is not empty.
func overlap(a, b entry) (time.Time, time.Time, bool) {
	s, e := a.start, a.end
	if b.start.After(s) {
		s = b.start
	}
	if b.end.Before(e) {
		e = b.end
	}
	return s, e, e.After(s)
}
