package web

import (
	"net/http"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// overrideForm is the input of the override form, kept when refused.
type overrideForm struct {
	UserID     int64
	Start, End string // datetime-local values, in the viewer's zone
	Note       string
	Error      string
}

// swapOption is a shift of another person that the clicked one may be swapped with.
type swapOption struct {
	Key   string
	Label string
}

// overridePage is the form reached by clicking a shift of the final row: give
// the window to someone else, or swap it with another person's shift.
type overridePage struct {
	*view
	Schedule  *tocsin.Schedule
	Shift     *oncall.Shift // the clicked shift; nil when none was given
	ShiftKey  string
	ShiftName string
	Users     []*tocsin.User
	Form      overrideForm
	Swaps     []swapOption
	With      string // the chosen swap, kept when refused
	SwapError string
}

// overrideNew serves GET /schedules/{id}/override?shift=START_END_USER.
func (h *Handler) overrideNew(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	p := &overridePage{view: v}
	if key := r.URL.Query().Get("shift"); key != "" {
		sh, err := parseShiftKey(key)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		p.Shift, p.ShiftKey = &sh, key
		p.Form = overrideForm{Start: v.Input(sh.Start), End: v.Input(sh.End)}
	}
	h.renderOverride(w, r, id, http.StatusOK, p)
}

// renderOverride fills the page's schedule, users and swap choices, and renders it.
func (h *Handler) renderOverride(w http.ResponseWriter, r *http.Request, id int64, status int, p *overridePage) {
	ctx := r.Context()
	v := p.view
	s, err := h.opts.DB.Schedule(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p.Schedule = s
	names, users, err := h.userNames(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p.Users = users
	if p.Shift == nil {
		h.render(w, r, status, "override_new", p)
		return
	}
	p.ShiftName = nameOf(names, p.Shift.UserID)
	from, to := v.planningWindow()
	plan, err := oncall.Shifts(s, from, to)
	if err == nil {
		for _, sh := range plan.Final {
			if sh.UserID == 0 || sh.UserID == p.Shift.UserID || (sh.Start.Before(p.Shift.End) && p.Shift.Start.Before(sh.End)) {
				continue
			}
			p.Swaps = append(p.Swaps, swapOption{
				Key:   shiftKey(sh.Start, sh.End, sh.UserID),
				Label: nameOf(names, sh.UserID) + ": " + v.Time(sh.Start) + " → " + v.Time(sh.End),
			})
		}
	}
	h.render(w, r, status, "override_new", p)
}

// overrideWindow reads a posted start and end in the viewer's zone.
func (v *view) overrideWindow(startText, endText string) (time.Time, time.Time, error) {
	return v.parseLocalSpan(startText, endText, v.T("override.start"), v.T("override.end"))
}
