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
	ctx := r.Context()
	s, err := h.opts.DB.Service(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &servicePage{view: v, Service: s, Types: tocsin.IntegrationTypes(), Integration: integ,
		Form: serviceForm{Name: s.Name, Description: s.Description, TeamID: s.TeamID}}
	if form != nil {
		p.Form = *form
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
