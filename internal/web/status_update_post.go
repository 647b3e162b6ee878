package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tocsin/tocsin"
)

// statusUpdatePost serves POST /statuspage/incidents/{id}/updates and
// /statuspage/maintenances/{id}/updates: a new status, a message, component
// changes and whether subscribers are told. Resolving without changes puts
// the affected components back to operational.
func (h *Handler) statusUpdatePost(w http.ResponseWriter, r *http.Request, v *view) {
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	inc := h.loadStatusIncident(w, r, v)
	if inc == nil {
		return
	}
	form := statusUpdateForm{Status: formValue(r, "status"), Body: strings.TrimRight(r.PostFormValue("body"), " \t\r\n"), Notify: checked(r, "notify")}
	u := &tocsin.StatusUpdate{Status: tocsin.IncidentStatus(form.Status), Body: form.Body, Notify: form.Notify}
	var err error
	form.Changes, u.Changes, err = componentChanges(r, v)
	if err == nil {
		err = h.opts.DB.PostStatusUpdate(r.Context(), inc.ID, u, v.User.ID, h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		h.renderStatusIncident(w, r, v, inc.ID, statusOf(err), &form, nil)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.statusChanged()
	h.setFlash(w, false, v.T("status_admin.update_posted", "Status", v.IncidentStatusText(u.Status)))
	redirect(w, r, fmt.Sprintf("%s/%d", statusIncidentBase(inc.Maintenance), inc.ID))
}
