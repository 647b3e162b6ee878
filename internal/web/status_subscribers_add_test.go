package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// subscribersOf lists the stored subscribers of one kind.
func subscribersOf(t *testing.T, f *fixture, kind tocsin.SubscriberKind) []tocsin.Subscriber {
	t.Helper()
	list, err := f.app.DB.Subscribers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []tocsin.Subscriber
	for _, s := range list {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

// confirmations lists the addresses the outbox holds a confirmation e-mail
// for, sorted.
func confirmations(t *testing.T, f *fixture) []string {
	t.Helper()
	list, err := f.app.DB.Notifications(context.Background(), tocsin.NotificationFilter{Kind: tocsin.NotifySubscriber, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range list {
		if n.Ref != "confirm" || n.Type != tocsin.ContactEmail {
			t.Errorf("unexpected subscriber message: ref %q type %q to %q", n.Ref, n.Type, n.Destination)
			continue
		}
		out = append(out, n.Destination)
	}
	slices.Sort(out)
	return out
}

func TestStatusSubscriberAddWebhook(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		addComponent(t, member, url.Values{"name": {"API"}, "showcase": {"on"}})
		api := componentByName(t, f, "API")

		p := member.get("/statuspage/subscribers")
		mustContain(t, p.Body, "Add a webhook", `action="/statuspage/subscribers/webhook"`, `name="component" value="`+itoa(api.ID)+`"`,
			"Tick none to hear about the whole page")
		// The subscription's picker offers components, not new statuses.
		mustNotContain(t, p.Body, `name="cs_`)

		// Not a webhook URL: refused, said why, form kept, nothing stored.
		for _, bad := range []string{"ftp://hooks.example.net/x", "javascript:alert(1)", "https://user:pw@hooks.example.net/", "hooks.example.net/status"} {
			p = member.post("/statuspage/subscribers/webhook", url.Values{"url": {bad}, "component": {itoa(api.ID)}})
			if p.Status != http.StatusBadRequest {
				t.Fatalf("%q: %d %s", bad, p.Status, excerpt(p.Body))
			}
			mustContain(t, p.Body, "is not a webhook URL: write an http:// or https:// address", `aria-invalid="true"`)
			mustNotContain(t, p.Body, "whsec_")
		}
		mustContain(t, p.Body, `value="hooks.example.net/status"`, `value="`+itoa(api.ID)+`" checked`)
		if got := subscribersOf(t, f, tocsin.SubscriberWebhook); len(got) != 0 {
			t.Fatalf("a refused webhook was stored: %+v", got)
		}

		// Added: confirmed at once, its components kept, the secret shown
		// on the answer with what to do with it.
		hookURL := "https://hooks.example.net/status?key=abc"
		p = member.post("/statuspage/subscribers/webhook", url.Values{"url": {hookURL}, "component": {itoa(api.ID)}})
		if p.Status != http.StatusOK {
			t.Fatalf("add webhook: %d %s", p.Status, excerpt(p.Body))
		}
		hooks := subscribersOf(t, f, tocsin.SubscriberWebhook)
		if len(hooks) != 1 || hooks[0].Address != hookURL || hooks[0].ConfirmedAt.IsZero() || !slices.Equal(hooks[0].ComponentIDs, []int64{api.ID}) {
			t.Fatalf("stored: %+v", hooks)
		}
		secret := hooks[0].Secret
		if !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("secret %q", secret)
		}
		mustContain(t, p.Body, "Webhook https://hooks.example.net/••• added: its signing secret", secret,
			"it is shown only this once", "X-Tocsin-Signature",
			`href="https://github.com/tocsin/tocsin/blob/main/docs/statuspage.md#subscribers"`, "1 subscriber, 1 confirmed.")
		mustNotContain(t, p.Body, "key=abc")

		// Never again: the list shows the hook masked, not its secret.
		p = member.get("/statuspage/subscribers")
		mustContain(t, p.Body, "https://hooks.example.net/•••", ">API<")
		mustNotContain(t, p.Body, secret, "whsec_", "key=abc", "signing secret")

		// The same URL again: refused, the first one untouched.
		p = member.post("/statuspage/subscribers/webhook", url.Values{"url": {hookURL}})
		if p.Status != http.StatusConflict {
			t.Fatalf("duplicate: %d %s", p.Status, excerpt(p.Body))
		}
		mustContain(t, p.Body, "This URL is subscribed already", `value="`+hookURL+`"`)
		mustNotContain(t, p.Body, "whsec_")
		if again := subscribersOf(t, f, tocsin.SubscriberWebhook); len(again) != 1 || again[0].Secret != secret {
			t.Fatalf("after the duplicate: %+v", again)
		}

		// A viewer sees no form and cannot add.
		viewer := newBrowser(t, f.app)
		viewer.login(f.viewer.Email)
		p = viewer.get("/statuspage/subscribers")
		mustNotContain(t, p.Body, "/statuspage/subscribers/webhook", "/statuspage/subscribers/emails")
		if p = viewer.post("/statuspage/subscribers/webhook", url.Values{"url": {"https://viewer.example.net/"}}); p.Status != http.StatusForbidden {
			t.Fatalf("viewer webhook: %d", p.Status)
		}
		if got := subscribersOf(t, f, tocsin.SubscriberWebhook); len(got) != 1 {
			t.Fatalf("viewer added a webhook: %+v", got)
		}
	})
}

func TestStatusSubscriberAddEmails(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine, withEmailRelay(t))
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		addComponent(t, member, url.Values{"name": {"API"}, "showcase": {"on"}})
		api := componentByName(t, f, "API")

		p := member.get("/statuspage/subscribers")
		mustContain(t, p.Body, "Add e-mail addresses", `action="/statuspage/subscribers/emails"`,
			"Each will receive a confirmation e-mail; nobody is subscribed without confirming.")

		// One wrong line adds nothing, and says which.
		typed := "alice@example.com\n\nnot-an-address\nbob@example.org\nCarol <carol@example.com>\n"
		p = member.post("/statuspage/subscribers/emails", url.Values{"addresses": {typed}, "component": {itoa(api.ID)}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("bad line: %d %s", p.Status, excerpt(p.Body))
		}
		mustContain(t, p.Body, "Nothing was added: 2 lines are not e-mail addresses", "Line 3: “not-an-address”",
			"Line 5: “Carol &lt;carol@example.com&gt;”", "alice@example.com\n\nnot-an-address", `value="`+itoa(api.ID)+`" checked`)
		mustNotContain(t, p.Body, "Line 1:", "Line 4:")
		if got := subscribersOf(t, f, tocsin.SubscriberEmail); len(got) != 0 {
			t.Fatalf("a refused list was stored in part: %+v", got)
		}
		if got := confirmations(t, f); len(got) != 0 {
			t.Fatalf("confirmations queued for a refused list: %v", got)
		}

		// Many wrong lines: the first 20 listed, the rest counted.
		wrong := strings.Repeat("nope\n", 25)
		p = member.post("/statuspage/subscribers/emails", url.Values{"addresses": {wrong}})
		mustContain(t, p.Body, "Nothing was added: 25 lines are not e-mail addresses", "Line 20: “nope”", "and 5 more lines.")
		mustNotContain(t, p.Body, "Line 21:")

		// Nothing typed, or too many.
		if p = member.post("/statuspage/subscribers/emails", url.Values{"addresses": {"\n  \n"}}); p.Status != http.StatusBadRequest {
			t.Fatalf("empty: %d", p.Status)
		}
		mustContain(t, p.Body, "Type at least one e-mail address")
		var many []string
		for i := range 501 {
			many = append(many, "user"+itoa(int64(i))+"@example.com")
		}
		if p = member.post("/statuspage/subscribers/emails", url.Values{"addresses": {strings.Join(many, "\n")}}); p.Status != http.StatusBadRequest {
			t.Fatalf("501 lines: %d", p.Status)
		}
		mustContain(t, p.Body, "At most 500 addresses at a time: this list has 501. Nothing was added.")
		if got := subscribersOf(t, f, tocsin.SubscriberEmail); len(got) != 0 {
			t.Fatalf("stored: %+v", got)
		}

		// Added, as many as distinct addresses; each waits for its confirmation.
		p = member.post("/statuspage/subscribers/emails", url.Values{"addresses": {"alice@example.com\r\n\r\n  Bob@Example.org  \r\nalice@example.com\r\n"}, "component": {itoa(api.ID)}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("add: %d %s", p.Status, excerpt(p.Body))
		}
		p = member.follow(p)
		mustContain(t, p.Body, "2 addresses added: each will receive a confirmation e-mail", "2 subscribers, 0 confirmed.", "a•••@example.com", "b•••@example.org")
		emails := subscribersOf(t, f, tocsin.SubscriberEmail)
		if len(emails) != 2 {
			t.Fatalf("stored: %+v", emails)
		}
		for _, s := range emails {
			if !s.ConfirmedAt.IsZero() || !slices.Equal(s.ComponentIDs, []int64{api.ID}) {
				t.Errorf("%s: confirmed %v, components %v", s.Address, s.ConfirmedAt, s.ComponentIDs)
			}
		}
		if got := confirmations(t, f); !slices.Equal(got, []string{"alice@example.com", "bob@example.org"}) {
			t.Fatalf("confirmations: %v", got)
		}

		// Pasted again with one more: only the new one is mailed.
		p = member.follow(member.post("/statuspage/subscribers/emails", url.Values{"addresses": {"alice@example.com\ncarol@example.com"}}))
		mustContain(t, p.Body, "1 address added: it will receive a confirmation e-mail", "1 was on the list already and was left as it is.")
		if got := confirmations(t, f); !slices.Equal(got, []string{"alice@example.com", "bob@example.org", "carol@example.com"}) {
			t.Fatalf("confirmations: %v", got)
		}
		p = member.follow(member.post("/statuspage/subscribers/emails", url.Values{"addresses": {"carol@example.com"}}))
		mustContain(t, p.Body, "Nothing was added: every address is on the list already")

		// A viewer cannot add.
		viewer := newBrowser(t, f.app)
		viewer.login(f.viewer.Email)
		if p = viewer.post("/statuspage/subscribers/emails", url.Values{"addresses": {"dave@example.com"}}); p.Status != http.StatusForbidden {
			t.Fatalf("viewer emails: %d", p.Status)
		}
		if got := subscribersOf(t, f, tocsin.SubscriberEmail); len(got) != 3 {
			t.Fatalf("after the viewer: %+v", got)
		}
	})
}

