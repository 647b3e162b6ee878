package web

import "net/http"

// ruleDelete serves POST /rules/{id}/delete.
func (h *Handler) ruleDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if err := h.opts.DB.DeleteRule(r.Context(), id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("rule.deleted"))
	redirect(w, r, "/rules")
}
