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
