package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

func TestNotificationList(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newPagingFixture(t, engine)
		ctx := context.Background()
		now := f.app.Clock.Now()
		alertID := f.trigger(t, tocsin.AlertEvent{Summary: "Queue stuck", DedupKey: "q", Priority: tocsin.P1})
		// Messages due tomorrow: the engine leaves them pending meanwhile.
		later := now.Add(24 * time.Hour)
		enqueue := func(n tocsin.Notification) {
			t.Helper()
			n.NextAttemptAt = later
			if _, err := f.app.DB.Enqueue(ctx, &n, now); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 103 {
			enqueue(tocsin.Notification{Key: fmt.Sprintf("test/page/%d", i), Kind: tocsin.NotifyPage, AlertID: alertID, UserID: f.member.ID,
				Type: tocsin.ContactSMS, Destination: "+33612345678"})
		}
		enqueue(tocsin.Notification{Key: "test/reminder", Kind: tocsin.NotifyReminder, UserID: f.admin.ID, Type: tocsin.ContactEmail,
			Destination: "ada@example.com", Text: "You are on call"})
		enqueue(tocsin.Notification{Key: "test/chat", Kind: tocsin.NotifyChat, AlertID: alertID, Type: tocsin.ContactWebhook,
			Destination: "https://hooks.example.com/secret-path"})

		// Members and viewers may not see it, nor its menu entry.
		for _, u := range []*tocsin.User{f.member, f.viewer} {
			b := newBrowser(t, f.web)
			b.login(u.Email)
			if p := b.get("/notifications"); p.Status != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", u.Name, p.Status)
			}
			mustNotContain(t, b.get("/alerts").Body, `href="/notifications"`)
		}

		a := newBrowser(t, f.web)
		a.login(f.admin.Email)
		mustContain(t, a.get("/alerts").Body, `href="/notifications"`)
		rowCount := func(body string) int { return strings.Count(body, "<tr data-id=") }

		// Newest first, 100 a page, destinations masked.
		p := a.get("/notifications")
		if p.Status != http.StatusOK || rowCount(p.Body) != 100 {
			t.Fatalf("first page: %d, %d rows", p.Status, rowCount(p.Body))
		}
		mustContain(t, p.Body, "https://hooks.example.com/…", "a•••@example.com", "&#43;336••••••78", "Ada Admin", "shift reminder", `href="/alerts/`+itoa(alertID)+`"`,
			`nstatus-pending`)
		mustNotContain(t, p.Body, "secret-path", "33612345678", "ada@example.com")
		older := regexp.MustCompile(`href="(/notifications\?[^"]+)" rel="next"`).FindStringSubmatch(p.Body)
		if older == nil {
			t.Fatal("no link to older messages")
		}
		p = a.get(strings.ReplaceAll(older[1], "&amp;", "&"))
		if rowCount(p.Body) < 5 || strings.Contains(p.Body, `rel="next"`) {
			t.Errorf("second page: %d rows, next link %v", rowCount(p.Body), strings.Contains(p.Body, `rel="next"`))
		}

		// Filters, alone and together; the form shows them chosen.
		for _, tc := range []struct {
			query string
			rows  int
			want  []string
		}{
			{"kind=reminder", 1, []string{`<option value="reminder" selected>`, "Ada Admin"}},
			{"kind=chat&alert=" + itoa(alertID), 1, []string{"https://hooks.example.com/…"}},
			{"type=webhook", 1, []string{`<option value="webhook" selected>`}},
			{"user=" + itoa(f.admin.ID) + "&status=pending", 1, []string{"Ada Admin"}},
			{"status=sent&kind=reminder", 0, []string{"No message."}},
			{"kind=page&alert=%23" + itoa(alertID), 100, nil},
			{"kind=nonsense&type=fax&status=lost", 100, nil}, // unknown values are ignored
		} {
			p := a.get("/notifications?" + tc.query)
			if p.Status != http.StatusOK || rowCount(p.Body) != tc.rows {
				t.Errorf("%s: %d, %d rows, want %d", tc.query, p.Status, rowCount(p.Body), tc.rows)
			}
			mustContain(t, p.Body, tc.want...)
		}
		// Paging keeps the filter.
		p = a.get("/notifications?kind=page")
		older = regexp.MustCompile(`href="(/notifications\?[^"]+)" rel="next"`).FindStringSubmatch(p.Body)
		if older == nil || !strings.Contains(older[1], "kind=page") {
			t.Fatalf("older link %v", older)
		}
		if p := a.get(strings.ReplaceAll(older[1], "&amp;", "&")); rowCount(p.Body) != 3 {
			t.Errorf("second page of pages: %d rows, want 3", rowCount(p.Body))
		}
	})
}

// A status page subscriber's messages are named and filtered like the rest.
func TestNotificationListSubscriberMessages(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine, withEmailRelay(t))
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		if p := member.post("/statuspage/subscribers/emails", url.Values{"addresses": {"cust@example.org"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("add subscriber: %d %s", p.Status, excerpt(p.Body))
		}
		// A message of another kind, which the filter leaves out.
		reminder := tocsin.Notification{Key: "test/reminder", Kind: tocsin.NotifyReminder, UserID: f.admin.ID, Type: tocsin.ContactEmail,
			Destination: "ada@example.com", Text: "You are on call", NextAttemptAt: f.app.Clock.Now().Add(24 * time.Hour)}
		if _, err := f.app.DB.Enqueue(context.Background(), &reminder, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}

		a := newBrowser(t, f.app)
		a.login(f.admin.Email)
		rowCount := func(body string) int { return strings.Count(body, "<tr data-id=") }
		p := a.get("/notifications")
		mustContain(t, p.Body, `<option value="subscriber">status page subscriber</option>`, "<td>status page subscriber</td>")
		mustNotContain(t, p.Body, "notifications.kind_")
		p = a.get("/notifications?kind=subscriber")
		if p.Status != http.StatusOK || rowCount(p.Body) != 1 {
			t.Fatalf("kind=subscriber: %d, %d rows, want 1", p.Status, rowCount(p.Body))
		}
		mustContain(t, p.Body, `<option value="subscriber" selected>`, "c•••@example.org")
	})
}
