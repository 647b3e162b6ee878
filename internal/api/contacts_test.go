package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// hookServer is a webhook receiver that answers 200 to whatever it gets.
func hookServer(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	return srv.URL + "/hook"
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// codeSent returns the text of the last verification message to a method.
func (e *env) codeSent(u *tocsin.User, methodID int64) string {
	e.t.Helper()
	rows, err := e.app.DB.Notifications(context.Background(), tocsin.NotificationFilter{Kind: tocsin.NotifyVerify, UserID: u.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range rows {
		if r.ContactMethodID == methodID {
			return r.Text
		}
	}
	e.t.Fatalf("no verification message to method %d", methodID)
	return ""
}

func TestContactMethods(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		ctx := context.Background()
		// Alice reads French: her code comes in French.
		e.member.Locale = "fr"
		if err := e.app.DB.UpdateUser(ctx, e.member, ""); err != nil {
			t.Fatal(err)
		}
		hook := hookServer(t)

		r := e.call(e.member, "POST", v1("/users/me/contact-methods"), map[string]any{"name": "hooks", "type": "webhook", "value": hook})
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.raw)
		}
		id := num(r.body, "id")
		secret := str(r.body, "secret")
		if !strings.HasPrefix(secret, "whsec_") || r.body["verified"] != false || strings.Contains(str(r.body, "destination"), "/hook") ||
			r.header.Get("Location") != v1("/users/me/contact-methods/%d", id) {
			t.Errorf("created: %s", r.raw)
		}
		text := e.codeSent(e.member, id)
		code := sixDigits.FindString(text)
		if code == "" || !strings.Contains(text, "votre code est") {
			t.Fatalf("verification message %q", text)
		}

		// The secret and the address are never shown again.
		listed := e.call(e.member, "GET", v1("/users/me/contact-methods"), nil)
		if listed.status != 200 || strings.Contains(string(listed.raw), secret) || strings.Contains(string(listed.raw), hook) || len(list(listed.body, "contact_methods")) != 1 {
			t.Errorf("list: %s", listed.raw)
		}
		// Everyone has their own: the viewer sees none of Alice's.
		if got := list(e.must(e.viewer, "GET", v1("/users/me/contact-methods"), nil, 200), "contact_methods"); len(got) != 0 {
			t.Errorf("viewer sees %v", got)
		}
		e.fails(e.viewer, "POST", v1("/users/me/contact-methods/%d/verify", id), map[string]any{"code": code}, 404, "not_found")

		// A test needs a verified method; a wrong code is refused and counted.
		e.fails(e.member, "POST", v1("/users/me/contact-methods/%d/test", id), nil, 400, "invalid", "verify")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		e.fails(e.member, "POST", v1("/users/me/contact-methods/%d/verify", id), map[string]any{"code": wrong}, 400, "invalid", "not the one sent")
		e.fails(e.member, "POST", v1("/users/me/contact-methods/%d/verify", id), map[string]any{}, 400, "invalid", "code")
		got := e.must(e.member, "POST", v1("/users/me/contact-methods/%d/verify", id), map[string]any{"code": code}, 200)
		if got["verified"] != true || str(got, "verified_at") == "" {
			t.Errorf("after verify: %v", got)
		}
		e.fails(e.member, "POST", v1("/users/me/contact-methods/%d/send-code", id), nil, 409, "conflict", "verified already")

		e.must(e.member, "POST", v1("/users/me/contact-methods/%d/test", id), nil, 202)
		e.fails(e.member, "POST", v1("/users/me/contact-methods/%d/test", id), nil, 409, "conflict", "30 seconds")
		e.app.Clock.Advance(31 * time.Second)
		e.must(e.member, "POST", v1("/users/me/contact-methods/%d/test", id), nil, 202)
		tests, _ := e.app.DB.Notifications(ctx, tocsin.NotificationFilter{Kind: tocsin.NotifyTest, UserID: e.member.ID})
		if len(tests) != 2 || !strings.Contains(tests[0].Text, "Alice Martin") {
			t.Errorf("test messages: %v", tests)
		}

		// Refused creations.
		e.fails(e.member, "POST", v1("/users/me/contact-methods"), map[string]any{"name": "hooks", "type": "webhook", "value": hook}, 409, "conflict", "hooks")
		e.fails(e.member, "POST", v1("/users/me/contact-methods"), map[string]any{"name": "phone", "type": "sms", "value": "+33612345678"}, 400, "invalid", "does not send sms")
		e.fails(e.member, "POST", v1("/users/me/contact-methods"), map[string]any{"name": "phone", "type": "pager", "value": "x"}, 400, "invalid", "pager")
		e.fails(e.member, "POST", v1("/users/me/contact-methods"), map[string]any{"name": "feed", "type": "ntfy", "value": "not a url"}, 400, "invalid", "URL")
		e.fails(e.member, "POST", v1("/users/me/contact-methods"), map[string]any{"name": "feed", "type": "ntfy"}, 400, "invalid", `"value"`)

		// A second method, verified later with a new code.
		second := e.must(e.member, "POST", v1("/users/me/contact-methods"), map[string]any{"name": "phone push", "type": "ntfy", "value": "https://ntfy.example.com/alice-4f9"}, 201)
		sid := num(second, "id")
		if second["secret"] != nil || str(second, "destination") != "https://ntfy.example.com/…" {
			t.Errorf("ntfy method: %v", second)
		}
		e.app.Clock.Advance(time.Second)
		e.fails(e.member, "POST", v1("/users/me/contact-methods/%d/send-code", sid), nil, 409, "conflict", "30 seconds")
		e.app.Clock.Advance(30 * time.Second)
		e.must(e.member, "POST", v1("/users/me/contact-methods/%d/send-code", sid), nil, 202)
		codes, _ := e.app.DB.Notifications(ctx, tocsin.NotificationFilter{Kind: tocsin.NotifyVerify, UserID: e.member.ID})
		if len(codes) != 3 || codes[0].ContactMethodID != sid || codes[1].ContactMethodID != sid {
			t.Errorf("after send-code, the verification messages are %v", codes)
		}

		// Notification rules name the person's own methods, by id or name.
		rule := e.must(e.member, "POST", v1("/users/me/notification-rules"), map[string]any{"contact_method": "hooks", "urgency": "high", "delay_minutes": 5}, 201)
		if str(rule, "contact") != "hooks" || num(rule, "contact_method_id") != id || num(rule, "delay_minutes") != 5 || str(rule, "urgency") != "high" {
			t.Errorf("rule: %v", rule)
		}
		e.must(e.member, "POST", v1("/users/me/notification-rules"), map[string]any{"contact_method": sid, "urgency": "low"}, 201)
		e.fails(e.member, "POST", v1("/users/me/notification-rules"), map[string]any{"contact_method": "hooks", "urgency": "high", "delay_minutes": 5}, 409, "conflict")
		e.fails(e.member, "POST", v1("/users/me/notification-rules"), map[string]any{"contact_method": "hooks", "urgency": "urgent"}, 400, "invalid", "urgent")
		e.fails(e.member, "POST", v1("/users/me/notification-rules"), map[string]any{"contact_method": "hooks", "urgency": "low", "delay_minutes": 121}, 400, "invalid", "delay_minutes")
		e.fails(e.member, "POST", v1("/users/me/notification-rules"), map[string]any{"contact_method": "sms", "urgency": "low"}, 400, "invalid", "sms")
		e.fails(e.viewer, "POST", v1("/users/me/notification-rules"), map[string]any{"contact_method": id, "urgency": "low"}, 400, "invalid", "not one of yours")
		rules := list(e.must(e.member, "GET", v1("/users/me/notification-rules"), nil, 200), "notification_rules")
		if len(rules) != 2 || str(rules[0], "urgency") != "high" {
			t.Errorf("rules: %v", rules)
		}
		e.fails(e.viewer, "DELETE", v1("/users/me/notification-rules/%d", num(rule, "id")), nil, 404, "not_found")
		e.must(e.member, "DELETE", v1("/users/me/notification-rules/%d", num(rule, "id")), nil, 204)

		// Preferences: replaced whole.
		if p := e.must(e.member, "GET", v1("/users/me/notify-preferences"), nil, 200); p["status_updates"] != false || num(p, "shift_reminder_minutes") != 0 {
			t.Errorf("default preferences: %v", p)
		}
		e.must(e.member, "PUT", v1("/users/me/notify-preferences"), map[string]any{"status_updates": true, "shift_reminder_minutes": 60}, 200)
		if p := e.must(e.member, "GET", v1("/users/me/notify-preferences"), nil, 200); p["status_updates"] != true || num(p, "shift_reminder_minutes") != 60 {
			t.Errorf("preferences: %v", p)
		}
		e.fails(e.member, "PUT", v1("/users/me/notify-preferences"), map[string]any{"shift_reminder_minutes": -1}, 400, "invalid", "shift_reminder_minutes")
		e.fails(e.member, "PUT", v1("/users/me/notify-preferences"), map[string]any{"status_update": true}, 400, "invalid", "status_update")

		// Deleting a method deletes its rules; someone else's is not found.
		e.fails(e.viewer, "DELETE", v1("/users/me/contact-methods/%d", sid), nil, 404, "not_found")
		e.must(e.member, "DELETE", v1("/users/me/contact-methods/%d", sid), nil, 204)
		if rules := list(e.must(e.member, "GET", v1("/users/me/notification-rules"), nil, 200), "notification_rules"); len(rules) != 0 {
			t.Errorf("rules after their method went: %v", rules)
		}
		e.fails(e.member, "DELETE", v1("/users/me/contact-methods/%d", sid), nil, 404, "not_found")
		e.fails(e.member, "DELETE", v1("/users/me/contact-methods/abc"), nil, 400, "invalid", "abc")
	})
}
