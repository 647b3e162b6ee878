package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tocsin/tocsin"
)

// What the status page's admin pages share: the hook after a public change,
// words for statuses, the page's time zone, and form helpers.

// statusChanged tells the public page to re-render, after a public change.
func (h *Handler) statusChanged() {
	if h.opts.StatusChanged != nil {
		h.opts.StatusChanged()
	}
}

// ComponentStatusText is a component status in the user's language.
func (v *view) ComponentStatusText(s tocsin.ComponentStatus) string {
	return v.T("status_admin.component_status." + string(s))
}

// IncidentStatusText is an incident or maintenance status in the user's language.
func (v *view) IncidentStatusText(s tocsin.IncidentStatus) string {
	return v.T("status_admin.incident_status." + string(s))
}

// ImpactText is an incident's impact in the user's language.
func (v *view) ImpactText(i tocsin.IncidentImpact) string {
	return v.T("status_admin.impacts." + string(i))
}

// statusLocation is the page's time zone: maintenance windows are typed and
// shown in it, as customers read them.
func statusLocation(p *tocsin.StatusPage) *time.Location {
	if loc, err := time.LoadLocation(p.TimeZone); err == nil && p.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// parseLocal reads a datetime-local value in loc; "" is the zero time. gap
// reports a wall-clock time loc skips (clocks jump forward over it), which
// time.ParseInLocation would silently move by the jump.
func parseLocal(s string, loc *time.Location) (t time.Time, ok, gap bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true, false
	}
	for _, layout := range []string{localInput, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			wall, _ := time.Parse(layout, s) // the clock as typed
			return t, true, t.In(loc).Format(time.DateTime) != wall.Format(time.DateTime)
		}
	}
	return time.Time{}, false, false
}

// formatLocal writes t for a datetime-local input in loc.
func formatLocal(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(localInput)
}

// pageTime shows an instant in the page's time zone, naming it.
func pageTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04 MST") + " (" + loc.String() + ")"
}

// formIDs reads a multi-valued field of ids ("service", "component"); a
// value that is not an id is refused with the field's name.
func formIDs(r *http.Request, name, what string) ([]int64, error) {
	var out []int64
	for _, s := range r.PostForm[name] {
		id, err := optionalID(s, what)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			out = append(out, id)
		}
	}
	return out, nil
}

// componentChanges reads the per-component status selects of the incident
// and update forms: fields "cs_<id>" holding a new status, "" for none. The
// changes come back in component id order, and the form's values as typed.
func componentChanges(r *http.Request, v *view) (map[int64]string, []tocsin.ComponentChange, error) {
	typed := map[int64]string{}
	var ids []int64
	for key, values := range r.PostForm {
		raw, ok := strings.CutPrefix(key, "cs_")
		if !ok || len(values) == 0 {
			continue
		}
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return typed, nil, tocsin.Errorf(tocsin.EINVALID, "%s", v.T("status_admin.err_component_field", "Field", key))
		}
		s := strings.TrimSpace(values[0])
		typed[id] = s
		if s != "" {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var changes []tocsin.ComponentChange
	for _, id := range ids {
		s := tocsin.ComponentStatus(typed[id])
		if !s.Valid() {
			return typed, nil, tocsin.Errorf(tocsin.EINVALID, "%s", v.T("status_admin.err_component_status", "Status", string(s)))
		}
		changes = append(changes, tocsin.ComponentChange{ComponentID: id, New: s})
	}
	return typed, changes, nil
}

// idSet is a set of ids, for templates: "is this component picked?".
type idSet map[int64]bool

func newIDSet(ids []int64) idSet {
	s := idSet{}
	for _, id := range ids {
		s[id] = true
	}
	return s
}

// Has reports whether id is in the set.
func (s idSet) Has(id int64) bool { return s[id] }

// maskAddress hides most of a subscriber's address: an e-mail keeps its
// first character and its domain (a•••@example.com), a webhook its scheme
// and host (its path may hold a secret).
func maskAddress(kind tocsin.SubscriberKind, address string) string {
	if kind == tocsin.SubscriberEmail {
		local, domain, ok := strings.Cut(address, "@")
		if !ok || local == "" {
			return "•••"
		}
		r, _ := utf8.DecodeRuneInString(local)
		return string(r) + "•••@" + domain
	}
	scheme, rest, ok := strings.Cut(address, "://")
	if !ok {
		return "•••"
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	return scheme + "://" + host + "/•••"
}

// statusZone shows times in the status page's time zone; page structs embed it.
type statusZone struct{ loc *time.Location }

// PageTime is an instant in the page's time zone, naming it.
func (z statusZone) PageTime(t time.Time) string { return pageTime(t, z.loc) }

// PageZone names the page's time zone.
func (z statusZone) PageZone() string { return z.loc.String() }

// statusIncidentBase is where an incident's or a maintenance's pages live.
func statusIncidentBase(maintenance bool) string {
	if maintenance {
		return "/statuspage/maintenances"
	}
	return "/statuspage/incidents"
}

// maintenancePath tells whether a request is for the maintenances' pages,
// which share their handlers with the incidents'.
func maintenancePath(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/statuspage/maintenances")
}

// statusPicker is what the component picker of the incident forms shows:
// every component with a new-status select and, when Name is set, a
// checkbox of that name marking it affected.
type statusPicker struct {
	View       *view
	Components []tocsin.Component
	Statuses   []tocsin.ComponentStatus
	Name       string
	Picked     idSet
	Changes    map[int64]string
}

// statusPageAndComponents reads the page's settings and every component in
// page order, which the components and incident pages both show; false once
// a failure has been answered.
func (h *Handler) statusPageAndComponents(w http.ResponseWriter, r *http.Request, v *view) (*tocsin.StatusPage, []tocsin.Component, bool) {
	ctx := r.Context()
	page, err := h.opts.DB.StatusPage(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return nil, nil, false
	}
	components, err := h.opts.DB.Components(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return nil, nil, false
	}
	return page, components, true
}

// idNames shows the ids a record keeps (a component's services, a
// subscriber's components) as names.
type idNames map[int64]string

// namesByID maps each item's id to its name.
func namesByID[T any](items []T, idName func(T) (int64, string)) idNames {
	n := make(idNames, len(items))
	for _, item := range items {
		id, name := idName(item)
		n[id] = name
	}
	return n
}

// Of names ids in their order; one whose record is gone is left out.
func (n idNames) Of(ids []int64) []string {
	var out []string
	for _, id := range ids {
		if name, ok := n[id]; ok {
			out = append(out, name)
		}
	}
	return out
}

// statusIncidentChoices is what the incident and maintenance forms offer:
// the components to pick, and the statuses and impacts to choose from.
type statusIncidentChoices struct {
	Components        []tocsin.Component
	Statuses          []tocsin.IncidentStatus
	Impacts           []tocsin.IncidentImpact
	ComponentStatuses []tocsin.ComponentStatus
}

func incidentChoices(maintenance bool, components []tocsin.Component) statusIncidentChoices {
	return statusIncidentChoices{Components: components, Statuses: incidentStatuses(maintenance), Impacts: incidentImpacts(), ComponentStatuses: tocsin.ComponentStatuses()}
}
