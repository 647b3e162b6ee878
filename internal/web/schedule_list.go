package web

import (
	"net/http"
)

// scheduleListPage lists schedules with who is on call on each now.
type scheduleListPage struct {
	*view
	Rows []oncallRow
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
		p.Rows = append(p.Rows, v.oncallRow(s, teamNames[s.TeamID], names, v.now))
	}
	h.render(w, r, http.StatusOK, "schedule_list", p)
}

// LayerCount is how many layers a schedule has, for the list.
func (r oncallRow) LayerCount() int { return len(r.Schedule.Layers) }
