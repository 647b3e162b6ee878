package oncall

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"pgregory.net/rapid"
)

var propertyZones = []string{"UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe"}

// around is the period the generated schedules live in: 2026, which has two
// DST changes in each zone but UTC (Lord Howe moves by 30 minutes).
var (
	aroundFrom = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	aroundTo   = time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
)

// transitions lists the instants in [from, to) when loc changes its offset.
func transitions(loc *time.Location, from, to time.Time) []time.Time {
	var out []time.Time
	for t := from; t.Before(to); {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		out = append(out, end)
		t = end
	}
	return out
}

type genOptions struct {
	restrictions bool
	timeOff      bool
	overrides    bool
	fixed        bool
}

func genClock(t *rapid.T, label string) string {
	h := rapid.IntRange(0, 23).Draw(t, label+" hour")
	m := rapid.SampledFrom([]int{0, 0, 15, 30, 45, 59}).Draw(t, label+" minute")
	return fmt.Sprintf("%02d:%02d", h, m)
}

// genInstant draws an instant in the period, often within two days of a DST
// change of loc, where mistakes hide.
func genInstant(t *rapid.T, loc *time.Location, label string) time.Time {
	if tr := transitions(loc, aroundFrom, aroundTo); len(tr) > 0 && rapid.Bool().Draw(t, label+" near a change") {
		at := rapid.SampledFrom(tr).Draw(t, label+" change")
		return at.Add(time.Duration(rapid.Int64Range(-2*day, 2*day).Draw(t, label+" offset")) * time.Second)
	}
	return aroundFrom.Add(time.Duration(rapid.Int64Range(0, int64(aroundTo.Sub(aroundFrom)/time.Minute)).Draw(t, label)) * time.Minute)
}

func genWindow(t *rapid.T, loc *time.Location, label string, maxLen time.Duration) (time.Time, time.Time) {
	start := genInstant(t, loc, label+" start")
	length := time.Duration(rapid.Int64Range(1, int64(maxLen/time.Minute)).Draw(t, label+" length")) * time.Minute
	return start, start.Add(length)
}

func genLayer(t *rapid.T, i int, o genOptions) tocsin.Layer {
	l := tocsin.Layer{Name: fmt.Sprintf("layer %d", i)}
	if o.fixed && rapid.IntRange(0, 3).Draw(t, "fixed") == 0 {
		l.Kind = tocsin.LayerFixed
		for range rapid.IntRange(0, 12).Draw(t, "fixed shifts") {
			start, end := genWindow(t, time.UTC, "fixed", 10*24*time.Hour)
			l.Fixed = append(l.Fixed, tocsin.FixedShift{Start: start, End: end, UserID: rapid.Int64Range(1, 8).Draw(t, "fixed user")})
		}
		return l
	}
	l.Participants = rapid.SliceOfN(rapid.Int64Range(1, 8), 1, 6).Draw(t, "participants")
	switch rapid.IntRange(0, 2).Draw(t, "unit") {
	case 0:
		l.Length = tocsin.ShiftLength{Count: rapid.SampledFrom([]int{1, 2, 3, 5, 8, 12, 24, 36}).Draw(t, "hours"), Unit: tocsin.Hours}
	case 1:
		l.Length = tocsin.ShiftLength{Count: rapid.IntRange(1, 10).Draw(t, "days"), Unit: tocsin.Days}
	default:
		l.Length = tocsin.ShiftLength{Count: rapid.IntRange(1, 4).Draw(t, "weeks"), Unit: tocsin.Weeks}
	}
	l.Handoff = genClock(t, "handoff")
	if l.Length.Unit == tocsin.Weeks && rapid.Bool().Draw(t, "handoff day") {
		l.Handoff = rapid.SampledFrom([]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}).Draw(t, "day") + " " + l.Handoff
	}
	l.Start = aroundFrom.AddDate(0, 0, rapid.IntRange(0, 330).Draw(t, "start day")).Format(time.DateOnly)
	if rapid.Bool().Draw(t, "gap policy") {
		l.TimeOff = tocsin.TimeOffGap
	}
	if o.restrictions && rapid.IntRange(0, 2).Draw(t, "restricted") == 0 {
		for range rapid.IntRange(1, 2).Draw(t, "windows") {
			w := tocsin.TimeWindow{Start: genClock(t, "window start"), End: genClock(t, "window end"), Outside: rapid.Bool().Draw(t, "outside")}
			w.Days = rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}), 0, 7, rapid.ID[string]).Draw(t, "days")
			l.Restrictions = append(l.Restrictions, w)
		}
	}
	return l
}

