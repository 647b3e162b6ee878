package statuspage

import (
	"encoding/json"
	"time"

	"github.com/tocsin/tocsin"
)

// The Statuspage-compatible JSON (reference/wire-formats.md §5): exactly
// Statuspage's keys, null rather than missing, times in RFC 3339 with
// milliseconds, so widgets, bots and aggregators read it unchanged (some
// reject unknown fields).

type spPage struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	TimeZone  string `json:"time_zone"`
	UpdatedAt spTime `json:"updated_at"`
}

type spStatus struct {
	Indicator   tocsin.PageIndicator `json:"indicator"`
	Description string               `json:"description"`
}

type spComponent struct {
	ID                 string                 `json:"id"`
	Name               string                 `json:"name"`
	Status             tocsin.ComponentStatus `json:"status"`
	CreatedAt          spTime                 `json:"created_at"`
	UpdatedAt          spTime                 `json:"updated_at"`
	Position           int                    `json:"position"`
	Description        *string                `json:"description"`
	Showcase           bool                   `json:"showcase"`
	StartDate          *string                `json:"start_date"`
	GroupID            *string                `json:"group_id"`
	PageID             string                 `json:"page_id"`
	Group              bool                   `json:"group"`
	OnlyShowIfDegraded bool                   `json:"only_show_if_degraded"`
	// Components lists a group's children; absent for a component, as on
	// Statuspage.
	Components *[]string `json:"components,omitempty"`
}

type spAffected struct {
	Code      string                 `json:"code"`
	Name      string                 `json:"name"`
	OldStatus tocsin.ComponentStatus `json:"old_status"`
	NewStatus tocsin.ComponentStatus `json:"new_status"`
}

type spUpdate struct {
	ID                   string                `json:"id"`
	Status               tocsin.IncidentStatus `json:"status"`
	Body                 string                `json:"body"`
	IncidentID           string                `json:"incident_id"`
	CreatedAt            spTime                `json:"created_at"`
	UpdatedAt            spTime                `json:"updated_at"`
	DisplayAt            spTime                `json:"display_at"`
	AffectedComponents   *[]spAffected         `json:"affected_components"`
	DeliverNotifications bool                  `json:"deliver_notifications"`
	CustomTweet          *string               `json:"custom_tweet"`
	TweetID              *string               `json:"tweet_id"`
}

type spIncident struct {
	ID              string                `json:"id"`
	Name            string                `json:"name"`
	Status          tocsin.IncidentStatus `json:"status"`
	Impact          tocsin.IncidentImpact `json:"impact"`
	CreatedAt       spTime                `json:"created_at"`
	UpdatedAt       spTime                `json:"updated_at"`
	MonitoringAt    spTime                `json:"monitoring_at"`
	ResolvedAt      spTime                `json:"resolved_at"`
	StartedAt       spTime                `json:"started_at"`
	Shortlink       *string               `json:"shortlink"`
	PageID          string                `json:"page_id"`
	IncidentUpdates []spUpdate            `json:"incident_updates"`
	Components      []spComponent         `json:"components"`
}

type spMaintenance struct {
	spIncident
	ScheduledFor   spTime `json:"scheduled_for"`
	ScheduledUntil spTime `json:"scheduled_until"`
}

// spTime is an instant as Statuspage writes it, or null when unset.
type spTime time.Time

func (t spTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + tt.UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"`), nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (m *model) spPage() spPage {
	zone := m.page.TimeZone
	if zone == "" {
		zone = "UTC"
	}
	url := m.page.URL
	if m.base != "" {
		url = m.base[:len(m.base)-1]
	}
	return spPage{ID: m.page.PublicID, Name: m.page.Name, URL: url, TimeZone: zone, UpdatedAt: spTime(m.updatedAt)}
}

func (m *model) spStatus() spStatus {
	return spStatus{Indicator: m.indicator, Description: m.description()}
}

func (m *model) spComponent(c *tocsin.Component) spComponent {
	out := spComponent{
		ID: c.PublicID, Name: c.Name, Status: c.Status,
		CreatedAt: spTime(c.CreatedAt), UpdatedAt: spTime(c.UpdatedAt),
		Position: c.Position, Description: nullable(c.Description), Showcase: c.Showcase,
		PageID: m.page.PublicID, Group: c.Group, OnlyShowIfDegraded: c.OnlyShowIfDegraded,
	}
	if !c.StartDate.IsZero() {
		d := c.StartDate.In(m.loc).Format("2006-01-02")
		out.StartDate = &d
	}
	if g, ok := m.byID[c.GroupID]; ok && c.GroupID != 0 {
		out.GroupID = &g.PublicID
	}
	if c.Group {
		ids := []string{}
		for _, id := range m.children[c.ID] {
			ids = append(ids, m.byID[id].PublicID)
		}
		out.Components = &ids
	}
	return out
}

