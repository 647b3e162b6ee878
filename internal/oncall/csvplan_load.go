package oncall

import (
	"context"
	"slices"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// LoadPeople reads the users a CSV plan may name.
func LoadPeople(ctx context.Context, db *store.DB) ([]Person, error) {
	users, err := db.Users(ctx)
	if err != nil {
		return nil, err
	}
	people := make([]Person, len(users))
	for i, u := range users {
		people[i] = Person{ID: u.ID, Email: u.Email, Name: u.Name}
	}
	return people, nil
}

// PreviewImport parses a CSV plan against the users and computes what it
// would make of s, on a copy holding the time off of everyone the plan puts on
// call (so that their leave shows as conflicts). Nothing is written. imp is
// nil when no row is valid; plan is nil only when the database failed.
func PreviewImport(ctx context.Context, db *store.DB, s *tocsin.Schedule, data []byte, opts ImportOptions) (*Import, *CSVPlan, error) {
	people, err := LoadPeople(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	plan := ParsePlanCSV(data, people)
	if len(plan.Rows) == 0 {
		return nil, plan, nil
	}
	copied := *s
	copied.TimeOff = slices.Clone(s.TimeOff)
	for _, uid := range plan.Users() {
		if slices.ContainsFunc(copied.TimeOff, func(t tocsin.TimeOff) bool { return t.UserID == uid }) {
			continue // the schedule holds it already
		}
		off, err := db.TimeOff(ctx, uid)
		if err != nil {
			return nil, nil, err
		}
		copied.TimeOff = append(copied.TimeOff, off...)
	}
	imp, err := PlanImport(&copied, plan, opts)
	return imp, plan, err
}
