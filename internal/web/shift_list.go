package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// shiftsPage is "my shifts": the signed-in user's shifts over the next 8
// weeks in every schedule, their upcoming time off, and the form to add some.
type shiftsPage struct {
	*view
	From, To time.Time
	Shifts   []myShift
	Broken   []string // schedules that cannot be computed, by name
	TimeOff  []tocsin.TimeOff
	Form     timeOffForm
}

// myShift is one of the user's shifts on a schedule's final row.
type myShift struct {
	ScheduleID int64
	Schedule   string
	Start, End time.Time
	Layer      string // "" for a final-row override
	Reason     string
}

// timeOffForm is the input of the time-off form, kept when refused.
type timeOffForm struct {
	Start, End string // datetime-local values, in the user's zone
	Note       string
	Error      string
}

// shiftList serves GET /shifts.
func (h *Handler) shiftList(w http.ResponseWriter, r *http.Request, v *view) {
	h.renderShifts(w, r, v, http.StatusOK, timeOffForm{})
}

// renderShifts computes the page for v.User and renders it with form.
func (h *Handler) renderShifts(w http.ResponseWriter, r *http.Request, v *view, status int, form timeOffForm) {
	ctx := r.Context()
	p := &shiftsPage{view: v, Form: form}
	p.From, p.To = v.planningWindow()
	schedules, err := h.opts.DB.Schedules(ctx, 0)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	zones := oncall.Zones{}
	for _, s := range schedules {
		c, err := oncall.Compile(s, zones)
		var plan oncall.Plan
		if err == nil {
			plan, err = c.Shifts(p.From, p.To)
		}
		if err != nil {
			p.Broken = append(p.Broken, s.Name)
			continue
		}
		for _, sh := range plan.Final {
			if sh.UserID != v.User.ID {
				continue
			}
			p.Shifts = append(p.Shifts, myShift{ScheduleID: s.ID, Schedule: s.Name, Start: sh.Start, End: sh.End, Layer: layerName(s, sh.Layer), Reason: v.reasonText(sh.Reason)})
		}
	}
	slices.SortStableFunc(p.Shifts, func(a, b myShift) int { return a.Start.Compare(b.Start) })
	off, err := h.opts.DB.TimeOff(ctx, v.User.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	for _, t := range off {
		if t.End.After(v.now) {
			p.TimeOff = append(p.TimeOff, t)
		}
	}
	h.render(w, r, status, "shift_list", p)
}
