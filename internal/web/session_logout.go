package web

import "net/http"

// logout serves POST /logout: the session row is deleted, so the cookie is
// worthless even if something kept a copy.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, v *view) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := h.opts.DB.DeleteSession(r.Context(), c.Value); err != nil {
			h.internalError(w, r, err)
			return
		}
	}
	h.clearSessionCookie(w)
	redirect(w, r, "/login")
}
