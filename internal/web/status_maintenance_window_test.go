package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// A maintenance form refuses a time the page's zone skips (it would be
// stored an hour off), and a window already over; the "Notify subscribers"
// box is kept with the maintenance, for its automatic messages.
func TestStatusMaintenanceWindowChecks(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		addComponent(t, member, url.Values{"name": {"Database"}, "showcase": {"on"}})
		db := componentByName(t, f, "Database")
		p := member.post("/statuspage/settings", url.Values{"name": {"Acme status"}, "language": {"en"}, "time_zone": {"America/New_York"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("settings: %d %s", p.Status, excerpt(p.Body))
		}
		count := func() int {
			list, err := f.app.DB.StatusIncidents(ctx, store.StatusIncidentFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}

		// 2027-03-14 02:30 does not exist in New York: clocks go from 02:00 to 03:00.
		form := url.Values{"name": {"Database upgrade"}, "status": {"scheduled"}, "body": {"We upgrade the database."},
			"from": {"2027-03-14T02:30"}, "until": {"2027-03-14T04:00"}, "component": {itoa(db.ID)}, "auto_transition": {"on"}}
		p = member.post("/statuspage/maintenances", form)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("a start in the DST gap: %d", p.Status)
		}
		mustContain(t, p.Body, "“2027-03-14T02:30” does not exist in America/New_York: the clocks jump forward over that time.", `value="2027-03-14T02:30"`)
		form.Set("from", "2027-03-14T01:30")
		form.Set("until", "2027-03-14T02:00")
		if p = member.post("/statuspage/maintenances", form); p.Status != http.StatusBadRequest {
			t.Fatalf("an end in the DST gap: %d", p.Status)
		}
		mustContain(t, p.Body, "“2027-03-14T02:00” does not exist in America/New_York")

		// Already over (the clock is 2026-11-02).
		form.Set("from", "2026-11-01T01:00")
		form.Set("until", "2026-11-01T03:00")
		if p = member.post("/statuspage/maintenances", form); p.Status != http.StatusBadRequest {
			t.Fatalf("a window already over: %d", p.Status)
		}
		mustContain(t, p.Body, "This maintenance&#39;s window has already ended")
		if n := count(); n != 0 {
			t.Fatalf("%d maintenances stored from refused forms", n)
		}

		// Either side of the gap, without notifying: stored so, at the right instants.
		form.Set("from", "2027-03-14T01:30")
		form.Set("until", "2027-03-14T03:30")
		if p = member.post("/statuspage/maintenances", form); p.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", p.Status, excerpt(p.Body))
		}
		m := onlyIncident(t, f)
		if m.Notify || m.ScheduledUntil.Sub(m.ScheduledFor).Hours() != 1 {
			t.Fatalf("stored: notify %t, %s → %s", m.Notify, m.ScheduledFor, m.ScheduledUntil)
		}
		form.Set("name", "Told upgrade")
		form.Set("notify", "on")
		if p = member.post("/statuspage/maintenances", form); p.Status != http.StatusSeeOther {
			t.Fatalf("create with notify: %d %s", p.Status, excerpt(p.Body))
		}
		var told tocsin.StatusIncident
		list, _ := f.app.DB.StatusIncidents(ctx, store.StatusIncidentFilter{})
		for _, m := range list {
			if m.Notify != (m.Name == "Told upgrade") {
				t.Fatalf("%s: notify %t", m.Name, m.Notify)
			}
			if m.Name == "Told upgrade" {
				told = m
			}
		}

		// The edit form (no notify box) checks the same way, and keeps the choice.
		base := "/statuspage/maintenances/" + itoa(told.ID)
		p = member.post(base, url.Values{"name": {"Told upgrade"}, "from": {"2027-03-14T02:15"}, "until": {"2027-03-14T05:00"}, "component": {itoa(db.ID)}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("edit into the gap: %d", p.Status)
		}
		mustContain(t, p.Body, "does not exist in America/New_York")
		p = member.post(base, url.Values{"name": {"Told upgrade"}, "from": {"2027-03-14T03:15"}, "until": {"2027-03-14T05:00"}, "component": {itoa(db.ID)}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", p.Status, excerpt(p.Body))
		}
		if got, _ := f.app.DB.StatusIncident(ctx, told.ID); !got.Notify || got.ScheduledFor.Hour() != 7 {
			t.Fatalf("edited: notify %t, from %s", got.Notify, got.ScheduledFor)
		}

		// In French.
		u := *f.member
		u.Locale = "fr"
		if err := f.app.DB.UpdateUser(ctx, &u, ""); err != nil {
			t.Fatal(err)
		}
		form.Set("from", "2027-03-14T02:30")
		p = member.post("/statuspage/maintenances", form)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("a start in the DST gap, in French: %d", p.Status)
		}
		mustContain(t, p.Body, "« 2027-03-14T02:30 » n&#39;existe pas dans le fuseau America/New_York")
	})
}