func (m *model) spComponents() []spComponent {
	out := make([]spComponent, 0, len(m.components))
	for i := range m.components {
		out = append(out, m.spComponent(&m.components[i]))
	}
	return out
}

func (m *model) spIncident(i *tocsin.StatusIncident) spIncident {
	out := spIncident{
		ID: i.PublicID, Name: i.Name, Status: i.Status, Impact: i.Impact,
		CreatedAt: spTime(i.CreatedAt), UpdatedAt: spTime(i.UpdatedAt),
		MonitoringAt: spTime(i.MonitoringAt), ResolvedAt: spTime(i.ResolvedAt), StartedAt: spTime(startedAt(i)),
		PageID: m.page.PublicID, IncidentUpdates: []spUpdate{}, Components: []spComponent{},
	}
	if m.base != "" {
		link := m.absolute(incidentPath(i))
		out.Shortlink = &link
	}
	for _, u := range i.Updates {
		su := spUpdate{
			ID: u.PublicID, Status: u.Status, Body: u.Body, IncidentID: i.PublicID,
			CreatedAt: spTime(u.CreatedAt), UpdatedAt: spTime(later(u.CreatedAt, u.UpdatedAt)), DisplayAt: spTime(displayAt(u)),
			DeliverNotifications: u.Notify,
		}
		if len(u.Changes) > 0 {
			list := make([]spAffected, 0, len(u.Changes))
			for _, ch := range u.Changes {
				code, name := ch.PublicID, ch.Name
				if c, ok := m.byID[ch.ComponentID]; ok {
					code, name = c.PublicID, c.Name
				}
				list = append(list, spAffected{Code: code, Name: name, OldStatus: ch.Old, NewStatus: ch.New})
			}
			su.AffectedComponents = &list
		}
		out.IncidentUpdates = append(out.IncidentUpdates, su)
	}
	for _, c := range m.affected(i) {
		out.Components = append(out.Components, m.spComponent(c))
	}
	return out
}

func (m *model) spIncidents(list []*tocsin.StatusIncident) []spIncident {
	out := make([]spIncident, 0, len(list))
	for _, i := range list {
		out = append(out, m.spIncident(i))
	}
	return out
}

func (m *model) spMaintenances(list []*tocsin.StatusIncident) []spMaintenance {
	out := make([]spMaintenance, 0, len(list))
	for _, i := range list {
		out = append(out, spMaintenance{spIncident: m.spIncident(i), ScheduledFor: spTime(i.ScheduledFor), ScheduledUntil: spTime(i.ScheduledUntil)})
	}
	return out
}

func pointers(list []tocsin.StatusIncident) []*tocsin.StatusIncident {
	out := make([]*tocsin.StatusIncident, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	return out
}

// apiFiles renders the eight Statuspage endpoints.
func (m *model) apiFiles() (map[string][]byte, error) {
	page := m.spPage()
	// summary lists upcoming and in-progress maintenances, soonest first.
	current := append(append([]*tocsin.StatusIncident{}, m.active...), m.upcoming...)
	all := pointers(m.incidents)
	allM := pointers(m.maintenances)
	docs := map[string]any{
		"api/v2/summary.json": struct {
			Page                  spPage          `json:"page"`
			Components            []spComponent   `json:"components"`
			Incidents             []spIncident    `json:"incidents"`
			ScheduledMaintenances []spMaintenance `json:"scheduled_maintenances"`
			Status                spStatus        `json:"status"`
		}{page, m.spComponents(), m.spIncidents(m.unresolved), m.spMaintenances(current), m.spStatus()},
		"api/v2/status.json": struct {
			Page   spPage   `json:"page"`
			Status spStatus `json:"status"`
		}{page, m.spStatus()},
		"api/v2/components.json": struct {
			Page       spPage        `json:"page"`
			Components []spComponent `json:"components"`
		}{page, m.spComponents()},
		"api/v2/incidents.json":                       incidentsDoc{page, m.spIncidents(all[:min(len(all), tocsin.MaxSnapshotIncidents)])},
		"api/v2/incidents/unresolved.json":            incidentsDoc{page, m.spIncidents(m.unresolved)},
		"api/v2/scheduled-maintenances.json":          maintenancesDoc{page, m.spMaintenances(allM[:min(len(allM), tocsin.MaxSnapshotIncidents)])},
		"api/v2/scheduled-maintenances/upcoming.json": maintenancesDoc{page, m.spMaintenances(m.upcoming)},
		"api/v2/scheduled-maintenances/active.json":   maintenancesDoc{page, m.spMaintenances(m.active)},
	}
	out := make(map[string][]byte, len(docs))
	for path, doc := range docs {
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		out[path] = b
	}
	return out, nil
}

type incidentsDoc struct {
	Page      spPage       `json:"page"`
	Incidents []spIncident `json:"incidents"`
}

type maintenancesDoc struct {
	Page                  spPage          `json:"page"`
	ScheduledMaintenances []spMaintenance `json:"scheduled_maintenances"`
}
