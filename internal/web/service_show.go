package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// servicePage is one service: what it is, how alerts reach it, what is firing,
// and what changed lately (deploys).
type servicePage struct {
	*view
	Service      *tocsin.Service
	Teams        []*tocsin.Team
	Integrations []*tocsin.Integration
	Alerts       []*tocsin.Alert
	OpenAlerts   int
	Changes      []*tocsin.ChangeEvent
	Types        []tocsin.IntegrationType
	Form         serviceForm
	Integration  integrationForm

	// Paging (service_paging.go, service_maintenance.go).
	Policies      []*tocsin.EscalationPolicy
	Paging        pagingForm
	Windows       []maintenanceRow
	Maintenance   maintenanceForm
	InMaintenance bool
	Weekdays      []string
}

// serviceShow serves GET /services/{id}.
func (h *Handler) serviceShow(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	h.renderService(w, r, v, id, http.StatusOK, nil, integrationForm{Type: string(tocsin.IntegrationAlertmanager)})
}

// renderService shows a service page; form, when given, replaces the edit
// form's values (a refused edit keeps what was typed).
func (h *Handler) renderService(w http.ResponseWriter, r *http.Request, v *view, id int64, status int, form *serviceForm, integ integrationForm) {
	h.renderServiceWith(w, r, v, id, status, func(p *servicePage) {
		p.Integration = integ
		if form != nil {
			p.Form = *form
		}
	})
}

// renderServiceWith shows a service page as stored, after keep has put back
// what a refused form had typed.
func (h *Handler) renderServiceWith(w http.ResponseWriter, r *http.Request, v *view, id int64, status int, keep func(*servicePage)) {
	ctx := r.Context()
	s, err := h.opts.DB.Service(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &servicePage{view: v, Service: s, Types: tocsin.IntegrationTypes(), Integration: integrationForm{Type: string(tocsin.IntegrationAlertmanager)},
		Form:   serviceForm{Name: s.Name, Description: s.Description, TeamID: s.TeamID},
		Paging: pagingFormFrom(s), Maintenance: v.newMaintenanceForm(s), Windows: maintenanceRows(s, v.now),
		InMaintenance: tocsin.InMaintenance(s.Maintenance, v.now) != nil, Weekdays: weekdayNames()}
	keep(p)
	if p.Policies, err = h.opts.DB.EscalationPolicies(ctx); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if p.Teams, err = h.opts.DB.Teams(ctx); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if p.Integrations, err = h.opts.DB.Integrations(ctx, id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if p.Alerts, _, err = h.opts.DB.Alerts(ctx, tocsin.AlertFilter{ServiceID: id, Limit: 10}); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if _, p.OpenAlerts, err = h.opts.DB.Alerts(ctx, tocsin.AlertFilter{ServiceID: id, Statuses: []tocsin.AlertStatus{tocsin.StatusTriggered, tocsin.StatusAcknowledged}, Limit: 1}); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if p.Changes, err = h.opts.DB.ChangeEvents(ctx, id, 20); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, status, "service_show", p)
}
