package oncall

import (
	"sort"
	"time"

	"github.com/tocsin/tocsin"
)

// MaxPlanSpan is the longest window Shifts computes at once.
const MaxPlanSpan = 3 * 366 * 24 * time.Hour

// Shift is a window [Start, End) held by one user, in UTC.
type Shift struct {
	Start, End time.Time
	Assignment
}

// Gap is a window [Start, End) with nobody on a row.
type Gap struct {
	Start, End time.Time
	Layer      int   // -1: the final row
	Off        int64 // the participant whose time off left the window empty (0: none, e.g. restrictions or no layer)
}

// LayerPlan is one layer's row.
type LayerPlan struct {
	Name   string
	Shifts []Shift
	// Gaps are the windows where this layer would have had someone but time off
	// left it empty (gap policy, everyone off, or a fixed shift's user off).
	// Windows outside its restrictions or before its start are not gaps of the layer.
	Gaps []Gap
}

// Plan is a schedule computed over [From, To).
type Plan struct {
	From, To  time.Time
	Layers    []LayerPlan // in schedule order, lowest first
	Final     []Shift     // who is paged: the highest layer with someone, then final overrides
	Gaps      []Gap       // every window of [From, To) with nobody in Final
	Conflicts []Conflict
}

// Shifts compiles s and computes its plan over [from, to).
func Shifts(s *tocsin.Schedule, from, to time.Time) (Plan, error) {
	c, err := Compile(s, nil)
	if err != nil {
		return Plan{}, err
	}
	return c.Shifts(from, to)
}

// Shifts computes the plan over [from, to): each row is cut wherever its
// holder, the reason or the underlying shift changes, and adjacent pieces of
// the same shift are joined. Every instant of the window is in exactly one
// final shift or one gap.
func (c *Compiled) Shifts(from, to time.Time) (Plan, error) {
	from, to = from.UTC(), to.UTC()
	p := Plan{From: from, To: to, Layers: make([]LayerPlan, len(c.layers))}
	for i := range c.layers {
		p.Layers[i].Name = c.layers[i].name
	}
	if !to.After(from) {
		return p, nil
	}
	if to.Sub(from) > MaxPlanSpan {
		return Plan{}, tocsin.Errorf(tocsin.EINVALID, "a plan covers at most %d days", int(MaxPlanSpan/(24*time.Hour)))
	}
	cursors := make([]cursor, len(c.layers))
	for i := range c.layers {
		cursors[i].init(&c.layers[i], from, to, c.loc)
	}
	rows := make([]row, len(c.layers))
	var final row
	slots := make([]slot, len(c.layers))
	e := sort.Search(len(c.edges), func(j int) bool { return c.edges[j].After(from) })
	for t := from; t.Before(to); {
		next := to
		if e < len(c.edges) && c.edges[e].Before(next) {
			next = c.edges[e]
		}
		for i := range c.layers {
			k, active, change := cursors[i].at(t, c.loc)
			slots[i] = c.evalLayer(i, t, k, active)
			if change.Before(next) {
				next = change
			}
		}
		for i := range rows {
			rows[i].add(t, next, slots[i])
		}
		final.add(t, next, c.evalFinal(t, slots))
		t = next
		for e < len(c.edges) && !c.edges[e].After(t) {
			e++
		}
	}
	for i := range rows {
		p.Layers[i].Shifts, p.Layers[i].Gaps = rows[i].shifts, rows[i].gaps
	}
	p.Final, p.Gaps = final.shifts, final.gaps
	p.Conflicts = c.conflicts(from, to)
	return p, nil
}

// cursor walks a layer's handoffs and restriction edges forward in time.
type cursor struct {
	rotation bool
	end      time.Time // the end of the plan
	l        *layer
	k        int64     // shift holding the current instant
	next     time.Time // handoff k+1
	spans    []entry   // restriction windows; nil: unrestricted
	s        int       // first span not over yet
}

func (cu *cursor) init(l *layer, from, to time.Time, loc *time.Location) {
	cu.end = to
	if l.fixed || len(l.participants) == 0 {
		return
	}
	cu.rotation, cu.l = true, l
	cu.k = l.shiftAt(from, loc)
	cu.next = l.handoff(cu.k+1, loc)
	if l.restrict != nil {
		cu.spans = l.activeSpans(from, to, loc)
	}
}

// at moves the cursor to t (never backwards) and returns the shift holding t,
// whether t is inside the restrictions, and the next instant either changes.
func (cu *cursor) at(t time.Time, loc *time.Location) (k int64, active bool, change time.Time) {
	if !cu.rotation {
		return -1, false, cu.end
	}
	for !cu.next.After(t) {
		cu.k++
		cu.next = cu.l.handoff(cu.k+1, loc)
	}
	change = cu.next
	if cu.l.restrict == nil {
		return cu.k, true, change
	}
	for cu.s < len(cu.spans) && !cu.spans[cu.s].end.After(t) {
		cu.s++
	}
	if cu.s == len(cu.spans) {
		return cu.k, false, change
	}
	sp := cu.spans[cu.s]
	active = !sp.start.After(t)
	edge := sp.start
	if active {
		edge = sp.end
	}
	if edge.Before(change) {
		change = edge
	}
	return cu.k, active, change
}

// row collects the pieces of one row, joining a piece to the previous one when
// nothing tells them apart.
type row struct {
	shifts []Shift
	gaps   []Gap
	last   slot
	kind   int // what the previous piece became: 1 a shift, 2 a gap, 3 nothing shown; 0 before the first
}

func (r *row) add(start, end time.Time, s slot) {
	if r.kind != 0 && s == r.last {
		switch r.kind {
		case 1:
			r.shifts[len(r.shifts)-1].End = end
		case 2:
			r.gaps[len(r.gaps)-1].End = end
		}
		return
	}
	r.last = s
	switch {
	case s.a.UserID != 0:
		r.kind = 1
		r.shifts = append(r.shifts, Shift{Start: start, End: end, Assignment: s.a})
	case s.off != 0 || s.a.Layer == -1: // a layer's time-off hole, or nobody at all on the final row
		r.kind = 2
		r.gaps = append(r.gaps, Gap{Start: start, End: end, Layer: s.a.Layer, Off: s.off})
	default:
		r.kind = 3 // an empty layer outside its restrictions: nothing to show, but joinable
	}
}
