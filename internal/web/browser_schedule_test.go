package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
	"github.com/tocsin/tocsin/internal/testkit/chrome"
)

// TestBrowserPlanningSwap is what a person on call does before leave: open the
// planning, click their shift, swap it with a colleague's, and see both change.
func TestBrowserPlanningSwap(t *testing.T) {
	ctx := chrome.Start(t)
	f := newFixture(t, "sqlite")
	s := f.weekly(t)
	f.app.Clock.Advance(26 * time.Hour)
	offStart, offEnd := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	for _, u := range []*tocsin.User{f.admin, f.member} {
		if err := f.app.DB.AddTimeOff(context.Background(), &tocsin.TimeOff{UserID: u.ID, Start: offStart, End: offEnd, Note: "leave"}, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	week2 := testkit.Epoch.Add(7 * 24 * time.Hour)
	week3 := week2.Add(7 * 24 * time.Hour)
	week5 := week3.Add(14 * 24 * time.Hour)
	week6 := week5.Add(7 * 24 * time.Hour)
	mine := fmt.Sprintf(`#planning a[data-shift="%s"]`, key(week2, week3, f.member.ID))

	chrome.Step(t, ctx, "sign in and open the planning",
		chromedp.EmulateViewport(1400, 900),
		chromedp.Navigate(fmt.Sprintf("%s/schedules/%d", f.app.URL, s.ID)),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "max@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("planning")),
	)
	chrome.Screenshot(t, ctx, "tocsin-planning.png")
	chrome.Step(t, ctx, "click my shift and swap it",
		chromedp.Click(chromedp.CSS(mine)),
		chromedp.WaitVisible(chromedp.ID("swap-with")),
		chromedp.SetValue(chromedp.ID("swap-with"), key(week5, week6, f.admin.ID)),
		chromedp.Click(chromedp.ID("swap-submit")),
		chromedp.WaitVisible(chromedp.ID("planning")),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#planning a[data-shift="%s"]`, key(week2, week3, f.admin.ID)))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#planning a[data-shift="%s"]`, key(week5, week6, f.member.ID)))),
	)
	chrome.Screenshot(t, ctx, "tocsin-planning-swapped.png")
}
