package web

import (
	"fmt"
	"net/http"

	"github.com/tocsin/tocsin"
)

// statusIncidentCreate serves POST /statuspage/incidents and
// /statuspage/maintenances: the incident or maintenance with its first
// update, component changes and, when asked, the subscribers told.
func (h *Handler) statusIncidentCreate(w http.ResponseWriter, r *http.Request, v *view) {
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	ctx := r.Context()
	maintenance := maintenancePath(r)
	page, err := h.opts.DB.StatusPage(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	form, inc, first, err := readStatusIncidentForm(r, v, maintenance, statusLocation(page))
	if err == nil {
		err = h.opts.DB.CreateStatusIncident(ctx, inc, first, v.User.ID, h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		h.renderStatusIncidentNew(w, r, v, statusOf(err), maintenance, form)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.statusChanged()
	id := "status_admin.incident_created"
	if maintenance {
		id = "status_admin.maintenance_created"
	}
	h.setFlash(w, false, v.T(id, "Name", inc.Name))
	redirect(w, r, fmt.Sprintf("%s/%d", statusIncidentBase(maintenance), inc.ID))
}
