package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tocsin/tocsin"
)

// checkTeam turns an owner team that does not exist into a form error.
func (h *Handler) checkTeam(ctx context.Context, id int64) error {
	if id == 0 {
		return nil
	}
	_, err := h.opts.DB.Team(ctx, id)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		return tocsin.Errorf(tocsin.EINVALID, "team %d does not exist", id)
	}
	return err
}

// serviceSave serves POST /services/{id}: name, description and owner team.
func (h *Handler) serviceSave(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	form, err := readServiceForm(r)
	if err == nil {
		err = h.checkTeam(r.Context(), form.TeamID)
	}
	var svc *tocsin.Service
	if err == nil {
		// Load it whole: this form does not carry the paging settings, which stay as they are.
		svc, err = h.opts.DB.Service(r.Context(), id)
	}
	if err == nil {
		svc.Name, svc.Description, svc.TeamID = form.Name, form.Description, form.TeamID
		err = h.opts.DB.UpdateService(r.Context(), svc)
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		h.renderService(w, r, v, id, statusOf(err), &form, integrationForm{Type: string(tocsin.IntegrationAlertmanager)})
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("service.saved"))
	redirect(w, r, fmt.Sprintf("/services/%d", id))
}