func genSchedule(t *rapid.T, o genOptions) (*tocsin.Schedule, *time.Location) {
	s := &tocsin.Schedule{Name: "generated", Timezone: rapid.SampledFrom(propertyZones).Draw(t, "zone")}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rapid.IntRange(1, 3).Draw(t, "layers") {
		s.Layers = append(s.Layers, genLayer(t, i, o))
	}
	if o.overrides {
		for range rapid.IntRange(0, 4).Draw(t, "overrides") {
			start, end := genWindow(t, loc, "override", 5*24*time.Hour)
			ov := tocsin.Override{Start: start, End: end, UserID: rapid.Int64Range(1, 9).Draw(t, "override user")}
			if l := rapid.IntRange(-1, len(s.Layers)-1).Draw(t, "override layer"); l >= 0 {
				ov.Layer = s.Layers[l].Name
			}
			s.Overrides = append(s.Overrides, ov)
		}
	}
	if o.timeOff {
		for range rapid.IntRange(0, 4).Draw(t, "time off") {
			start, end := genWindow(t, loc, "time off", 10*24*time.Hour)
			s.TimeOff = append(s.TimeOff, tocsin.TimeOff{Start: start, End: end, UserID: rapid.Int64Range(1, 9).Draw(t, "time off user")})
		}
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("generated an invalid schedule: %v", err)
	}
	return s, loc
}

func compileT(t *rapid.T, s *tocsin.Schedule) *Compiled {
	c, err := Compile(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func genPlan(t *rapid.T, c *Compiled, loc *time.Location) Plan {
	from, to := genWindow(t, loc, "plan", 6*7*24*time.Hour)
	p, err := c.Shifts(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func isOff(s *tocsin.Schedule, user int64, t time.Time) bool {
	for _, o := range s.TimeOff {
		if o.UserID == user && !t.Before(o.Start) && t.Before(o.End) {
			return true
		}
	}
	return false
}

// The resolution of local times is the first instant at which the wall clock
// reads that time or later, and it never goes backwards.
func TestPropertyResolve(t *testing.T) {
	zones := append([]string{"Pacific/Apia"}, propertyZones...) // Apia skipped 30 December 2011
	rapid.Check(t, func(t *rapid.T) {
		loc, _ := time.LoadLocation(rapid.SampledFrom(zones).Draw(t, "zone"))
		var w wall
		if rapid.Bool().Draw(t, "Apia 2011") {
			w = time.Date(2011, 12, 28, 0, 0, 0, 0, time.UTC).Unix() + rapid.Int64Range(0, 4*day).Draw(t, "seconds")
		} else {
			w = wallOf(genInstant(t, loc, "instant"), loc) + rapid.Int64Range(-3600, 3600).Draw(t, "shift")
		}
		r := resolve(w, loc)
		if got := wallOf(r, loc); got < w {
			t.Fatalf("resolve(%s) = %s, which reads %s", time.Unix(w, 0).UTC(), r.In(loc), time.Unix(got, 0).UTC())
		}
		for s := r.Add(-50 * time.Hour); s.Before(r); s = s.Add(15 * time.Minute) {
			if wallOf(s, loc) >= w {
				t.Fatalf("resolve(%s) = %s, but %s already reads it", time.Unix(w, 0).UTC(), r.In(loc), s.In(loc))
			}
		}
		if wallOf(r.Add(-time.Second), loc) >= w {
			t.Fatalf("resolve(%s) = %s is not the first instant", time.Unix(w, 0).UTC(), r.In(loc))
		}
		later := w + rapid.Int64Range(0, 3*hour).Draw(t, "later")
		if resolve(later, loc).Before(r) {
			t.Fatalf("resolve went backwards from %d to %d", w, later)
		}
	})
}

// With participants and nobody off, every unrestricted layer has exactly one
// person from its first handoff on: participant k mod n during shift k, and
// shift k starts at the handoff's local time (or at the jump, if the clocks
// skipped it that day).
func TestPropertyOnePersonPerLayer(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, loc := genSchedule(t, genOptions{})
		c := compileT(t, s)
		at := genInstant(t, loc, "at")
		oc := c.At(at)
		for i, l := range c.layers {
			first := l.handoff(0, loc)
			got := oc.Layers[i]
			if at.Before(first) {
				if got.UserID != 0 {
					t.Fatalf("layer %d has %d before its first handoff %s", i, got.UserID, first)
				}
				continue
			}
			k := l.shiftAt(at, loc)
			start, end := l.handoff(k, loc), l.handoff(k+1, loc)
			if at.Before(start) || !at.Before(end) {
				t.Fatalf("layer %d: %s is not in shift %d [%s, %s)", i, at, k, start, end)
			}
			want := l.participants[k%int64(len(l.participants))]
			if got.UserID != want || got.Reason != ReasonRotation || got.Layer != i {
				t.Fatalf("layer %d at %s: %+v, want user %d", i, at, got, want)
			}
			w := l.anchor + k*l.step
			if rw := wallOf(start, loc); rw != w && !(rw > w && wallOf(start.Add(-time.Second), loc) < w) {
				t.Fatalf("layer %d: shift %d starts at %s, local %s, not at the handoff", i, k, start, start.In(loc))
			}
		}
		if top := topLayer(oc.Layers); oc.Final != top {
			t.Fatalf("final %+v, highest layer with someone %+v", oc.Final, top)
		}
	})
}

func topLayer(layers []Assignment) Assignment {
	for i := len(layers) - 1; i >= 0; i-- {
		if layers[i].UserID != 0 {
			return layers[i]
		}
	}
	return Assignment{Layer: -1}
}

// Overrides win inside their window and nowhere else: on their row, the most
// recent override covering t; elsewhere, the schedule as if they did not exist.
func TestPropertyOverridesWinInsideTheirWindowOnly(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, loc := genSchedule(t, genOptions{restrictions: true, overrides: true, fixed: true})
		without := *s
		without.Overrides = nil
		c, plain := compileT(t, s), compileT(t, &without)
		var at time.Time
		if len(s.Overrides) > 0 && rapid.Bool().Draw(t, "at an override's edge") {
			o := rapid.SampledFrom(s.Overrides).Draw(t, "override")
			at = rapid.SampledFrom([]time.Time{o.Start, o.End, o.Start.Add(-time.Second), o.End.Add(-time.Second)}).Draw(t, "edge")
		} else {
			at = genInstant(t, loc, "at")
		}
		got, base := c.At(at), plain.At(at)
		latest := func(layer string) (tocsin.Override, bool) {
			for j := len(s.Overrides) - 1; j >= 0; j-- {
				o := s.Overrides[j]
				if o.Layer == layer && !at.Before(o.Start) && at.Before(o.End) {
					return o, true
				}
			}
			return tocsin.Override{}, false
		}
		for i, l := range s.Layers {
			if o, ok := latest(l.Name); ok {
				if got.Layers[i].UserID != o.UserID || got.Layers[i].Reason != ReasonOverride || got.Layers[i].Replaces != base.Layers[i].UserID {
					t.Fatalf("layer %d at %s: %+v, want override %+v over %+v", i, at, got.Layers[i], o, base.Layers[i])
				}
			} else if got.Layers[i] != base.Layers[i] {
				t.Fatalf("layer %d at %s: %+v, without overrides %+v", i, at, got.Layers[i], base.Layers[i])
			}
		}
		top := topLayer(got.Layers)
		if o, ok := latest(""); ok {
			if got.Final != (Assignment{UserID: o.UserID, Layer: -1, Reason: ReasonOverride, Replaces: top.UserID}) {
				t.Fatalf("final at %s: %+v, want override %+v", at, got.Final, o)
			}
		} else if got.Final != top {
			t.Fatalf("final at %s: %+v, highest layer with someone %+v", at, got.Final, top)
		}
	})
}

