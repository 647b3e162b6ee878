package web

import "net/http"

// calendarRotate serves POST /calendars/{id}/rotate: a new address for one of
// one's own subscriptions, shown once; the old one stops working at once.
// Another user's subscription is not found.
func (h *Handler) calendarRotate(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	feed, token, err := h.opts.DB.RotateCalendarFeed(r.Context(), v.User.ID, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.showCalendarLink(w, r, v, feed, token)
}
