package web

import "net/http"

// serviceDelete serves POST /services/{id}/delete. Its integrations and their
// alerts go with it, so the button asks first.
func (h *Handler) serviceDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if err := h.opts.DB.DeleteService(r.Context(), id, h.opts.Clock.Now()); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.Notify()
	h.setFlash(w, false, v.T("service.deleted"))
	redirect(w, r, "/services")
}
