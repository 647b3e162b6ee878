package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// statusIncidentDeletePage asks before an incident or maintenance goes from
// the public page.
type statusIncidentDeletePage struct {
	*view
	Incident *tocsin.StatusIncident
	Base     string
}

// statusIncidentDeleteConfirm serves GET …/{id}/delete: the confirmation
// step, a page of its own so that it works without JavaScript.
func (h *Handler) statusIncidentDeleteConfirm(w http.ResponseWriter, r *http.Request, v *view) {
	inc := h.loadStatusIncident(w, r, v)
	if inc == nil {
		return
	}
	h.render(w, r, http.StatusOK, "status_incident_delete", &statusIncidentDeletePage{view: v, Incident: inc, Base: statusIncidentBase(inc.Maintenance)})
}

// statusIncidentDelete serves POST …/{id}/delete. Without the confirmation
// field (a form posted from elsewhere than the confirmation page) it asks
// first. Component statuses stay as they are.
func (h *Handler) statusIncidentDelete(w http.ResponseWriter, r *http.Request, v *view) {
	inc := h.loadStatusIncident(w, r, v)
	if inc == nil {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		redirect(w, r, r.URL.Path)
		return
	}
	if err := h.opts.DB.DeleteStatusIncident(r.Context(), inc.ID, v.User.ID, h.opts.Clock.Now()); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.statusChanged()
	h.setFlash(w, false, v.T("status_admin.incident_deleted", "Name", inc.Name))
	redirect(w, r, statusIncidentBase(inc.Maintenance))
}
