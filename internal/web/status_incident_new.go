package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// statusIncidentForm is the input of the new-incident, new-maintenance and
// edit forms, kept as typed when refused.
type statusIncidentForm struct {
	Name, Impact, Status string
	Body                 string // the first update's message (new forms)
	Notify               bool
	AutoTransition       bool
	From, Until          string // a maintenance's window, datetime-local in the page's time zone
	Affected             idSet
	Changes              map[int64]string // component id → new status; "" or missing: unchanged
	Postmortem           string
	Error                string
}

// readStatusIncidentForm reads a posted new or edit form (already parsed)
// into an incident or maintenance and its first update.
func readStatusIncidentForm(r *http.Request, v *view, maintenance bool, loc *time.Location) (statusIncidentForm, *tocsin.StatusIncident, *tocsin.StatusUpdate, error) {
	f := statusIncidentForm{
		Name: formValue(r, "name"), Impact: formValue(r, "impact"), Status: formValue(r, "status"),
		Body: strings.TrimRight(r.PostFormValue("body"), " \t\r\n"), Notify: checked(r, "notify"), AutoTransition: checked(r, "auto_transition"),
		From: formValue(r, "from"), Until: formValue(r, "until"), Postmortem: strings.TrimSpace(r.PostFormValue("postmortem")),
		Affected: idSet{},
	}
	inc := &tocsin.StatusIncident{Name: f.Name, Impact: tocsin.IncidentImpact(f.Impact), Status: tocsin.IncidentStatus(f.Status),
		Maintenance: maintenance, AutoTransition: f.AutoTransition, Notify: f.Notify, Postmortem: f.Postmortem}
	first := &tocsin.StatusUpdate{Status: inc.Status, Body: f.Body, Notify: f.Notify}
	var err error
	typed, changes, err := componentChanges(r, v)
	f.Changes = typed
	if err != nil {
		return f, inc, first, err
	}
	first.Changes = changes
	if inc.ComponentIDs, err = formIDs(r, "component", "component"); err != nil {
		return f, inc, first, err
	}
	f.Affected = newIDSet(inc.ComponentIDs)
	if maintenance {
		for _, w := range []struct {
			typed string
			at    *time.Time
		}{{f.From, &inc.ScheduledFor}, {f.Until, &inc.ScheduledUntil}} {
			t, ok, gap := parseLocal(w.typed, loc)
			switch {
			case !ok:
				return f, inc, first, tocsin.Errorf(tocsin.EINVALID, "%s", v.T("status_admin.err_when", "Value", w.typed))
			case gap:
				return f, inc, first, tocsin.Errorf(tocsin.EINVALID, "%s", v.T("status_admin.maintenance_window.err_time_gap", "Value", w.typed, "Zone", loc.String()))
			}
			*w.at = t
		}
	}
	return f, inc, first, nil
}

// incidentStatuses are the statuses of an incident, or of a maintenance.
func incidentStatuses(maintenance bool) []tocsin.IncidentStatus {
	if maintenance {
		return []tocsin.IncidentStatus{tocsin.MaintenanceScheduled, tocsin.MaintenanceInProgress, tocsin.MaintenanceVerifying, tocsin.MaintenanceCompleted}
	}
	return []tocsin.IncidentStatus{tocsin.IncidentInvestigating, tocsin.IncidentIdentified, tocsin.IncidentMonitoring, tocsin.IncidentResolved, tocsin.IncidentPostmortem}
}

// incidentImpacts are the impacts a person may choose for an incident.
func incidentImpacts() []tocsin.IncidentImpact {
	return []tocsin.IncidentImpact{tocsin.ImpactNone, tocsin.ImpactMinor, tocsin.ImpactMajor, tocsin.ImpactCritical}
}

// statusIncidentNewPage is the form that opens an incident or schedules a maintenance.
type statusIncidentNewPage struct {
	*view
	statusZone
	statusIncidentChoices
	Maintenance bool
	Base        string
	Form        statusIncidentForm
}

// statusIncidentNew serves GET /statuspage/incidents/new and /statuspage/maintenances/new.
func (h *Handler) statusIncidentNew(w http.ResponseWriter, r *http.Request, v *view) {
	maintenance := maintenancePath(r)
	form := statusIncidentForm{Notify: true, AutoTransition: true, Affected: idSet{}, Impact: string(tocsin.ImpactMinor), Status: string(incidentStatuses(maintenance)[0])}
	page, err := h.opts.DB.StatusPage(r.Context())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if maintenance {
		// The next whole hour, for two hours: a start to edit rather than type.
		loc := statusLocation(page)
		from := h.opts.Clock.Now().In(loc).Truncate(time.Hour).Add(time.Hour)
		form.From, form.Until = formatLocal(from, loc), formatLocal(from.Add(2*time.Hour), loc)
	}
	h.renderStatusIncidentNew(w, r, v, http.StatusOK, maintenance, form)
}

func (h *Handler) renderStatusIncidentNew(w http.ResponseWriter, r *http.Request, v *view, status int, maintenance bool, form statusIncidentForm) {
	page, components, ok := h.statusPageAndComponents(w, r, v)
	if !ok {
		return
	}
	h.render(w, r, status, "status_incident_new", &statusIncidentNewPage{view: v, statusZone: statusZone{statusLocation(page)},
		Maintenance: maintenance, Base: statusIncidentBase(maintenance), statusIncidentChoices: incidentChoices(maintenance, components), Form: form})
}

// Picker is the form's component picker: affected, and their new status.
func (p *statusIncidentNewPage) Picker() statusPicker {
	return statusPicker{View: p.view, Components: p.Components, Statuses: p.ComponentStatuses, Name: "component", Picked: p.Form.Affected, Changes: p.Form.Changes}
}
