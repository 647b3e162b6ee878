package web

import (
	"html/template"
	"net/http"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// calendarForm is the new-subscription form's input, kept when refused.
type calendarForm struct {
	Scope      string
	ScheduleID int64
	Error      string
}

// calendarLink is a subscription's address, shown once: right after it is
// created or rotated (only the token's hash is kept).
type calendarLink struct {
	Feed   *store.CalendarFeed
	URL    string       // http(s)
	Webcal template.URL // the same with the webcal scheme, which html/template would otherwise refuse in an href
}

// calendarListPage is one's calendar subscriptions and the form for a new one.
type calendarListPage struct {
	*view
	Feeds     []*store.CalendarFeed
	Schedules []*tocsin.Schedule
	Form      calendarForm
	New       *calendarLink
}

// calendarList serves GET /calendars.
func (h *Handler) calendarList(w http.ResponseWriter, r *http.Request, v *view) {
	h.renderCalendars(w, r, v, http.StatusOK, &calendarListPage{Form: calendarForm{Scope: string(store.CalendarPerson)}})
}

// renderCalendars fills what every answer of the page shows around p's own state.
func (h *Handler) renderCalendars(w http.ResponseWriter, r *http.Request, v *view, status int, p *calendarListPage) {
	p.view = v
	var err error
	if p.Feeds, err = h.opts.DB.CalendarFeeds(r.Context(), v.User.ID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if p.Schedules, err = h.opts.DB.Schedules(r.Context(), 0); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, status, "calendar_list", p)
}

// ScopeText says what a subscription shows, in the viewer's language.
func (p *calendarListPage) ScopeText(f *store.CalendarFeed) string {
	switch f.Scope {
	case store.CalendarPerson:
		return p.T("calendars.scope_person")
	case store.CalendarSchedule:
		return p.T("calendars.scope_schedule", "Name", f.ScheduleName)
	}
	return p.T("calendars.scope_all")
}

// showCalendarLink renders the page with a subscription's address, once.
func (h *Handler) showCalendarLink(w http.ResponseWriter, r *http.Request, v *view, f *store.CalendarFeed, token string) {
	link := &calendarLink{Feed: f}
	var webcal string
	link.URL, webcal = h.calendarURLs(token)
	link.Webcal = template.URL(webcal) // built from the configured public URL and a hex token
	h.renderCalendars(w, r, v, http.StatusOK, &calendarListPage{Form: calendarForm{Scope: string(store.CalendarPerson)}, New: link})
}
