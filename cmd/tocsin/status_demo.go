package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/app"
)

// loadStatusDemo gives the demo a public status page, once: a name, two
// groups of components (one degraded now), 90 days of history with a few
// bad days, a resolved incident of three days ago with its updates, and a
// maintenance next week. Times are relative to now.
func loadStatusDemo(ctx context.Context, a *app.App, out io.Writer) error {
	db := a.DB
	existing, err := db.Components(ctx)
	if err != nil || len(existing) > 0 {
		return err
	}
	now := a.Clock.Now().UTC().Truncate(time.Minute)
	day := func(n int, hour, minute int) time.Time {
		d := now.AddDate(0, 0, n)
		return time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, time.UTC)
	}
	// Published by a demo member, so the internal timeline names someone.
	var actor int64
	if u, err := db.UserByEmail(ctx, "camille.durand@tocsin.example"); err == nil {
		actor = u.ID
	}

	page, err := db.StatusPage(ctx)
	if err != nil {
		return err
	}
	page.Name, page.Language, page.TimeZone = "Tocsin Demo status", "en", "Europe/Paris"
	if err := db.SaveStatusPage(ctx, page, actor, day(-95, 9, 0)); err != nil {
		return fmt.Errorf("demo status page: %w", err)
	}

	created := day(-95, 9, 0)
	ids := map[string]int64{}
	add := func(name, description string, group string, isGroup bool, service string) error {
		c := &tocsin.Component{Name: name, Description: description, Group: isGroup, GroupID: ids[group], Showcase: true}
		// Linked to a demo service, its open alerts propose a status that
		// a member confirms in one click (Status page → Components).
		if service != "" {
			svc, err := db.ServiceByName(ctx, service)
			if err != nil {
				return fmt.Errorf("demo component %s's service: %w", name, err)
			}
			c.ServiceIDs = []int64{svc.ID}
		}
		if err := db.CreateComponent(ctx, c, actor, created); err != nil {
			return fmt.Errorf("demo component %s: %w", name, err)
		}
		ids[name] = c.ID
		return nil
	}
	for _, c := range []struct {
		name, description, group string
		isGroup                  bool
		service                  string
	}{
		{"Platform", "", "", true, ""},
		{"Website", "www.tocsin.example and the customer dashboard", "Platform", false, ""},
		{"API", "The REST API at api.tocsin.example", "Platform", false, ""},
		{"Webhooks", "Deliveries to your endpoints", "Platform", false, ""},
		{"Payments", "", "", true, ""},
		{"Checkout", "Card and SEPA payments", "Payments", false, "checkout"},
		{"Invoicing", "Invoices and receipts by e-mail", "Payments", false, "billing"},
	} {
		if err := add(c.name, c.description, c.group, c.isGroup, c.service); err != nil {
			return err
		}
	}

	// Past bad days, oldest first: the uptime bars are not all green.
	set := func(name string, s tocsin.ComponentStatus, at time.Time) error {
		if err := db.SetComponentStatus(ctx, ids[name], s, actor, at); err != nil {
			return fmt.Errorf("demo history of %s: %w", name, err)
		}
		return nil
	}
	for _, h := range []struct {
		name     string
		status   tocsin.ComponentStatus
		from     time.Time
		duration time.Duration
	}{
		{"API", tocsin.ComponentPartial, day(-62, 14, 10), 90 * time.Minute},
		{"Invoicing", tocsin.ComponentDegraded, day(-41, 6, 0), 5 * time.Hour},
		{"Website", tocsin.ComponentMajor, day(-29, 22, 40), 25 * time.Minute},
		{"Webhooks", tocsin.ComponentMajor, day(-17, 3, 15), 40 * time.Minute},
	} {
		if err := set(h.name, h.status, h.from); err != nil {
			return err
		}
		if err := set(h.name, tocsin.ComponentOperational, h.from.Add(h.duration)); err != nil {
			return err
		}
	}

	// The incident of three days ago, told as it went.
	start := day(-3, 13, 5)
	inc := &tocsin.StatusIncident{Name: "Card payments failing for some customers", Impact: tocsin.ImpactMajor, ComponentIDs: []int64{ids["Checkout"]}}
	first := &tocsin.StatusUpdate{Status: tocsin.IncidentInvestigating, DisplayAt: start,
		Body:    "Some card payments are declined with **\"payment provider unavailable\"**. We are investigating; SEPA transfers are not affected.",
		Changes: []tocsin.ComponentChange{{ComponentID: ids["Checkout"], New: tocsin.ComponentPartial}}}
	if err := db.CreateStatusIncident(ctx, inc, first, actor, start); err != nil {
		return fmt.Errorf("demo incident: %w", err)
	}
	for _, u := range []struct {
		after  time.Duration
		status tocsin.IncidentStatus
		body   string
		change tocsin.ComponentStatus
	}{
		{35 * time.Minute, tocsin.IncidentIdentified, "The certificate our payment provider presents for 3-D Secure was renewed with an intermediate our servers did not trust. We are deploying the new chain.", ""},
		{80 * time.Minute, tocsin.IncidentMonitoring, "The fix is deployed and payments go through again. We are watching the error rate; payments declined during the incident can be retried.", tocsin.ComponentOperational},
		{3 * time.Hour, tocsin.IncidentResolved, "Payments have been succeeding normally for over an hour. About 4% of card payments between 13:05 and 14:25 UTC were declined; no card was charged twice.", ""},
	} {
		up := &tocsin.StatusUpdate{Status: u.status, Body: u.body, DisplayAt: start.Add(u.after)}
		if u.change != "" {
			up.Changes = []tocsin.ComponentChange{{ComponentID: ids["Checkout"], New: u.change}}
		}
		if err := db.PostStatusUpdate(ctx, inc.ID, up, actor, start.Add(u.after)); err != nil {
			return fmt.Errorf("demo incident update: %w", err)
		}
	}

	// Going on now, without an incident: a component a person marked slow.
	if err := set("Webhooks", tocsin.ComponentDegraded, now.Add(-5*time.Hour)); err != nil {
		return err
	}

	// Next week's maintenance, which will move by itself.
	from := day(7, 5, 0)
	m := &tocsin.StatusIncident{Name: "Database upgrade", Maintenance: true, AutoTransition: true, Notify: true,
		ScheduledFor: from, ScheduledUntil: from.Add(time.Hour), ComponentIDs: []int64{ids["Checkout"], ids["Invoicing"]}}
	announce := &tocsin.StatusUpdate{Status: tocsin.MaintenanceScheduled,
		Body: "We are upgrading the payments database to a new major version. Checkout may be unavailable for up to 10 minutes during the window; invoices are sent once it is over."}
	if err := db.CreateStatusIncident(ctx, m, announce, actor, now); err != nil {
		return fmt.Errorf("demo maintenance: %w", err)
	}
	fmt.Fprintln(out, "Demo status page loaded: 2 groups, 5 components (Webhooks degraded), an incident resolved 3 days ago and a maintenance next week;",
		"Checkout and Invoicing follow the checkout and billing services' alerts (Status page → Components proposes their status).")
	return nil
}
