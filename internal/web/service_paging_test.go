package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// policy stores an escalation policy paging one person at once.
func (f *fixture) policy(t *testing.T, name string, who *tocsin.User) *tocsin.EscalationPolicy {
	t.Helper()
	p := &tocsin.EscalationPolicy{Name: name, Steps: []tocsin.EscalationStep{{Targets: []tocsin.Target{{Kind: tocsin.TargetUser, Ref: who.Email}}}}}
	if err := f.app.DB.CreateEscalationPolicy(context.Background(), p, f.app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServicePagingSettings(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		day, night := f.policy(t, "payments-day", f.member), f.policy(t, "payments-night", f.admin)
		svc, _ := f.app.DB.Service(ctx, f.service.ID)
		svc.Description = "Takes the money"
		if err := f.app.DB.UpdateService(ctx, svc); err != nil {
			t.Fatal(err)
		}
		path := "/services/" + itoa(svc.ID)
		b := newBrowser(t, f.app)
		b.login(f.admin.Email)

		page := b.get(path)
		mustContain(t, page.Body, "None: this service&#39;s alerts page nobody.", "outside the business hours below")
		form := formOf(t, page.Body, path+"/paging")
		if form.Get("policy") != "" || form.Get("start") != "09:00" || form.Get("timezone") != "UTC" || strings.Join(form["days"], ",") != "mon,tue,wed,thu,fri" {
			t.Fatalf("paging form of a new service: %v", form)
		}

		// An off-hours policy without a business-hours one: refused, as typed, nothing saved.
		form.Set("off_hours_policy", itoa(night.ID))
		form.Set("start", "08:00")
		p := b.post(path+"/paging", form)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("off-hours alone: %d", p.Status)
		}
		mustContain(t, p.Body, "an off-hours policy needs a business-hours escalation policy too")
		if kept := formOf(t, p.Body, path+"/paging"); kept.Get("off_hours_policy") != itoa(night.ID) || kept.Get("start") != "08:00" {
			t.Fatalf("the refused form lost what was typed: %v", kept)
		}
		if got, _ := f.app.DB.Service(ctx, svc.ID); got.OffHoursPolicyID != 0 || got.BusinessHours != nil {
			t.Fatalf("a refused form changed the service: %+v", got)
		}
		if p := b.post(path+"/paging", url.Values{"policy": {"999999"}, "days": {"mon"}, "start": {"09:00"}, "end": {"18:00"}}); p.Status != http.StatusBadRequest {
			t.Errorf("unknown policy: %d", p.Status)
		}

		form.Set("policy", itoa(day.ID))
		form.Set("end", "19:30")
		form.Set("timezone", "Europe/Paris")
		form["days"] = []string{"mon", "tue", "wed", "thu"}
		p = b.post(path+"/paging", form)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("save paging: %d %s", p.Status, excerpt(p.Body))
		}
		mustContain(t, b.follow(p).Body, "Paging settings saved.", `href="/policies#policy-`+itoa(day.ID)+`">payments-day</a>`,
			`payments-night</a> <span class="muted">(outside mon tue wed thu 08:00–19:30 Europe/Paris)`)
		got, _ := f.app.DB.Service(ctx, svc.ID)
		want := tocsin.TimeWindow{Timezone: "Europe/Paris", Days: []string{"mon", "tue", "wed", "thu"}, Start: "08:00", End: "19:30"}
		if got.EscalationPolicyID != day.ID || got.OffHoursPolicyID != night.ID || got.BusinessHours == nil ||
			got.BusinessHours.Timezone != want.Timezone || strings.Join(got.BusinessHours.Days, ",") != "mon,tue,wed,thu" || got.BusinessHours.End != "19:30" {
			t.Fatalf("saved paging: %+v hours %+v", got, got.BusinessHours)
		}
		if got.Name != "checkout" || got.Description != "Takes the money" || got.TeamID != f.service.TeamID {
			t.Fatalf("the paging form changed the rest of the service: %+v", got)
		}
		// Thursday 2026-11-05 at 20:00 in Paris is out of hours; Monday at 10:00 is not.
		if id, off := got.PolicyAt(time.Date(2026, 11, 5, 19, 0, 0, 0, time.UTC)); id != night.ID || !off {
			t.Errorf("Thursday evening pages through %d", id)
		}
		if id, _ := got.PolicyAt(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)); id != day.ID {
			t.Errorf("Monday morning pages through %d", id)
		}

		// Both cleared: the stored names do not bring them back; default hours are not stored.
		p = b.post(path+"/paging", url.Values{"policy": {""}, "off_hours_policy": {""}, "days": {"mon", "tue", "wed", "thu", "fri"}, "start": {"09:00"}, "end": {"18:00"}, "timezone": {"UTC"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("clear paging: %d %s", p.Status, excerpt(p.Body))
		}
		if got, _ := f.app.DB.Service(ctx, svc.ID); got.EscalationPolicyID != 0 || got.OffHoursPolicyID != 0 || got.BusinessHours != nil {
			t.Fatalf("cleared paging: %+v", got)
		}

		// Members read the settings; only admins change them.
		m := newBrowser(t, f.app)
		m.login(f.member.Email)
		mustNotContain(t, m.get(path).Body, `action="`+path+`/paging"`, `action="`+path+`/maintenance"`)
		if p := m.post(path+"/paging", url.Values{"policy": {itoa(day.ID)}}); p.Status != http.StatusForbidden {
			t.Errorf("member saves paging: %d", p.Status)
		}
	})
}

