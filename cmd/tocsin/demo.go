package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/app"
	"github.com/tocsin/tocsin/internal/apply"
	"github.com/tocsin/tocsin/internal/store"
)

// demoYAML is the demo organisation, in the format of `tocsin apply`.
//
//go:embed demo.yaml
var demoYAML string

// demoAdmin is the login --demo prints; its password changes at every start.
const demoAdmin = "demo@tocsin.example"

// loadDemo applies the demo organisation (a no-op once loaded, unless someone
// changed it) and prints the integration keys it generated.
func loadDemo(ctx context.Context, a *app.App, out io.Writer) error {
	doc, err := apply.Parse("demo.yaml", strings.NewReader(demoYAML))
	if err != nil {
		return err
	}
	plan, err := apply.NewPlan(ctx, a.DB, doc, apply.Options{Getenv: func(string) (string, bool) { return "", false }})
	if err != nil {
		return fmt.Errorf("demo organisation: %w", err)
	}
	if plan.Empty() {
		fmt.Fprintln(out, "Demo organisation already loaded.")
		return nil
	}
	keys, err := plan.Apply(ctx, a.DB, a.Clock.Now())
	if err != nil {
		return fmt.Errorf("demo organisation: %w", err)
	}
	fmt.Fprintf(out, "Demo organisation loaded (%d changes).\n", len(plan.Changes))
	if len(keys) > 0 {
		fmt.Fprintln(out, "Integration keys, shown only now (rotate one on its integration page to get a new one):")
		for _, k := range keys {
			fmt.Fprintln(out, "  "+k.String())
		}
	}
	return nil
}

// resetDemoAdmin creates the demo admin, or gives it back the admin role, with
// a fresh password; it returns the password.
func resetDemoAdmin(ctx context.Context, db *store.DB, clock tocsin.Clock) (string, error) {
	password := store.NewPassword()
	u, err := db.UserByEmail(ctx, demoAdmin)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		u = &tocsin.User{Email: demoAdmin, Name: "Demo Admin", Role: tocsin.RoleAdmin}
		return password, db.CreateUser(ctx, u, password, clock.Now())
	}
	if err != nil {
		return "", err
	}
	if u.Role != tocsin.RoleAdmin {
		u.Role = tocsin.RoleAdmin
		if err := db.UpdateUser(ctx, u, ""); err != nil {
			return "", err
		}
	}
	return password, db.SetPassword(ctx, u.ID, password)
}

// demoAlert is one sample alert and what people did about it.
type demoAlert struct {
	integration string // "service/name" or a global integration's name
	event       tocsin.AlertEvent
	by          string             // who acknowledged or resolved it (a demo user's name)
	then        tocsin.EventAction // acknowledge or resolve; "" leaves it triggered
	note        string
}

