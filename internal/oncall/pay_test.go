package oncall

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
)

const (
	alice int64 = 1
	bob   int64 = 2
)

func payUsers() []*tocsin.User {
	return []*tocsin.User{
		{ID: alice, Name: "Alice", Email: "alice@example.com", Timezone: "Europe/Paris"},
		{ID: bob, Name: "Bob", Email: "bob@example.com", Timezone: "Europe/Paris"},
	}
}

// paris reads a local Paris time, "2026-11-03 17:00".
func paris(s string) time.Time {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// paySchedule is a weekly "mon 09:00" rotation in Paris.
func paySchedule(id int64, start string, holidays tocsin.HolidayCalendar, pay tocsin.PayRates, users ...int64) *tocsin.Schedule {
	s := rotation("Europe/Paris", "1w", "mon 09:00", start, users...)
	s.ID, s.Name, s.TeamID, s.Holidays, s.Pay = id, "primary-"+string(rune('a'+id)), 10, holidays, pay
	return s
}

// wantRow is what a test expects of one row, in hours and cents.
type wantRow struct {
	user, schedule            int64
	weekday, weekend, holiday float64 // hours
	pages                     int
	intervention              float64 // hours
	amount                    tocsin.Money
	currency                  string
}

func TestComputePay(t *testing.T) {
	fr := tocsin.HolidayCalendar{Country: "FR"}
	rates := tocsin.PayRates{Currency: "EUR", Weekday: 4000, Weekend: 6000, Holiday: 10000, Hourly: 2500}
	nov := Month{2026, time.November}
	tests := []struct {
		name          string
		month         Month
		schedules     []*tocsin.Schedule
		pages         []PayPage
		interventions []PayIntervention
		now           time.Time
		unattached    bool
		want          []wantRow
	}{{
		// November 2026 starts on a Sunday inside Alice's week (Oct 26 → Nov 2)
		// and ends inside Bob's (Nov 30 → Dec 7): only November's hours count.
		name:      "weekly rotation across a month boundary",
		month:     nov,
		schedules: []*tocsin.Schedule{paySchedule(1, "2026-10-26", tocsin.HolidayCalendar{}, tocsin.PayRates{}, alice, bob)},
		want: []wantRow{
			{user: alice, schedule: 1, weekday: 9 + 120 + 120, weekend: 24 + 48 + 48},
			{user: bob, schedule: 1, weekday: 120 + 120 + 15, weekend: 48 + 48},
		},
	}, {
		// All Saints' Day (Sunday 1st) and Armistice Day (Wednesday 11th) are
		// holidays: a holiday wins over the week-end.
		name:      "French holidays in November",
		month:     nov,
		schedules: []*tocsin.Schedule{paySchedule(1, "2026-10-26", fr, tocsin.PayRates{}, alice, bob)},
		want: []wantRow{
			{user: alice, schedule: 1, weekday: 9 + 96 + 120, weekend: 48 + 48, holiday: 24 + 24},
			{user: bob, schedule: 1, weekday: 255, weekend: 96},
		},
	}, {
		// Clocks go forward on Sunday 29 March: Bob's week of the 23rd is 167 hours.
		name:      "DST week in March",
		month:     Month{2026, time.March},
		schedules: []*tocsin.Schedule{paySchedule(1, "2026-03-02", tocsin.HolidayCalendar{}, tocsin.PayRates{}, alice, bob)},
		want: []wantRow{
			{user: alice, schedule: 1, weekday: 120 + 120 + 39, weekend: 48 + 48},
			{user: bob, schedule: 1, weekday: 240, weekend: 48 + 47},
		},
	}, {
		// Clocks go back on Sunday 25 October: Alice's week of the 19th is 169 hours.
		name:      "DST week in October",
		month:     Month{2026, time.October},
		schedules: []*tocsin.Schedule{paySchedule(1, "2026-10-05", tocsin.HolidayCalendar{}, tocsin.PayRates{}, alice, bob)},
		want: []wantRow{
			{user: alice, schedule: 1, weekday: 240, weekend: 48 + 49},
			{user: bob, schedule: 1, weekday: 120 + 111, weekend: 48 + 24},
		},
	}, {
		name:      "Easter Monday",
		month:     Month{2026, time.April},
		schedules: []*tocsin.Schedule{paySchedule(1, "2026-03-30", fr, tocsin.PayRates{}, alice)},
		want:      []wantRow{{user: alice, schedule: 1, weekday: 21 * 24, weekend: 8 * 24, holiday: 24}},
	}, {
		// 14 July is a Tuesday; the company also gives the Monday before.
		name:      "14 July and a company day",
		month:     Month{2026, time.July},
		schedules: []*tocsin.Schedule{paySchedule(1, "2026-06-29", tocsin.HolidayCalendar{Country: "FR", Dates: []string{"2026-07-13"}}, tocsin.PayRates{}, alice)},
		want:      []wantRow{{user: alice, schedule: 1, weekday: 21 * 24, weekend: 8 * 24, holiday: 2 * 24}},
	}, {
		name:      "rates applied",
		month:     nov,
		schedules: []*tocsin.Schedule{paySchedule(1, "2026-10-26", fr, rates, alice, bob)},
		interventions: []PayIntervention{
			{UserID: alice, AlertID: 1, Start: paris("2026-11-10 17:00"), End: paris("2026-11-10 20:00")}, // 2 h out of hours
		},
		want: []wantRow{
			// 225 h = 9.375 days × 40 + 4 × 60 + 2 × 100 + 2 h × 25
			{user: alice, schedule: 1, weekday: 225, weekend: 96, holiday: 48, intervention: 2, amount: 37500 + 24000 + 20000 + 5000, currency: "EUR"},
			// 255 h = 10.625 days × 40 + 4 × 60
			{user: bob, schedule: 1, weekday: 255, weekend: 96, amount: 42500 + 24000, currency: "EUR"},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := computeFor(t, tc.month, tc.schedules, tc.pages, tc.interventions, tc.now, tc.unattached)
			checkRows(t, rep, tc.want)
		})
	}
}

// TestPayInterventions pins what counts as intervention time: acknowledged
// to resolved, out of working hours, overlapping alerts once.
func TestPayInterventions(t *testing.T) {
	nov := Month{2026, time.November}
	// Alice is on call all month (her week started in October and she is alone).
	s := paySchedule(1, "2026-10-26", tocsin.HolidayCalendar{}, tocsin.PayRates{}, alice)
	iv := func(start, end string) PayIntervention {
		p := PayIntervention{UserID: alice, Start: paris(start)}
		if end != "" {
			p.End = paris(end)
		}
		return p
	}
	tests := []struct {
		name  string
		ivs   []PayIntervention
		now   time.Time
		hours *tocsin.TimeWindow
		want  float64
	}{
		{"weekday 17:00-20:00 with 09:00-18:00 hours", []PayIntervention{iv("2026-11-03 17:00", "2026-11-03 20:00")}, time.Time{}, nil, 2},
		{"inside working hours", []PayIntervention{iv("2026-11-03 10:00", "2026-11-03 12:00")}, time.Time{}, nil, 0},
		{"overlapping alerts count once", []PayIntervention{iv("2026-11-03 19:00", "2026-11-03 21:00"), iv("2026-11-03 20:00", "2026-11-03 22:00")}, time.Time{}, nil, 3},
		{"a week-end night", []PayIntervention{iv("2026-11-07 23:00", "2026-11-08 02:00")}, time.Time{}, nil, 3},
		{"a night across the morning", []PayIntervention{iv("2026-11-04 07:00", "2026-11-04 10:30")}, time.Time{}, nil, 2},
		{"still open: until now", []PayIntervention{iv("2026-11-05 22:00", "")}, paris("2026-11-05 23:30"), nil, 1.5},
		{"acknowledged in October, resolved in November", []PayIntervention{iv("2026-10-31 22:00", "2026-11-01 01:00")}, time.Time{}, nil, 1},
		{"own working hours", []PayIntervention{iv("2026-11-03 17:00", "2026-11-03 20:00")}, time.Time{},
			&tocsin.TimeWindow{Timezone: "Europe/Paris", Days: []string{"tue"}, Start: "14:00", End: "22:00"}, 0},
		{"working hours in another zone", []PayIntervention{iv("2026-11-03 17:00", "2026-11-03 20:00")}, time.Time{},
			&tocsin.TimeWindow{Timezone: "America/New_York", Start: "11:00", End: "13:00"}, 1}, // 17:00-19:00 in Paris
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			users := payUsers()
			users[0].WorkingHours = tc.hours
			plans, err := MonthPlans([]*tocsin.Schedule{s}, nov)
			if err != nil {
				t.Fatal(err)
			}
			rep := ComputePay(PayInput{Month: nov, Now: tc.now, Schedules: plans, Users: users, Interventions: tc.ivs})
			var got time.Duration
			for _, r := range rep.Rows {
				got += r.Intervention
			}
			if got != time.Duration(tc.want*float64(time.Hour)) {
				t.Fatalf("intervention %v, want %vh", got, tc.want)
			}
		})
	}
}

