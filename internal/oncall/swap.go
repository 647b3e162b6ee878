package oncall

import "github.com/tocsin/tocsin"

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
// since the planning a person looked at may have changed since.
func Held(s *tocsin.Schedule, sh Shift, layer string) error {
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
		return tocsin.Errorf(tocsin.EINVALID, "that shift changed since the page was shown: reload the planning")
	}
	return nil
}
