package web

import "net/http"

// heartbeatDelete serves POST /heartbeats/{id}/delete. Its ping URL stops
// working and an open alert is resolved, so the button asks first.
func (h *Handler) heartbeatDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if err := h.opts.DB.DeleteHeartbeat(r.Context(), id, h.opts.Clock.Now()); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.Notify()
	h.setFlash(w, false, v.T("heartbeat.deleted"))
	redirect(w, r, "/heartbeats")
}