// TestPayPagesAndSchedules: pages go to whoever held the final row of a
// schedule of the alert's team; a person on two schedules gets a row per
// schedule and a total per currency; time on no schedule gets its own row.
func TestPayPagesAndSchedules(t *testing.T) {
	nov := Month{2026, time.November}
	eur := tocsin.PayRates{Currency: "EUR", Weekday: 1000}
	chf := tocsin.PayRates{Currency: "CHF", Weekend: 2000}
	primary := paySchedule(1, "2026-10-26", tocsin.HolidayCalendar{}, eur, alice, bob)
	secondary := paySchedule(2, "2026-11-02", tocsin.HolidayCalendar{}, eur, alice)
	secondary.Layers[0].Restrictions = []tocsin.TimeWindow{{Timezone: "Europe/Paris", Days: []string{"mon"}, Start: "09:00", End: "10:00"}}
	swiss := paySchedule(3, "2026-11-02", tocsin.HolidayCalendar{}, chf, alice)
	swiss.TeamID = 20
	swiss.Layers[0].Restrictions = []tocsin.TimeWindow{{Timezone: "Europe/Paris", Days: []string{"sat"}, Start: "00:00", End: "00:00"}}
	pages := []PayPage{
		{AlertID: 1, At: paris("2026-11-01 12:00"), TeamID: 10}, // Alice on primary
		{AlertID: 2, At: paris("2026-11-03 12:00"), TeamID: 10}, // Bob on primary
		{AlertID: 3, At: paris("2026-11-09 09:30"), TeamID: 10}, // Alice on primary and secondary
		{AlertID: 4, At: paris("2026-11-07 12:00"), TeamID: 20}, // Alice on swiss
		{AlertID: 5, At: paris("2026-11-07 12:00"), TeamID: 30}, // a team without schedule
		{AlertID: 6, At: paris("2026-11-07 12:00"), TeamID: 0},  // a service without team
		{AlertID: 7, At: paris("2026-10-31 12:00"), TeamID: 10}, // before the month
	}
	ivs := []PayIntervention{
		{UserID: bob, Start: paris("2026-11-10 20:00"), End: paris("2026-11-10 21:00")}, // Alice's week: Bob is on no schedule
		{UserID: alice, Start: paris("2026-11-07 20:00"), End: paris("2026-11-07 21:00")},
	}
	rep := computeFor(t, nov, []*tocsin.Schedule{primary, secondary, swiss}, pages, ivs, time.Time{}, true)
	checkRows(t, rep, []wantRow{
		{user: alice, schedule: 1, weekday: 9 + 120 + 120, weekend: 24 + 48 + 48, pages: 2, amount: 10375, currency: "EUR"},
		{user: alice, schedule: 2, weekday: 5, pages: 1, amount: 208, currency: "EUR"}, // 5 h = 5/24 day × 10
		{user: alice, schedule: 3, weekend: 4 * 24, pages: 1, intervention: 1, amount: 8000, currency: "CHF"},
		{user: bob, schedule: 1, weekday: 255, weekend: 96, pages: 1, amount: 10625, currency: "EUR"},
		{user: bob, schedule: 0, intervention: 1},
	})
	var got []string
	for _, tot := range rep.Totals {
		got = append(got, tot.Name+" "+tot.Currency+" "+tot.Amount.String()+" pages "+strconv.Itoa(tot.Pages)+" "+(tot.Weekday+tot.Weekend+tot.Holiday).String())
	}
	want := []string{"Alice EUR 105.83 pages 2 374h0m0s", "Alice CHF 80.00 pages 1 96h0m0s", "Bob EUR 106.25 pages 1 351h0m0s", "Bob  0.00 pages 0 0s"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("totals:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	only := rep.Only(bob)
	if len(only.Rows) != 2 || only.Rows[0].UserID != bob || len(only.Totals) != 2 || len(only.Grand) != 2 || only.Grand[1].Amount != 10625 {
		t.Errorf("Only(bob) = %+v", only)
	}

	// One team's schedules: no row for time on no schedule.
	rep = computeFor(t, nov, []*tocsin.Schedule{primary, secondary}, pages, ivs, time.Time{}, false)
	for _, r := range rep.Rows {
		if r.ScheduleID == 0 || r.Intervention != 0 {
			t.Errorf("team report has %+v", r)
		}
	}
}

func TestParseMonth(t *testing.T) {
	m, err := ParseMonth(" 2026-11 ")
	if err != nil || m != (Month{2026, time.November}) || m.Prev().String() != "2026-10" || m.Next().Next().String() != "2027-01" {
		t.Fatalf("ParseMonth: %v %v", m, err)
	}
	for _, bad := range []string{"", "2026-13", "2026-1", "26-11", "2026-11-01", "november", "1999-12"} {
		if _, err := ParseMonth(bad); tocsin.ErrorCode(err) != tocsin.EINVALID || !strings.Contains(tocsin.ErrorMessage(err), "YYYY-MM") {
			t.Errorf("ParseMonth(%q) = %v", bad, err)
		}
	}
	from, to := m.Window(zone(t, "Europe/Paris"))
	if from != utc("2026-10-31 23:00") || to != utc("2026-11-30 23:00") {
		t.Errorf("window %v %v", from, to)
	}
}

func TestDays(t *testing.T) {
	if d := Days(169 * time.Hour); d < 7.0416 || d > 7.0417 {
		t.Errorf("Days(169h) = %v", d)
	}
}

func computeFor(t *testing.T, m Month, schedules []*tocsin.Schedule, pages []PayPage, ivs []PayIntervention, now time.Time, unattached bool) PayReport {
	t.Helper()
	for _, s := range schedules {
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	plans, err := MonthPlans(schedules, m)
	if err != nil {
		t.Fatal(err)
	}
	return ComputePay(PayInput{Month: m, Now: now, Schedules: plans, Users: payUsers(), Pages: pages, Interventions: ivs, Unattached: unattached})
}

func checkRows(t *testing.T, rep PayReport, want []wantRow) {
	t.Helper()
	h := func(f float64) time.Duration { return time.Duration(f * float64(time.Hour)) }
	if len(rep.Rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rep.Rows), len(want), rep.Rows)
	}
	for i, w := range want {
		r := rep.Rows[i]
		if r.UserID != w.user || r.ScheduleID != w.schedule || r.Weekday != h(w.weekday) || r.Weekend != h(w.weekend) || r.Holiday != h(w.holiday) ||
			r.Pages != w.pages || r.Intervention != h(w.intervention) || r.Amount != w.amount || r.Currency != w.currency {
			t.Errorf("row %d:\n got user %d schedule %d weekday %v weekend %v holiday %v pages %d intervention %v amount %s %s\nwant %+v",
				i, r.UserID, r.ScheduleID, r.Weekday, r.Weekend, r.Holiday, r.Pages, r.Intervention, r.Amount, r.Currency, w)
		}
	}
}

// Nobody works on a public holiday: acknowledged time on one is all out of
// working hours, on the schedule whose calendar has it.
func TestPayInterventionOnAHoliday(t *testing.T) {
	nov := Month{2026, time.November}
	s := paySchedule(1, "2026-10-26", tocsin.HolidayCalendar{Country: "FR"}, tocsin.PayRates{}, alice)
	ivs := []PayIntervention{{UserID: alice, Start: paris("2026-11-11 10:00"), End: paris("2026-11-11 12:00")}} // Armistice Day, a Wednesday
	rep := computeFor(t, nov, []*tocsin.Schedule{s}, nil, ivs, time.Time{}, true)
	if len(rep.Rows) != 1 || rep.Rows[0].Intervention != 2*time.Hour {
		t.Fatalf("rows %+v, want 2 h of intervention on 11 November", rep.Rows)
	}
}

// An intervention belongs to one month: a New York user on a Paris schedule
// acknowledging at 00:30 on 1 December in Paris (30 November in New York) is
// paid in December on the schedule, and not also "on no schedule" in November.
func TestPayInterventionCountsInOneMonthOnly(t *testing.T) {
	s := paySchedule(1, "2026-10-26", tocsin.HolidayCalendar{}, tocsin.PayRates{}, alice)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	users := payUsers()
	users[0].Timezone = "America/New_York"
	ivs := []PayIntervention{{UserID: alice, Start: paris("2026-12-01 00:30"), End: paris("2026-12-01 02:30")}}
	intervention := func(m Month) (attached, unattached time.Duration) {
		plans, err := MonthPlans([]*tocsin.Schedule{s}, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ComputePay(PayInput{Month: m, Schedules: plans, Users: users, Interventions: ivs, Unattached: true}).Rows {
			if r.ScheduleID == 0 {
				unattached += r.Intervention
			} else {
				attached += r.Intervention
			}
		}
		return attached, unattached
	}
	if a, u := intervention(Month{2026, time.November}); a != 0 || u != 0 {
		t.Errorf("November: %v on the schedule, %v on no schedule; want none", a, u)
	}
	if a, u := intervention(Month{2026, time.December}); a != 2*time.Hour || u != 0 {
		t.Errorf("December: %v on the schedule, %v on no schedule; want 2h and none", a, u)
	}
}
