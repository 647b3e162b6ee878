package web

import (
	"html/template"
	"net/http"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/statuspage"
)

// statusUpdateForm is the input of the form that posts an update, kept as
// typed when refused.
type statusUpdateForm struct {
	Status  string
	Body    string
	Notify  bool
	Changes map[int64]string
	Error   string
}

// statusIncidentPage is one incident or maintenance: its public timeline,
// the forms that post an update and edit it, and its internal timeline.
type statusIncidentPage struct {
	*view
	statusZone
	statusIncidentChoices
	Incident *tocsin.StatusIncident
	Base     string
	Affected []tocsin.Component
	Update   statusUpdateForm
	Edit     statusIncidentForm
	Events   []tocsin.StatusEvent
	md       *statuspage.Markdown
}

// Markdown renders an update's message or the post-mortem, sanitised as on
// the public page.
func (p *statusIncidentPage) Markdown(src string) template.HTML {
	return p.md.HTML(src, tocsin.MaxPostmortemBody)
}

// statusIncidentShow serves GET /statuspage/incidents/{id} and
// /statuspage/maintenances/{id}; one of the other kind is sent to its own.
func (h *Handler) statusIncidentShow(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	h.renderStatusIncident(w, r, v, id, http.StatusOK, nil, nil)
}

// loadStatusIncident reads the incident a path names; nil after answering
// 404 when there is none of this kind.
func (h *Handler) loadStatusIncident(w http.ResponseWriter, r *http.Request, v *view) *tocsin.StatusIncident {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return nil
	}
	inc, err := h.opts.DB.StatusIncident(r.Context(), id)
	if err != nil {
		h.fail(w, r, v, err)
		return nil
	}
	if inc.Maintenance != maintenancePath(r) {
		h.notFound(w, r, v)
		return nil
	}
	return inc
}

// renderStatusIncident shows the page; update and edit, when given, are a
// refused form, shown as typed.
func (h *Handler) renderStatusIncident(w http.ResponseWriter, r *http.Request, v *view, id int64, status int, update *statusUpdateForm, edit *statusIncidentForm) {
	ctx := r.Context()
	inc, err := h.opts.DB.StatusIncident(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if inc.Maintenance != maintenancePath(r) {
		if r.Method == http.MethodGet {
			redirect(w, r, statusIncidentBase(inc.Maintenance)+"/"+r.PathValue("id"))
			return
		}
		h.notFound(w, r, v)
		return
	}
	page, components, ok := h.statusPageAndComponents(w, r, v)
	if !ok {
		return
	}
	events, err := h.opts.DB.StatusEvents(ctx, inc.ID, 500)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	loc := statusLocation(page)
	p := &statusIncidentPage{view: v, statusZone: statusZone{loc}, Incident: inc, Base: statusIncidentBase(inc.Maintenance),
		statusIncidentChoices: incidentChoices(inc.Maintenance, components), Events: events, md: statuspage.NewMarkdown()}
	affected := newIDSet(inc.ComponentIDs)
	for _, c := range components {
		if affected.Has(c.ID) {
			p.Affected = append(p.Affected, c)
		}
	}
	if update != nil {
		p.Update = *update
	} else {
		p.Update = statusUpdateForm{Status: string(inc.Status), Notify: true}
	}
	if edit != nil {
		p.Edit = *edit
	} else {
		p.Edit = statusIncidentForm{Name: inc.Name, Impact: string(inc.Impact), AutoTransition: inc.AutoTransition, Affected: affected,
			From: formatLocal(inc.ScheduledFor, loc), Until: formatLocal(inc.ScheduledUntil, loc), Postmortem: inc.Postmortem}
	}
	h.render(w, r, status, "status_incident_show", p)
}

// UpdatePicker is the update form's component picker: new statuses only
// (a component changed becomes affected).
func (p *statusIncidentPage) UpdatePicker() statusPicker {
	return statusPicker{View: p.view, Components: p.Components, Statuses: p.ComponentStatuses, Changes: p.Update.Changes}
}

// EventRows is the incident's own internal timeline.
func (p *statusIncidentPage) EventRows() statusEvents {
	return statusEvents{View: p.view, Events: p.Events}
}