func TestServiceMaintenanceWindows(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		path := "/services/" + itoa(f.service.ID)
		b := newBrowser(t, f.app)
		b.login(f.admin.Email)
		mustContain(t, b.get(path).Body, "No maintenance window.")

		// One-off, typed in Paris time (UTC+1 in November): stored in UTC.
		p := b.post(path+"/maintenance", url.Values{"kind": {"once"}, "from": {"2026-11-02T09:30"}, "to": {"2026-11-02T10:30"}, "timezone": {"Europe/Paris"}, "note": {"Database upgrade"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("add one-off: %d %s", p.Status, excerpt(p.Body))
		}
		page := b.follow(p)
		mustContain(t, page.Body, "Maintenance window added.", "2026-11-02 08:30:00 UTC → 2026-11-02 09:30:00 UTC", "Database upgrade")
		mustNotContain(t, page.Body, "In maintenance now")

		p = b.post(path+"/maintenance", url.Values{"kind": {"weekly"}, "days": {"tue", "thu"}, "start": {"02:00"}, "end": {"03:00"}, "timezone": {"Europe/Paris"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("add weekly: %d %s", p.Status, excerpt(p.Body))
		}
		mustContain(t, b.follow(p).Body, "Every week: tue thu 02:00–03:00 Europe/Paris")
		svc, _ := f.app.DB.Service(ctx, f.service.ID)
		if len(svc.Maintenance) != 2 {
			t.Fatalf("windows: %+v", svc.Maintenance)
		}
		once, weekly := svc.Maintenance[0], svc.Maintenance[1]
		if !once.From.Equal(time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)) || !once.To.Equal(time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)) || once.Note != "Database upgrade" {
			t.Errorf("one-off window: %+v", once)
		}
		if weekly.Weekly == nil || weekly.Weekly.Timezone != "Europe/Paris" || strings.Join(weekly.Weekly.Days, ",") != "tue,thu" || weekly.Weekly.Start != "02:00" {
			t.Errorf("weekly window: %+v", weekly)
		}

		// Refused windows come back as typed and change nothing.
		p = b.post(path+"/maintenance", url.Values{"kind": {"once"}, "from": {"2026-11-03T10:00"}, "to": {"2026-11-03T09:00"}, "timezone": {"Europe/Paris"}, "note": {"backwards"}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("window ending before it starts: %d", p.Status)
		}
		mustContain(t, p.Body, "ends (", `value="2026-11-03T10:00"`, `value="backwards"`)
		for _, bad := range []url.Values{
			{"kind": {"weekly"}, "start": {"02:00"}, "end": {"03:00"}, "timezone": {"UTC"}},
			{"kind": {"once"}, "from": {"soon"}, "to": {"2026-11-03T09:00"}},
			{"kind": {"once"}, "from": {"2026-11-03T08:00"}, "to": {"2026-11-03T09:00"}, "timezone": {"Mars/Olympus"}},
			{"kind": {"sometimes"}},
		} {
			if p := b.post(path+"/maintenance", bad); p.Status != http.StatusBadRequest {
				t.Errorf("%v: %d", bad, p.Status)
			}
		}
		if svc, _ := f.app.DB.Service(ctx, f.service.ID); len(svc.Maintenance) != 2 {
			t.Fatalf("refused windows were stored: %+v", svc.Maintenance)
		}

		// Inside the one-off window the page says so.
		f.app.Clock.Advance(45 * time.Minute) // 08:45 UTC
		page = b.get(path)
		mustContain(t, page.Body, `id="in-maintenance"`, "In maintenance now")

		// Deleting names the window: a list changed meanwhile deletes nothing.
		del := formOf(t, page.Body, path+"/maintenance/0/delete")
		if p := b.post(path+"/maintenance/1/delete", del); p.Status != http.StatusSeeOther || !strings.Contains(b.follow(p).Body, "nothing was deleted") {
			t.Fatalf("delete with another window's name: %d", p.Status)
		}
		p = b.post(path+"/maintenance/0/delete", del)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d", p.Status)
		}
		mustContain(t, b.follow(p).Body, "Maintenance window deleted.")
		svc, _ = f.app.DB.Service(ctx, f.service.ID)
		if len(svc.Maintenance) != 1 || svc.Maintenance[0].Weekly == nil {
			t.Fatalf("after delete: %+v", svc.Maintenance)
		}
		if p := b.post(path+"/maintenance/0/delete", del); p.Status != http.StatusSeeOther {
			t.Fatalf("delete again: %d", p.Status)
		}
		if svc, _ := f.app.DB.Service(ctx, f.service.ID); len(svc.Maintenance) != 1 {
			t.Fatalf("a stale delete removed the weekly window: %+v", svc.Maintenance)
		}
		if p := b.post(path+"/maintenance/x/delete", del); p.Status != http.StatusNotFound {
			t.Errorf("index x: %d", p.Status)
		}

		m := newBrowser(t, f.app)
		m.login(f.member.Email)
		if p := m.post(path+"/maintenance", url.Values{"kind": {"weekly"}, "days": {"mon"}, "start": {"02:00"}, "end": {"03:00"}}); p.Status != http.StatusForbidden {
			t.Errorf("member adds a window: %d", p.Status)
		}
	})
}
