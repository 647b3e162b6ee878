package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit/chrome"
)

// TestBrowserEnablePush is what a person does to get pages on this browser:
// open the profile, click "Enable push on this browser". The browser's push
// service is out of reach in a test, so PushManager.subscribe answers with a
// made-up subscription; the service worker's registration, the key handed to
// subscribe and the post to the server are real, under the app's CSP.
func TestBrowserEnablePush(t *testing.T) {
	ctx := chrome.Start(t)
	f := newPagingFixture(t, "sqlite")
	chrome.Step(t, ctx, "sign in and open the profile",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(f.web.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), f.member.Email),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("alert-list")),
		chromedp.Navigate(f.web.URL+"/profile"),
		// push.js shows the button: the browser can push.
		chromedp.WaitVisible(chromedp.ID("push-enable")),
	)

	// Only the chosen type's value hint shows.
	hints, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(function () {
		var s = document.getElementById("c-type");
		s.value = "slack";
		s.dispatchEvent(new Event("change"));
		return Array.from(document.querySelectorAll("[data-type-hint]")).filter(function (p) { return !p.hidden; }).map(function (p) { return p.getAttribute("data-type-hint"); });
	})()`))
	if err != nil || !slices.Equal(hints, []string{"slack"}) {
		t.Errorf("hints shown for slack: %v (%v)", hints, err)
	}

	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
		Notification.requestPermission = function () { return Promise.resolve("granted"); };
		PushManager.prototype.getSubscription = function () { return Promise.resolve(null); };
		PushManager.prototype.subscribe = function (opts) {
			// Kept across the reload that follows.
			sessionStorage.setItem("key", JSON.stringify(Array.from(new Uint8Array(opts.applicationServerKey))));
			sessionStorage.setItem("visible", String(opts.userVisibleOnly));
			return Promise.resolve({ toJSON: function () {
				return { endpoint: window.__endpoint, expirationTime: null, keys: { p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", auth: "tBHItJI5svbpez7KI4CCXg" } };
			} });
		};
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	// A subscription the server refuses: its reason shows, the button works again.
	setEndpoint := func(u string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__endpoint = `+strconv.Quote(u))); err != nil {
			t.Fatal(err)
		}
	}
	setEndpoint("http://push.example.net/plain")
	chrome.Step(t, ctx, "a refused subscription",
		chromedp.Click(chromedp.ID("push-enable")),
		chromedp.WaitVisible(`//p[@id="push-status" and contains(., "must be an https URL")]`),
		chromedp.WaitEnabled(chromedp.ID("push-enable")),
	)
	setEndpoint("https://push.example.net/send/xyz")
	chrome.Step(t, ctx, "enable push",
		chromedp.Click(chromedp.ID("push-enable")),
		chromedp.WaitVisible(`//table[contains(@class, "contacts")]//td[contains(., "Browser push")]`),
		chromedp.WaitVisible(`//div[contains(@class, "flash") and contains(., "added. A code is on its way")]`),
	)

	list, err := f.app.DB.ContactMethods(context.Background(), f.member.ID)
	if err != nil || len(list) != 1 || list[0].Type != tocsin.ContactWebPush {
		t.Fatalf("methods after enabling push: %+v (%v)", list, err)
	}
	var sub struct {
		Endpoint string `json:"endpoint"`
	}
	if err := json.Unmarshal([]byte(list[0].Value), &sub); err != nil || sub.Endpoint != "https://push.example.net/send/xyz" {
		t.Errorf("stored subscription %q", list[0].Value)
	}
	if n, err := f.app.DB.Notifications(context.Background(), tocsin.NotificationFilter{Kind: tocsin.NotifyVerify, UserID: f.member.ID}); err != nil || len(n) != 1 {
		t.Errorf("code messages to the browser: %d (%v)", len(n), err)
	}

	// subscribe got the server's VAPID key as bytes, for visible messages only.
	want, _ := base64.RawURLEncoding.DecodeString(testVAPIDKey)
	key, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`JSON.parse(sessionStorage.getItem("key"))`))
	if err != nil || len(key) != len(want) {
		t.Fatalf("key given to subscribe: %v (%v)", key, err)
	}
	for i := range want {
		if key[i] != int(want[i]) {
			t.Fatalf("key byte %d: %d, want %d", i, key[i], want[i])
		}
	}
	visible, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`sessionStorage.getItem("visible") === "true"`))
	if err != nil || !visible {
		t.Errorf("userVisibleOnly: %v (%v)", visible, err)
	}

	// The service worker is registered for the whole site.
	script, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.serviceWorker.getRegistration("/").then(function (r) { return r && r.active ? r.active.scriptURL + " " + r.scope : ""; })`, chromedp.EvalAwaitPromise))
	if err != nil || script != f.web.URL+"/sw.js "+f.web.URL+"/" {
		t.Errorf("service worker: %q (%v)", script, err)
	}
	chrome.Screenshot(t, ctx, "tocsin-profile-push.png")
}
