package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

var (
	calURLPattern    = regexp.MustCompile(`id="cal-url" class="secret">([^<]+)</code>`)
	calWebcalPattern = regexp.MustCompile(`id="cal-webcal" class="secret">([^<]+)</code>`)
	calRotatePattern = regexp.MustCompile(`action="/calendars/(\d+)/rotate"`)
)

// subscribe creates a subscription from the /calendars form and returns the
// address the answer shows once.
func (b *browser) subscribe(form url.Values) string {
	b.t.Helper()
	p := b.post("/calendars", form)
	if p.Status != http.StatusOK {
		b.t.Fatalf("subscribe %v: %d: %s", form, p.Status, excerpt(p.Body))
	}
	m := calURLPattern.FindStringSubmatch(p.Body)
	if m == nil {
		b.t.Fatalf("no address on the page:\n%s", excerpt(p.Body))
	}
	return m[1]
}

// feedAnswer is a calendar client's fetch: no cookies, no credentials.
type feedAnswer struct {
	Status int
	Header http.Header
	Body   []byte
}

func fetchFeed(t *testing.T, app *testkit.App, method, address string, headers ...string) feedAnswer {
	t.Helper()
	req, err := http.NewRequest(method, address, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := app.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return feedAnswer{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// feedEvents fetches a feed that must be there and parses it with golang-ical.
func feedEvents(t *testing.T, app *testkit.App, address string) ([]byte, []*ics.VEvent) {
	t.Helper()
	a := fetchFeed(t, app, http.MethodGet, address)
	if a.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", address, a.Status, a.Body)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(a.Body))
	if err != nil {
		t.Fatalf("golang-ical cannot parse the feed: %v\n%s", err, a.Body)
	}
	return a.Body, cal.Events()
}

func prop(e *ics.VEvent, name ics.ComponentProperty) string {
	if p := e.GetProperty(name); p != nil {
		return p.Value
	}
	return ""
}

// storageSchedule adds a second weekly schedule whose layer and person have
// names full of TEXT specials: Max, then Zoë, handing off Wednesdays 10:00.
func (f *fixture) storageSchedule(t *testing.T) (*tocsin.Schedule, *tocsin.User) {
	t.Helper()
	zoe := f.app.CreateUser("zoe@example.com", `Zoë O'Brien, SRE; ops\on-call`, tocsin.RoleMember, testPassword)
	s := &tocsin.Schedule{Name: "storage-nights", Timezone: "UTC", Layers: []tocsin.Layer{{
		Name: `nights, weekends; a\b`, Participants: []int64{f.member.ID, zoe.ID},
		Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "wed 10:00", Start: "2026-11-04",
	}}}
	if err := f.app.DB.CreateSchedule(context.Background(), s, f.app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	return s, zoe
}

func TestCalendarFeedScopes(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		payments := f.weekly(t)
		f.storageSchedule(t)
		b := newBrowser(t, f.app)
		b.login(f.member.Email)

		mine := b.subscribe(url.Values{"scope": {"person"}})
		one := b.subscribe(url.Values{"scope": {"schedule"}, "schedule": {itoa(payments.ID)}})
		all := b.subscribe(url.Values{"scope": {"all"}})
		if !strings.HasPrefix(mine, f.app.URL+"/calendar/") || !strings.HasSuffix(mine, ".ics") || len(mine) != len(f.app.URL+"/calendar/.ics")+64 {
			t.Fatalf("subscription address %q", mine)
		}

		// The window: 30 days back to 365 days ahead of today (UTC).
		from := testkit.Epoch.Truncate(24 * time.Hour).Add(-30 * 24 * time.Hour)
		to := testkit.Epoch.Truncate(24 * time.Hour).Add(365 * 24 * time.Hour)
		bySchedule := func(events []*ics.VEvent) map[string][]*ics.VEvent {
			t.Helper()
			out := map[string][]*ics.VEvent{}
			uids := map[string]bool{}
			for _, e := range events {
				start, err1 := e.GetStartAt()
				end, err2 := e.GetEndAt()
				if err1 != nil || err2 != nil || !end.After(from) || !start.Before(to) {
					t.Errorf("event %s (%v → %v) outside the window or unreadable", e.Id(), start, end)
				}
				if uids[e.Id()] {
					t.Errorf("UID %s twice in one feed", e.Id())
				}
				uids[e.Id()] = true
				summary := prop(e, ics.ComponentPropertySummary)
				switch {
				case strings.HasPrefix(summary, "On call: payments-primary ("):
					out["payments"] = append(out["payments"], e)
				case strings.HasPrefix(summary, "On call: storage-nights ("):
					out["storage"] = append(out["storage"], e)
				default:
					t.Errorf("unexpected SUMMARY %q", summary)
				}
			}
			return out
		}

		// Max's own shifts, on both schedules, and nobody else's.
		_, events := feedEvents(t, f.app, mine)
		person := bySchedule(events)
		if len(person["payments"]) < 25 || len(person["storage"]) < 25 {
			t.Fatalf("person feed: %d payments and %d storage shifts, want about 26 of each in a year", len(person["payments"]), len(person["storage"]))
		}
		for _, e := range events {
			if s := prop(e, ics.ComponentPropertySummary); !strings.HasSuffix(s, "(Max Member)") {
				t.Errorf("someone else's shift in Max's feed: %q", s)
			}
		}
		if got := prop(person["payments"][0], ics.ComponentPropertyDtStart); got != "20261109T080000Z" {
			t.Errorf("Max's first payments shift starts %s, want Monday 9 November 09:00 Paris (08:00 UTC)", got)
		}
		if got := prop(person["payments"][0], ics.ComponentPropertyDtEnd); got != "20261116T080000Z" {
			t.Errorf("Max's first payments shift ends %s", got)
		}

		// One schedule: everyone's shifts on it, and only there.
		_, events = feedEvents(t, f.app, one)
		sched := bySchedule(events)
		if n := len(sched["payments"]); len(sched["storage"]) != 0 || (n != 2*len(person["payments"]) && n != 2*len(person["payments"])+1) {
			t.Fatalf("schedule feed: %d payments, %d storage shifts (Max has %d)", len(sched["payments"]), len(sched["storage"]), len(person["payments"]))
		}
		first := sched["payments"][0]
		if prop(first, ics.ComponentPropertyDtStart) != "20261102T080000Z" || !strings.HasSuffix(prop(first, ics.ComponentPropertySummary), "(Ada Admin)") {
			t.Errorf("schedule feed starts with %q at %s", prop(first, ics.ComponentPropertySummary), prop(first, ics.ComponentPropertyDtStart))
		}
		// The same shift is the same event (UID) in every feed that shows it.
		if sched["payments"][1].Id() != person["payments"][0].Id() {
			t.Errorf("Max's first shift has UID %s in the schedule feed, %s in his own", sched["payments"][1].Id(), person["payments"][0].Id())
		}

		// Every schedule: both, everyone.
		raw, events := feedEvents(t, f.app, all)
		every := bySchedule(events)
		if len(every["payments"]) != len(sched["payments"]) || len(every["storage"]) < 2*len(person["storage"])-1 {
			t.Errorf("all feed: %d payments, %d storage shifts", len(every["payments"]), len(every["storage"]))
		}

		// TEXT escaping of the names with , ; and \ (schedule names are
		// slugs, so the layer and the person carry them).
		unfolded := string(bytes.ReplaceAll(raw, []byte("\r\n "), nil))
		mustContain(t, unfolded, `(Zoë O'Brien\, SRE\; ops\\on-call)`, `Layer: nights\, weekends\; a\\b`)
		var zoe *ics.VEvent
		for _, e := range every["storage"] {
			if strings.Contains(prop(e, ics.ComponentPropertySummary), "Zoë") {
				zoe = e
				break
			}
		}
		if zoe == nil {
			t.Fatal("no shift of Zoë in the all feed")
		}
		if got := prop(zoe, ics.ComponentPropertySummary); got != `On call: storage-nights (Zoë O'Brien, SRE; ops\on-call)` {
			t.Errorf("SUMMARY read back as %q", got)
		}
		if got := prop(zoe, ics.ComponentPropertyDescription); !strings.Contains(got, "\nLayer: nights, weekends; a\\b") {
			t.Errorf("DESCRIPTION read back as %q", got)
		}
		if !strings.Contains(unfolded, "X-WR-CALNAME:On call: all schedules\r\n") || !strings.Contains(string(fetchFeed(t, f.app, http.MethodGet, mine).Body), "X-WR-CALNAME:On call: Max Member\r\n") {
			t.Error("calendar names")
		}
	})
}

func TestCalendarFeedVersionsAndCaching(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		s := f.weekly(t)
		b := newBrowser(t, f.app)
		b.login(f.viewer.Email) // viewers may subscribe: a calendar only reads
		address := b.subscribe(url.Values{"scope": {"schedule"}, "schedule": {itoa(s.ID)}})
		t0 := f.app.Clock.Now()

		first := fetchFeed(t, f.app, http.MethodGet, address)
		if first.Status != http.StatusOK {
			t.Fatalf("GET: %d %s", first.Status, first.Body)
		}
		for name, want := range map[string]string{
			"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex",
		} {
			if got := first.Header.Get(name); got != want {
				t.Errorf("%s: %q, want %q", name, got, want)
			}
		}
		etag := first.Header.Get("ETag")
		if len(etag) != 34 || etag[0] != '"' || strings.HasPrefix(etag, "W/") {
			t.Fatalf("ETag %q is not a strong tag", etag)
		}

		// Nothing changed: same bytes, same tag, 304 on a conditional GET.
		f.app.Clock.Advance(time.Hour)
		again := fetchFeed(t, f.app, http.MethodGet, address)
		if !bytes.Equal(again.Body, first.Body) || again.Header.Get("ETag") != etag {
			t.Fatal("a second render of an unchanged feed differs")
		}
		for _, inm := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
			nm := fetchFeed(t, f.app, http.MethodGet, address, "If-None-Match: "+inm)
			if nm.Status != http.StatusNotModified || len(nm.Body) != 0 || nm.Header.Get("ETag") != etag {
				t.Errorf("If-None-Match %s: %d, %d bytes, ETag %q", inm, nm.Status, len(nm.Body), nm.Header.Get("ETag"))
			}
		}
		if nm := fetchFeed(t, f.app, http.MethodGet, address, `If-None-Match: "stale"`); nm.Status != http.StatusOK || !bytes.Equal(nm.Body, first.Body) {
			t.Errorf("a stale tag: %d", nm.Status)
		}
		head := fetchFeed(t, f.app, http.MethodHead, address)
		if head.Status != http.StatusOK || len(head.Body) != 0 || head.Header.Get("ETag") != etag || head.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
			t.Errorf("HEAD: %d, %d bytes, %v", head.Status, len(head.Body), head.Header)
		}
		// Without the .ics suffix, the same feed.
		if bare := fetchFeed(t, f.app, http.MethodGet, strings.TrimSuffix(address, ".ics")); bare.Status != http.StatusOK || bare.Header.Get("ETag") != etag {
			t.Errorf("without .ics: %d", bare.Status)
		}

		// An override gives Ada the last day of Max's first week: his shift is
		// shortened and keeps its UID; its SEQUENCE and DTSTAMP move, and no
		// other event's do.
		byStart := func(body []byte) map[string]*ics.VEvent {
			cal, err := ics.ParseCalendar(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]*ics.VEvent{}
			for _, e := range cal.Events() {
				out[prop(e, ics.ComponentPropertyDtStart)] = e
			}
			return out
		}
		before := byStart(first.Body)
		maxShift := before["20261109T080000Z"]
		if maxShift == nil || prop(maxShift, ics.ComponentPropertyDtEnd) != "20261116T080000Z" || prop(maxShift, ics.ComponentPropertySequence) != "0" {
			t.Fatalf("Max's first shift before the override: %v", maxShift)
		}
		f.app.Clock.Advance(time.Hour)
		changed := f.app.Clock.Now()
		o := tocsin.Override{UserID: f.admin.ID, Start: time.Date(2026, 11, 15, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC)}
		if err := f.app.DB.AddOverrides(context.Background(), s.ID, []tocsin.Override{o}, changed); err != nil {
			t.Fatal(err)
		}
		f.app.Clock.Advance(time.Minute)
		rendered := f.app.Clock.Now()
		second := fetchFeed(t, f.app, http.MethodGet, address, "If-None-Match: "+etag)
		if second.Status != http.StatusOK || second.Header.Get("ETag") == etag {
			t.Fatalf("after the override: %d, ETag %q", second.Status, second.Header.Get("ETag"))
		}
		after := byStart(second.Body)
		shortened := after["20261109T080000Z"]
		if shortened == nil || shortened.Id() != maxShift.Id() {
			t.Fatalf("the shortened shift lost its UID")
		}
		if got := prop(shortened, ics.ComponentPropertyDtEnd); got != "20261115T080000Z" {
			t.Errorf("shortened shift ends %s", got)
		}
		if got := prop(shortened, ics.ComponentPropertySequence); got != "1" {
			t.Errorf("shortened shift SEQUENCE %s, want 1", got)
		}
		if got, _ := shortened.GetDtStampTime(); !got.Equal(rendered) {
			t.Errorf("shortened shift DTSTAMP %v, want the render that saw the change (%v)", got, rendered)
		}
		if ada := after["20261115T080000Z"]; ada == nil || !strings.HasSuffix(prop(ada, ics.ComponentPropertySummary), "(Ada Admin)") || prop(ada, ics.ComponentPropertySequence) != "0" {
			t.Errorf("the override is not a new event of Ada's: %v", ada)
		}
		kept := 0
		for start, e := range after {
			if start == "20261109T080000Z" || start == "20261115T080000Z" {
				continue
			}
			old := before[start]
			if old == nil {
				t.Errorf("event at %s appeared", start)
				continue
			}
			stamp, _ := e.GetDtStampTime()
			if e.Id() != old.Id() || prop(e, ics.ComponentPropertySequence) != "0" || !stamp.Equal(t0) {
				t.Errorf("unchanged event at %s: UID %s→%s, SEQUENCE %s, DTSTAMP %v", start, old.Id(), e.Id(), prop(e, ics.ComponentPropertySequence), stamp)
			}
			kept++
		}
		if kept < 50 {
			t.Errorf("only %d unchanged events compared", kept)
		}
		// Rendering again changes nothing more.
		f.app.Clock.Advance(time.Hour)
		if third := fetchFeed(t, f.app, http.MethodGet, address); !bytes.Equal(third.Body, second.Body) {
			t.Error("the feed changed again without any change")
		}
	})
}

