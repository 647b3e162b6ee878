package statuspage

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// model is a snapshot arranged once for every file of a bundle: components
// in display order, incidents and maintenances sorted, the roll-up, the
// page's zone and words. It copies what it sorts: the snapshot stays as read.
type model struct {
	snap *tocsin.StatusSnapshot
	page tocsin.StatusPage
	opts Options
	loc  *time.Location
	w    *words
	now  time.Time
	base string // the page's absolute URL ending in "/", or "" when unknown

	components []tocsin.Component // display order: each group followed by its children
	byID       map[int64]*tocsin.Component
	children   map[int64][]int64 // group id → child ids, in order

	incidents    []tocsin.StatusIncident // newest first, updates newest first
	maintenances []tocsin.StatusIncident // latest window first
	unresolved   []*tocsin.StatusIncident
	active       []*tocsin.StatusIncident // maintenances in progress or verifying
	upcoming     []*tocsin.StatusIncident // maintenances scheduled, soonest first
	indicator    tocsin.PageIndicator
	degradedOnly bool // the indicator is minor for degraded performance alone
	updatedAt    time.Time
}

func newModel(snap *tocsin.StatusSnapshot, opts Options) *model {
	m := &model{snap: snap, page: snap.Page, opts: opts, now: snap.At, w: wordsFor(snap.Page.Language)}
	m.loc = time.UTC
	if snap.Page.TimeZone != "" {
		if loc, err := time.LoadLocation(snap.Page.TimeZone); err == nil {
			m.loc = loc
		}
	}
	m.base = baseURL(snap.Page.URL)
	m.arrangeComponents()
	m.incidents = sortedIncidents(snap.Incidents, false)
	m.maintenances = sortedIncidents(snap.Maintenances, true)
	m.localizeUpdates(m.incidents)
	m.localizeUpdates(m.maintenances)
	for i := range m.incidents {
		if !m.incidents[i].Status.Closed() {
			m.unresolved = append(m.unresolved, &m.incidents[i])
		}
	}
	for i := range m.maintenances {
		switch m.maintenances[i].Status {
		case tocsin.MaintenanceInProgress, tocsin.MaintenanceVerifying:
			m.active = append(m.active, &m.maintenances[i])
		case tocsin.MaintenanceScheduled:
			m.upcoming = append(m.upcoming, &m.maintenances[i])
		}
	}
	slices.SortStableFunc(m.upcoming, func(a, b *tocsin.StatusIncident) int { return a.ScheduledFor.Compare(b.ScheduledFor) })
	open := make([]tocsin.StatusIncident, len(m.unresolved))
	for i, inc := range m.unresolved {
		open[i] = *inc
	}
	m.indicator = tocsin.RollUp(m.components, open)
	m.degradedOnly = tocsin.DegradedOnly(m.components, open)
	m.updatedAt = m.lastChange()
	if m.updatedAt.IsZero() {
		m.updatedAt = snap.At // a page never changed: Statuspage's updated_at is never null
	}
	return m
}

// description is Statuspage's sentence for the page's state, in English
// whatever the page's language: JSON consumers compare it.
func (m *model) description() string {
	if m.degradedOnly {
		return "Partially Degraded Service"
	}
	return tocsin.IndicatorDescription(m.indicator)
}

// banner is the page's state in its language: the banner and the badge.
func (m *model) banner() string {
	if m.degradedOnly {
		return m.w.DegradedOnly
	}
	return m.w.Indicator[m.indicator]
}

// baseURL is the page's URL with a trailing slash, when it is an absolute
// http(s) URL: feeds, shortlinks and the waiting document need absolute links.
func baseURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.RawQuery, u.Fragment = "", ""
	s := u.String()
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s
}

