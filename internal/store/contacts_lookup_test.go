package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// addContact gives a person a contact method, verified or not.
func addContact(t *testing.T, db *store.DB, u *tocsin.User, name string, typ tocsin.ContactType, value string, verified bool) *tocsin.ContactMethod {
	t.Helper()
	c := &tocsin.ContactMethod{UserID: u.ID, Name: name, Type: typ, Value: value}
	if err := db.CreateContactMethod(context.Background(), c, t0); err != nil {
		t.Fatal(err)
	}
	if verified {
		if err := db.MarkContactVerified(context.Background(), u.ID, c.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func addUser(t *testing.T, db *store.DB, email, name string) *tocsin.User {
	t.Helper()
	u := &tocsin.User{Email: email, Name: name}
	if err := db.CreateUser(context.Background(), u, "a-long-password", t0); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUserByVerifiedContact(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		alice, bob, carol := addUser(t, db, "alice@example.com", "Alice"), addUser(t, db, "bob@example.com", "Bob"), addUser(t, db, "carol@example.com", "Carol")
		addContact(t, db, alice, "mobile", tocsin.ContactSMS, "+33 6 12 34 56 78", true)
		addContact(t, db, alice, "slack", tocsin.ContactSlack, "U0ALICE", true)
		addContact(t, db, bob, "mobile", tocsin.ContactSMS, "+33698765432", false)
		addContact(t, db, bob, "voice", tocsin.ContactVoice, "+33698765432", true)
		// A shared phone, verified by two people.
		addContact(t, db, alice, "desk", tocsin.ContactSMS, "+33140000000", true)
		addContact(t, db, carol, "desk", tocsin.ContactSMS, "+33140000000", true)

		for _, c := range []struct {
			typ   tocsin.ContactType
			value string
			want  *tocsin.User
			code  string
		}{
			{tocsin.ContactSMS, "+33612345678", alice, ""},
			{tocsin.ContactSMS, "0033 6 12 34 56 78", alice, ""}, // normalised as the method was
			{tocsin.ContactSlack, "u0alice", alice, ""},
			{tocsin.ContactSMS, "+33698765432", nil, tocsin.ENOTFOUND}, // Bob's SMS is not verified; his voice number is another type
			{tocsin.ContactSlack, "U0BOB", nil, tocsin.ENOTFOUND},
			{tocsin.ContactSMS, "not a number", nil, tocsin.ENOTFOUND},
			{tocsin.ContactSMS, "", nil, tocsin.ENOTFOUND},
			{tocsin.ContactSMS, "+33140000000", nil, tocsin.ECONFLICT},
		} {
			u, err := db.UserByVerifiedContact(ctx, c.typ, c.value)
			if c.want != nil {
				if err != nil || u.ID != c.want.ID {
					t.Errorf("%s %q: %v %v, want %s", c.typ, c.value, u, err, c.want.Name)
				}
				continue
			}
			if tocsin.ErrorCode(err) != c.code {
				t.Errorf("%s %q: %v %v, want %s", c.typ, c.value, u, err, c.code)
			}
		}
		if u, err := db.UserByVerifiedPhone(ctx, "+33612345678"); err != nil || u.ID != alice.ID || u.Name != "Alice" {
			t.Errorf("by phone: %+v %v", u, err)
		}
	})
}

func TestLastPagedAlertAndBundles(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		integ := fixture(t, db)
		alice, bob := addUser(t, db, "alice@example.com", "Alice"), addUser(t, db, "bob@example.com", "Bob")
		phone := "+33612345678"
		sms := addContact(t, db, alice, "mobile", tocsin.ContactSMS, phone, true)
		var ids []int64
		for i := range 6 {
			ids = append(ids, apply(t, db, integ, t0, event(tocsin.ActionTrigger, fmt.Sprint("k", i), "Disk full"))[0].AlertID)
		}
		since := t0.Add(-24 * time.Hour)
		if _, err := db.LastPagedAlert(ctx, alice.ID, phone, since); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("never paged: %v", err)
		}
		// Pages are queued for later, then claimed and recorded as the engine does.
		page := func(alertID int64, u *tocsin.User, dest string) *tocsin.Notification {
			n := &tocsin.Notification{Key: fmt.Sprint("page/", alertID, "/", u.ID), Kind: tocsin.NotifyPage, AlertID: alertID, UserID: u.ID,
				ContactMethodID: sms.ID, Type: tocsin.ContactSMS, Destination: dest, NextAttemptAt: t0.Add(time.Hour)}
			if _, err := db.Enqueue(ctx, n, t0); err != nil {
				t.Fatal(err)
			}
			return n
		}
		record := func(at time.Time, outcomes ...store.Outcome) {
			t.Helper()
			claim, _, err := db.ClaimDue(ctx, t0.Add(time.Hour), time.Minute, 100)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Record(ctx, claim, outcomes, at); err != nil {
				t.Fatal(err)
			}
		}
		// ids[0] alone at t0; ids[1] to Bob a minute later.
		first := page(ids[0], alice, phone)
		record(t0, store.Outcome{ID: first.ID, Status: tocsin.NotificationSent})
		other := page(ids[1], bob, "+33698765432")
		record(t0.Add(time.Minute), store.Outcome{ID: other.ID, Status: tocsin.NotificationSent})
		// ids[2] never sent; ids[3], ids[4], ids[5] in one message at t0+2m, headed by ids[3].
		failed := page(ids[2], alice, phone)
		head, m4, m5 := page(ids[3], alice, phone), page(ids[4], alice, phone), page(ids[5], alice, phone)
		if got, err := db.LastPagedAlert(ctx, alice.ID, phone, since); err != nil || got != ids[0] {
			t.Errorf("last paged: %d %v, want %d (Bob's page and pending ones are not hers)", got, err, ids[0])
		}
		at := t0.Add(2 * time.Minute)
		record(at,
			store.Outcome{ID: failed.ID, Status: tocsin.NotificationFailed, Error: "refused"},
			store.Outcome{ID: head.ID, Status: tocsin.NotificationSent},
			store.Outcome{ID: m4.ID, Status: tocsin.NotificationBundled, BundleID: head.ID},
			store.Outcome{ID: m5.ID, Status: tocsin.NotificationBundled, BundleID: head.ID})

		// The last message named ids[3], the bundle's first.
		if got, err := db.LastPagedAlert(ctx, alice.ID, phone, since); err != nil || got != ids[3] {
			t.Errorf("last paged after the bundle: %d %v, want %d", got, err, ids[3])
		}
		if _, err := db.LastPagedAlert(ctx, alice.ID, phone, at.Add(time.Second)); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Errorf("since after the last page: %v", err)
		}
		if _, err := db.LastPagedAlert(ctx, alice.ID, "+33600000000", since); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Errorf("another number: %v", err)
		}

		for _, c := range []struct {
			row  int64
			want []int64
		}{{head.ID, ids[3:]}, {first.ID, ids[:1]}, {m4.ID, ids[4:5]}, {0, nil}, {999999, nil}} {
			if got, err := db.BundleMembers(ctx, c.row); err != nil || !slices.Equal(got, c.want) {
				t.Errorf("members of row %d: %v %v, want %v", c.row, got, err, c.want)
			}
		}
		// A reply naming the bundle's first alert stands for all of it; naming
		// another of its alerts, or an alert never paged there, for that one.
		for _, c := range []struct {
			alert int64
			since time.Time
			want  []int64
		}{{ids[3], since, ids[3:]}, {ids[4], since, ids[4:5]}, {ids[0], since, ids[:1]}, {ids[1], since, ids[1:2]}, {ids[3], at.Add(time.Second), ids[3:4]}} {
			if got, err := db.PagedTogether(ctx, alice.ID, phone, c.alert, c.since); err != nil || !slices.Equal(got, c.want) {
				t.Errorf("paged together with %d: %v %v, want %v", c.alert, got, err, c.want)
			}
		}

		if n, first, err := db.BundleTriggered(ctx, head.ID); err != nil || n != 3 || first != ids[3] {
			t.Errorf("triggered: %d %d %v", n, first, err)
		}
		if _, err := db.ActOnAlerts(ctx, ids[3:4], store.AlertAction{Action: tocsin.ActionAcknowledge, Actor: "Alice", Channel: tocsin.ChannelSMS}, t0); err != nil {
			t.Fatal(err)
		}
		if n, first, err := db.BundleTriggered(ctx, head.ID); err != nil || n != 2 || first != ids[4] {
			t.Errorf("triggered after one ack: %d %d %v", n, first, err)
		}
		if n, first, err := db.BundleTriggered(ctx, 0); err != nil || n != 0 || first != 0 {
			t.Errorf("no row: %d %d %v", n, first, err)
		}
	})
}
