package web

import "net/http"

// integrationRotate serves POST /integrations/{id}/rotate: a new key, shown
// once; the old one stops working at once (and a revoked integration lives again).
func (h *Handler) integrationRotate(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	key, err := h.opts.DB.RotateIntegrationKey(r.Context(), id, "", h.opts.Clock.Now())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	integ, err := h.opts.DB.Integration(r.Context(), id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.showKey(w, r, v, integ, key, "integration.key_rotated")
}
