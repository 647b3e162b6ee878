package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tocsin/tocsin"
)

// statusIncidentSave serves POST /statuspage/incidents/{id} and
// /statuspage/maintenances/{id}: title, impact, affected components, a
// maintenance's window and auto-transition, and the post-mortem of a
// resolved incident. Its status moves only through updates.
func (h *Handler) statusIncidentSave(w http.ResponseWriter, r *http.Request, v *view) {
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	stored := h.loadStatusIncident(w, r, v)
	if stored == nil {
		return
	}
	ctx := r.Context()
	page, err := h.opts.DB.StatusPage(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	form, inc, _, err := readStatusIncidentForm(r, v, stored.Maintenance, statusLocation(page))
	inc.ID = stored.ID
	// The form shows a post-mortem field only once an incident is resolved:
	// a form without it (older, or a maintenance's) keeps the stored one; a
	// new one sent before (a stale or crafted form) is refused, not dropped.
	_, sent := r.PostForm["postmortem"]
	switch postmortem := strings.TrimSpace(r.PostForm.Get("postmortem")); {
	case !sent:
		inc.Postmortem = stored.Postmortem
	case err != nil || postmortem == "":
	case stored.Maintenance:
		err = tocsin.Errorf(tocsin.EINVALID, "%s", v.T("status_admin.err_maintenance_postmortem"))
	case !stored.Status.Closed() && postmortem != strings.TrimSpace(stored.Postmortem):
		err = tocsin.Errorf(tocsin.EINVALID, "%s", v.T("status_admin.err_early_postmortem"))
	}
	if err == nil {
		err = h.opts.DB.EditStatusIncident(ctx, inc, v.User.ID, h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		h.renderStatusIncident(w, r, v, stored.ID, statusOf(err), nil, &form)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.statusChanged()
	h.setFlash(w, false, v.T("status_admin.incident_saved", "Name", inc.Name))
	redirect(w, r, fmt.Sprintf("%s/%d", statusIncidentBase(stored.Maintenance), stored.ID))
}
