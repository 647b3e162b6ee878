package oncall

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/tocsin/tocsin"
)

var icsStamp = time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)

func icsFeed() Feed {
	paris, _ := time.LoadLocation("Europe/Paris")
	long := "Payments primary, the one with the very long name; it goes on and on 🚨🚨 until it must fold"
	return Feed{Name: "On-call: " + long, Host: "oncall.example.com", Stamp: icsStamp, Events: []FeedEvent{
		{ScheduleID: 7, Schedule: long, Layer: "primary", UserID: 3, UserName: "Zoë O'Brien, SRE",
			Start: time.Date(2026, 8, 3, 11, 0, 0, 0, paris), End: time.Date(2026, 8, 10, 9, 0, 0, 0, time.UTC), Reason: ReasonRotation},
		{ScheduleID: 7, Schedule: "a;b,c\\d\nline two\r\nthree 🎉", Layer: "night; shift", UserID: 4, UserName: "",
			Start: time.Date(2026, 8, 10, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 8, 11, 9, 0, 0, 0, time.UTC), Reason: ReasonOverride},
		{ScheduleID: 7, Schedule: strings.Repeat("é", 40) + strings.Repeat("🚨", 30), UserID: 5, UserName: "x",
			Start: time.Date(2026, 8, 11, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 8, 12, 9, 0, 0, 0, time.UTC)},
	}}
}

func parseICS(t *testing.T, b []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("golang-ical cannot parse the feed: %v\n%s", err, b)
	}
	return cal
}

func calProp(cal *ics.Calendar, name string) (string, bool) {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == name {
			return p.Value, true
		}
	}
	return "", false
}

func evProp(t *testing.T, e *ics.VEvent, name ics.ComponentProperty) string {
	t.Helper()
	p := e.GetProperty(name)
	if p == nil {
		t.Fatalf("event %s has no %s", e.Id(), name)
	}
	return p.Value
}

// checkLines checks the physical layout: CRLF everywhere, no bare CR or LF,
// at most 75 octets a line, continuation lines start with one space, no line
// starts or ends inside a UTF-8 sequence, and unfolding gives valid UTF-8.
func checkLines(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatal("the feed does not end with CRLF")
	}
	lines := bytes.Split(b[:len(b)-2], []byte("\r\n"))
	for i, l := range lines {
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d has %d octets: %q", i, len(l), l)
		}
		if !utf8.Valid(l) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i, l)
		}
		if len(l) == 0 {
			t.Errorf("line %d is empty", i)
		}
	}
	if !utf8.Valid(bytes.ReplaceAll(b, []byte("\r\n "), nil)) {
		t.Error("unfolded feed is not valid UTF-8")
	}
}

