package web

import "net/http"

// teamDelete serves POST /teams/{id}/delete; the team's services stay, unowned.
func (h *Handler) teamDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if err := h.opts.DB.DeleteTeam(r.Context(), id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("team.deleted"))
	redirect(w, r, "/teams")
}
