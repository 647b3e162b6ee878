package oncall

import (
	"sort"
	"time"

	"github.com/tocsin/tocsin"
)

// Reason says why someone holds a shift.
type Reason string

const (
	ReasonRotation Reason = "rotation" // their turn in a rotation
	ReasonSkip     Reason = "skip"     // covering for the participant whose turn it is, who is off
	ReasonFixed    Reason = "fixed"    // a shift of a fixed layer
	ReasonOverride Reason = "override" // an override
)

// Assignment is who holds a row at an instant.
type Assignment struct {
	UserID   int64  // 0: nobody
	Layer    int    // the layer it comes from; -1: a final-row override, or nobody on the final row
	Reason   Reason // empty when nobody
	Replaces int64  // skip: the participant who is off; override: who would have been there (0: nobody)
}

// OnCall answers "who is on call at t".
type OnCall struct {
	Final  Assignment   // who is paged; UserID 0 when nobody is on call
	Layers []Assignment // each layer's own answer, lowest first: the next people to try
}

// slot is an assignment plus what tells shifts apart: src is the rotation
// shift number, or the index of the override or fixed shift; off is, when
// nobody holds the row, the participant whose time off left it empty.
type slot struct {
	a   Assignment
	src int64
	off int64
}

// At returns who is on call at t. It computes only what holds t: a few handoffs
// per layer, not a planning.
func (c *Compiled) At(t time.Time) OnCall {
	out := OnCall{Layers: make([]Assignment, len(c.layers))}
	var buf [tocsin.MaxLayers]slot
	slots := buf[:0]
	if len(c.layers) > len(buf) {
		slots = make([]slot, len(c.layers))
	} else {
		slots = buf[:len(c.layers)]
	}
	out.Final = c.finalAt(t, slots).a
	for i := range slots {
		out.Layers[i] = slots[i].a
	}
	return out
}

// finalAt decides every layer at t into slots (one per layer) and returns
// the final row's slot, keeping which entry decided each.
func (c *Compiled) finalAt(t time.Time, slots []slot) slot {
	for i := range c.layers {
		l := &c.layers[i]
		var k int64 = -1
		active := false
		if !l.fixed && len(l.participants) > 0 {
			if k = l.shiftAt(t, c.loc); k >= 0 {
				active = l.activeAt(t, c.loc)
			}
		}
		slots[i] = c.evalLayer(i, t, k, active)
	}
	return c.evalFinal(t, slots)
}

// At compiles s and returns who is on call at t. To ask many times, Compile once.
func At(s *tocsin.Schedule, t time.Time) (OnCall, error) {
	c, err := Compile(s, nil)
	if err != nil {
		return OnCall{}, err
	}
	return c.At(t), nil
}

// evalLayer decides layer i at t, given the rotation shift k holding t (-1:
// none) and whether t is inside the layer's restrictions.
func (c *Compiled) evalLayer(i int, t time.Time, k int64, active bool) slot {
	l := &c.layers[i]
	var base slot
	if l.fixed {
		base = c.evalFixed(i, t)
	} else {
		base = c.evalRotation(i, t, k, active)
	}
	for j := len(l.overrides) - 1; j >= 0; j-- {
		o := l.overrides[j]
		if o.covers(t) && !c.isOff(o.user, t) {
			return slot{a: Assignment{UserID: o.user, Layer: i, Reason: ReasonOverride, Replaces: base.a.UserID}, src: int64(o.idx)}
		}
	}
	return base
}

func (c *Compiled) evalRotation(i int, t time.Time, k int64, active bool) slot {
	l := &c.layers[i]
	n := int64(len(l.participants))
	if k < 0 || !active || n == 0 {
		return slot{a: Assignment{Layer: i}}
	}
	due := l.participants[k%n]
	if !c.isOff(due, t) {
		return slot{a: Assignment{UserID: due, Layer: i, Reason: ReasonRotation}, src: k}
	}
	if !l.gap {
		for j := int64(1); j < n; j++ {
			if u := l.participants[(k+j)%n]; u != due && !c.isOff(u, t) {
				return slot{a: Assignment{UserID: u, Layer: i, Reason: ReasonSkip, Replaces: due}, src: k}
			}
		}
	}
	return slot{a: Assignment{Layer: i}, off: due}
}

func (c *Compiled) evalFixed(i int, t time.Time) slot {
	shifts := c.layers[i].shifts
	// Shifts are sorted by start: those that may hold t start at or before it,
	// and end after it, which the running maximum of ends bounds.
	j := sort.Search(len(shifts), func(j int) bool { return shifts[j].start.After(t) }) - 1
	best, bestOff := -1, -1 // the most recent covering shift whose user is (not) off
	for ; j >= 0 && shifts[j].maxEnd.After(t); j-- {
		f := shifts[j]
		if !f.covers(t) {
			continue
		}
		if c.isOff(f.user, t) {
			if bestOff < 0 || f.idx > shifts[bestOff].idx {
				bestOff = j
			}
		} else if best < 0 || f.idx > shifts[best].idx {
			best = j
		}
	}
	if best >= 0 {
		return slot{a: Assignment{UserID: shifts[best].user, Layer: i, Reason: ReasonFixed}, src: int64(shifts[best].idx)}
	}
	s := slot{a: Assignment{Layer: i}}
	if bestOff >= 0 {
		s.off = shifts[bestOff].user
	}
	return s
}

// evalFinal decides the final row from the layers' slots at t.
func (c *Compiled) evalFinal(t time.Time, layers []slot) slot {
	base := slot{a: Assignment{Layer: -1}}
	for i := len(layers) - 1; i >= 0; i-- {
		if layers[i].a.UserID != 0 {
			base = layers[i]
			break
		}
		if base.off == 0 {
			base.off = layers[i].off
		}
	}
	for j := len(c.final) - 1; j >= 0; j-- {
		o := c.final[j]
		if o.covers(t) && !c.isOff(o.user, t) {
			return slot{a: Assignment{UserID: o.user, Layer: -1, Reason: ReasonOverride, Replaces: base.a.UserID}, src: int64(o.idx)}
		}
	}
	return base
}