// Nobody is ever scheduled during their time off, at an instant or in a plan.
func TestPropertyTimeOffIsNeverScheduled(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, loc := genSchedule(t, genOptions{restrictions: true, timeOff: true, overrides: true, fixed: true})
		c := compileT(t, s)
		var at time.Time
		if len(s.TimeOff) > 0 && rapid.Bool().Draw(t, "in a time off") {
			o := rapid.SampledFrom(s.TimeOff).Draw(t, "time off")
			at = o.Start.Add(time.Duration(rapid.Int64Range(0, int64(o.End.Sub(o.Start)-1)).Draw(t, "into")))
		} else {
			at = genInstant(t, loc, "at")
		}
		oc := c.At(at)
		for _, a := range append(oc.Layers, oc.Final) {
			if a.UserID != 0 && isOff(s, a.UserID, at) {
				t.Fatalf("user %d is off at %s but scheduled: %+v", a.UserID, at, a)
			}
		}
		p := genPlan(t, c, loc)
		rows := [][]Shift{p.Final}
		for _, l := range p.Layers {
			rows = append(rows, l.Shifts)
		}
		for _, row := range rows {
			for _, sh := range row {
				for _, o := range s.TimeOff {
					if o.UserID == sh.UserID && o.Start.Before(sh.End) && sh.Start.Before(o.End) {
						t.Fatalf("shift %+v overlaps time off %+v", sh, o)
					}
				}
			}
		}
	})
}

