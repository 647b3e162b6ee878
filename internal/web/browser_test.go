package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit/chrome"
)

// TestBrowserLiveAlertAndAcknowledge is what a person on call does: sign in,
// watch the open list, see an alert posted by a monitoring tool appear without
// reloading, open it, acknowledge it, and read the timeline.
func TestBrowserLiveAlertAndAcknowledge(t *testing.T) {
	ctx := chrome.Start(t)
	f := newFixture(t, "sqlite")
	pd, pdKey := f.app.Integration(tocsin.IntegrationPagerDuty, f.service.ID)
	_ = pd
	// Something already open, so the list looks like a real morning.
	f.trigger(t, tocsin.AlertEvent{Summary: "checkout / payments / Error rate above 2%", DedupKey: "err", Priority: tocsin.P2, Source: "prometheus", Labels: map[string]string{"env": "prod", "region": "eu-west-1"}})
	f.trigger(t, tocsin.AlertEvent{Summary: "Certificate for api.example.com expires in 10 days", DedupKey: "cert", Priority: tocsin.P4})
	f.app.Clock.Advance(7 * time.Minute)

	chrome.Step(t, ctx, "sign in",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(f.app.URL+"/alerts"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "max@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("alert-list")),
		// The live stream is open: anything committed from now on is announced.
		chromedp.WaitReady(chromedp.CSS(`html[data-stream="connected"]`)),
	)
	// A mark that a reload would erase.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.__notReloaded = true")); err != nil {
		t.Fatal(err)
	}

	// A tool that speaks PagerDuty Events v2 posts an alert over HTTP.
	body, _ := json.Marshal(map[string]any{
		"routing_key": pdKey, "event_action": "trigger", "dedup_key": "db-primary-disk",
		"payload": map[string]any{"summary": "Disk 95% full on db-primary", "source": "db-primary.example.com", "severity": "critical",
			"custom_details": map[string]any{"free": "5%", "mount": "/var/lib/postgresql"}},
		"links": []map[string]string{{"href": "https://grafana.example.com/d/disk", "text": "Disk dashboard"}},
	})
	resp, err := http.Post(f.app.URL+"/v2/enqueue", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /v2/enqueue: %d", resp.StatusCode)
	}
	alerts, _, err := f.app.DB.Alerts(context.Background(), tocsin.AlertFilter{Text: "db-primary-disk"})
	if err != nil || len(alerts) != 1 {
		t.Fatalf("posted alert not stored: %v %d", err, len(alerts))
	}
	id := alerts[0].ID
	row := chromedp.CSS(fmt.Sprintf(`#alert-list tr[data-id="%d"]`, id))

	chrome.Step(t, ctx, "see the new alert without reloading", chromedp.WaitVisible(row))
	still, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.__notReloaded === true"))
	if err != nil || !still {
		t.Fatalf("the page was reloaded to show the alert (%v)", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(row))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains([]byte(text), []byte("Disk 95% full on db-primary")) {
		t.Fatalf("new row reads %q", text)
	}
	badge, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("open-count")))
	if err != nil || badge != "3" {
		t.Errorf("open badge after the new alert: %q (%v), want 3", badge, err)
	}
	chrome.Screenshot(t, ctx, "tocsin-alert-list.png")

	// Follow the row's link by its address: the live list may swap the row for a
	// fresh copy at any moment, which would leave a click aimed at the old node.
	link, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(fmt.Sprintf(`#alert-list tr[data-id="%d"] td.summary a`, id)), "href"))
	href := link.Value
	if err != nil || href != fmt.Sprintf("/alerts/%d", id) {
		t.Fatalf("the row links to %q (%v)", href, err)
	}
	// The button is clicked from inside the page: the live region may swap it
	// for a fresh copy (the engine adds timeline lines) between finding the
	// node and a click sent to it from outside, which then misses.
	chrome.Step(t, ctx, "open the alert and acknowledge it",
		chromedp.Navigate(f.app.URL+href),
		chromedp.WaitVisible(chromedp.ID("ack")),
		func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Evaluate[bool](`(document.getElementById("ack").click(), true)`)(ctx, tg)
			return chromedp.Void{}, err
		},
		chromedp.WaitVisible(chromedp.ID("unack")),
		chromedp.WaitVisible(`//ol[@id="timeline"]/li[contains(., "Acknowledged") and contains(., "by Max Member")]`),
	)
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("alert-status")))
	if err != nil || status != "Acknowledged" {
		t.Errorf("status shown: %q (%v)", status, err)
	}
	a, err := f.app.DB.Alert(context.Background(), id)
	if err != nil || a.Status != tocsin.StatusAcknowledged || a.AckedBy != "Max Member" || a.AckChannel != tocsin.ChannelWeb {
		t.Fatalf("alert after the click: %+v %v", a, err)
	}
	chrome.Screenshot(t, ctx, "tocsin-alert-page.png")
}
