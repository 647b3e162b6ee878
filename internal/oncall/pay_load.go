package oncall

import (
	"context"
	"time"

	"github.com/tocsin/tocsin/internal/store"
)

// PayQuery asks for a month's on-call pay report.
type PayQuery struct {
	Month  Month
	TeamID int64 // 0: every schedule
	UserID int64 // 0: everyone; otherwise only this person's rows (pay is personal)
	Now    time.Time
}

// LoadPay reads what the report needs from the database and computes it.
func LoadPay(ctx context.Context, db *store.DB, q PayQuery) (PayReport, error) {
	schedules, err := db.Schedules(ctx, q.TeamID)
	if err != nil {
		return PayReport{}, err
	}
	plans, err := MonthPlans(schedules, q.Month)
	if err != nil {
		return PayReport{}, err
	}
	users, err := db.Users(ctx)
	if err != nil {
		return PayReport{}, err
	}
	// The month in UTC, widened so that it holds the month of every zone.
	from, to := q.Month.Window(time.UTC)
	from, to = from.Add(-26*time.Hour), to.Add(26*time.Hour)
	alerts, err := db.AlertPages(ctx, from, to)
	if err != nil {
		return PayReport{}, err
	}
	acks, err := db.Acknowledgements(ctx, from, to)
	if err != nil {
		return PayReport{}, err
	}
	in := PayInput{Month: q.Month, Now: q.Now, Schedules: plans, Users: users, Unattached: q.TeamID == 0}
	in.Pages = make([]PayPage, len(alerts))
	for i, a := range alerts {
		in.Pages[i] = PayPage{AlertID: a.AlertID, At: a.CreatedAt, TeamID: a.TeamID}
	}
	in.Interventions = make([]PayIntervention, len(acks))
	for i, a := range acks {
		in.Interventions[i] = PayIntervention{UserID: a.UserID, AlertID: a.AlertID, Start: a.AckedAt, End: a.ResolvedAt}
	}
	rep := ComputePay(in)
	if q.UserID != 0 {
		rep = rep.Only(q.UserID)
	}
	return rep, nil
}