// A layer's shifts are sorted and never overlap; they are contiguous wherever
// the layer is inside its restrictions, and every cut between them is a
// handoff or a restriction edge. The final row and its gaps tile the window.
func TestPropertyShiftsAreContiguous(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, loc := genSchedule(t, genOptions{restrictions: true})
		c := compileT(t, s)
		p := genPlan(t, c, loc)
		for i, lp := range p.Layers {
			l := &c.layers[i]
			at := p.From
			if first := l.handoff(0, loc); first.After(at) {
				at = first
			}
			for j, sh := range lp.Shifts {
				if !sh.End.After(sh.Start) || sh.Start.Before(at) {
					t.Fatalf("layer %d shift %d %+v: empty, or overlaps the previous one (ending %s)", i, j, sh, at)
				}
				if sh.Start.After(at) && at.Before(p.To) {
					// A hole: the layer must be outside its restrictions all along it.
					for _, u := range []time.Time{at, sh.Start.Add(-time.Second), at.Add(sh.Start.Sub(at) / 2)} {
						if l.activeAt(u, loc) {
							t.Fatalf("layer %d: nobody at %s, inside its restrictions", i, u)
						}
					}
				}
				if sh.End.Before(p.To) && !isHandoff(l, sh.End, loc) && l.activeAt(sh.End, loc) == l.activeAt(sh.End.Add(-time.Second), loc) {
					t.Fatalf("layer %d: shift %+v ends at %s, neither a handoff nor a restriction edge", i, sh, sh.End.In(loc))
				}
				at = sh.End
			}
			if l.restrict == nil && l.handoff(0, loc).Before(p.To) && !at.Equal(p.To) {
				t.Fatalf("layer %d: unrestricted and started, but its shifts stop at %s, before the end of the plan", i, at)
			}
		}
		checkTiles(t, p)
	})
}

func isHandoff(l *layer, at time.Time, loc *time.Location) bool {
	return l.handoff(l.shiftAt(at, loc), loc).Equal(at)
}

// checkTiles checks that the final shifts and gaps cover [From, To) exactly once, in order.
func checkTiles(t *rapid.T, p Plan) {
	type piece struct {
		start, end time.Time
		user       int64
	}
	var pieces []piece
	for _, s := range p.Final {
		pieces = append(pieces, piece{s.Start, s.End, s.UserID})
	}
	for _, g := range p.Gaps {
		if g.Layer != -1 {
			t.Fatalf("final gap on layer %d", g.Layer)
		}
		pieces = append(pieces, piece{g.Start, g.End, 0})
	}
	sort.Slice(pieces, func(i, j int) bool { return pieces[i].start.Before(pieces[j].start) })
	at := p.From
	for _, x := range pieces {
		if !x.start.Equal(at) || !x.end.After(x.start) {
			t.Fatalf("final row: piece %+v after %s", x, at)
		}
		at = x.end
	}
	if !at.Equal(p.To) {
		t.Fatalf("final row ends at %s, not %s", at, p.To)
	}
}

// At(t) agrees with Shifts(from, to) at every sampled instant, shift edges
// included, on schedules with everything: restrictions, time off, overrides,
// fixed layers.
func TestPropertyAtAgreesWithShifts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, loc := genSchedule(t, genOptions{restrictions: true, timeOff: true, overrides: true, fixed: true})
		c := compileT(t, s)
		p := genPlan(t, c, loc)
		checkTiles(t, p)
		instants := []time.Time{p.From, p.To.Add(-time.Second)}
		for range 20 {
			instants = append(instants, p.From.Add(time.Duration(rapid.Int64Range(0, int64(p.To.Sub(p.From)-1)).Draw(t, "into"))))
		}
		for _, sh := range p.Final {
			instants = append(instants, sh.Start, sh.End.Add(-time.Nanosecond))
		}
		for _, lp := range p.Layers {
			for _, sh := range lp.Shifts {
				instants = append(instants, sh.Start)
			}
		}
		for _, at := range instants {
			if !at.Before(p.To) {
				continue
			}
			oc := c.At(at)
			if want := holder(p.Final, at, -1); oc.Final != want {
				t.Fatalf("At(%s).Final = %+v, the plan says %+v", at, oc.Final, want)
			}
			for i, lp := range p.Layers {
				if want := holder(lp.Shifts, at, i); oc.Layers[i] != want {
					t.Fatalf("At(%s).Layers[%d] = %+v, the plan says %+v", at, i, oc.Layers[i], want)
				}
			}
		}
	})
}

// holder returns the assignment of the shift holding t, or nobody on that row.
func holder(shifts []Shift, t time.Time, layer int) Assignment {
	for _, s := range shifts {
		if !t.Before(s.Start) && t.Before(s.End) {
			return s.Assignment
		}
	}
	return Assignment{Layer: layer}
}
