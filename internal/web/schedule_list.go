package web

import (
	"net/http"
	"time"

	"github.com/tocsin/tocsin/internal/oncall"
)

// gapNotice is how far ahead the list looks for windows with nobody on call,
// so that a team fixes them before they happen.
const gapNotice = 7 * 24 * time.Hour

// scheduleListPage lists schedules with who is on call on each now, and the
// gaps of the coming week.
type scheduleListPage struct {
	*view
	Rows []scheduleListRow
}

// scheduleListRow is one schedule: who is on call now and its next gap.
type scheduleListRow struct {
	oncallRow
	Gaps    int        // windows with nobody on call in the coming week
	NextGap oncall.Gap // the first of them
}

// scheduleList serves GET /schedules.
func (h *Handler) scheduleList(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	schedules, err := h.opts.DB.Schedules(ctx, 0)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	teams, err := h.opts.DB.Teams(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	teamNames := map[int64]string{}
	for _, t := range teams {
		teamNames[t.ID] = t.Name
	}
	names, _, err := h.userNames(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &scheduleListPage{view: v}
	for _, s := range schedules {
		row := scheduleListRow{oncallRow: v.oncallRow(s, teamNames[s.TeamID], names, v.now)}
		if plan, err := oncall.Shifts(s, v.now, v.now.Add(gapNotice)); err == nil && len(plan.Gaps) > 0 {
			row.Gaps, row.NextGap = len(plan.Gaps), plan.Gaps[0]
		}
		p.Rows = append(p.Rows, row)
	}
	h.render(w, r, http.StatusOK, "schedule_list", p)
}

// LayerCount is how many layers a schedule has, for the list.
func (r oncallRow) LayerCount() int { return len(r.Schedule.Layers) }
