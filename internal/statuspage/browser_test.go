package statuspage

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/tocsin/tocsin/internal/testkit/chrome"
)

// TestBrowserPage: a customer opens the page on a desktop and on a phone and
// reads the incident, its updates and the uptime bars, with no script.
func TestBrowserPage(t *testing.T) {
	ctx := chrome.Start(t)
	srv, hs := newTestServer(t, &fakeSource{snap: fixture(), version: 1}, Config{Now: func() time.Time { return at }})
	if err := srv.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}

	visibleBars := `Array.from(document.querySelector("ol.bars").children).filter(li => getComputedStyle(li).display !== "none").length`
	noSideScroll := `document.documentElement.scrollWidth <= window.innerWidth`

	chrome.Step(t, ctx, "desktop",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(hs.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".banner h1")),
	)
	if got := chrome.Eval[string](t, ctx, `document.querySelector(".banner h1").textContent`); got != "Partial System Outage" {
		t.Errorf("banner %q", got)
	}
	if got := chrome.Eval[string](t, ctx, `getComputedStyle(document.querySelector(".banner")).backgroundColor`); got != "rgb(194, 65, 12)" {
		t.Errorf("banner colour %s (the stylesheet is not applied?)", got)
	}
	if got := chrome.Eval[string](t, ctx, `getComputedStyle(document.querySelector(".top")).backgroundColor`); got != "rgb(17, 34, 51)" {
		t.Errorf("header colour %s, want the page's accent from theme.css", got)
	}
	if n := chrome.Eval[int](t, ctx, visibleBars); n != 90 {
		t.Errorf("desktop shows %d bars, want 90", n)
	}
	if !chrome.Eval[bool](t, ctx, noSideScroll) {
		t.Error("desktop page scrolls sideways")
	}
	text := chrome.Eval[string](t, ctx, `document.body.innerText`)
	for _, want := range []string{"Elevated API errors", "A bad deploy; rolling back.", "We are looking into errors on the API.", "99.89% uptime", "Database upgrade"} {
		if !strings.Contains(text, want) {
			t.Errorf("desktop page does not show %q", want)
		}
	}
	// A bar's label shows on hover.
	chrome.Eval[bool](t, ctx, `(() => { document.querySelector("ol.bars li:nth-child(85)").scrollIntoView({block: "center"}); return true })()`)
	x := chrome.Eval[float64](t, ctx, `(r => r.left + r.width / 2)(document.querySelector("ol.bars li:nth-child(85)").getBoundingClientRect())`)
	y := chrome.Eval[float64](t, ctx, `(r => r.top + r.height / 2)(document.querySelector("ol.bars li:nth-child(85)").getBoundingClientRect())`)
	chrome.Step(t, ctx, "hover a bar", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y))
	if w := chrome.Eval[float64](t, ctx, `document.querySelector("ol.bars li:nth-child(85) span").getBoundingClientRect().width`); w < 100 {
		t.Errorf("hovered bar's label is %vpx wide: not shown", w)
	}
	chrome.Screenshot(t, ctx, "tocsin-status-desktop.png")

	chrome.Step(t, ctx, "phone",
		chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(hs.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".banner h1")),
	)
	if n := chrome.Eval[int](t, ctx, visibleBars); n != 30 {
		t.Errorf("phone shows %d bars, want the last 30 days", n)
	}
	if !chrome.Eval[bool](t, ctx, noSideScroll) {
		t.Errorf("phone page scrolls sideways: %v > %v", chrome.Eval[float64](t, ctx, "document.documentElement.scrollWidth"), chrome.Eval[float64](t, ctx, "window.innerWidth"))
	}
	if got := chrome.Eval[string](t, ctx, `getComputedStyle(document.querySelector(".legend .narrow")).display`); got == "none" {
		t.Error("phone legend does not say 30 days")
	}
	chrome.Screenshot(t, ctx, "tocsin-status-phone.png")

	chrome.Step(t, ctx, "incident page on the phone",
		chromedp.Navigate(hs.URL+"/incidents/inc00resolvd.html"),
		chromedp.WaitVisible(chromedp.ID("h-postmortem")),
	)
	if !chrome.Eval[bool](t, ctx, noSideScroll) {
		t.Error("incident page scrolls sideways on a phone")
	}
	chrome.Screenshot(t, ctx, "tocsin-status-incident-phone.png")
}

// TestBrowserEmbed: a customer's site, on another origin, includes embed.js;
// the banner shows the incident's name as text, and stays dismissed.
func TestBrowserEmbed(t *testing.T) {
	ctx := chrome.Start(t)
	snap := fixture()
	snap.Incidents[1].Name = `<img src=x onerror="window.__pwned=1">API down`
	src := &fakeSource{snap: snap, version: 1}
	s, hs := newTestServer(t, src, Config{Now: func() time.Time { return at }})
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html><head><title>Shop</title><script src="`+hs.URL+`/embed.js" async></script></head><body><h1>Shop</h1></body></html>`)
	}))
	defer site.Close()

	chrome.Step(t, ctx, "open the customer's site",
		chromedp.EmulateViewport(1024, 700),
		chromedp.Navigate(site.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".tocsin-status-banner")),
	)
	text := chrome.Eval[string](t, ctx, `document.querySelector(".tocsin-status-banner").textContent`)
	if !strings.Contains(text, `Incident: <img src=x onerror="window.__pwned=1">API down`) || !strings.Contains(text, "Identified") {
		t.Errorf("banner reads %q", text)
	}
	if chrome.Eval[bool](t, ctx, `window.__pwned === 1 || document.querySelectorAll(".tocsin-status-banner img").length > 0`) {
		t.Error("the incident's name ran as HTML")
	}
	if href := chrome.Eval[string](t, ctx, `document.querySelector(".tocsin-status-banner a").href`); href != hs.URL+"/incidents/inc0000open1.html" {
		t.Errorf("banner links to %s", href)
	}
	chrome.Screenshot(t, ctx, "tocsin-status-embed.png")

	chrome.Step(t, ctx, "dismiss",
		chromedp.Click(chromedp.CSS(".tocsin-status-banner button")),
		chromedp.WaitNotPresent(chromedp.CSS(".tocsin-status-banner")),
		chromedp.Reload(),
		chromedp.WaitReady(chromedp.CSS(`script[data-tocsin]`)),
	)
	if state := chrome.Eval[string](t, ctx, `document.querySelector("script[data-tocsin]").getAttribute("data-tocsin")`); state != "dismissed" {
		t.Errorf("after a reload the script says %q", state)
	}
	if n := chrome.Eval[int](t, ctx, `document.querySelectorAll(".tocsin-status-banner").length`); n != 0 {
		t.Error("a dismissed banner came back")
	}
}
