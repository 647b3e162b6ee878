package web

import "net/http"

// calendarRevoke serves POST /calendars/{id}/revoke: one of one's own
// subscriptions is deleted and its address stops working at once. Another
// user's subscription is not found.
func (h *Handler) calendarRevoke(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if err := h.opts.DB.RevokeCalendarFeed(r.Context(), v.User.ID, id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("calendars.revoked"))
	redirect(w, r, "/calendars")
}
