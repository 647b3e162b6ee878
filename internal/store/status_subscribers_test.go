package store_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// subscriberMessages lists the outbox rows for subscribers, oldest first.
func subscriberMessages(t *testing.T, db *store.DB) []*store.Outgoing {
	t.Helper()
	list, err := db.Notifications(context.Background(), tocsin.NotificationFilter{Kind: tocsin.NotifySubscriber, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list
}

// subscriberToken reads a subscriber's token as members see it.
func subscriberToken(t *testing.T, db *store.DB, address string) string {
	t.Helper()
	list, err := db.Subscribers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Address == address {
			return s.Token
		}
	}
	t.Fatalf("no subscriber %s", address)
	return ""
}

func TestStatusSubscribeEmail(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		_, rest, _, _ := statusComponents(t, db)

		bad := []struct {
			s    tocsin.Subscriber
			says string
		}{
			{tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: "not-an-address"}, "not an e-mail address"},
			{tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: "Eve <eve@example.com>"}, "not an e-mail address"},
			{tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: strings.Repeat("a", 250) + "@example.com"}, "not an e-mail address"},
			{tocsin.Subscriber{Kind: "pigeon", Address: "x"}, "Unknown subscription"},
			{tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: "file:///etc/passwd"}, "http:// or https://"},
			{tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: "a@example.com", ComponentIDs: []int64{9999}}, "does not exist"},
			{tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: "a@example.com", ComponentIDs: make([]int64, 101)}, "at most 100"},
			{tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: "a@example.com", Locale: "xx"}, "Unknown language"},
		}
		for _, b := range bad {
			s := b.s
			wantCode(t, db.Subscribe(ctx, &s, t0), tocsin.EINVALID, b.says)
		}
		if list, _ := db.Subscribers(ctx); len(list) != 0 || len(subscriberMessages(t, db)) != 0 {
			t.Fatalf("refused subscriptions wrote something: %+v", list)
		}

		// A new address: unconfirmed, a confirmation queued; the answer carries no token.
		s := &tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: " Ada@Example.com ", ComponentIDs: []int64{rest.ID}}
		if err := db.Subscribe(ctx, s, t0); err != nil {
			t.Fatal(err)
		}
		if s.ID == 0 || s.Token != "" || !s.ConfirmedAt.IsZero() || s.Address != "ada@example.com" {
			t.Fatalf("subscribe answered %+v", s)
		}
		token := subscriberToken(t, db, "ada@example.com")
		msgs := subscriberMessages(t, db)
		if len(msgs) != 1 {
			t.Fatalf("%d messages, want one confirmation", len(msgs))
		}
		m := msgs[0]
		if m.Key != fmt.Sprintf("sub/%d/confirm/1", s.ID) || m.Ref != "confirm" || m.Type != tocsin.ContactEmail || m.Destination != "ada@example.com" ||
			m.Status != tocsin.NotificationPending || m.SubscriberID != s.ID || m.Token != token || len(token) < 32 || m.Locale != "en" || !m.NextAttemptAt.Equal(t0) {
			t.Fatalf("confirmation row = %+v", m)
		}

		// Again within the minute: nothing more; after it: sent again.
		again := &tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: "ada@example.com"}
		if err := db.Subscribe(ctx, again, t0.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		if len(subscriberMessages(t, db)) != 1 {
			t.Fatal("a second subscription within a minute re-sent the confirmation")
		}
		if err := db.Subscribe(ctx, again, t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if msgs := subscriberMessages(t, db); len(msgs) != 2 || msgs[1].Key != fmt.Sprintf("sub/%d/confirm/2", s.ID) {
			t.Fatalf("re-sent confirmation: %+v", msgs)
		}

		// Confirmed by its link, twice; then subscribing again changes nothing visible.
		if _, err := db.ConfirmSubscriber(ctx, "wrong", t0); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("unknown token: %v", err)
		}
		got, err := db.ConfirmSubscriber(ctx, token, t0.Add(3*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if !got.ConfirmedAt.Equal(t0.Add(3*time.Minute)) || len(got.ComponentIDs) != 0 {
			t.Fatalf("confirmed = %+v (the second subscription chose the whole page)", got)
		}
		if got, _ = db.ConfirmSubscriber(ctx, token, t0.Add(time.Hour)); !got.ConfirmedAt.Equal(t0.Add(3 * time.Minute)) {
			t.Fatalf("confirming again moved the date: %v", got.ConfirmedAt)
		}
		third := &tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: "ada@example.com", ComponentIDs: []int64{rest.ID}}
		if err := db.Subscribe(ctx, third, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if third.Token != "" || !third.ConfirmedAt.IsZero() || len(subscriberMessages(t, db)) != 2 {
			t.Fatalf("a confirmed address answered differently: %+v", third)
		}
		if got, _ := db.SubscriberByToken(ctx, token); len(got.ComponentIDs) != 0 {
			t.Fatal("a stranger changed a confirmed subscription's components")
		}

		// Unsubscribe: gone, with its messages; again: not found.
		gone, err := db.Unsubscribe(ctx, token, t0.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if gone.Address != "ada@example.com" {
			t.Fatalf("unsubscribed %+v", gone)
		}
		if _, err := db.Unsubscribe(ctx, token, t0.Add(2*time.Hour)); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("second unsubscribe: %v", err)
		}
		if list, _ := db.Subscribers(ctx); len(list) != 0 || len(subscriberMessages(t, db)) != 0 {
			t.Fatal("the subscriber or its messages remain")
		}
	})
}