func demoAlerts() []demoAlert {
	return []demoAlert{
		{integration: "checkout/prometheus", event: tocsin.AlertEvent{
			DedupKey: "checkout-high-error-rate", Summary: "checkout / payments / HTTP 5xx above 2%",
			Details: "Error ratio is 3.4% over the last 5 minutes on checkout-web in eu-west-1 (threshold 2%).\nMost errors: POST /api/orders → 502 from payment-gateway.",
			Source:  "prometheus-eu-west-1", Priority: tocsin.P2, Actor: "Alertmanager", Channel: tocsin.ChannelAlertmanager,
			Labels: map[string]string{"alertname": "CheckoutHighErrorRate", "severity": "critical", "env": "prod", "region": "eu-west-1"},
			Links: []tocsin.Link{
				{Href: "https://grafana.tocsin.example/d/checkout/checkout-overview", Text: "Checkout dashboard"},
				{Href: "https://wiki.tocsin.example/runbooks/checkout-5xx", Text: "Runbook: checkout 5xx"},
			},
		}},
		{integration: "checkout/prometheus", event: tocsin.AlertEvent{
			DedupKey: "watchdog", Summary: "Watchdog: the alerting pipeline is alive",
			Details: "This alert always fires, so that a silent Alertmanager is noticed.",
			Source:  "prometheus-eu-west-1", Priority: tocsin.P5, Actor: "Alertmanager", Channel: tocsin.ChannelAlertmanager,
			Labels: map[string]string{"alertname": "Watchdog", "severity": "none"},
		}},
		{integration: "search-api/grafana", event: tocsin.AlertEvent{
			DedupKey: "search-latency-p99", Summary: "search-api / search / p99 latency above 800 ms",
			Details: "p99 of GET /search is 1.3 s for 10 minutes (SLO: 800 ms).",
			Source:  "grafana", Priority: tocsin.P2, Actor: "Grafana", Channel: tocsin.ChannelGrafana,
			Labels: map[string]string{"alertname": "SearchLatencyHigh", "grafana_folder": "Search", "env": "prod"},
			Links:  []tocsin.Link{{Href: "https://grafana.tocsin.example/d/search/search-api?viewPanel=4", Text: "Latency panel"}},
		}, by: "Léa Moreau", then: tocsin.ActionAcknowledge, note: "The reindex job started at 02:00 saturates the cluster; throttling it to 2 workers."},
		{integration: "checkout/synthetics", event: tocsin.AlertEvent{
			DedupKey: "synthetic-purchase-fra", Summary: "checkout / payments / synthetic purchase failed from Frankfurt",
			Details: "Step 4 of 5 (3-D Secure redirect) timed out after 30 s; 2 of 3 locations failing.",
			Source:  "synthetics-fra", Priority: tocsin.P2, Actor: "Opsgenie", Channel: tocsin.ChannelOpsgenie,
			Labels: map[string]string{"location": "eu-central-1", "check": "purchase-flow"},
		}, by: "Camille Durand", then: tocsin.ActionAcknowledge},
		{integration: "billing/batch-jobs", event: tocsin.AlertEvent{
			DedupKey: "invoice-export-2026", Summary: "billing / payments / nightly invoice export failed",
			Details: "Job invoice-export exited with status 1: SFTP upload to accounting refused (disk quota exceeded).",
			Source:  "jenkins-batch-02", Priority: tocsin.P3, Actor: "PagerDuty", Channel: tocsin.ChannelPagerDuty,
			Labels: map[string]string{"job": "invoice-export", "env": "prod"},
			Links:  []tocsin.Link{{Href: "https://jenkins.tocsin.example/job/invoice-export/", Text: "Jenkins job"}},
		}, by: "James Wilson", then: tocsin.ActionResolve, note: "Accounting freed space; re-ran the export by hand and they have the file."},
		{integration: "billing/cron", event: tocsin.AlertEvent{
			DedupKey: "backup-invoices-db", Summary: "billing / payments / backup of invoices-db took 3h12m (budget 2h)",
			Source: "cron@db-backup-01", Priority: tocsin.P4, Actor: "cron", Channel: tocsin.ChannelGeneric,
			Labels: map[string]string{"job": "backup-invoices-db"},
		}},
		{integration: "company-wide", event: tocsin.AlertEvent{
			DedupKey: "es-prod-health", Summary: "es / search / cluster health yellow on es-prod-3",
			Details: "2 replica shards unassigned after node es-prod-3-data-2 restarted.",
			Source:  "zabbix", Priority: tocsin.P3, Actor: "Opsgenie", Channel: tocsin.ChannelOpsgenie,
		}},
	}
}

// seedDemoAlerts sends the sample alerts through the ingest pipeline, as the
// tools would, when the database has no alert yet. The pipeline must be running.
func seedDemoAlerts(ctx context.Context, a *app.App) error {
	_, total, err := a.DB.Alerts(ctx, tocsin.AlertFilter{Limit: 1})
	if err != nil || total > 0 {
		return err
	}
	integrations, err := a.DB.Integrations(ctx, 0)
	if err != nil {
		return err
	}
	byRef := map[string]*tocsin.Integration{}
	for _, i := range integrations {
		ref := i.Name
		if i.ServiceName != "" {
			ref = i.ServiceName + "/" + i.Name
		}
		byRef[ref] = i
	}
	for _, d := range demoAlerts() {
		integ := byRef[d.integration]
		if integ == nil {
			return fmt.Errorf("demo integration %s is missing", d.integration)
		}
		e := d.event
		e.Action, e.At = tocsin.ActionTrigger, a.Clock.Now()
		results, err := a.Pipeline.Submit(ctx, integ, []tocsin.AlertEvent{e})
		if err != nil {
			return fmt.Errorf("demo alert %q: %w", e.Summary, err)
		}
		if d.then == "" || len(results) == 0 || results[0].AlertID == 0 {
			continue
		}
		// People write what they found before they resolve, and after they acknowledge.
		acts := []store.AlertAction{{Action: d.then, Actor: d.by, Channel: tocsin.ChannelWeb, Note: d.note}}
		if d.then == tocsin.ActionResolve && d.note != "" {
			acts = []store.AlertAction{
				{Action: tocsin.ActionNote, Actor: d.by, Channel: tocsin.ChannelWeb, Note: d.note},
				{Action: d.then, Actor: d.by, Channel: tocsin.ChannelWeb},
			}
		}
		for _, act := range acts {
			if _, err := a.DB.ActOnAlerts(ctx, []int64{results[0].AlertID}, act, a.Clock.Now()); err != nil {
				return fmt.Errorf("demo alert %q: %w", e.Summary, err)
			}
		}
	}
	return nil
}
