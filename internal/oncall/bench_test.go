package oncall

import (
	"fmt"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
)

// benchSchedule is a realistic schedule: a weekly primary, a daily secondary,
// and a nights-and-week-ends astreinte on top; overrides and time off spread
// over the weeks around now.
func benchSchedule(n int, now time.Time) *tocsin.Schedule {
	zones := []string{"Europe/Paris", "America/New_York", "UTC", "Australia/Lord_Howe"}
	users := func(first int64, count int) []int64 {
		out := make([]int64, count)
		for i := range out {
			out[i] = first + int64(i)
		}
		return out
	}
	base := int64(n*20) + 1
	s := &tocsin.Schedule{Name: fmt.Sprintf("team-%d", n), Timezone: zones[n%len(zones)], Layers: []tocsin.Layer{
		{Name: "primary", Participants: users(base, 6), Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "mon 09:00", Start: "2025-01-06"},
		{Name: "secondary", Participants: users(base+6, 5), Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Days}, Handoff: "10:00", Start: "2025-03-01", TimeOff: tocsin.TimeOffGap},
		{Name: "astreinte", Participants: users(base+11, 4), Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "fri 18:00", Start: "2025-01-03",
			Restrictions: []tocsin.TimeWindow{{Start: "09:00", End: "18:00", Outside: true}}},
	}}
	for i := range 5 {
		start := now.Add(time.Duration(i*5-10) * 24 * time.Hour).Add(time.Duration(n%24) * time.Hour)
		s.Overrides = append(s.Overrides, tocsin.Override{UserID: base + 15 + int64(i%3), Start: start, End: start.Add(10 * time.Hour), Layer: []string{"", "primary", "astreinte"}[i%3]})
		s.TimeOff = append(s.TimeOff, tocsin.TimeOff{UserID: base + int64(i*3%15), Start: start.Add(-48 * time.Hour), End: start.Add(72 * time.Hour)})
	}
	if err := s.Validate(); err != nil {
		panic(err)
	}
	return s
}

var benchNow = time.Date(2026, 11, 23, 14, 7, 0, 0, time.UTC)

// BenchmarkAt1000 asks who is on call now in 1,000 compiled schedules (what an
// engine that keeps compiled schedules between cycles does).
func BenchmarkAt1000(b *testing.B) {
	compiled := make([]*Compiled, 1000)
	zones := Zones{}
	for i := range compiled {
		c, err := Compile(benchSchedule(i, benchNow), zones)
		if err != nil {
			b.Fatal(err)
		}
		compiled[i] = c
	}
	var paged int
	for b.Loop() {
		paged = 0
		for _, c := range compiled {
			if c.At(benchNow).Final.UserID != 0 {
				paged++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/1000-schedules")
	b.ReportMetric(float64(paged), "on-call")
}

// BenchmarkCompileAt1000 compiles 1,000 schedules just read from the database,
// then asks each who is on call now; zones are cached for the cycle.
func BenchmarkCompileAt1000(b *testing.B) {
	schedules := make([]*tocsin.Schedule, 1000)
	for i := range schedules {
		schedules[i] = benchSchedule(i, benchNow)
	}
	for b.Loop() {
		zones := Zones{}
		for _, s := range schedules {
			c, err := Compile(s, zones)
			if err != nil {
				b.Fatal(err)
			}
			c.At(benchNow)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/1000-schedules")
}

// BenchmarkPlan8Weeks computes the 8-week planning of one schedule, compile included.
func BenchmarkPlan8Weeks(b *testing.B) {
	s := benchSchedule(1, benchNow) // Europe/Paris
	var shifts int
	for b.Loop() {
		p, err := Shifts(s, benchNow, benchNow.Add(8*7*24*time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		shifts = len(p.Final)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/plan")
	b.ReportMetric(float64(shifts), "final-shifts")
}

// BenchmarkPlan8WeeksHourly is a worst case: three hourly rotations, one of them restricted.
func BenchmarkPlan8WeeksHourly(b *testing.B) {
	s := benchSchedule(1, benchNow)
	for i := range s.Layers {
		s.Layers[i].Length = tocsin.ShiftLength{Count: 1, Unit: tocsin.Hours}
		s.Layers[i].Handoff = "00:30"
	}
	var shifts int
	for b.Loop() {
		p, err := Shifts(s, benchNow, benchNow.Add(8*7*24*time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		shifts = len(p.Final)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/plan")
	b.ReportMetric(float64(shifts), "final-shifts")
}
