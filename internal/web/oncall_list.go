package web

import (
	"net/http"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// oncallWindow is how far around the asked instant /oncall looks for the
// start and the end of the current shift.
const oncallWindow = 31 * 24 * time.Hour

// oncallPage answers "who is on call", now or at a chosen time, for every
// schedule or a team's.
type oncallPage struct {
	*view
	At     time.Time
	AtText string // the datetime-local value, kept as typed
	Now    bool   // At is the current time
	TeamID int64
	Teams  []*tocsin.Team
	Rows   []oncallRow
	Error  string
}

// oncallRow is one schedule's answer.
type oncallRow struct {
	Schedule *tocsin.Schedule
	Team     string
	UserID   int64 // 0: nobody
	Name     string
	Since    time.Time // zero: further back than the window looked at
	Until    time.Time // zero: further ahead
	Reason   string
	Layer    string
	Next     []string // the other layers' answers, who to try next
	Error    string   // the schedule cannot be computed
}

// oncallList serves GET /oncall.
func (h *Handler) oncallList(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	q := r.URL.Query()
	p := &oncallPage{view: v, At: v.now, Now: true, AtText: q.Get("at")}
	status := http.StatusOK
	team, err := optionalID(q.Get("team"), "team")
	if err == nil {
		p.TeamID = team
	}
	if err == nil && p.AtText != "" {
		var at time.Time
		if at, err = v.parseLocal(p.AtText, v.T("oncall.at")); err == nil {
			p.At, p.Now = at, false
		}
	}
	if err != nil {
		p.Error = tocsin.ErrorMessage(err)
		status = statusOf(err)
	}
	if p.Teams, err = h.opts.DB.Teams(ctx); err != nil {
		h.fail(w, r, v, err)
		return
	}
	teamNames := map[int64]string{}
	for _, t := range p.Teams {
		teamNames[t.ID] = t.Name
	}
	schedules, err := h.opts.DB.Schedules(ctx, p.TeamID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	names, _, err := h.userNames(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	for _, s := range schedules {
		p.Rows = append(p.Rows, v.oncallRow(s, teamNames[s.TeamID], names, p.At))
	}
	h.render(w, r, status, "oncall_list", p)
}

// oncallRow computes who holds a schedule's final row at t, with the shift around it.
func (v *view) oncallRow(s *tocsin.Schedule, team string, names map[int64]string, t time.Time) oncallRow {
	row := oncallRow{Schedule: s, Team: team}
	c, err := oncall.Compile(s, nil)
	if err != nil {
		row.Error = tocsin.ErrorMessage(err)
		return row
	}
	now := c.At(t)
	if now.Final.UserID != 0 {
		row.UserID, row.Name = now.Final.UserID, nameOf(names, now.Final.UserID)
		row.Reason = v.reasonText(now.Final.Reason)
		row.Layer = layerName(s, now.Final.Layer)
	}
	for i, a := range now.Layers {
		if a.UserID != 0 && a.UserID != now.Final.UserID {
			row.Next = append(row.Next, nameOf(names, a.UserID)+" ("+layerName(s, i)+")")
		}
	}
	plan, err := c.Shifts(t.Add(-oncallWindow), t.Add(oncallWindow))
	if err != nil {
		return row
	}
	find := func(start, end time.Time) {
		if start.After(plan.From) {
			row.Since = start
		}
		if end.Before(plan.To) {
			row.Until = end
		}
	}
	for _, sh := range plan.Final {
		if !t.Before(sh.Start) && t.Before(sh.End) {
			find(sh.Start, sh.End)
		}
	}
	for _, g := range plan.Gaps {
		if !t.Before(g.Start) && t.Before(g.End) {
			find(g.Start, g.End)
		}
	}
	return row
}
