package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/testkit"
	"github.com/tocsin/tocsin/internal/web"
)

// pagingFixture serves the web pages with what paging needs set by the test:
// a link signer whose key the test knows, a server without voice calls, a
// VAPID key, and a Wake that counts.
type pagingFixture struct {
	*fixture
	web   *testkit.App // the same app, reached through this handler
	links notify.LinkSigner
	wakes atomic.Int32
}

const testVAPIDKey = "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U"

func newPagingFixture(t *testing.T, engine string, edits ...func(*web.Options)) *pagingFixture {
	t.Helper()
	f := &pagingFixture{fixture: newFixture(t, engine), links: notify.LinkSigner{Key: []byte("a test key for acknowledgement links")}}
	// The app's own security headers (CSP…), as its middleware sets them.
	resp, err := f.app.Client().Get(f.app.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	security := http.Header{}
	for _, k := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
		security.Set(k, resp.Header.Get(k))
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range security {
			w.Header()[k] = v
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	opts := web.Options{
		DB: f.app.DB, Clock: f.app.Clock, PublicURL: srv.URL, Links: f.links, VAPIDPublicKey: testVAPIDKey,
		Offers: func(t tocsin.ContactType) bool { return t != tocsin.ContactVoice },
		Wake:   func() { f.wakes.Add(1) },
	}
	for _, e := range edits {
		e(&opts)
	}
	h, err := web.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.Routes(mux)
	f.web = &testkit.App{App: f.app.App, URL: srv.URL, Clock: f.app.Clock}
	return f
}

// contactNamed returns one of a user's contact methods by name; nil if none.
func (f *pagingFixture) contactNamed(t *testing.T, userID int64, name string) *tocsin.ContactMethod {
	t.Helper()
	list, err := f.app.DB.ContactMethods(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// messages lists the outbox rows of a kind for one contact method, newest first.
func (f *pagingFixture) messages(t *testing.T, kind tocsin.NotificationKind, c *tocsin.ContactMethod) []string {
	t.Helper()
	rows, err := f.app.DB.Notifications(context.Background(), tocsin.NotificationFilter{Kind: kind, UserID: c.UserID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if r.ContactMethodID == c.ID {
			if r.Type != c.Type || r.Destination != c.Value {
				t.Errorf("%s message to %s %q, want %s %q", kind, r.Type, r.Destination, c.Type, c.Value)
			}
			out = append(out, r.Text)
		}
	}
	return out
}

var codePattern = regexp.MustCompile(`\b(\d{6})\b`)

// code is the verification code of the newest code message of a method.
func (f *pagingFixture) code(t *testing.T, c *tocsin.ContactMethod) string {
	t.Helper()
	texts := f.messages(t, tocsin.NotifyVerify, c)
	if len(texts) == 0 {
		t.Fatalf("no verification message for %s", c.Name)
	}
	m := codePattern.FindStringSubmatch(texts[0])
	if m == nil {
		t.Fatalf("no code in %q", texts[0])
	}
	return m[1]
}

func TestContactMethodsAreVerifiedByCode(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newPagingFixture(t, engine)
		m := newBrowser(t, f.web)
		m.login(f.member.Email)

		// The form offers what the server can send; voice is shown, disabled.
		p := m.get("/profile")
		mustContain(t, p.Body, `id="contacts"`, `<option value="sms"`, `<option value="voice" disabled>Voice call — not configured on this server`,
			`data-type-hint="sms"`, "E.164", `data-vapid-key="`+testVAPIDKey+`"`, `id="push" class="push-box" hidden`,
			`src="/static/push.js?v=`, `id="paging-warning"`, "only by e-mail to max@example.com")
		mustNotContain(t, p.Body, `<option value="webpush"`, `data-type-hint="voice"`)

		// Added: a code leaves at once, in the person's language, and the engine is woken.
		wakes := f.wakes.Load()
		p = m.post("/profile/contacts", url.Values{"name": {"mobile"}, "type": {"sms"}, "value": {"+33 6 12 34 56 78"}})
		if p.Status != http.StatusSeeOther || p.Location != "/profile#contacts" {
			t.Fatalf("add: %d %s: %s", p.Status, p.Location, excerpt(p.Body))
		}
		mustContain(t, m.get(p.Location).Body, "mobile added. A code is on its way", "&#43;336••••••78", "Not verified — enter the code", "Send a new code")
		c := f.contactNamed(t, f.member.ID, "mobile")
		if c == nil || c.Value != "+33612345678" || c.Verified() {
			t.Fatalf("stored method %+v", c)
		}
		texts := f.messages(t, tocsin.NotifyVerify, c)
		if len(texts) != 1 || !regexp.MustCompile(`^Tocsin: your code is \d{6}\. It expires in 15 minutes\.$`).MatchString(texts[0]) {
			t.Fatalf("verification messages %q", texts)
		}
		if f.wakes.Load() == wakes {
			t.Error("adding a method did not wake the engine")
		}
		code := f.code(t, c)

		// A test goes only to a verified method.
		p = m.follow(m.post(fmt.Sprintf("/profile/contacts/%d/test", c.ID), nil))
		mustContain(t, p.Body, "Verify mobile first")
		if got := f.messages(t, tocsin.NotifyTest, c); len(got) != 0 {
			t.Errorf("test sent to an unverified method: %q", got)
		}

		// A wrong code is refused inline with a 400; the method stays unverified.
		wrong := fmt.Sprintf("%06d", (atoi(t, code)+1)%1_000_000)
		for _, typed := range []string{wrong, "12", "abcdef"} {
			p = m.post(fmt.Sprintf("/profile/contacts/%d/verify", c.ID), url.Values{"code": {typed}})
			if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `aria-invalid="true"`) {
				t.Errorf("code %q: %d, want 400 inline: %s", typed, p.Status, excerpt(p.Body))
			}
		}
		mustContain(t, m.post(fmt.Sprintf("/profile/contacts/%d/verify", c.ID), url.Values{"code": {wrong}}).Body, "not the one sent")
		mustContain(t, m.post(fmt.Sprintf("/profile/contacts/%d/verify", c.ID), url.Values{"code": {"12"}}).Body, "The code has 6 digits.")
		if c := f.contactNamed(t, f.member.ID, "mobile"); c.Verified() {
			t.Fatal("verified by a wrong code")
		}

		// The right one, typed with a space, verifies it.
		p = m.post(fmt.Sprintf("/profile/contacts/%d/verify", c.ID), url.Values{"code": {code[:3] + " " + code[3:]}})
		mustContain(t, m.follow(p).Body, "mobile is verified", "tag-ok")
		if c := f.contactNamed(t, f.member.ID, "mobile"); !c.Verified() {
			t.Fatal("the right code did not verify the method")
		}

		// "Send me a test": queued once, not again within 30 seconds.
		wakes = f.wakes.Load()
		mustContain(t, m.follow(m.post(fmt.Sprintf("/profile/contacts/%d/test", c.ID), nil)).Body, "A test message is on its way to mobile.")
		if got := f.messages(t, tocsin.NotifyTest, c); len(got) != 1 || got[0] != "Tocsin: this is a test message to mobile. Paging works." {
			t.Errorf("test messages %q", got)
		}
		if f.wakes.Load() == wakes {
			t.Error("a test did not wake the engine")
		}
		mustContain(t, m.follow(m.post(fmt.Sprintf("/profile/contacts/%d/test", c.ID), nil)).Body, "less than 30 seconds ago")
		if got := f.messages(t, tocsin.NotifyTest, c); len(got) != 1 {
			t.Errorf("%d test messages after a second click", len(got))
		}

		// Refused forms: 400, the input kept, nothing stored.
		for _, tc := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"name": {"desk"}, "type": {"voice"}, "value": {"+33123456789"}}, "Voice call is not configured on this server"},
			{url.Values{"name": {"desk"}, "type": {"fax"}, "value": {"+33123456789"}}, "Choose a type"},
			{url.Values{"name": {"desk"}, "type": {"sms"}, "value": {"0612 <b>"}}, "is not an international number"},
			{url.Values{"name": {"mobile"}, "type": {"email"}, "value": {"max@example.com"}}, "already have a contact method named"},
		} {
			p := m.post("/profile/contacts", tc.form)
			if (p.Status != http.StatusBadRequest && p.Status != http.StatusConflict) || !strings.Contains(p.Body, tc.want) {
				t.Errorf("%v: %d, want a refusal with %q: %s", tc.form, p.Status, tc.want, excerpt(p.Body))
			}
			mustNotContain(t, p.Body, "<b>")
		}
		if f.contactNamed(t, f.member.ID, "desk") != nil {
			t.Error("a refused form stored a method")
		}

		// Someone else's method is not found.
		other := &tocsin.ContactMethod{UserID: f.admin.ID, Name: "ada", Type: tocsin.ContactEmail, Value: "ada@example.com"}
		if err := f.app.DB.CreateContactMethod(context.Background(), other, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		for _, action := range []string{"verify", "resend", "test", "delete"} {
			if p := m.post(fmt.Sprintf("/profile/contacts/%d/%s", other.ID, action), url.Values{"code": {"123456"}}); p.Status != http.StatusNotFound {
				t.Errorf("%s of another's method: %d, want 404", action, p.Status)
			}
		}

		// Delete asks first (data-confirm), then removes the method.
		mustContain(t, m.get("/profile").Body, `data-confirm="Delete the contact method mobile and the rules that use it?"`)
		mustContain(t, m.follow(m.post(fmt.Sprintf("/profile/contacts/%d/delete", c.ID), nil)).Body, "mobile deleted")
		if f.contactNamed(t, f.member.ID, "mobile") != nil {
			t.Error("the method is still there")
		}
	})
}

