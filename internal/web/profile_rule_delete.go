package web

import (
	"net/http"
	"strconv"
)

// notifyRuleDelete serves POST /profile/rules/{id}/delete.
func (h *Handler) notifyRuleDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r, v)
		return
	}
	if err := h.opts.DB.DeleteNotificationRule(r.Context(), v.User.ID, id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("nrules.deleted"))
	redirect(w, r, "/profile#rules")
}
