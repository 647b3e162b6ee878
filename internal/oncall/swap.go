package oncall

import (
	"fmt"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// Swap returns the two overrides that exchange shifts a and b between their
// users: b's user takes a's window and a's user takes b's. layer names the row
// both apply to: a layer's name, or "" for the final row (what a swap clicked on
// the final row means). Both are noted "swap"; the caller stores them
// together, or neither.
func Swap(a, b Shift, layer string) ([2]tocsin.Override, error) {
	var out [2]tocsin.Override
	if a.UserID == 0 || b.UserID == 0 {
		return out, tocsin.Errorf(tocsin.EINVALID, "a swap needs two shifts that someone holds")
	}
	if a.UserID == b.UserID {
		return out, tocsin.Errorf(tocsin.EINVALID, "both shifts belong to user %d: there is nothing to swap", a.UserID)
	}
	if a.Start.Before(b.End) && b.Start.Before(a.End) {
		return out, tocsin.Errorf(tocsin.EINVALID, "the two shifts overlap: a swap exchanges separate windows")
	}
	out[0] = tocsin.Override{Start: a.Start, End: a.End, UserID: b.UserID, Layer: layer, Note: "swap"}
	out[1] = tocsin.Override{Start: b.Start, End: b.End, UserID: a.UserID, Layer: layer, Note: "swap"}
	for i := range out {
		if err := out[i].Validate(); err != nil {
			return [2]tocsin.Override{}, err
		}
	}
	return out, nil
}

// Held checks that sh's user holds the row named layer ("" for the final row) of
// s over the whole of sh's window, and nobody else does: what a swap assumes,
// since the planning a person looked at may have changed since. When not, the
// error says who holds the window, by name (name nil: user ids).
func Held(s *tocsin.Schedule, sh Shift, layer string, name func(int64) string) error {
	if !sh.End.After(sh.Start) || sh.End.Sub(sh.Start) > tocsin.MaxOverrideLength {
		return tocsin.Errorf(tocsin.EINVALID, "the shift's window is not valid")
	}
	p, err := Shifts(s, sh.Start, sh.End)
	if err != nil {
		return err
	}
	row, gaps := p.Final, len(p.Gaps)
	if layer != "" {
		row, gaps = nil, 0
		for _, l := range p.Layers {
			if l.Name == layer {
				row, gaps = l.Shifts, len(l.Gaps)
			}
		}
	}
	if len(row) != 1 || gaps != 0 || row[0].UserID != sh.UserID || !row[0].Start.Equal(sh.Start) || !row[0].End.Equal(sh.End) {
		if name == nil {
			name = func(id int64) string { return fmt.Sprintf("user %d", id) }
		}
		where := "the final row"
		if layer != "" {
			where = fmt.Sprintf("layer %q", layer)
		}
		stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04Z") }
		var holders []string
		for i, x := range row {
			if i == 3 {
				holders = append(holders, "…")
				break
			}
			holders = append(holders, fmt.Sprintf("%s %s–%s", name(x.UserID), stamp(x.Start), stamp(x.End)))
		}
		if len(row) == 0 {
			holders = append(holders, "nobody")
		}
		return tocsin.Errorf(tocsin.EINVALID, "that shift changed since the page was shown: %s does not hold %s alone from %s to %s (it shows %s); reload the planning",
			name(sh.UserID), where, stamp(sh.Start), stamp(sh.End), strings.Join(holders, ", "))
	}
	return nil
}