func TestContactMethodMessagesInFrench(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newPagingFixture(t, engine)
		m := newBrowser(t, f.web)
		m.login(f.member.Email)
		m.follow(m.post("/profile", profileForm("locale", "fr")))
		p := m.follow(m.post("/profile/contacts", url.Values{"name": {"travail"}, "type": {"email"}, "value": {"Max@Example.com"}}))
		mustContain(t, p.Body, "travail ajouté", "Moyens de contact", "Règles de notification", "non configuré sur ce serveur")
		c := f.contactNamed(t, f.member.ID, "travail")
		texts := f.messages(t, tocsin.NotifyVerify, c)
		if len(texts) != 1 || !regexp.MustCompile(`^Tocsin : votre code est \d{6}\. Il expire dans 15 minutes\.$`).MatchString(texts[0]) {
			t.Fatalf("French verification message %q", texts)
		}
		// Not a new code within 30 seconds of the last; after, a new code replaces the old one.
		old := f.code(t, c)
		f.app.Clock.Advance(20 * time.Second)
		mustContain(t, m.follow(m.post(fmt.Sprintf("/profile/contacts/%d/resend", c.ID), nil)).Body, "il y a moins de 30 secondes")
		if n := len(f.messages(t, tocsin.NotifyVerify, c)); n != 1 {
			t.Fatalf("%d code messages after resending too soon, want 1", n)
		}
		f.app.Clock.Advance(11 * time.Second)
		mustContain(t, m.follow(m.post(fmt.Sprintf("/profile/contacts/%d/resend", c.ID), nil)).Body, "Un nouveau code est en route vers travail.")
		if n := len(f.messages(t, tocsin.NotifyVerify, c)); n != 2 {
			t.Fatalf("%d code messages after resending, want 2", n)
		}
		if fresh := f.code(t, c); fresh != old {
			if p := m.post(fmt.Sprintf("/profile/contacts/%d/verify", c.ID), url.Values{"code": {old}}); p.Status != http.StatusBadRequest {
				t.Errorf("the replaced code still works: %d", p.Status)
			}
		}
		m.follow(m.post(fmt.Sprintf("/profile/contacts/%d/verify", c.ID), url.Values{"code": {f.code(t, c)}}))
		m.follow(m.post(fmt.Sprintf("/profile/contacts/%d/test", c.ID), nil))
		if got := f.messages(t, tocsin.NotifyTest, c); len(got) != 1 || !strings.HasPrefix(got[0], "Tocsin : ceci est un message de test pour travail.") {
			t.Errorf("French test message %q", got)
		}
	})
}

