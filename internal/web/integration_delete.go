package web

import (
	"fmt"
	"net/http"
)

// integrationDelete serves POST /integrations/{id}/delete: the integration, its
// rules and its alerts go.
func (h *Handler) integrationDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	integ, err := h.opts.DB.Integration(r.Context(), id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if err := h.opts.DB.DeleteIntegration(r.Context(), id, h.opts.Clock.Now()); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.Notify()
	h.setFlash(w, false, v.T("integration.deleted", "Name", integ.Name))
	if integ.Global() {
		redirect(w, r, "/services")
		return
	}
	redirect(w, r, fmt.Sprintf("/services/%d", integ.ServiceID))
}
