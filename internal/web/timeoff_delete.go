package web

import (
	"net/http"
)

// timeOffDelete serves POST /shifts/time-off/{id}/delete: the signed-in user
// removes one of their own time-off entries (someone else's is not found).
func (h *Handler) timeOffDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if err := h.opts.DB.DeleteTimeOff(r.Context(), v.User.ID, id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("timeoff.deleted"))
	redirect(w, r, "/shifts")
}
