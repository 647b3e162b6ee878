package web

import (
	"fmt"
	"net/http"
)

// integrationRevoke serves POST /integrations/{id}/revoke: the key stops
// working; alerts stay. Rotating brings it back with a new key.
func (h *Handler) integrationRevoke(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if err := h.opts.DB.RevokeIntegration(r.Context(), id, h.opts.Clock.Now()); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("integration.revoked"))
	redirect(w, r, fmt.Sprintf("/integrations/%d", id))
}