// arrangeComponents puts groups and top-level components in position order,
// each group followed by its children, and gives each group its worst child's
// status (whatever was stored for it).
func (m *model) arrangeComponents() {
	all := slices.Clone(m.snap.Components)
	byPos := func(a, b tocsin.Component) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.ID, b.ID))
	}
	slices.SortStableFunc(all, byPos)
	groups := map[int64]bool{}
	for _, c := range all {
		if c.Group {
			groups[c.ID] = true
		}
	}
	m.children = map[int64][]int64{}
	kids := map[int64][]tocsin.Component{}
	var top []tocsin.Component
	for _, c := range all {
		if c.GroupID != 0 && groups[c.GroupID] && !c.Group {
			kids[c.GroupID] = append(kids[c.GroupID], c)
			m.children[c.GroupID] = append(m.children[c.GroupID], c.ID)
			continue
		}
		if !c.Group {
			c.GroupID = 0 // its group is gone: show it at the top level
		}
		top = append(top, c)
	}
	for _, c := range top {
		if c.Group {
			c.Status = tocsin.GroupStatus(kids[c.ID])
			m.components = append(m.components, c)
			m.components = append(m.components, kids[c.ID]...)
			continue
		}
		m.components = append(m.components, c)
	}
	m.byID = make(map[int64]*tocsin.Component, len(m.components))
	for i := range m.components {
		m.byID[m.components[i].ID] = &m.components[i]
	}
}

// sortedIncidents copies and sorts incidents newest first (maintenances by
// window), each one's updates newest first.
func sortedIncidents(in []tocsin.StatusIncident, maintenance bool) []tocsin.StatusIncident {
	out := slices.Clone(in)
	for i := range out {
		out[i].Updates = slices.Clone(out[i].Updates)
		slices.SortStableFunc(out[i].Updates, func(a, b tocsin.StatusUpdate) int {
			return cmp.Or(displayAt(b).Compare(displayAt(a)), cmp.Compare(b.ID, a.ID))
		})
	}
	slices.SortStableFunc(out, func(a, b tocsin.StatusIncident) int {
		if maintenance {
			return cmp.Or(b.ScheduledFor.Compare(a.ScheduledFor), cmp.Compare(b.ID, a.ID))
		}
		return cmp.Or(startedAt(&b).Compare(startedAt(&a)), cmp.Compare(b.ID, a.ID))
	})
	return out
}

func displayAt(u tocsin.StatusUpdate) time.Time {
	if u.DisplayAt.IsZero() {
		return u.CreatedAt
	}
	return u.DisplayAt
}

func startedAt(i *tocsin.StatusIncident) time.Time {
	if i.StartedAt.IsZero() {
		return i.CreatedAt
	}
	return i.StartedAt
}

// lastChange is when anything public last changed: the page's updated_at.
func (m *model) lastChange() time.Time {
	t := m.page.UpdatedAt
	for _, c := range m.components {
		t = later(t, c.UpdatedAt)
	}
	for _, list := range [][]tocsin.StatusIncident{m.incidents, m.maintenances} {
		for _, i := range list {
			t = later(t, i.UpdatedAt)
			for _, u := range i.Updates {
				t = later(t, u.UpdatedAt)
			}
		}
	}
	return t
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// affected returns an incident's components that still exist, in display order.
func (m *model) affected(i *tocsin.StatusIncident) []*tocsin.Component {
	var out []*tocsin.Component
	for k := range m.components {
		if slices.Contains(i.ComponentIDs, m.components[k].ID) {
			out = append(out, &m.components[k])
		}
	}
	return out
}

// incidentPath is an incident's page in the bundle.
func incidentPath(i *tocsin.StatusIncident) string { return "incidents/" + i.PublicID + ".html" }

// absolute makes a bundle path absolute when the page's URL is known.
func (m *model) absolute(path string) string { return m.base + path }

// visible reports whether a component shows on the HTML page (the JSON lists
// every component): showcased, and not hidden while operational.
func visible(c *tocsin.Component) bool {
	if !c.Showcase {
		return false
	}
	return !(c.OnlyShowIfDegraded && c.Status == tocsin.ComponentOperational)
}