func TestICSParsesBack(t *testing.T) {
	f := icsFeed()
	b := RenderICS(f)
	checkLines(t, b)
	if !bytes.Contains(b, []byte("\r\n ")) {
		t.Fatal("the long names did not force any folding")
	}
	cal := parseICS(t, b)
	for name, want := range map[string]string{
		"VERSION": "2.0", "CALSCALE": "GREGORIAN", "METHOD": "PUBLISH", "X-WR-TIMEZONE": "UTC",
		"REFRESH-INTERVAL": "PT1H", "X-PUBLISHED-TTL": "PT1H", "PRODID": "-//Tocsin//On-call feed//EN",
		"NAME": f.Name, "X-WR-CALNAME": f.Name, // the parser unescapes TEXT
	} {
		if got, ok := calProp(cal, name); !ok || got != want {
			t.Errorf("%s = %q (present %v), want %q", name, got, ok, want)
		}
	}
	events := cal.Events()
	if len(events) != len(f.Events) {
		t.Fatalf("%d events, want %d", len(events), len(f.Events))
	}
	wantSummary := []string{
		"On call: " + f.Events[0].Schedule + " (Zoë O'Brien, SRE)",
		"On call: a;b,c\\d\nline two\nthree 🎉 (user 4)",
		"On call: " + f.Events[2].Schedule + " (x)",
	}
	for i, e := range events {
		fe := f.Events[i]
		start, err := e.GetStartAt()
		if err != nil || !start.Equal(fe.Start) || start.Location() != time.UTC {
			t.Errorf("event %d DTSTART %v (%v), want %v in UTC", i, start, err, fe.Start.UTC())
		}
		end, err := e.GetEndAt()
		if err != nil || !end.Equal(fe.End) {
			t.Errorf("event %d DTEND %v (%v), want %v", i, end, err, fe.End)
		}
		stamp, err := e.GetDtStampTime()
		if err != nil || !stamp.Equal(icsStamp) {
			t.Errorf("event %d DTSTAMP %v (%v)", i, stamp, err)
		}
		if got := (evProp(t, e, ics.ComponentPropertySummary)); got != wantSummary[i] {
			t.Errorf("event %d SUMMARY %q, want %q", i, got, wantSummary[i])
		}
		if got := evProp(t, e, ics.ComponentPropertySequence); got != "0" {
			t.Errorf("event %d SEQUENCE %q", i, got)
		}
		if got := e.Id(); got != fe.UID(f.Host) || !strings.HasSuffix(got, "@oncall.example.com") || len(got) != 32+len("@oncall.example.com") {
			t.Errorf("event %d UID %q, want %q", i, got, fe.UID(f.Host))
		}
		if !strings.HasPrefix(evProp(t, e, ics.ComponentPropertyDtStart), "20260") || !strings.HasSuffix(evProp(t, e, ics.ComponentPropertyDtStart), "Z") {
			t.Errorf("event %d DTSTART not in UTC form: %q", i, evProp(t, e, ics.ComponentPropertyDtStart))
		}
	}
	if got := evProp(t, events[0], ics.ComponentPropertyDtStart); got != "20260803T090000Z" {
		t.Errorf("a Paris 11:00 start is written %q, want 20260803T090000Z", got)
	}
	desc := (evProp(t, events[1], ics.ComponentPropertyDescription))
	if !strings.Contains(desc, "\nLayer: night; shift\n") || !strings.Contains(desc, "Reason: override") {
		t.Errorf("DESCRIPTION %q lacks the layer or the reason", desc)
	}
	if desc := (evProp(t, events[2], ics.ComponentPropertyDescription)); !strings.Contains(desc, "Layer: override") {
		t.Errorf("a final-row override's DESCRIPTION %q", desc)
	}
	// The escaped forms themselves, not only the parser's reading of them.
	if !bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n "), nil), []byte(`SUMMARY:On call: a\;b\,c\\d\nline two\nthree 🎉 (user 4)`+"\r\n")) {
		t.Errorf("SUMMARY not escaped as RFC 5545 TEXT:\n%s", b)
	}
}

func TestICSFoldingNeverSplitsUTF8(t *testing.T) {
	// Every alignment of 1- to 4-octet characters against the fold points.
	for pad := range 8 {
		for _, r := range []string{"é", "€", "🚨", "a"} {
			f := Feed{Name: strings.Repeat("x", pad) + strings.Repeat(r, 200), Stamp: icsStamp}
			b := RenderICS(f)
			checkLines(t, b)
			cal := parseICS(t, b)
			if got, _ := calProp(cal, "NAME"); got != f.Name {
				t.Fatalf("pad %d %q: NAME does not round trip", pad, r)
			}
		}
	}
	// A line of exactly 75 octets is not folded; 76 is.
	r := icsWriter{}
	r.raw(strings.Repeat("a", 75))
	if string(r.out) != strings.Repeat("a", 75)+"\r\n" {
		t.Errorf("75 octets folded: %q", r.out)
	}
	r = icsWriter{}
	r.raw(strings.Repeat("a", 76))
	if string(r.out) != strings.Repeat("a", 75)+"\r\n a\r\n" {
		t.Errorf("76 octets: %q", r.out)
	}
}

