package oncall

import (
	"testing"
	"time"

	"github.com/tocsin/tocsin"
)

// BenchmarkComputePay is a month of 50 people on 10 daily-rotation schedules
// (each person on two), with 3,000 pages and 1,000 acknowledgements: the
// plans and the report, as the page computes them.
func BenchmarkComputePay(b *testing.B) {
	m := Month{2026, time.November}
	var users []*tocsin.User
	for i := int64(1); i <= 50; i++ {
		users = append(users, &tocsin.User{ID: i, Name: "user", Timezone: "Europe/Paris"})
	}
	var schedules []*tocsin.Schedule
	for s := int64(0); s < 10; s++ {
		var ids []int64
		for k := int64(0); k < 10; k++ {
			ids = append(ids, 1+(s*5+k)%50)
		}
		sc := rotation("Europe/Paris", "1d", "09:00", "2026-10-01", ids...)
		sc.ID, sc.TeamID = s+1, s%3+1
		sc.Holidays = tocsin.HolidayCalendar{Country: "FR"}
		sc.Pay = tocsin.PayRates{Currency: "EUR", Weekday: 2000, Weekend: 4500, Holiday: 6000, Hourly: 3000}
		if err := sc.Validate(); err != nil {
			b.Fatal(err)
		}
		schedules = append(schedules, sc)
	}
	from, _ := m.Window(time.UTC)
	var pages []PayPage
	for i := 0; i < 3000; i++ {
		pages = append(pages, PayPage{AlertID: int64(i), At: from.Add(time.Duration(i) * 14 * time.Minute), TeamID: int64(i%3 + 1)})
	}
	var ivs []PayIntervention
	for i := 0; i < 1000; i++ {
		start := from.Add(time.Duration(i) * 43 * time.Minute)
		ivs = append(ivs, PayIntervention{UserID: int64(i%50 + 1), AlertID: int64(i), Start: start, End: start.Add(90 * time.Minute)})
	}
	b.ResetTimer()
	for b.Loop() {
		plans, err := MonthPlans(schedules, m)
		if err != nil {
			b.Fatal(err)
		}
		rep := ComputePay(PayInput{Month: m, Now: from.Add(40 * 24 * time.Hour), Schedules: plans, Users: users, Pages: pages, Interventions: ivs, Unattached: true})
		if len(rep.Rows) == 0 {
			b.Fatal("no rows")
		}
	}
}
