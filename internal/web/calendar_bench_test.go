package web_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// BenchmarkCalendarServe is one person's feed over HTTP, as a calendar server
// fetches it: token lookup, schedules, a year of daily shifts planned,
// versions read, rendered (target < 10 ms). Once warm, no render writes.
func BenchmarkCalendarServe(b *testing.B) {
	for _, engine := range testkit.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			app := testkit.Start(b, engine)
			ctx := context.Background()
			ann := app.CreateUser("ann@example.com", "Ann", tocsin.RoleMember, "correct horse battery")
			bob := app.CreateUser("bob@example.com", "Bob", tocsin.RoleMember, "correct horse battery")
			s := &tocsin.Schedule{Name: "payments-primary", Timezone: "Europe/Paris", Layers: []tocsin.Layer{{
				Name: "daily", Participants: []int64{ann.ID, bob.ID},
				Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Days}, Handoff: "09:00", Start: "2026-10-01",
			}}}
			if err := app.DB.CreateSchedule(ctx, s, app.Clock.Now()); err != nil {
				b.Fatal(err)
			}
			_, token, err := app.DB.CreateCalendarFeed(ctx, ann.ID, store.CalendarPerson, 0, app.Clock.Now())
			if err != nil {
				b.Fatal(err)
			}
			client := app.Client()
			fetch := func() int {
				resp, err := client.Get(app.URL + "/calendar/" + token + ".ics")
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
				return int(n)
			}
			size := fetch() // the first render stores every event's version
			for b.Loop() {
				fetch()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/feed")
			b.ReportMetric(float64(size), "bytes")
		})
	}
}