func TestICSTextEscaping(t *testing.T) {
	for in, want := range map[string]string{
		`a\b`:          `a\\b`,
		"a;b,c":        `a\;b\,c`,
		"l1\nl2\r\nl3": `l1\nl2\nl3`,
		"cr\ronly":     `cr\nonly`,
		"tab\there":    "tab\there",
		"bell\x07\x7f": "bell",
		"bad\xffutf8":  "bad\uFFFDutf8",
		"🎉 ok":         "🎉 ok",
	} {
		if got := string(appendText(nil, in)); got != want {
			t.Errorf("appendText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestICSEmptyFeed(t *testing.T) {
	b := RenderICS(Feed{Stamp: icsStamp})
	checkLines(t, b)
	cal := parseICS(t, b)
	if len(cal.Events()) != 0 {
		t.Fatal("events in an empty feed")
	}
	for _, name := range []string{"VERSION", "PRODID", "NAME", "X-WR-CALNAME"} {
		if _, ok := calProp(cal, name); !ok {
			t.Errorf("empty feed lacks %s", name)
		}
	}
	if !bytes.HasPrefix(b, []byte("BEGIN:VCALENDAR\r\n")) || !bytes.HasSuffix(b, []byte("END:VCALENDAR\r\n")) {
		t.Errorf("not a calendar:\n%s", b)
	}
	var w bytes.Buffer
	if err := WriteICS(&w, Feed{Stamp: icsStamp}); err != nil || !bytes.Equal(w.Bytes(), b) {
		t.Errorf("WriteICS differs from RenderICS (%v)", err)
	}
}

func uids(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	for _, e := range parseICS(t, b).Events() {
		out = append(out, e.Id())
	}
	return out
}

func TestICSUIDsStable(t *testing.T) {
	f := icsFeed()
	a := RenderICS(f)
	f.Stamp = icsStamp.Add(36 * time.Hour)
	f.Name = "renamed"
	f.Events[0].UserName = "someone else's display name"
	f.Events[1].Reason = ReasonRotation
	b := RenderICS(f)
	ua, ub := uids(t, a), uids(t, b)
	if strings.Join(ua, " ") != strings.Join(ub, " ") {
		t.Fatalf("UIDs changed with Stamp and display fields:\n%v\n%v", ua, ub)
	}
	seen := map[string]bool{}
	for _, u := range ua {
		if seen[u] {
			t.Fatalf("duplicate UID %s", u)
		}
		seen[u] = true
	}
	if !bytes.Contains(b, []byte("DTSTAMP:20260802T220000Z\r\n")) {
		t.Error("DTSTAMP does not follow Stamp")
	}
	// Same inputs, same bytes, same ETag; any change, another ETag.
	if !bytes.Equal(a, RenderICS(icsFeed())) || ETag(a) != ETag(RenderICS(icsFeed())) {
		t.Error("rendering is not deterministic")
	}
	if ETag(a) == ETag(b) {
		t.Error("ETag did not change with the content")
	}
	if e := ETag(a); len(e) != 34 || e[0] != '"' || e[33] != '"' || strings.HasPrefix(e, "W/") {
		t.Errorf("ETag %q is not a strong entity tag", e)
	}
	// The UID does not depend on the event's position in the feed.
	f = icsFeed()
	f.Events[0], f.Events[2] = f.Events[2], f.Events[0]
	if uc := uids(t, RenderICS(f)); uc[0] != ua[2] || uc[2] != ua[0] || uc[1] != ua[1] {
		t.Error("UIDs depend on list position")
	}
}

// TestICSChangedShift: a shift whose end moves keeps its UID (it is the same
// event, changed); one that starts elsewhere or goes to someone else is
// another event. Every other event keeps its UID.
func TestICSChangedShift(t *testing.T) {
	base := uids(t, RenderICS(icsFeed()))
	for name, tc := range map[string]struct {
		change  func(*FeedEvent)
		sameUID bool
	}{
		"end moved":      {func(e *FeedEvent) { e.End = e.End.Add(-time.Hour) }, true},
		"start moved":    {func(e *FeedEvent) { e.Start = e.Start.Add(time.Hour) }, false},
		"someone else":   {func(e *FeedEvent) { e.UserID = 99 }, false},
		"other schedule": {func(e *FeedEvent) { e.ScheduleID = 8 }, false},
	} {
		f := icsFeed()
		tc.change(&f.Events[1])
		got := uids(t, RenderICS(f))
		if got[0] != base[0] || got[2] != base[2] {
			t.Errorf("%s: another shift's UID changed", name)
		}
		if (got[1] == base[1]) != tc.sameUID {
			t.Errorf("%s: same UID %v, want %v", name, got[1] == base[1], tc.sameUID)
		}
	}
	f := icsFeed()
	f.Host = ""
	if u := f.Events[0].UID(f.Host); !strings.HasSuffix(u, "@tocsin") {
		t.Errorf("UID without host: %q", u)
	}
}

// TestICSDigest: the digest moves with everything a client shows beyond the
// UID, and with nothing else.
func TestICSDigest(t *testing.T) {
	base := icsFeed().Events[1]
	for name, change := range map[string]func(*FeedEvent){
		"end":           func(e *FeedEvent) { e.End = e.End.Add(time.Minute) },
		"layer":         func(e *FeedEvent) { e.Layer = "other" },
		"reason":        func(e *FeedEvent) { e.Reason = ReasonRotation },
		"user name":     func(e *FeedEvent) { e.UserName = "Renamed" },
		"schedule name": func(e *FeedEvent) { e.Schedule = "renamed" },
		"clipped start": func(e *FeedEvent) { e.ClippedStart = true },
		"clipped end":   func(e *FeedEvent) { e.ClippedEnd = true },
		"names shifted": func(e *FeedEvent) { e.Layer, e.UserName = "", e.Layer }, // no ambiguity between fields
	} {
		e := base
		change(&e)
		if e.Digest() == base.Digest() {
			t.Errorf("%s: digest did not change", name)
		}
	}
	e := base
	e.Sequence, e.Stamp = 7, icsStamp.Add(time.Hour)
	if e.Digest() != base.Digest() || len(base.Digest()) != 32 {
		t.Error("the digest depends on the version it decides, or has the wrong size")
	}
}

// TestICSSequenceAndStamp: each event carries its own SEQUENCE and DTSTAMP;
// a zero Stamp falls back to the feed's.
func TestICSSequenceAndStamp(t *testing.T) {
	f := icsFeed()
	changed := icsStamp.Add(49 * time.Hour)
	f.Events[1].Sequence, f.Events[1].Stamp = 3, changed
	b := RenderICS(f)
	checkLines(t, b)
	events := parseICS(t, b).Events()
	for i, e := range events {
		wantSeq, wantStamp := "0", icsStamp
		if i == 1 {
			wantSeq, wantStamp = "3", changed
		}
		if got := evProp(t, e, ics.ComponentPropertySequence); got != wantSeq {
			t.Errorf("event %d SEQUENCE %q, want %s", i, got, wantSeq)
		}
		if got, err := e.GetDtStampTime(); err != nil || !got.Equal(wantStamp) {
			t.Errorf("event %d DTSTAMP %v (%v), want %v", i, got, err, wantStamp)
		}
	}
	if !bytes.Equal(b, RenderICS(f)) {
		t.Error("same versions, different bytes")
	}
}

func TestFeedEventsFromPlan(t *testing.T) {
	s := &tocsin.Schedule{ID: 12, Name: "payments", Timezone: "Europe/Paris", Layers: []tocsin.Layer{
		{Name: "primary", Participants: []int64{1, 2, 3}, Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "mon 09:00", Start: "2026-01-05"},
	}, Overrides: []tocsin.Override{{UserID: 9, Start: time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 11, 20, 0, 0, 0, time.UTC)}}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC)
	p, err := Shifts(s, from, to)
	if err != nil {
		t.Fatal(err)
	}
	all := FeedEvents(s.ID, s.Name, p, 0, map[int64]string{1: "Ann"})
	if len(all) != len(p.Final) {
		t.Fatalf("%d events for %d final shifts", len(all), len(p.Final))
	}
	if !all[0].ClippedStart || !all[len(all)-1].ClippedEnd || all[1].ClippedStart || all[0].ClippedEnd {
		t.Error("clipping flags wrong")
	}
	var override bool
	for i, e := range all {
		if i > 0 && e.Start.Before(all[i-1].Start) {
			t.Error("events not in time order")
		}
		if e.UserID == 9 {
			override = e.Layer == "" && e.Reason == ReasonOverride
		} else if e.Layer != "primary" {
			t.Errorf("event %d layer %q", i, e.Layer)
		}
		if e.UserID == 1 && e.UserName != "Ann" {
			t.Errorf("name not filled in: %+v", e)
		}
	}
	if !override {
		t.Error("the final override is missing or mislabelled")
	}
	mine := FeedEvents(s.ID, s.Name, p, 2, nil)
	if len(mine) == 0 {
		t.Fatal("user 2 has no shift")
	}
	for _, e := range mine {
		if e.UserID != 2 {
			t.Fatalf("filter let user %d through", e.UserID)
		}
	}
	b := RenderICS(Feed{Name: "payments", Stamp: icsStamp, Events: all})
	checkLines(t, b)
	if n := len(parseICS(t, b).Events()); n != len(all) {
		t.Errorf("%d events parsed back, want %d", n, len(all))
	}
}
