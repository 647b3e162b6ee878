package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// verifiedMethod gives a user a verified contact method.
func verifiedMethod(t *testing.T, f *pagingFixture, userID int64, name string, typ tocsin.ContactType, value string) *tocsin.ContactMethod {
	t.Helper()
	c := &tocsin.ContactMethod{UserID: userID, Name: name, Type: typ, Value: value}
	ctx := context.Background()
	if err := f.app.DB.CreateContactMethod(ctx, c, f.app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.app.DB.MarkContactVerified(ctx, userID, c.ID, f.app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNotificationRules(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newPagingFixture(t, engine)
		m := newBrowser(t, f.web)
		m.login(f.member.Email)
		mustContain(t, m.get("/profile").Body, "Add a contact method first.")

		sms := verifiedMethod(t, f, f.member.ID, "mobile", tocsin.ContactSMS, "+33612345678")
		mail := &tocsin.ContactMethod{UserID: f.member.ID, Name: "work", Type: tocsin.ContactEmail, Value: "max@example.com"}
		if err := f.app.DB.CreateContactMethod(context.Background(), mail, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		rules := func() []tocsin.NotificationRule {
			r, err := f.app.DB.NotificationRules(context.Background(), f.member.ID)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		add := func(urgency string, c *tocsin.ContactMethod, delay string) page {
			return m.post("/profile/rules", url.Values{"urgency": {urgency}, "contact": {fmt.Sprint(c.ID)}, "delay": {delay}})
		}

		// The method select marks what is not verified.
		p := m.get("/profile")
		mustContain(t, p.Body, "High urgency (P1–P2)", "Low urgency (P3–P5)", ">work (not verified)</option>", "only by e-mail to max@example.com")

		// A rule that pages late is warned about; one at 0 minutes is not.
		mustContain(t, m.follow(add("high", sms, "10")).Body, "Rule added.", "After 10 minutes → <strong>mobile</strong>", "first high-urgency rule waits 10 minutes")
		p = m.follow(add("high", sms, "0"))
		mustContain(t, p.Body, "At once → <strong>mobile</strong>")
		mustNotContain(t, p.Body, `id="paging-warning"`)
		mustContain(t, m.follow(add("low", mail, "5")).Body, "After 5 minutes → <strong>work</strong> <span class=\"tag\">not verified</span>")
		got := rules()
		if len(got) != 3 {
			t.Fatalf("rules %+v", got)
		}
		var low tocsin.NotificationRule
		for _, r := range got {
			if r.Urgency == tocsin.UrgencyLow {
				low = r
			}
		}
		if low.ContactMethodID != mail.ID || low.Delay != 5*time.Minute {
			t.Errorf("low rule %+v", low)
		}

		// Refused: 4xx, the column's form keeps what was typed.
		other := verifiedMethod(t, f, f.admin.ID, "ada", tocsin.ContactEmail, "ada@example.com")
		for _, tc := range []struct {
			p      page
			status int
			want   string
		}{
			{add("high", sms, "0"), http.StatusConflict, "This rule exists already."},
			{add("high", sms, "500"), http.StatusBadRequest, "whole number of minutes from 0 to 120"},
			{add("high", sms, "1.5"), http.StatusBadRequest, "whole number of minutes"},
			{add("low", other, "0"), http.StatusBadRequest, "is not one of yours"},
			{m.post("/profile/rules", url.Values{"urgency": {"high"}, "contact": {"x"}, "delay": {"0"}}), http.StatusBadRequest, "Choose one of your contact methods."},
			{m.post("/profile/rules", url.Values{"urgency": {"urgent"}, "contact": {fmt.Sprint(sms.ID)}, "delay": {"0"}}), http.StatusBadRequest, "could not be read"},
		} {
			if tc.p.Status != tc.status || !strings.Contains(tc.p.Body, tc.want) {
				t.Errorf("got %d, want %d with %q: %s", tc.p.Status, tc.status, tc.want, excerpt(tc.p.Body))
			}
		}
		mustContain(t, add("high", sms, "500").Body, `value="500"`)
		if n := len(rules()); n != 3 {
			t.Errorf("%d rules after refusals", n)
		}

		// Delete; a rule of someone else's is not found.
		var immediate int64
		for _, r := range rules() {
			if r.Urgency == tocsin.UrgencyHigh && r.Delay == 0 {
				immediate = r.ID
			}
		}
		mustContain(t, m.follow(m.post(fmt.Sprintf("/profile/rules/%d/delete", immediate), nil)).Body, "Rule deleted.", "waits 10 minutes")
		if n := len(rules()); n != 2 {
			t.Errorf("%d rules after deleting one", n)
		}
		adminRule := &tocsin.NotificationRule{UserID: f.admin.ID, ContactMethodID: other.ID, Urgency: tocsin.UrgencyHigh}
		if err := f.app.DB.AddNotificationRule(context.Background(), adminRule); err != nil {
			t.Fatal(err)
		}
		if p := m.post(fmt.Sprintf("/profile/rules/%d/delete", adminRule.ID), nil); p.Status != http.StatusNotFound {
			t.Errorf("deleting another's rule: %d", p.Status)
		}

		// Deleting a method deletes its rules.
		m.follow(m.post(fmt.Sprintf("/profile/contacts/%d/delete", sms.ID), nil))
		if got := rules(); len(got) != 1 || got[0].ContactMethodID != mail.ID {
			t.Errorf("rules after deleting their method: %+v", got)
		}
	})
}

func TestNotificationPreferences(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newPagingFixture(t, engine)
		m := newBrowser(t, f.web)
		m.login(f.member.Email)
		prefs := func() tocsin.NotifyPreferences {
			u, err := f.app.DB.User(context.Background(), f.member.ID)
			if err != nil {
				t.Fatal(err)
			}
			return u.Notify
		}
		mustContain(t, m.get("/profile").Body, `<option value="0" selected>No reminder</option>`, `id="pr-status" name="status_updates">`)

		p := m.post("/profile/notify", url.Values{"status_updates": {"on"}, "reminder": {"60"}})
		if p.Status != http.StatusSeeOther || p.Location != "/profile#prefs" {
			t.Fatalf("save: %d %s", p.Status, p.Location)
		}
		if got := prefs(); !got.StatusUpdates || got.ShiftReminder != time.Hour {
			t.Errorf("stored %+v", got)
		}
		mustContain(t, m.get("/profile").Body, "Notification preferences saved.", `<option value="60" selected>1 hour before</option>`, `name="status_updates" checked>`)

		// An unchecked box is off; a day before is 1440 minutes.
		m.follow(m.post("/profile/notify", url.Values{"reminder": {"1440"}}))
		if got := prefs(); got.StatusUpdates || got.ShiftReminder != 24*time.Hour {
			t.Errorf("stored %+v", got)
		}

		// Refused: 400, nothing changes.
		for _, bad := range []string{"", "soon", "-5", "20000"} {
			if p := m.post("/profile/notify", url.Values{"status_updates": {"on"}, "reminder": {bad}}); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Choose one of the reminder times.") {
				t.Errorf("reminder %q: %d", bad, p.Status)
			}
		}
		if got := prefs(); got.StatusUpdates || got.ShiftReminder != 24*time.Hour {
			t.Errorf("a refused form changed %+v", got)
		}

		// A value set by `tocsin apply` is shown as it is.
		if err := f.app.DB.SetNotifyPreferences(context.Background(), f.member.ID, tocsin.NotifyPreferences{ShiftReminder: 30 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		mustContain(t, m.get("/profile").Body, `<option value="30" selected>30 minutes before</option>`)
	})
}
