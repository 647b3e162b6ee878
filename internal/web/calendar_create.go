package web

import (
	"net/http"
	"strconv"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// calendarCreate serves POST /calendars: a new subscription for the signed-in
// user (viewers too: a calendar only reads). Its address is shown once.
func (h *Handler) calendarCreate(w http.ResponseWriter, r *http.Request, v *view) {
	form := calendarForm{Scope: formValue(r, "scope")}
	var err error
	if form.Scope == string(store.CalendarSchedule) {
		if raw := formValue(r, "schedule"); raw != "" {
			if form.ScheduleID, err = strconv.ParseInt(raw, 10, 64); err != nil {
				err = tocsin.Errorf(tocsin.EINVALID, "schedule %q is not a schedule's id", raw)
			}
		}
	}
	var feed *store.CalendarFeed
	var token string
	if err == nil {
		feed, token, err = h.opts.DB.CreateCalendarFeed(r.Context(), v.User.ID, store.CalendarScope(form.Scope), form.ScheduleID, h.opts.Clock.Now())
	}
	if err != nil {
		if tocsin.ErrorCode(err) == tocsin.EINVALID {
			form.Error = tocsin.ErrorMessage(err)
			h.renderCalendars(w, r, v, http.StatusBadRequest, &calendarListPage{Form: form})
			return
		}
		h.fail(w, r, v, err)
		return
	}
	h.showCalendarLink(w, r, v, feed, token)
}
