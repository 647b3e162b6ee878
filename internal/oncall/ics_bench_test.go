package oncall

import (
	"testing"
	"time"

	"github.com/tocsin/tocsin"
)

// icsBenchSchedule is a two-person rotation in Paris: over a year, one person
// holds half the shifts (26 weekly, ~183 daily); an override and a week of
// time off cut a few shifts into pieces, as in real life.
func icsBenchSchedule(unit tocsin.ShiftUnit) *tocsin.Schedule {
	s := &tocsin.Schedule{ID: 42, Name: "payments-primary", Timezone: "Europe/Paris", Layers: []tocsin.Layer{
		{Name: "primary", Participants: []int64{1, 2}, Length: tocsin.ShiftLength{Count: 1, Unit: unit}, Handoff: "09:00", Start: "2026-01-05"},
	}}
	if unit == tocsin.Weeks {
		s.Layers[0].Handoff = "mon 09:00"
	}
	s.Overrides = []tocsin.Override{{UserID: 3, Start: benchNow.Add(40 * 24 * time.Hour), End: benchNow.Add(40*24*time.Hour + 10*time.Hour)}}
	s.TimeOff = []tocsin.TimeOff{{UserID: 2, Start: benchNow.Add(100 * 24 * time.Hour), End: benchNow.Add(107 * 24 * time.Hour)}}
	if err := s.Validate(); err != nil {
		panic(err)
	}
	return s
}

// BenchmarkICSPersonYear is one person's one-year feed end to end: compile and
// plan the schedule over a year, keep that person's final shifts, compute each
// event's UID and digest (what the server looks its stored version up by),
// render the calendar and its ETag (target < 10 ms). The version lookup itself
// is one indexed query, outside this package.
func BenchmarkICSPersonYear(b *testing.B) {
	names := map[int64]string{1: "Zoë Martin", 2: "Ahmed Benali", 3: "Manager, on duty"}
	for _, tc := range []struct {
		name string
		unit tocsin.ShiftUnit
	}{{"weekly", tocsin.Weeks}, {"daily", tocsin.Days}} {
		s := icsBenchSchedule(tc.unit)
		from := benchNow.Truncate(24 * time.Hour)
		to := from.AddDate(1, 0, 0)
		b.Run(tc.name, func(b *testing.B) {
			var events, size int
			for b.Loop() {
				p, err := Shifts(s, from, to)
				if err != nil {
					b.Fatal(err)
				}
				ev := FeedEvents(s.ID, s.Name, p, 1, names)
				for i := range ev {
					_, _ = ev[i].UID("oncall.example.com"), ev[i].Digest()
					ev[i].Sequence, ev[i].Stamp = i%3, benchNow
				}
				out := RenderICS(Feed{Name: "On call: Zoë Martin", Host: "oncall.example.com", Stamp: benchNow, Events: ev})
				_ = ETag(out)
				events, size = len(ev), len(out)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/feed")
			b.ReportMetric(float64(events), "events")
			b.ReportMetric(float64(size), "bytes")
		})
		b.Run(tc.name+"/render-only", func(b *testing.B) {
			p, err := Shifts(s, from, to)
			if err != nil {
				b.Fatal(err)
			}
			ev := FeedEvents(s.ID, s.Name, p, 1, names)
			for b.Loop() {
				_ = ETag(RenderICS(Feed{Name: "On call: Zoë Martin", Host: "oncall.example.com", Stamp: benchNow, Events: ev}))
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/feed")
			b.ReportMetric(float64(len(ev)), "events")
		})
	}
}
