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
		for i := range 5 {
			ids = append(ids, apply(t, db, integ, t0, event(tocsin.ActionTrigger, fmt.Sprint("k", i), "Disk full"))[0].AlertID)
		}

		if _, err := db.LastPagedAlert(ctx, alice.ID, phone, t0.Add(-24*time.Hour)); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("never paged: %v", err)
		}
		// Pages: ids[0] sent at t0, ids[1] to Bob later, ids[2] pending (never
		// sent), ids[3] and ids[4] bundled in one message at t0+2m.
		page := func(alertID int64, u *tocsin.User, dest string) *tocsin.Notification {
			n := &tocsin.Notification{Key: fmt.Sprint("page/", alertID, "/", u.ID), Kind: tocsin.NotifyPage, AlertID: alertID, UserID: u.ID,
				ContactMethodID: sms.ID, Type: tocsin.ContactSMS, Destination: dest, NextAttemptAt: t0.Add(time.Hour)}
			if _, err := db.Enqueue(ctx, n, t0); err != nil {
				t.Fatal(err)
			}
			return n
		}
		send := func(at time.Time, outcomes ...store.Outcome) {
			t.Helper()
			claim, _, err := db.ClaimDue(ctx, t0.Add(time.Hour), time.Minute, 100)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Record(ctx, claim, outcomes, at); err != nil {
				t.Fatal(err)
			}
		}
		first := page(ids[0], alice, phone)
		send(t0, store.Outcome{ID: first.ID, Status: tocsin.NotificationSent})
		other := page(ids[1], bob, "+33698765432")
		send(t0.Add(time.Minute), store.Outcome{ID: other.ID, Status: tocsin.NotificationSent})
		page(ids[2], alice, phone)
		m3, m4 := page(ids[3], alice, phone), page(ids[4], alice, phone)
		bundle := &tocsin.Notification{Key: "bundle/1", Kind: tocsin.NotifyBundle, UserID: alice.ID, Type: tocsin.ContactSMS, Destination: phone, NextAttemptAt: t0.Add(time.Hour)}
		if _, err := db.Enqueue(ctx, bundle, t0); err != nil {
			t.Fatal(err)
		}
		if got, err := db.LastPagedAlert(ctx, alice.ID, phone, t0.Add(-time.Hour)); err != nil || got != ids[0] {
			t.Errorf("last paged: %d %v, want %d (Bob's page, the pending one are not hers)", got, err, ids[0])
		}
		// Claimed together with the pending page of ids[2]: that one fails.
		claimAt := t0.Add(2 * time.Minute)
		claim, rows, err := db.ClaimDue(ctx, t0.Add(time.Hour), time.Minute, 100)
		if err != nil || len(rows) != 4 {
			t.Fatalf("claim: %d rows %v", len(rows), err)
		}
		if err := db.Record(ctx, claim, []store.Outcome{
			{ID: bundle.ID, Status: tocsin.NotificationSent},
			{ID: m4.ID, Status: tocsin.NotificationBundled, BundleID: bundle.ID},
			{ID: m3.ID, Status: tocsin.NotificationBundled, BundleID: bundle.ID},
			{ID: rows[0].ID, Status: tocsin.NotificationFailed, Error: "refused"},
		}, claimAt); err != nil {
			t.Fatal(err)
		}

		if got, err := db.LastPagedAlert(ctx, alice.ID, phone, t0.Add(-time.Hour)); err != nil || got != ids[4] {
			t.Errorf("last paged after the bundle: %d %v, want %d", got, err, ids[4])
		}
		if _, err := db.LastPagedAlert(ctx, alice.ID, phone, claimAt.Add(time.Second)); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Errorf("since after the last page: %v", err)
		}
		if _, err := db.LastPagedAlert(ctx, alice.ID, "+33600000000", t0.Add(-time.Hour)); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Errorf("another number: %v", err)
		}

		members, err := db.BundleMembers(ctx, bundle.ID)
		if err != nil || !slices.Equal(members, []int64{ids[3], ids[4]}) {
			t.Errorf("members: %v %v, want %v", members, err, ids[3:])
		}
		if n, first, err := db.BundleTriggered(ctx, bundle.ID); err != nil || n != 2 || first != ids[3] {
			t.Errorf("triggered: %d %d %v", n, first, err)
		}
		if _, err := db.ActOnAlerts(ctx, []int64{ids[3]}, store.AlertAction{Action: tocsin.ActionAcknowledge, Actor: "Alice", Channel: tocsin.ChannelSMS}, t0); err != nil {
			t.Fatal(err)
		}
		if n, first, err := db.BundleTriggered(ctx, bundle.ID); err != nil || n != 1 || first != ids[4] {
			t.Errorf("triggered after one ack: %d %d %v", n, first, err)
		}
		if members, err := db.BundleMembers(ctx, first.ID); err != nil || len(members) != 0 {
			t.Errorf("a page is no bundle: %v %v", members, err)
		}
		if n, first, err := db.BundleTriggered(ctx, 0); err != nil || n != 0 || first != 0 {
			t.Errorf("no bundle: %d %d %v", n, first, err)
		}
	})
}
