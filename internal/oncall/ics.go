package oncall

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// Feed is an iCalendar on-call feed (RFC 5545 + RFC 7986): one person's
// shifts, one schedule's, or every schedule's. It is a full snapshot: an
// event left out of it disappears for subscribers at their next refresh.
type Feed struct {
	Name string // the calendar's display name (NAME and X-WR-CALNAME)
	Host string // right-hand side of every UID, e.g. the public URL's host; empty: "tocsin"
	// Stamp is the DTSTAMP of every event whose own Stamp is zero. Pass the
	// last time the feed's inputs changed, not time.Now(): the bytes, hence
	// the ETag, then stay the same between changes.
	Stamp  time.Time
	Events []FeedEvent // written in this order: sort them (e.g. by Start) for stable bytes
}

// FeedEvent is one shift in a feed.
type FeedEvent struct {
	ScheduleID   int64
	Schedule     string // the schedule's name
	Layer        string // the layer's name; empty: a final-row override
	UserID       int64
	UserName     string // empty: "user <id>"
	Start, End   time.Time
	Reason       Reason
	ClippedStart bool // Start is the feed window's start: the shift may have begun earlier
	ClippedEnd   bool // End is the feed window's end: the shift may go on after it

	// Sequence and Stamp are the event's version (SEQUENCE and DTSTAMP): the
	// caller keeps them per UID and moves them when Digest changes (see the
	// UID rule). A zero Stamp is the Feed's.
	Sequence int
	Stamp    time.Time
}

// UID rule. A VEVENT's UID is hex(sha256(schedule id, user id, start))[:32]@host:
// the shift's identity, never its position in the list, so the same shift
// keeps its UID across renders whatever the Stamp or the other shifts. The
// end is left out on purpose: a shift that an override shortens, or that a
// longer rotation extends, is the same event changed, not another event.
// Two shifts of one person on one schedule never start at the same instant
// (the final row is a partition of time), so UIDs never collide inside a
// feed, and the schedule id keeps them apart in the global feed.
//
// What a client shows besides the start (end, layer, reason, names, the
// clipping notes) is summed up by Digest. The caller stores, per UID, the last
// digest with a SEQUENCE and the instant it changed: when the digest differs,
// SEQUENCE goes up by one and DTSTAMP moves to that instant (RFC 5545 §3.8.7.4:
// a client takes the copy with the higher SEQUENCE). The renderer itself stays
// pure: it writes the Sequence and Stamp it is given. A shift that goes to
// someone else, or starts at another instant, is another event: its UID
// changes and the old one leaves the snapshot.
func (e *FeedEvent) UID(host string) string {
	return string(appendUID(nil, e, host))
}

func appendUID(dst []byte, e *FeedEvent, host string) []byte {
	var buf [64]byte
	b := buf[:0]
	b = strconv.AppendInt(b, e.ScheduleID, 10)
	b = append(b, '|')
	b = strconv.AppendInt(b, e.UserID, 10)
	b = append(b, '|')
	b = strconv.AppendInt(b, e.Start.Unix(), 10)
	sum := sha256.Sum256(b)
	dst = hex.AppendEncode(dst, sum[:16])
	dst = append(dst, '@')
	if host == "" {
		host = "tocsin"
	}
	return append(dst, host...)
}

