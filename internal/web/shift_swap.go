package web

import (
	"fmt"
	"net/http"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// shiftSwap serves POST /schedules/{id}/swap: two people exchange two shifts
// of the final row, stored as two overrides, both or neither.
func (h *Handler) shiftSwap(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	ctx := r.Context()
	p := &overridePage{view: v, ShiftKey: formValue(r, "shift"), With: formValue(r, "with")}
	a, err := parseShiftKey(p.ShiftKey)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p.Shift = &a
	p.Form = overrideForm{Start: v.Input(a.Start), End: v.Input(a.End)}
	s, err := h.opts.DB.Schedule(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	var b oncall.Shift
	if p.With == "" {
		err = tocsin.Errorf(tocsin.EINVALID, "%s", v.T("override.pick_swap"))
	} else {
		b, err = parseShiftKey(p.With)
	}
	var names map[int64]string
	if err == nil {
		names, _, err = h.userNames(ctx)
	}
	name := func(id int64) string { return nameOf(names, id) }
	if err == nil {
		err = oncall.Held(s, a, "", name)
	}
	if err == nil {
		err = oncall.Held(s, b, "", name)
	}
	var pair [2]tocsin.Override
	if err == nil {
		pair, err = oncall.Swap(a, b, "")
	}
	if err == nil {
		err = h.opts.DB.AddOverrides(ctx, id, pair[:], h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		p.SwapError = tocsin.ErrorMessage(err)
		h.renderOverride(w, r, id, statusOf(err), p)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("override.swapped"))
	redirect(w, r, fmt.Sprintf("/schedules/%d", id))
}