func TestStatusSubscriberAddInFrench(t *testing.T) {
	f := newFixture(t, "sqlite", withEmailRelay(t))
	u := *f.member
	u.Locale = "fr"
	if err := f.app.DB.UpdateUser(context.Background(), &u, ""); err != nil {
		t.Fatal(err)
	}
	member := newBrowser(t, f.app)
	member.login(f.member.Email)
	p := member.get("/statuspage/subscribers")
	mustContain(t, p.Body, "Ajouter un webhook", "Ajouter des adresses e-mail", "personne n&#39;est abonné sans avoir confirmé")
	p = member.post("/statuspage/subscribers/emails", url.Values{"addresses": {"x"}})
	mustContain(t, p.Body, "Rien n&#39;a été ajouté : 1 ligne n&#39;est pas une adresse e-mail", "Ligne 1 : « x »")
	p = member.post("/statuspage/subscribers/webhook", url.Values{"url": {"https://hooks.example.net/fr"}})
	mustContain(t, p.Body, "Webhook https://hooks.example.net/••• ajouté : son secret de signature")
	mustNotContain(t, p.Body, "status_admin.")
}

// Without an e-mail relay the form is not offered, and a post adds nobody:
// the confirmations would fail and never be sent again.
func TestStatusSubscriberAddEmailsWithoutRelay(t *testing.T) {
	f := newFixture(t, "sqlite")
	member := newBrowser(t, f.app)
	member.login(f.member.Email)
	p := member.get("/statuspage/subscribers")
	mustContain(t, p.Body, "No e-mail relay is configured on this server")
	mustNotContain(t, p.Body, "Add e-mail addresses", `action="/statuspage/subscribers/emails"`)
	p = member.post("/statuspage/subscribers/emails", url.Values{"addresses": {"alice@example.com"}})
	if p.Status != http.StatusConflict {
		t.Fatalf("adding e-mails without a relay: %d", p.Status)
	}
	mustContain(t, p.Body, "the confirmations could not be sent. Nothing was added.")
	if list, err := f.app.DB.Subscribers(context.Background()); err != nil || len(list) != 0 {
		t.Errorf("subscribers after the refusal: %v, %v", list, err)
	}
}
