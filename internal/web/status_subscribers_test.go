package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
	"github.com/tocsin/tocsin/internal/web"
)

func TestStatusSubscribers(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		addComponent(t, member, url.Values{"name": {"API"}, "showcase": {"on"}})
		api := componentByName(t, f, "API")

		p := member.get("/statuspage/subscribers")
		mustContain(t, p.Body, "0 subscribers, 0 confirmed.", "No subscriber yet")
		// This server has no SMTP relay: members are told what that means.
		mustContain(t, p.Body, "No e-mail relay is configured on this server (--smtp-host): e-mail subscribers receive nothing")

		now := f.app.Clock.Now()
		email := &tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: "alice.martin@example.com", ComponentIDs: []int64{api.ID}}
		hook := &tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: "https://hooks.example.net/t/s3cr3t-path?key=abc"}
		for _, s := range []*tocsin.Subscriber{email, hook} {
			if err := f.app.DB.Subscribe(ctx, s, now); err != nil {
				t.Fatal(err)
			}
		}
		list, err := f.app.DB.Subscribers(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("subscribers: %v %v", list, err)
		}
		p = member.get("/statuspage/subscribers")
		mustContain(t, p.Body, "2 subscribers, 1 confirmed.", "a•••@example.com", "https://hooks.example.net/•••",
			"waiting for confirmation", "confirmed", "Whole page", ">API<", "E-mail", "Webhook")
		// Neither the addresses, nor the tokens, nor the webhook's secret.
		secrets := []string{"alice.martin", "s3cr3t-path", "key=abc"}
		for _, s := range list {
			secrets = append(secrets, s.Token)
			if s.Secret != "" {
				secrets = append(secrets, s.Secret)
			}
		}
		mustNotContain(t, p.Body, secrets...)

		// A viewer sees the list, not the delete buttons, and cannot delete.
		viewer := newBrowser(t, f.app)
		viewer.login(f.viewer.Email)
		p = viewer.get("/statuspage/subscribers")
		mustContain(t, p.Body, "a•••@example.com")
		mustNotContain(t, p.Body, "/delete")
		if p = viewer.post("/statuspage/subscribers/"+itoa(list[0].ID)+"/delete", nil); p.Status != http.StatusForbidden {
			t.Fatalf("viewer delete: %d", p.Status)
		}

		// Deleted; an unknown one is 404.
		p = member.post("/statuspage/subscribers/"+itoa(list[0].ID)+"/delete", nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d %s", p.Status, excerpt(p.Body))
		}
		p = member.follow(p)
		mustContain(t, p.Body, "Subscriber removed.", "1 subscriber, ")
		if p = member.post("/statuspage/subscribers/"+itoa(list[0].ID)+"/delete", nil); p.Status != http.StatusNotFound {
			t.Fatalf("deleted again: %d", p.Status)
		}
		p = member.get("/statuspage/timeline")
		mustContain(t, p.Body, "subscriber.deleted")
	})
}

// TestStatusChangedHook checks that every public change made from the admin
// pages calls Options.StatusChanged once, and that a refused one or a
// subscriber's removal does not: the public page re-renders when, and only
// when, what it shows changed.
func TestStatusChangedHook(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		clock := testkit.NewClock(testkit.Epoch)
		var calls atomic.Int64
		h, err := web.New(web.Options{DB: db, Clock: clock, StatusChanged: func() { calls.Add(1) }})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		h.Routes(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		u := &tocsin.User{Email: "max@example.com", Name: "Max Member", Role: tocsin.RoleMember}
		if err := db.CreateUser(ctx, u, testPassword, clock.Now()); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, &testkit.App{URL: srv.URL})
		b.login(u.Email)

		want := int64(0)
		step := func(what string, p page, public bool) {
			t.Helper()
			if public {
				want++
			}
			if got := calls.Load(); got != want {
				t.Fatalf("%s (%d): StatusChanged called %d times, want %d", what, p.Status, got, want)
			}
		}
		step("refused component", b.post("/statuspage/components", url.Values{"name": {""}}), false)
		step("component", b.post("/statuspage/components", url.Values{"name": {"API"}}), true)
		step("second component", b.post("/statuspage/components", url.Values{"name": {"Web"}}), true)
		list, err := db.Components(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("components: %v %v", list, err)
		}
		id := itoa(list[0].ID)
		step("status", b.post("/statuspage/components/"+id+"/status", url.Values{"status": {"major_outage"}}), true)
		step("refused status", b.post("/statuspage/components/"+id+"/status", url.Values{"status": {"nope"}}), false)
		step("move", b.post("/statuspage/components/"+id+"/move", url.Values{"dir": {"down"}}), true)
		step("edit", b.post("/statuspage/components/"+id, url.Values{"name": {"Public API"}}), true)
		step("settings", b.post("/statuspage/settings", url.Values{"name": {"Acme"}, "language": {"en"}, "time_zone": {"UTC"}}), true)
		step("refused settings", b.post("/statuspage/settings", url.Values{"name": {"Acme"}, "accent_color": {"red"}}), false)
		step("incident", b.post("/statuspage/incidents", url.Values{"name": {"Down"}, "body": {"Looking."}, "cs_" + id: {"major_outage"}}), true)
		incidents, err := db.StatusIncidents(ctx, store.StatusIncidentFilter{})
		if err != nil || len(incidents) != 1 {
			t.Fatalf("incidents: %v %v", incidents, err)
		}
		base := "/statuspage/incidents/" + itoa(incidents[0].ID)
		step("update", b.post(base+"/updates", url.Values{"status": {"resolved"}, "body": {"Fixed."}}), true)
		step("refused update", b.post(base+"/updates", url.Values{"body": {""}}), false)
		step("incident edit", b.post(base, url.Values{"name": {"Down for an hour"}, "impact": {"major"}}), true)
		step("unconfirmed delete", b.post(base+"/delete", nil), false)
		step("delete", b.post(base+"/delete", url.Values{"confirm": {"yes"}}), true)
		step("component delete", b.post("/statuspage/components/"+id+"/delete", nil), true)
		if err := db.Subscribe(ctx, &tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: "https://example.net/hook"}, clock.Now()); err != nil {
			t.Fatal(err)
		}
		subs, err := db.Subscribers(ctx)
		if err != nil || len(subs) != 1 {
			t.Fatalf("subscribers: %v %v", subs, err)
		}
		step("subscriber delete", b.post("/statuspage/subscribers/"+itoa(subs[0].ID)+"/delete", nil), false)
	})
}

// With an SMTP relay, no warning about e-mail subscribers.
func TestStatusSubscribersWithEmailRelay(t *testing.T) {
	app := testkit.Start(t, "sqlite", withEmailRelay(t))
	app.CreateUser("max@example.com", "Max Member", tocsin.RoleMember, testPassword)
	member := newBrowser(t, app)
	member.login("max@example.com")
	p := member.get("/statuspage/subscribers")
	mustContain(t, p.Body, "0 subscribers, 0 confirmed.")
	mustNotContain(t, p.Body, "No e-mail relay")
}
