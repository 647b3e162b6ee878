package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/testkit"
)

func TestAcknowledgementLink(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newPagingFixture(t, engine)
		ctx := context.Background()
		alert := func(id int64) *tocsin.Alert {
			a, err := f.app.DB.Alert(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		id := f.trigger(t, tocsin.AlertEvent{Summary: "Checkout is down", DedupKey: "down", Priority: tocsin.P1, Source: "lb1"})
		token := f.links.Sign(id, f.member.ID, tocsin.ChannelEmail, f.app.Clock.Now().Add(notify.AckLinkLifetime))
		anon := newBrowser(t, f.web) // the link opens in a browser that never signed in

		// GET shows and changes nothing, however often a scanner fetches it.
		for range 3 {
			p := anon.get("/ack/" + token)
			if p.Status != http.StatusOK {
				t.Fatalf("GET: %d: %s", p.Status, excerpt(p.Body))
			}
			mustContain(t, p.Body, "Checkout is down", "Paged: Max Member", `name="action" value="acknowledge"`, `name="action" value="resolve"`,
				`action="/ack/`+token+`"`, `href="/alerts/`+itoa(id)+`"`)
			if p.Header.Get("Referrer-Policy") != "no-referrer" || p.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v", p.Header)
			}
		}
		if a := alert(id); a.Status != tocsin.StatusTriggered {
			t.Fatalf("GET changed the alert: %s", a.Status)
		}

		// From another site, the POST is refused.
		if p := anon.post("/ack/"+token, url.Values{"action": {"acknowledge"}}, "Sec-Fetch-Site: cross-site"); p.Status != http.StatusForbidden {
			t.Errorf("cross-site POST: %d", p.Status)
		}
		if p := anon.post("/ack/"+token, url.Values{"action": {"snooze"}}); p.Status != http.StatusBadRequest {
			t.Errorf("unknown action: %d", p.Status)
		}
		if a := alert(id); a.Status != tocsin.StatusTriggered {
			t.Fatalf("a refused POST changed the alert: %s", a.Status)
		}

		// POST acknowledges, as the person the link names, through e-mail.
		wakes := f.wakes.Load()
		p := anon.post("/ack/"+token, url.Values{"action": {"acknowledge"}})
		if p.Status != http.StatusSeeOther || p.Location != "/ack/"+token {
			t.Fatalf("POST: %d %s: %s", p.Status, p.Location, excerpt(p.Body))
		}
		mustContain(t, anon.follow(p).Body, "Acknowledged. Nobody else will be paged for it.", "Max Member via")
		a := alert(id)
		if a.Status != tocsin.StatusAcknowledged || a.AckedBy != f.member.Name || a.AckChannel != tocsin.ChannelEmail {
			t.Errorf("after POST: %s by %q via %q", a.Status, a.AckedBy, a.AckChannel)
		}
		if f.wakes.Load() == wakes {
			t.Error("acknowledging did not wake the engine")
		}
		mustContain(t, anon.follow(anon.post("/ack/"+token, url.Values{"action": {"acknowledge"}})).Body, "already in that state")
		mustContain(t, anon.follow(anon.post("/ack/"+token, url.Values{"action": {"resolve"}})).Body, "Resolved.", "nothing left to do")
		if a := alert(id); a.Status != tocsin.StatusResolved || a.ResolvedBy != f.member.Name || a.ResolveChannel != tocsin.ChannelEmail {
			t.Errorf("after resolve: %s by %q via %q", a.Status, a.ResolvedBy, a.ResolveChannel)
		}

		// A link that came by push is recorded as acted on from the push.
		pushed := f.trigger(t, tocsin.AlertEvent{Summary: "Queue is stuck", DedupKey: "queue", Priority: tocsin.P1})
		pushToken := f.links.Sign(pushed, f.member.ID, tocsin.ChannelPush, f.app.Clock.Now().Add(time.Hour))
		anon.post("/ack/"+pushToken, url.Values{"action": {"acknowledge"}})
		if a := alert(pushed); a.Status != tocsin.StatusAcknowledged || a.AckChannel != tocsin.ChannelPush {
			t.Errorf("after a push link: %s via %q", a.Status, a.AckChannel)
		}

		// Every bad link gets the same 404, for GET and POST alike, and changes nothing.
		other := f.trigger(t, tocsin.AlertEvent{Summary: "Other", DedupKey: "other", Priority: tocsin.P2})
		forged := f.links.Sign(other, f.member.ID, tocsin.ChannelEmail, f.app.Clock.Now().Add(time.Hour))
		forged = forged[:len(forged)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(forged, "AA")]
		elsewhere := notify.LinkSigner{Key: []byte("another server's key")}.Sign(other, f.member.ID, tocsin.ChannelEmail, f.app.Clock.Now().Add(time.Hour))
		viewer := f.links.Sign(other, f.viewer.ID, tocsin.ChannelEmail, f.app.Clock.Now().Add(time.Hour))
		gone := f.links.Sign(other, 999999, tocsin.ChannelEmail, f.app.Clock.Now().Add(time.Hour))
		noAlert := f.links.Sign(999999, f.member.ID, tocsin.ChannelEmail, f.app.Clock.Now().Add(time.Hour))
		soon := f.links.Sign(other, f.member.ID, tocsin.ChannelEmail, f.app.Clock.Now().Add(time.Hour))
		f.app.Clock.Advance(2 * time.Hour)
		for name, bad := range map[string]string{"forged": forged, "other key": elsewhere, "viewer": viewer, "no such user": gone,
			"no such alert": noAlert, "expired": soon, "garbage": "not-a-token", "long": strings.Repeat("A", 300)} {
			for _, p := range []page{anon.get("/ack/" + bad), anon.post("/ack/"+bad, url.Values{"action": {"acknowledge"}})} {
				if p.Status != http.StatusNotFound || !strings.Contains(p.Body, "This link is not valid or has expired.") {
					t.Errorf("%s: %d: %s", name, p.Status, excerpt(p.Body))
				}
				mustNotContain(t, p.Body, "Other")
			}
		}
		if a := alert(other); a.Status != tocsin.StatusTriggered {
			t.Errorf("a bad link changed the alert: %s", a.Status)
		}
	})
}

func TestAcknowledgementLinkSpeaksThePersonsLanguage(t *testing.T) {
	f := newPagingFixture(t, "sqlite")
	u := *f.member
	u.Locale = "fr"
	if err := f.app.DB.UpdateUser(context.Background(), &u, ""); err != nil {
		t.Fatal(err)
	}
	id := f.trigger(t, tocsin.AlertEvent{Summary: "Base lente", DedupKey: "slow", Priority: tocsin.P2})
	token := f.links.Sign(id, f.member.ID, tocsin.ChannelEmail, f.app.Clock.Now().Add(time.Hour))
	anon := newBrowser(t, f.web)
	mustContain(t, anon.get("/ack/"+token).Body, "Prendre en compte", "Alerté : Max Member")
	mustContain(t, anon.follow(anon.post("/ack/"+token, url.Values{"action": {"acknowledge"}})).Body, "Prise en compte.")
}
