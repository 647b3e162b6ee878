package web

import "net/http"

// statusSubscriberDelete serves POST /statuspage/subscribers/{id}/delete:
// they hear nothing more, and messages not yet sent to them are dropped.
func (h *Handler) statusSubscriberDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if err := h.opts.DB.DeleteSubscriber(r.Context(), id, v.User.ID, h.opts.Clock.Now()); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("status_admin.subscriber_deleted"))
	redirect(w, r, "/statuspage/subscribers")
}
