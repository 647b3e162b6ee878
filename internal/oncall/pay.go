package oncall

import (
	"cmp"
	"maps"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// Month is a calendar month; each schedule reads it in its own time zone.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads "2026-11".
func ParseMonth(s string) (Month, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 || t.Year() < 2000 || t.Year() > 2200 {
		return Month{}, tocsin.Errorf(tocsin.EINVALID, "month %q is not a month like 2026-11 (YYYY-MM)", tocsin.CleanText(s))
	}
	return Month{t.Year(), t.Month()}, nil
}

// MonthOf is the month holding t in loc.
func MonthOf(t time.Time, loc *time.Location) Month {
	y, m, _ := t.In(loc).Date()
	return Month{y, m}
}

func (m Month) String() string {
	return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// Next is the month after m.
func (m Month) Next() Month { return m.Add(1) }

// Prev is the month before m.
func (m Month) Prev() Month { return m.Add(-1) }

// Add moves m by n months.
func (m Month) Add(n int) Month {
	t := time.Date(m.Year, m.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	return Month{t.Year(), t.Month()}
}

// Window is the month in loc: [first day 00:00, first day of the next month 00:00).
func (m Month) Window(loc *time.Location) (from, to time.Time) {
	return StartOfDay(m.Year, m.Month, 1, loc).UTC(), StartOfDay(m.Year, m.Month+1, 1, loc).UTC()
}

// PaySchedule is a schedule with its final row over its month (its own zone).
type PaySchedule struct {
	Schedule *tocsin.Schedule
	Final    []Shift // sorted, disjoint: Plan.Final
}

// PayPage is an alert that paged: created at At, on a service owned by TeamID.
type PayPage struct {
	AlertID int64
	At      time.Time
	TeamID  int64
}

// PayIntervention is a person's acknowledgement of an alert: from Start (the
// acknowledgement) to End (the alert's resolution; zero while it is open).
type PayIntervention struct {
	UserID  int64
	AlertID int64
	Start   time.Time
	End     time.Time
}

// PayInput is everything the on-call pay report is computed from.
type PayInput struct {
	Month         Month
	Now           time.Time // open interventions run until now
	Schedules     []PaySchedule
	Users         []*tocsin.User
	Pages         []PayPage
	Interventions []PayIntervention
	// Unattached adds, per person, a row without a schedule for intervention
	// time spent while on no schedule's final row. Off when the schedules are
	// a selection (one team's): time on the others would land there.
	Unattached bool
}

// PayRow is one person's month on one schedule (ScheduleID 0: intervention
// time outside every schedule).
type PayRow struct {
	UserID       int64
	Name         string
	Email        string
	ScheduleID   int64
	Schedule     string
	TeamID       int64
	Weekday      time.Duration // on the final row on local weekdays
	Weekend      time.Duration // on local Saturdays and Sundays that are not holidays
	Holiday      time.Duration // on the schedule's public holidays
	Pages        int
	Intervention time.Duration // acknowledged alerts open, out of working hours
	Rated        bool          // the schedule's pay rates are configured
	Currency     string
	Amount       tocsin.Money
	alerts       []int64 // the pages' alert ids, so that totals count an alert once
	rates        tocsin.PayRates
}

// OnCall is the row's whole time on call.
func (r *PayRow) OnCall() time.Duration { return r.Weekday + r.Weekend + r.Holiday }

// PayTotal adds up one person's rows in one currency ("" for rows without
// rates); UserID 0 is everyone's.
type PayTotal struct {
	UserID       int64
	Name         string
	Currency     string
	Rated        bool
	Weekday      time.Duration
	Weekend      time.Duration
	Holiday      time.Duration
	Pages        int // distinct alerts
	Intervention time.Duration
	Amount       tocsin.Money
}

// PayReport is the on-call pay of a month.
type PayReport struct {
	Month  Month
	Rows   []PayRow
	Totals []PayTotal // per person and currency, in row order
	Grand  []PayTotal // per currency, everyone in the report
}

// Days turns time on call into days of 24 hours: a week across a DST change
// is 167 or 169 hours, so 6.96 or 7.04 days. Days are counted by hours.
func Days(d time.Duration) float64 { return d.Hours() / 24 }

// ComputePay computes the report: pure, from plain data.
func ComputePay(in PayInput) PayReport {
	users := make(map[int64]*tocsin.User, len(in.Users))
	for _, u := range in.Users {
		users[u.ID] = u
	}
	type key struct{ user, schedule int64 }
	rows := map[key]*PayRow{}
	row := func(uid int64, ps *PaySchedule) *PayRow {
		var sid int64
		if ps != nil {
			sid = ps.Schedule.ID
		}
		if r := rows[key{uid, sid}]; r != nil {
			return r
		}
		r := &PayRow{UserID: uid, ScheduleID: sid}
		if u := users[uid]; u != nil {
			r.Name, r.Email = u.Name, u.Email
		} else {
			r.Name = "#" + strconv.FormatInt(uid, 10)
		}
		if ps != nil {
			s := ps.Schedule
			r.Schedule, r.TeamID = s.Name, s.TeamID
			r.Rated, r.Currency, r.rates = s.Pay.Configured(), s.Pay.Currency, s.Pay
			if r.Rated && r.Currency == "" {
				r.Currency = "EUR"
			}
		}
		rows[key{uid, sid}] = r
		return r
	}

	schedules := slices.Clone(in.Schedules)
	slices.SortFunc(schedules, func(a, b PaySchedule) int { return cmp.Compare(a.Schedule.ID, b.Schedule.ID) })
	locs := make([]*time.Location, len(schedules))
	froms, tos := make([]time.Time, len(schedules)), make([]time.Time, len(schedules))
	for i := range schedules {
		ps := &schedules[i]
		locs[i] = loadZone(ps.Schedule.Timezone)
		froms[i], tos[i] = in.Month.Window(locs[i])
		for _, sh := range ps.Final {
			a, b := maxTime(sh.Start, froms[i]), minTime(sh.End, tos[i])
			if sh.UserID == 0 || !b.After(a) {
				continue
			}
			r := row(sh.UserID, ps)
			splitByDay(a, b, locs[i], func(a, b time.Time, y int, m time.Month, d int, wd time.Weekday) {
				switch {
				case ps.Schedule.Holidays.IsHoliday(y, m, d):
					r.Holiday += b.Sub(a)
				case wd == time.Saturday || wd == time.Sunday:
					r.Weekend += b.Sub(a)
				default:
					r.Weekday += b.Sub(a)
				}
			})
		}
	}

	for _, p := range in.Pages {
		if p.TeamID == 0 {
			continue
		}
		for i := range schedules {
			ps := &schedules[i]
			if ps.Schedule.TeamID != p.TeamID || p.At.Before(froms[i]) || !p.At.Before(tos[i]) {
				continue
			}
			if uid := holderAt(ps.Final, p.At); uid != 0 {
				r := row(uid, ps)
				r.Pages++
				r.alerts = append(r.alerts, p.AlertID)
			}
		}
	}

	// Interventions: each person's acknowledged time, once however many
	// alerts overlap, minus working hours; each instant goes to the schedule
	// the person was on call on then (the oldest schedule when several).
	byUser := map[int64][]span{}
	outerFrom, outerTo := in.Month.Window(time.UTC)
	outerFrom, outerTo = outerFrom.Add(-26*time.Hour), outerTo.Add(26*time.Hour) // every zone's month is inside
	for _, iv := range in.Interventions {
		end := iv.End
		if end.IsZero() || end.After(in.Now) && !in.Now.IsZero() {
			end = in.Now
		}
		a, b := maxTime(iv.Start, outerFrom), minTime(end, outerTo)
		if users[iv.UserID] != nil && b.After(a) {
			byUser[iv.UserID] = append(byUser[iv.UserID], span{a, b})
		}
	}
	for _, uid := range slices.Sorted(maps.Keys(byUser)) {
		u := users[uid]
		spans := union(byUser[uid])
		hours := u.Hours()
		if hours.Timezone == "" {
			hours.Timezone = u.Timezone
		}
		first, last := spans[0].a, spans[len(spans)-1].b
		work := workingSpans(hours, first, last)
		remaining := spans
		var onAny []span // every shift of the person, even outside a schedule's month
		for i := range schedules {
			ps := &schedules[i]
			var on []span
			for _, sh := range ps.Final {
				if sh.UserID != uid {
					continue
				}
				onAny = append(onAny, span{sh.Start, sh.End})
				if a, b := maxTime(sh.Start, froms[i]), minTime(sh.End, tos[i]); b.After(a) {
					on = append(on, span{a, b})
				}
			}
			if len(on) == 0 {
				continue
			}
			// Nobody works on a public holiday: there, all the time is out of hours.
			workHere := subtract(work, holidaySpans(ps.Schedule.Holidays, locs[i], first, last))
			got := intersect(subtract(remaining, workHere), union(on))
			if d := total(got); d > 0 {
				row(uid, ps).Intervention += d
				remaining = subtract(remaining, got)
			}
		}
		if in.Unattached {
			// Time on call on a schedule belongs to that schedule's month (in its
			// zone), even when it falls in this month in the person's zone.
			out := subtract(subtract(remaining, work), union(onAny))
			from, to := in.Month.Window(loadZone(u.Timezone))
			if d := total(intersect(out, []span{{from, to}})); d > 0 {
				row(uid, nil).Intervention += d
			}
		}
	}

	rep := PayReport{Month: in.Month}
	for _, r := range rows {
		if r.Rated {
			r.Amount = amount(r.rates, r)
		}
		rep.Rows = append(rep.Rows, *r)
	}
	sort.Slice(rep.Rows, func(i, j int) bool {
		a, b := &rep.Rows[i], &rep.Rows[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.UserID != b.UserID {
			return a.UserID < b.UserID
		}
		if (a.ScheduleID == 0) != (b.ScheduleID == 0) {
			return b.ScheduleID == 0
		}
		if a.Schedule != b.Schedule {
			return a.Schedule < b.Schedule
		}
		return a.ScheduleID < b.ScheduleID
	})
	rep.total()
	return rep
}

// Only keeps one person's rows (pay is personal) and their totals.
func (rep PayReport) Only(userID int64) PayReport {
	out := PayReport{Month: rep.Month}
	for _, r := range rep.Rows {
		if r.UserID == userID {
			out.Rows = append(out.Rows, r)
		}
	}
	out.total()
	return out
}

// total fills Totals and Grand from Rows.
func (rep *PayReport) total() {
	rep.Totals, rep.Grand = nil, nil
	type acc struct {
		t      PayTotal
		alerts map[int64]bool
	}
	add := func(list *[]*acc, uid int64, name string, r *PayRow) {
		var a *acc
		for _, x := range *list {
			if x.t.UserID == uid && x.t.Currency == r.Currency {
				a = x
			}
		}
		if a == nil {
			a = &acc{t: PayTotal{UserID: uid, Name: name, Currency: r.Currency}, alerts: map[int64]bool{}}
			*list = append(*list, a)
		}
		a.t.Rated = a.t.Rated || r.Rated
		a.t.Weekday += r.Weekday
		a.t.Weekend += r.Weekend
		a.t.Holiday += r.Holiday
		a.t.Intervention += r.Intervention
		a.t.Amount += r.Amount
		for _, id := range r.alerts {
			a.alerts[id] = true
		}
		a.t.Pages = len(a.alerts)
	}
	var per, grand []*acc
	for i := range rep.Rows {
		r := &rep.Rows[i]
		add(&per, r.UserID, r.Name, r)
		add(&grand, 0, "", r)
	}
	for _, a := range per {
		rep.Totals = append(rep.Totals, a.t)
	}
	for _, a := range grand {
		rep.Grand = append(rep.Grand, a.t)
	}
	slices.SortStableFunc(rep.Grand, func(a, b PayTotal) int { return strings.Compare(a.Currency, b.Currency) })
}

// amount applies the rates, rounded half up to the cent once for the row:
// days × daily rates + hours of intervention × hourly rate, computed exactly.
func amount(p tocsin.PayRates, r *PayRow) tocsin.Money {
	ms := func(d time.Duration) *big.Int { return big.NewInt(d.Milliseconds()) }
	sum := new(big.Int)
	term := func(rate tocsin.Money, units *big.Int) {
		sum.Add(sum, new(big.Int).Mul(big.NewInt(int64(rate)), units))
	}
	term(p.Weekday, ms(r.Weekday))
	term(p.Weekend, ms(r.Weekend))
	term(p.Holiday, ms(r.Holiday))
	term(p.Hourly, new(big.Int).Mul(ms(r.Intervention), big.NewInt(24)))
	day := big.NewInt(24 * 3600 * 1000)
	sum.Add(sum, new(big.Int).Div(day, big.NewInt(2)))
	return tocsin.Money(sum.Div(sum, day).Int64())
}

// splitByDay calls fn for each piece of [a, b) within one local calendar day.
func splitByDay(a, b time.Time, loc *time.Location, fn func(a, b time.Time, y int, m time.Month, d int, wd time.Weekday)) {
	for a.Before(b) {
		l := a.In(loc)
		y, m, d := l.Date()
		next := StartOfDay(y, m, d+1, loc)
		if !next.After(a) { // a zone whose midnight does not exist: never loop
			next = a.Add(time.Hour)
		}
		end := minTime(next, b)
		fn(a, end, y, m, d, l.Weekday())
		a = end
	}
}

// holidaySpans are the parts of [from, to) on the calendar's holidays, local days in loc.
func holidaySpans(h tocsin.HolidayCalendar, loc *time.Location, from, to time.Time) []span {
	if h.Country == "" && len(h.Dates) == 0 {
		return nil
	}
	var out []span
	splitByDay(from, to, loc, func(a, b time.Time, y int, m time.Month, d int, _ time.Weekday) {
		if h.IsHoliday(y, m, d) {
			out = append(out, span{a, b})
		}
	})
	return union(out)
}

// holderAt is who holds a final row at t (0: nobody).
func holderAt(final []Shift, t time.Time) int64 {
	i := sort.Search(len(final), func(i int) bool { return final[i].End.After(t) })
	if i < len(final) && !t.Before(final[i].Start) {
		return final[i].UserID
	}
	return 0
}

// workingSpans are the instants of [from, to) inside the working hours w,
// read in w's zone wall-clock week by week (DST-safe).
func workingSpans(w tocsin.TimeWindow, from, to time.Time) []span {
	week, err := w.WeekSpans()
	if err != nil {
		return nil // unreadable hours: all the time is out of hours
	}
	loc := loadZone(w.Timezone)
	l := from.In(loc)
	y, m, d := l.Date()
	d -= (int(l.Weekday()) + 6) % 7 // back to Monday
	var out []span
	for i := 0; ; i += 7 {
		monday := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		if !monday.Before(to) {
			break
		}
		for _, ws := range week {
			a := time.Date(y, m, d+i, 0, ws.Start, 0, 0, loc)
			b := time.Date(y, m, d+i, 0, ws.End, 0, 0, loc)
			if a, b = maxTime(a, from), minTime(b, to); b.After(a) {
				out = append(out, span{a, b})
			}
		}
	}
	return union(out)
}

// span is [a, b); lists of spans are kept sorted and disjoint.
type span struct{ a, b time.Time }

// union sorts spans and joins those that overlap or touch.
func union(list []span) []span {
	sorted := slices.Clone(list)
	slices.SortFunc(sorted, func(x, y span) int { return x.a.Compare(y.a) })
	var out []span
	for _, s := range sorted {
		if !s.b.After(s.a) {
			continue
		}
		if n := len(out); n > 0 && !s.a.After(out[n-1].b) {
			out[n-1].b = maxTime(out[n-1].b, s.b)
			continue
		}
		out = append(out, s)
	}
	return out
}

// intersect is what two sorted, disjoint lists share.
func intersect(x, y []span) []span {
	var out []span
	for i, j := 0, 0; i < len(x) && j < len(y); {
		a, b := maxTime(x[i].a, y[j].a), minTime(x[i].b, y[j].b)
		if b.After(a) {
			out = append(out, span{a, b})
		}
		if x[i].b.Before(y[j].b) {
			i++
		} else {
			j++
		}
	}
	return out
}

// subtract is x without y (both sorted, disjoint).
func subtract(x, y []span) []span {
	var out []span
	j := 0
	for _, s := range x {
		a := s.a
		for j < len(y) && !y[j].b.After(a) {
			j++
		}
		for k := j; k < len(y) && y[k].a.Before(s.b); k++ {
			if y[k].a.After(a) {
				out = append(out, span{a, y[k].a})
			}
			a = maxTime(a, y[k].b)
		}
		if s.b.After(a) {
			out = append(out, span{a, s.b})
		}
	}
	return out
}

func total(list []span) time.Duration {
	var d time.Duration
	for _, s := range list {
		d += s.b.Sub(s.a)
	}
	return d
}

func loadZone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc
	}
	return time.UTC
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// MonthPlans computes each schedule's final row over month m in its zone,
// and a day more on each side: an intervention is credited to the schedule the
// person was on call on, and must not count as "on no schedule" in the
// neighbouring month of another zone.
func MonthPlans(schedules []*tocsin.Schedule, m Month) ([]PaySchedule, error) {
	out := make([]PaySchedule, 0, len(schedules))
	for _, s := range schedules {
		c, err := Compile(s, nil)
		if err != nil {
			return nil, err
		}
		from, to := m.Window(c.loc)
		p, err := c.Shifts(from.Add(-26*time.Hour), to.Add(26*time.Hour))
		if err != nil {
			return nil, err
		}
		out = append(out, PaySchedule{Schedule: s, Final: p.Final})
	}
	return out, nil
}