func TestWebhookSecretShownOnce(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newPagingFixture(t, engine)
		m := newBrowser(t, f.web)
		m.login(f.member.Email)
		p := m.post("/profile/contacts", url.Values{"name": {"ops-hook"}, "type": {"webhook"}, "value": {"https://hooks.example.com/tocsin"}})
		if p.Status != http.StatusOK {
			t.Fatalf("add webhook: %d: %s", p.Status, excerpt(p.Body))
		}
		c := f.contactNamed(t, f.member.ID, "ops-hook")
		if c == nil || len(c.Secret) < 20 {
			t.Fatalf("webhook method %+v", c)
		}
		mustContain(t, p.Body, c.Secret, "docs/webhooks.md", "ops-hook added")
		if len(f.messages(t, tocsin.NotifyVerify, c)) != 1 {
			t.Error("no code sent to the webhook")
		}
		p = m.get("/profile")
		mustContain(t, p.Body, c.Secret[:10]+"•••", "https://hooks.example.com/…")
		mustNotContain(t, p.Body, c.Secret)
	})
}

func TestWebPushSubscription(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newPagingFixture(t, engine)
		m := newBrowser(t, f.web)
		m.login(f.member.Email)
		sub := `{"endpoint":"https://push.example.net/send/abc","expirationTime":null,"keys":{"p256dh":"BNc","auth":"tBH"}}`
		// As push.js posts it: same-origin fetch.
		p := m.post("/profile/contacts", url.Values{"name": {"browser 2026-11-02 09.00"}, "type": {"webpush"}, "value": {sub}}, "Sec-Fetch-Site: same-origin")
		if p.Status != http.StatusSeeOther {
			t.Fatalf("subscribe: %d: %s", p.Status, excerpt(p.Body))
		}
		c := f.contactNamed(t, f.member.ID, "browser 2026-11-02 09.00")
		if c == nil || c.Type != tocsin.ContactWebPush || len(f.messages(t, tocsin.NotifyVerify, c)) != 1 {
			t.Fatalf("push method %+v", c)
		}
		// The same browser again is the same method.
		p = m.follow(m.post("/profile/contacts", url.Values{"name": {"browser 2026-11-03 10.00"}, "type": {"webpush"}, "value": {sub}}))
		mustContain(t, p.Body, "This browser is already one of your contact methods: browser 2026-11-02 09.00.")
		if list, _ := f.app.DB.ContactMethods(context.Background(), f.member.ID); len(list) != 1 {
			t.Errorf("%d methods after subscribing twice", len(list))
		}
		// From another site, refused.
		if p := m.post("/profile/contacts", url.Values{"name": {"x"}, "type": {"webpush"}, "value": {sub}}, "Sec-Fetch-Site: cross-site"); p.Status != http.StatusForbidden {
			t.Errorf("cross-site subscribe: %d", p.Status)
		}

		// The service worker is served from the root, allowed to control every page.
		p = m.get("/sw.js")
		if p.Status != http.StatusOK || p.Header.Get("Service-Worker-Allowed") != "/" || !strings.Contains(p.Header.Get("Content-Type"), "javascript") {
			t.Errorf("/sw.js: %d %v", p.Status, p.Header)
		}
		mustContain(t, p.Body, "showNotification", "requireInteraction", "notificationclick", "ack_url")
		// The app can be installed: the layout links a manifest that is served as one.
		p = m.get("/alerts")
		href := regexp.MustCompile(`<link rel="manifest" href="([^"]+)">`).FindStringSubmatch(p.Body)
		if href == nil {
			t.Fatal("no manifest link")
		}
		p = m.get(strings.ReplaceAll(href[1], "&amp;", "&"))
		if p.Status != http.StatusOK || p.Header.Get("Content-Type") != "application/manifest+json" {
			t.Errorf("manifest: %d %q", p.Status, p.Header.Get("Content-Type"))
		}
		mustContain(t, p.Body, `"start_url": "/alerts"`, `"display": "standalone"`, "icon.svg")
	})
}

func TestPushButtonNeedsAVAPIDKey(t *testing.T) {
	f := newPagingFixture(t, "sqlite", func(o *web.Options) { o.VAPIDPublicKey = "" })
	m := newBrowser(t, f.web)
	m.login(f.member.Email)
	mustNotContain(t, m.get("/profile").Body, `id="push"`)
	// Without Offers (a server that did not say), every type is offered.
	f = newPagingFixture(t, "sqlite", func(o *web.Options) { o.Offers = nil })
	m = newBrowser(t, f.web)
	m.login(f.member.Email)
	p := m.get("/profile")
	mustContain(t, p.Body, `<option value="voice">`)
	mustNotContain(t, p.Body, `value="voice" disabled`)
}
