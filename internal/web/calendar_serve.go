package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
	"github.com/tocsin/tocsin/internal/store"
)

// A feed shows shifts from 30 days back to 365 days ahead. The window is
// anchored on today's UTC midnight, so that a feed whose shifts did not
// change keeps its bytes (and ETag) all day long.
const (
	calendarBack  = 30 * 24 * time.Hour
	calendarAhead = 365 * 24 * time.Hour
	// calendarMargin is computed on both sides of the window so that a shift
	// crossing its edge keeps its true start and end (hence its UID) while
	// the window slides day by day; only a longer shift is clipped.
	calendarMargin = 31 * 24 * time.Hour
)

// calendarServe serves GET and HEAD /calendar/{key}(.ics): a subscription's
// iCalendar feed. There is no session: calendar servers (Google's) fetch it
// without credentials, so the secret token in the path is the credential.
// Unknown, rotated-away and revoked tokens all get the same bare 404.
func (h *Handler) calendarServe(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSuffix(r.PathValue("key"), ".ics")
	now := h.opts.Clock.Now()
	feed, err := h.opts.DB.CalendarFeedByToken(r.Context(), token, now)
	if err != nil {
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			hdr := w.Header()
			hdr.Set("X-Robots-Tag", "noindex")
			hdr.Set("Cache-Control", "no-store")
			http.Error(w, "Calendar not found.", http.StatusNotFound)
			return
		}
		h.calendarError(w, r, err)
		return
	}
	body, err := h.calendarRender(r.Context(), feed, now)
	if err != nil {
		h.calendarError(w, r, err)
		return
	}
	etag := oncall.ETag(body)
	hdr := w.Header()
	hdr.Set("ETag", etag)
	hdr.Set("Cache-Control", "private, max-age=300")
	hdr.Set("X-Robots-Tag", "noindex")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", oncall.ICSContentType)
	hdr.Set("Content-Disposition", `inline; filename="tocsin-oncall.ics"`)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// calendarError answers a failure in plain text: calendar clients show no HTML.
func (h *Handler) calendarError(w http.ResponseWriter, r *http.Request, err error) {
	id := w.Header().Get("X-Request-Id")
	h.opts.Log.Error("calendar feed", "request_id", id, "err", err)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "Internal error (request "+id+").", http.StatusInternalServerError)
}

// etagMatches applies If-None-Match (RFC 9110 §13.1.2): "*" or any listed tag
// equal to ours, compared weakly as the RFC asks for this header.
func etagMatches(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// calendarRender computes a subscription's feed at now: the shifts of its
// scope over the window, each with its stored version (SEQUENCE, DTSTAMP).
func (h *Handler) calendarRender(ctx context.Context, feed *store.CalendarFeed, now time.Time) ([]byte, error) {
	names, _, err := h.userNames(ctx)
	if err != nil {
		return nil, err
	}
	var schedules []*tocsin.Schedule
	var user int64
	var title string
	switch feed.Scope {
	case store.CalendarPerson:
		user = feed.UserID
		title = "On call: " + nameOf(names, user)
		schedules, err = h.opts.DB.SchedulesOf(ctx, user)
	case store.CalendarSchedule:
		var s *tocsin.Schedule
		s, err = h.opts.DB.Schedule(ctx, feed.ScheduleID)
		schedules = []*tocsin.Schedule{s}
		if err == nil {
			title = "On call: " + s.Name
		}
	default:
		title = "On call: all schedules"
		schedules, err = h.opts.DB.Schedules(ctx, 0)
	}
	if err != nil {
		return nil, err
	}

	day := now.UTC().Truncate(24 * time.Hour)
	from, to := day.Add(-calendarBack), day.Add(calendarAhead)
	zones := oncall.Zones{}
	var events []oncall.FeedEvent
	for _, s := range schedules {
		c, err := oncall.Compile(s, zones)
		if err != nil {
			// One broken schedule must not take every subscriber's calendar down.
			h.opts.Log.Warn("calendar feed: schedule skipped", "schedule", s.ID, "err", err)
			continue
		}
		plan, err := c.Shifts(from.Add(-calendarMargin), to.Add(calendarMargin))
		if err != nil {
			h.opts.Log.Warn("calendar feed: schedule skipped", "schedule", s.ID, "err", err)
			continue
		}
		for _, e := range oncall.FeedEvents(s.ID, s.Name, plan, user, names) {
			if e.End.After(from) && e.Start.Before(to) {
				events = append(events, e)
			}
		}
	}
	slices.SortStableFunc(events, func(a, b oncall.FeedEvent) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ScheduleID, b.ScheduleID), cmp.Compare(a.UserID, b.UserID))
	})

	host := h.calendarHost()
	versions := make([]store.CalendarEventVersion, len(events))
	for i := range events {
		versions[i] = store.CalendarEventVersion{UID: events[i].UID(host), Digest: events[i].Digest(), End: events[i].End}
	}
	if err := h.opts.DB.CalendarEventVersions(ctx, versions, now); err != nil {
		return nil, err
	}
	for i := range events {
		events[i].Sequence, events[i].Stamp = versions[i].Sequence, versions[i].ChangedAt
	}
	return oncall.RenderICS(oncall.Feed{Name: title, Host: host, Stamp: day, Events: events}), nil
}

// calendarHost is the right-hand side of event UIDs: the public URL's host.
func (h *Handler) calendarHost() string {
	if u, err := url.Parse(h.opts.PublicURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return ""
}

// calendarURLs are a subscription's addresses: the http(s) one, and the same
// with the webcal scheme that calendar applications open directly.
func (h *Handler) calendarURLs(token string) (web, webcal string) {
	web = h.opts.PublicURL + "/calendar/" + token + ".ics"
	_, rest, ok := strings.Cut(web, "://")
	if !ok {
		return web, web
	}
	return web, "webcal://" + rest
}
