package api

import (
	"math"
	"net/http"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// payTimeJSON is time on call of one kind of day: hours, and days of 24 hours.
type payTimeJSON struct {
	Hours float64 `json:"hours"`
	Days  float64 `json:"days"`
}

func payTime(d time.Duration) payTimeJSON {
	return payTimeJSON{Hours: round2(d.Hours()), Days: round2(oncall.Days(d))}
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

type payScheduleJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// payRowJSON is one person's month on one schedule (schedule null: time
// intervening while on no schedule).
type payRowJSON struct {
	User              personJSON       `json:"user"`
	Schedule          *payScheduleJSON `json:"schedule"`
	Weekday           payTimeJSON      `json:"weekday"`
	Weekend           payTimeJSON      `json:"weekend"`
	Holiday           payTimeJSON      `json:"holiday"`
	Pages             int              `json:"pages"`
	InterventionHours float64          `json:"intervention_hours"`
	Currency          *string          `json:"currency"`
	Amount            *tocsin.Money    `json:"amount"`
}

// payTotalJSON adds up rows in one currency: one person's (user set) or everyone's.
type payTotalJSON struct {
	User              *personJSON   `json:"user,omitempty"`
	Weekday           payTimeJSON   `json:"weekday"`
	Weekend           payTimeJSON   `json:"weekend"`
	Holiday           payTimeJSON   `json:"holiday"`
	Pages             int           `json:"pages"`
	InterventionHours float64       `json:"intervention_hours"`
	Currency          *string       `json:"currency"`
	Amount            *tocsin.Money `json:"amount"`
}

func payTotal(t oncall.PayTotal, p people) payTotalJSON {
	out := payTotalJSON{Weekday: payTime(t.Weekday), Weekend: payTime(t.Weekend), Holiday: payTime(t.Holiday),
		Pages: t.Pages, InterventionHours: round2(t.Intervention.Hours()), Currency: nameOrNull(t.Currency)}
	if t.UserID != 0 {
		out.User = p.of(t.UserID)
	}
	if t.Rated {
		amount := t.Amount
		out.Amount = &amount
	}
	return out
}

// onCallPay answers GET /reports/oncall-pay: admins see everyone, others
// only their own rows, since pay is personal.
func (h *Handler) onCallPay(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "month", "team"); err != nil {
		return err
	}
	ctx := r.Context()
	now := h.opts.Clock.Now()
	q := oncall.PayQuery{Now: now, Month: oncall.MonthOf(now, time.UTC)}
	if v := r.URL.Query().Get("month"); v != "" {
		m, err := oncall.ParseMonth(v)
		if err != nil {
			return err
		}
		q.Month = m
	}
	var err error
	if q.TeamID, err = h.teamFilter(r); err != nil {
		return err
	}
	if u.Role != tocsin.RoleAdmin {
		q.UserID = u.ID
	}
	rep, err := oncall.LoadPay(ctx, h.opts.DB, q)
	if err != nil {
		return err
	}
	p, err := h.people(ctx)
	if err != nil {
		return err
	}
	rows := make([]payRowJSON, len(rep.Rows))
	for i, row := range rep.Rows {
		out := payRowJSON{User: *p.of(row.UserID), Weekday: payTime(row.Weekday), Weekend: payTime(row.Weekend), Holiday: payTime(row.Holiday),
			Pages: row.Pages, InterventionHours: round2(row.Intervention.Hours()), Currency: nameOrNull(row.Currency)}
		if row.ScheduleID != 0 {
			out.Schedule = &payScheduleJSON{ID: row.ScheduleID, Name: row.Schedule}
		}
		if row.Rated {
			amount := row.Amount
			out.Amount = &amount
		}
		rows[i] = out
	}
	totals := make([]payTotalJSON, len(rep.Totals))
	for i, t := range rep.Totals {
		totals[i] = payTotal(t, p)
	}
	grand := make([]payTotalJSON, len(rep.Grand))
	for i, t := range rep.Grand {
		grand[i] = payTotal(t, p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"month": rep.Month.String(), "rows": rows, "totals": totals, "grand_totals": grand})
	return nil
}
