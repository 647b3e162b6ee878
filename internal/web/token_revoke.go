package web

import (
	"net/http"
	"strconv"
)

// tokenRevoke serves POST /profile/tokens/{token}/revoke: only one's own tokens.
func (h *Handler) tokenRevoke(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := strconv.ParseInt(r.PathValue("token"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r, v)
		return
	}
	if err := h.opts.DB.RevokeAPIToken(r.Context(), v.User.ID, id, h.opts.Clock.Now()); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("token.revoked"))
	redirect(w, r, "/profile")
}
