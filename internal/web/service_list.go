package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// serviceForm is the input of the service forms, kept when refused.
type serviceForm struct {
	Name        string
	Description string
	TeamID      int64
	Error       string
}

// integrationForm is the input of the "add integration" form, kept when refused.
type integrationForm struct {
	Name  string
	Type  string
	HMAC  string
	Error string
}

// serviceListPage lists services and global integrations, with the forms that add them.
type serviceListPage struct {
	*view
	Services    []*tocsin.Service
	Global      []*tocsin.Integration // integrations routed by rules, not bound to a service
	Teams       []*tocsin.Team
	Types       []tocsin.IntegrationType
	Form        serviceForm
	Integration integrationForm
}

// serviceList serves GET /services.
func (h *Handler) serviceList(w http.ResponseWriter, r *http.Request, v *view) {
	h.renderServiceList(w, r, v, http.StatusOK, serviceForm{}, integrationForm{Type: string(tocsin.IntegrationAlertmanager)})
}

func (h *Handler) renderServiceList(w http.ResponseWriter, r *http.Request, v *view, status int, form serviceForm, integ integrationForm) {
	ctx := r.Context()
	services, err := h.opts.DB.Services(ctx, 0)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	teams, err := h.opts.DB.Teams(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	all, err := h.opts.DB.Integrations(ctx, 0)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &serviceListPage{view: v, Services: services, Teams: teams, Types: tocsin.IntegrationTypes(), Form: form, Integration: integ}
	for _, i := range all {
		if i.Global() {
			p.Global = append(p.Global, i)
		}
	}
	h.render(w, r, status, "service_list", p)
}

// integrationFormView is what the "add integration" partial needs.
type integrationFormView struct {
	*view
	ServiceID int64
	Form      integrationForm
	Types     []tocsin.IntegrationType
}