func TestStatusSubscribeWebhook(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		s := &tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: "https://hooks.example.com/status", Locale: "fr"}
		if err := db.Subscribe(ctx, s, t0); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s.Secret, "whsec_") || s.Token == "" || !s.ConfirmedAt.Equal(t0) {
			t.Fatalf("webhook subscriber = %+v", s)
		}
		dup := &tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: "https://hooks.example.com/status"}
		wantCode(t, db.Subscribe(ctx, dup, t0), tocsin.ECONFLICT, "subscribed already")
		if len(subscriberMessages(t, db)) != 0 {
			t.Fatal("a webhook got a confirmation message")
		}
		if err := db.DeleteSubscriber(ctx, s.ID, sam.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteSubscriber(ctx, s.ID, sam.ID, t0); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
		events, _ := db.StatusEvents(ctx, 0, 10)
		if len(events) == 0 || events[0].Action != "subscriber.deleted" || events[0].ActorName != "Sam" {
			t.Fatalf("events = %+v", events)
		}
	})
}

// Each confirmed subscriber who cares hears about a notified update exactly
// once: whole-page ones always, component ones when one of theirs (or its
// group) is affected, unconfirmed ones never.
func TestStatusFanOut(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)
		api, rest, _, web := statusComponents(t, db)
		subscribe := func(kind tocsin.SubscriberKind, address string, confirm bool, components ...int64) *tocsin.Subscriber {
			s := &tocsin.Subscriber{Kind: kind, Address: address, ComponentIDs: components}
			if err := db.Subscribe(ctx, s, t0); err != nil {
				t.Fatal(err)
			}
			if confirm && kind == tocsin.SubscriberEmail {
				if _, err := db.ConfirmSubscriber(ctx, subscriberToken(t, db, address), t0); err != nil {
					t.Fatal(err)
				}
			}
			return s
		}
		whole := subscribe(tocsin.SubscriberEmail, "whole@example.com", true)
		webOnly := subscribe(tocsin.SubscriberEmail, "web@example.com", true, web.ID)
		group := subscribe(tocsin.SubscriberEmail, "group@example.com", true, api.ID)
		direct := subscribe(tocsin.SubscriberEmail, "rest@example.com", true, rest.ID)
		subscribe(tocsin.SubscriberEmail, "unconfirmed@example.com", false)
		hook := subscribe(tocsin.SubscriberWebhook, "https://hooks.example.com/x", true)
		confirmations := len(subscriberMessages(t, db))

		inc := &tocsin.StatusIncident{Name: "REST down"}
		first := &tocsin.StatusUpdate{Body: "Investigating.", Notify: true, Changes: []tocsin.ComponentChange{{ComponentID: rest.ID, New: tocsin.ComponentMajor}}}
		if err := db.CreateStatusIncident(ctx, inc, first, sam.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		quiet := &tocsin.StatusUpdate{Body: "Still looking (not notified)."}
		if err := db.PostStatusUpdate(ctx, inc.ID, quiet, sam.ID, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		res := &tocsin.StatusUpdate{Status: tocsin.IncidentResolved, Body: "Fixed.", Notify: true}
		if err := db.PostStatusUpdate(ctx, inc.ID, res, sam.ID, t0.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}

		got := map[string]int{}
		for _, m := range subscriberMessages(t, db)[confirmations:] {
			got[m.Destination+" "+m.Ref]++
			if m.Key != fmt.Sprintf("sub/%d/%s", m.SubscriberID, strings.Replace(m.Ref, ":", "/", 1)) || m.Status != tocsin.NotificationPending {
				t.Fatalf("row %+v", m)
			}
			if m.SubscriberID == hook.ID && (m.Secret != hook.Secret || m.Type != tocsin.ContactWebhook || m.Token != hook.Token) {
				t.Fatalf("webhook row %+v", m)
			}
		}
		want := map[string]int{}
		for _, s := range []*tocsin.Subscriber{whole, group, direct, hook} {
			for _, u := range []*tocsin.StatusUpdate{first, res} {
				want[fmt.Sprintf("%s update:%d", s.Address, u.ID)] = 1
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("messages\n got %v\nwant %v", got, want)
		}
		_ = webOnly

		// Deleting the incident cancels what was not sent yet.
		if err := db.DeleteStatusIncident(ctx, inc.ID, sam.ID, t0.Add(4*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, m := range subscriberMessages(t, db)[confirmations:] {
			if m.Status != tocsin.NotificationCancelled {
				t.Fatalf("after the delete, row %s is %s", m.Key, m.Status)
			}
		}
	})
}
