package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// statusIncidentListPage lists public incidents, or scheduled maintenances:
// the open ones first, then the most recent closed ones.
type statusIncidentListPage struct {
	*view
	statusZone
	Maintenance bool
	Base        string // /statuspage/incidents or /statuspage/maintenances
	Open        []tocsin.StatusIncident
	Recent      []tocsin.StatusIncident
}

// LastUpdate is when an incident was last told about; its creation when never.
func (p *statusIncidentListPage) LastUpdate(i tocsin.StatusIncident) string {
	if len(i.Updates) > 0 {
		return p.Ago(i.Updates[0].DisplayAt)
	}
	return p.Ago(i.CreatedAt)
}

// statusIncidentList serves GET /statuspage/incidents and /statuspage/maintenances.
func (h *Handler) statusIncidentList(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	maintenance := maintenancePath(r)
	page, err := h.opts.DB.StatusPage(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	open, err := h.opts.DB.StatusIncidents(ctx, store.StatusIncidentFilter{Maintenance: &maintenance, OpenOnly: true, Limit: 500})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	recent, err := h.opts.DB.StatusIncidents(ctx, store.StatusIncidentFilter{Maintenance: &maintenance, Limit: 50})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &statusIncidentListPage{view: v, statusZone: statusZone{statusLocation(page)}, Maintenance: maintenance, Base: statusIncidentBase(maintenance), Open: open}
	for _, i := range recent {
		if i.Status.Closed() {
			p.Recent = append(p.Recent, i)
		}
	}
	h.render(w, r, http.StatusOK, "status_incident_list", p)
}

// statusIncidentRows is one table of the list.
type statusIncidentRows struct {
	Page *statusIncidentListPage
	List []tocsin.StatusIncident
}

// Rows prepares a table of incidents for the template.
func (p *statusIncidentListPage) Rows(list []tocsin.StatusIncident) statusIncidentRows {
	return statusIncidentRows{Page: p, List: list}
}
