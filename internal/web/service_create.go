package web

import (
	"fmt"
	"net/http"

	"github.com/tocsin/tocsin"
)

// readServiceForm reads the fields of the create and edit forms.
func readServiceForm(r *http.Request) (serviceForm, error) {
	f := serviceForm{Name: formValue(r, "name"), Description: formValue(r, "description")}
	team, err := optionalID(r.PostFormValue("team"), "team")
	f.TeamID = team
	return f, err
}

// serviceCreate serves POST /services.
func (h *Handler) serviceCreate(w http.ResponseWriter, r *http.Request, v *view) {
	form, err := readServiceForm(r)
	if err == nil {
		err = h.checkTeam(r.Context(), form.TeamID)
	}
	s := &tocsin.Service{Name: form.Name, Description: form.Description, TeamID: form.TeamID}
	if err == nil {
		err = h.opts.DB.CreateService(r.Context(), s, h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		h.renderServiceList(w, r, v, statusOf(err), form, integrationForm{Type: string(tocsin.IntegrationAlertmanager)})
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("service.created", "Name", s.Name))
	redirect(w, r, fmt.Sprintf("/services/%d", s.ID))
}
