package store_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

var publicIDPattern = regexp.MustCompile(`^[a-z0-9]{12}$`)

// statusMember makes the member who publishes on the status page.
func statusMember(t *testing.T, db *store.DB) *tocsin.User {
	t.Helper()
	u := &tocsin.User{Email: "sam@example.com", Name: "Sam", Role: tocsin.RoleMember}
	if err := db.CreateUser(context.Background(), u, "correct horse battery", t0); err != nil {
		t.Fatal(err)
	}
	return u
}

func version(t *testing.T, db *store.DB) int64 {
	t.Helper()
	v, err := db.StatusVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func wantCode(t *testing.T, err error, code, inMessage string) {
	t.Helper()
	if tocsin.ErrorCode(err) != code {
		t.Fatalf("got %v, want a %s error", err, code)
	}
	if !strings.Contains(tocsin.ErrorMessage(err), inMessage) {
		t.Fatalf("message %q does not say %q", tocsin.ErrorMessage(err), inMessage)
	}
}

func TestStatusPageSettings(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := testkit.OpenDB(t, engine)
		sam := statusMember(t, db)

		p, err := db.StatusPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !publicIDPattern.MatchString(p.PublicID) || p.Name != "Status" || p.Language != "en" || p.TimeZone != "UTC" {
			t.Fatalf("first page = %+v", p)
		}
		again, _ := db.StatusPage(ctx)
		if again.PublicID != p.PublicID {
			t.Fatalf("the public id changed between reads: %s then %s", p.PublicID, again.PublicID)
		}
		v0 := version(t, db)

		bad := []struct {
			edit func(*tocsin.StatusPage)
			says string
		}{
			{func(p *tocsin.StatusPage) { p.Name = "  " }, "needs a title"},
			{func(p *tocsin.StatusPage) { p.AccentColor = "red" }, "#rrggbb"},
			{func(p *tocsin.StatusPage) { p.TextColor = "#12345" }, "#rrggbb"},
			{func(p *tocsin.StatusPage) { p.Language = "de" }, "use en or fr"},
			{func(p *tocsin.StatusPage) { p.TimeZone = "Mars/Olympus" }, "IANA"},
			{func(p *tocsin.StatusPage) { p.URL = "javascript:alert(1)" }, "http:// or https://"},
			{func(p *tocsin.StatusPage) { p.LogoURL = "ftp://x/logo.png" }, "https:// URL or a path on this site"},
			// The page's security policy loads https: images only.
			{func(p *tocsin.StatusPage) { p.LogoURL = "http://acme.com/logo.png" }, "only loads https images"},
			{func(p *tocsin.StatusPage) { p.LogoURL = "//evil.test/logo.png" }, "https:// URL or a path on this site"},
			{func(p *tocsin.StatusPage) { p.LogoURL = "/\\evil.test/logo.png" }, "https:// URL or a path on this site"},
			{func(p *tocsin.StatusPage) { p.Host = "https://status.acme.com/" }, "host name"},
		}
		for _, b := range bad {
			q := *p
			b.edit(&q)
			wantCode(t, db.SaveStatusPage(ctx, &q, sam.ID, t0), tocsin.EINVALID, b.says)
		}
		if got, _ := db.StatusPage(ctx); *got != *p {
			t.Fatalf("a refused save changed the page: %+v", got)
		}
		if version(t, db) != v0 {
			t.Fatal("a refused save moved the version")
		}

		q := *p
		q.PublicID = "attempted999"
		q.Name, q.URL, q.AccentColor, q.TextColor, q.Language, q.TimeZone, q.Host = "Acme status", "https://status.acme.com/", "#AA0000", "#FFFFFF", "fr", "Europe/Paris", "Status.Acme.com"
		if err := db.SaveStatusPage(ctx, &q, sam.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, _ := db.StatusPage(ctx)
		want := tocsin.StatusPage{PublicID: p.PublicID, Name: "Acme status", URL: "https://status.acme.com", AccentColor: "#aa0000", TextColor: "#ffffff",
			Language: "fr", TimeZone: "Europe/Paris", Host: "status.acme.com", UpdatedAt: t0.Add(time.Minute)}
		if *got != want || q != want {
			t.Fatalf("saved page = %+v\nreturned %+v\nwant %+v", got, q, want)
		}
		if version(t, db) != v0+1 {
			t.Fatalf("version %d after a save, want %d", version(t, db), v0+1)
		}
		events, err := db.StatusEvents(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Action != "page.updated" || events[0].ActorName != "Sam" || !strings.Contains(events[0].Text, "Acme status") {
			t.Fatalf("events = %+v", events)
		}

		// The timeline names every field a save changed, old → new.
		q = *got
		q.LogoURL, q.Host, q.AccentColor = "/logo.png", "status2.acme.com", "#00AA00"
		if err := db.SaveStatusPage(ctx, &q, sam.ID, t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if q.LogoURL != "/logo.png" {
			t.Fatalf("a same-site logo path was stored as %q", q.LogoURL)
		}
		if err := db.SaveStatusPage(ctx, &q, sam.ID, t0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		events, err = db.StatusEvents(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		want1 := `Page settings saved: title "Status" → "Acme status", URL none → "https://status.acme.com", accent colour #1f5fbf → #aa0000, ` +
			`language en → fr, time zone UTC → Europe/Paris, host none → "status.acme.com".`
		want2 := `Page settings saved: logo none → "/logo.png", accent colour #aa0000 → #00aa00, host "status.acme.com" → "status2.acme.com".`
		if len(events) != 3 || events[2].Text != want1 || events[1].Text != want2 || events[0].Text != "Page settings saved, nothing changed." {
			t.Fatalf("events:\n%+v\nwant %q\nthen %q", events, want1, want2)
		}
	})
}