func TestCalendarSubscriptionsPage(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		s := f.weekly(t)
		b := newBrowser(t, f.app)

		if p := b.get("/calendars"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
			t.Fatalf("signed out: %d %s", p.Status, p.Location)
		}
		b.login(f.member.Email)
		p := b.get("/calendars")
		if p.Status != http.StatusOK {
			t.Fatalf("/calendars: %d", p.Status)
		}
		mustContain(t, p.Body, "No subscription yet.", `<option value="`+itoa(s.ID)+`">payments-primary</option>`, "8 to 24 hours")
		mustContain(t, b.get("/profile").Body, `href="/calendars"`)

		// Refused: unknown schedule, no schedule, unknown scope.
		for _, form := range []url.Values{
			{"scope": {"schedule"}, "schedule": {"999999"}},
			{"scope": {"schedule"}, "schedule": {""}},
			{"scope": {"schedule"}, "schedule": {"abc"}},
			{"scope": {"team"}},
		} {
			p := b.post("/calendars", form)
			if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="form-error"`) {
				t.Errorf("%v: %d", form, p.Status)
			}
			mustNotContain(t, p.Body, `id="cal-url"`)
		}
		mustContain(t, b.post("/calendars", url.Values{"scope": {"schedule"}, "schedule": {"999999"}}).Body, "schedule 999999 not found")

		// Created: the address once, as http(s) and webcal, with the Google note.
		created := b.post("/calendars", url.Values{"scope": {"schedule"}, "schedule": {itoa(s.ID)}})
		address := calURLPattern.FindStringSubmatch(created.Body)[1]
		webcal := calWebcalPattern.FindStringSubmatch(created.Body)
		if webcal == nil || webcal[1] != "webcal://"+strings.TrimPrefix(address, "http://") {
			t.Fatalf("webcal address %v for %s", webcal, address)
		}
		mustContain(t, created.Body, `href="`+webcal[1]+`"`, "Everyone&#39;s shifts on payments-primary", "8 to 24 hours", "shown only once")
		list := b.get("/calendars")
		mustNotContain(t, list.Body, address[len(address)-68:]) // the token is never shown again
		mustContain(t, list.Body, "Everyone&#39;s shifts on payments-primary", "never")
		id := calRotatePattern.FindStringSubmatch(list.Body)[1]

		// A fetch shows as the last use.
		if a := fetchFeed(t, f.app, http.MethodGet, address); a.Status != http.StatusOK {
			t.Fatalf("feed: %d", a.Status)
		}
		f.app.Clock.Advance(5 * time.Minute)
		mustContain(t, b.get("/calendars").Body, "5 min ago")

		// Someone else can neither rotate nor revoke it, and it keeps working.
		other := newBrowser(t, f.app)
		other.login(f.viewer.Email)
		for _, action := range []string{"rotate", "revoke"} {
			if p := other.post("/calendars/"+id+"/"+action, nil); p.Status != http.StatusNotFound {
				t.Errorf("another user's %s: %d", action, p.Status)
			}
		}
		if a := fetchFeed(t, f.app, http.MethodGet, address); a.Status != http.StatusOK {
			t.Fatalf("feed after the refused attempts: %d", a.Status)
		}

		// Unknown, rotated-away and revoked tokens: the same bare 404.
		unknown := fetchFeed(t, f.app, http.MethodGet, f.app.URL+"/calendar/"+strings.Repeat("0", 64)+".ics")
		if unknown.Status != http.StatusNotFound || !strings.HasPrefix(unknown.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("unknown token: %d %q", unknown.Status, unknown.Header.Get("Content-Type"))
		}
		rotated := b.post("/calendars/"+id+"/rotate", nil)
		if rotated.Status != http.StatusOK {
			t.Fatalf("rotate: %d", rotated.Status)
		}
		fresh := calURLPattern.FindStringSubmatch(rotated.Body)[1]
		if fresh == address {
			t.Fatal("rotation kept the address")
		}
		old := fetchFeed(t, f.app, http.MethodGet, address)
		if old.Status != http.StatusNotFound || !bytes.Equal(old.Body, unknown.Body) {
			t.Errorf("rotated-away token: %d %q (unknown: %q)", old.Status, old.Body, unknown.Body)
		}
		if a := fetchFeed(t, f.app, http.MethodGet, fresh); a.Status != http.StatusOK {
			t.Errorf("new address: %d", a.Status)
		}
		revoked := b.post("/calendars/"+id+"/revoke", nil)
		mustContain(t, b.follow(revoked).Body, "Subscription deleted", "No subscription yet.")
		if gone := fetchFeed(t, f.app, http.MethodGet, fresh); gone.Status != http.StatusNotFound || !bytes.Equal(gone.Body, unknown.Body) {
			t.Errorf("revoked token: %d %q", gone.Status, gone.Body)
		}
		if p := b.post("/calendars/"+id+"/revoke", nil); p.Status != http.StatusNotFound {
			t.Errorf("revoking twice: %d", p.Status)
		}
	})
}