// Digest sums up what a client shows of the event beyond its UID: end,
// schedule, layer, person's name, reason and clipping. It changes exactly
// when the event's SEQUENCE must go up.
func (e *FeedEvent) Digest() string {
	b := make([]byte, 0, 128+len(e.Schedule)+len(e.Layer)+len(e.UserName))
	b = strconv.AppendInt(b, e.End.Unix(), 10)
	for _, s := range []string{e.Schedule, e.Layer, e.UserName, string(e.Reason)} {
		b = append(b, 0) // names cannot hold NUL (stored text is cleaned): no ambiguity
		b = append(b, s...)
	}
	b = append(b, 0)
	b = strconv.AppendBool(b, e.ClippedStart)
	b = strconv.AppendBool(b, e.ClippedEnd)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// ICSContentType is the Content-Type to serve a feed with.
const ICSContentType = "text/calendar; charset=utf-8"

// WriteICS writes f as an RFC 5545 calendar.
func WriteICS(w io.Writer, f Feed) error {
	_, err := w.Write(RenderICS(f))
	return err
}

// RenderICS returns f as an RFC 5545 calendar: CRLF line endings, lines
// folded at 75 octets without splitting a UTF-8 sequence, TEXT values
// escaped, every time in UTC.
func RenderICS(f Feed) []byte {
	r := icsWriter{out: make([]byte, 0, 512+len(f.Events)*400)}
	r.raw("BEGIN:VCALENDAR")
	r.raw("VERSION:2.0")
	r.raw("PRODID:-//Tocsin//On-call feed//EN")
	r.raw("CALSCALE:GREGORIAN")
	r.raw("METHOD:PUBLISH")
	r.text("NAME", f.Name)
	r.text("X-WR-CALNAME", f.Name)
	r.raw("X-WR-TIMEZONE:UTC")
	r.raw("REFRESH-INTERVAL;VALUE=DURATION:PT1H")
	r.raw("X-PUBLISHED-TTL:PT1H")
	for i := range f.Events {
		e := &f.Events[i]
		r.raw("BEGIN:VEVENT")
		r.line = appendUID(append(r.line[:0], "UID:"...), e, f.Host)
		r.flush()
		stamp := e.Stamp
		if stamp.IsZero() {
			stamp = f.Stamp
		}
		r.time("DTSTAMP", stamp)
		r.time("DTSTART", e.Start)
		r.time("DTEND", e.End)
		r.line = strconv.AppendInt(append(r.line[:0], "SEQUENCE:"...), int64(max(e.Sequence, 0)), 10)
		r.flush()
		r.summary(e)
		r.description(e)
		r.raw("TRANSP:TRANSPARENT") // being on call does not make one busy
		r.raw("END:VEVENT")
	}
	r.raw("END:VCALENDAR")
	return r.out
}

// ETag is a strong entity tag for a rendered feed, for conditional GETs.
func ETag(b []byte) string {
	sum := sha256.Sum256(b)
	out := make([]byte, 0, 34)
	out = append(out, '"')
	out = hex.AppendEncode(out, sum[:16])
	return string(append(out, '"'))
}

// FeedEvents turns a plan's final row into feed events, in time order; only
// user's shifts when user is not 0. names gives user names (may be nil).
// A shift cut by the plan's window is flagged as clipped.
func FeedEvents(scheduleID int64, schedule string, p Plan, user int64, names map[int64]string) []FeedEvent {
	var out []FeedEvent
	for _, s := range p.Final {
		if s.UserID == 0 || (user != 0 && s.UserID != user) {
			continue
		}
		layer := ""
		if s.Layer >= 0 && s.Layer < len(p.Layers) {
			layer = p.Layers[s.Layer].Name
		}
		out = append(out, FeedEvent{
			ScheduleID: scheduleID, Schedule: schedule, Layer: layer,
			UserID: s.UserID, UserName: names[s.UserID],
			Start: s.Start.UTC(), End: s.End.UTC(), Reason: s.Reason,
			ClippedStart: !s.Start.After(p.From), ClippedEnd: !s.End.Before(p.To),
		})
	}
	return out
}

// icsWriter builds one content line in line, then folds it into out.
type icsWriter struct {
	out  []byte
	line []byte
}

func (r *icsWriter) raw(s string) {
	r.line = append(r.line[:0], s...)
	r.flush()
}

func (r *icsWriter) text(name, value string) {
	r.line = append(r.line[:0], name...)
	r.line = append(r.line, ':')
	r.line = appendText(r.line, value)
	r.flush()
}

func (r *icsWriter) time(name string, t time.Time) {
	r.line = append(r.line[:0], name...)
	r.line = append(r.line, ':')
	r.line = t.UTC().AppendFormat(r.line, "20060102T150405Z")
	r.flush()
}

func (r *icsWriter) summary(e *FeedEvent) {
	r.line = append(r.line[:0], "SUMMARY:"...)
	r.line = appendText(r.line, "On call: ")
	r.line = appendText(r.line, e.Schedule)
	r.line = appendText(r.line, " (")
	r.line = appendUser(r.line, e)
	r.line = append(r.line, ')')
	r.flush()
}

func (r *icsWriter) description(e *FeedEvent) {
	r.line = append(r.line[:0], "DESCRIPTION:"...)
	r.line = appendText(r.line, "Schedule: ")
	r.line = appendText(r.line, e.Schedule)
	r.line = append(r.line, `\nOn call: `...)
	r.line = appendUser(r.line, e)
	r.line = append(r.line, `\nLayer: `...)
	if e.Layer == "" {
		r.line = append(r.line, "override"...)
	} else {
		r.line = appendText(r.line, e.Layer)
	}
	if e.Reason != "" {
		r.line = append(r.line, `\nReason: `...)
		r.line = appendText(r.line, string(e.Reason))
	}
	if e.ClippedStart {
		r.line = append(r.line, `\nMay have begun before this feed's window.`...)
	}
	if e.ClippedEnd {
		r.line = append(r.line, `\nMay go on after this feed's window.`...)
	}
	r.flush()
}

func appendUser(b []byte, e *FeedEvent) []byte {
	if e.UserName != "" {
		return appendText(b, e.UserName)
	}
	b = append(b, "user "...)
	return strconv.AppendInt(b, e.UserID, 10)
}

// appendText appends s escaped as an RFC 5545 TEXT value: backslash,
// semicolon and comma are escaped, CRLF, CR and LF become \n, other control
// characters (forbidden in TEXT) are dropped, invalid UTF-8 becomes U+FFFD.
func appendText(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch {
		case c == '\\' || c == ';' || c == ',':
			b = append(b, '\\', c)
		case c == '\r':
			b = append(b, '\\', 'n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t' || (c >= 0x20 && c != 0x7f):
			b = append(b, c)
		}
		i++
	}
	return b
}

// maxLine is the longest physical line in octets, CRLF excluded (RFC 5545 §3.1).
const maxLine = 75

// flush folds the content line into out: at most 75 octets per physical
// line, continuation lines start with one space, never inside a UTF-8 sequence.
func (r *icsWriter) flush() {
	l := r.line
	limit := maxLine
	for len(l) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		r.out = append(r.out, l[:cut]...)
		r.out = append(r.out, "\r\n "...)
		l = l[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	r.out = append(r.out, l...)
	r.out = append(r.out, '\r', '\n')
}
