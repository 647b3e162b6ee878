package statuspage

import (
	"encoding/json"

	"github.com/tocsin/tocsin"
)

// waitingDoc is api/waiting.json: what an application polls to switch itself
// to a waiting page during an outage, without parsing Statuspage's shapes.
type waitingDoc struct {
	// Outage: the page says customers cannot use the service — a partial or
	// major system outage, or everything under maintenance.
	Outage      bool                 `json:"outage"`
	Status      tocsin.PageIndicator `json:"status"`
	Message     string               `json:"message"`
	IncidentURL *string              `json:"incident_url"`
	UpdatedAt   spTime               `json:"updated_at"`
}

func (m *model) waitingFile() ([]byte, error) {
	doc := waitingDoc{Status: m.indicator, UpdatedAt: spTime(m.updatedAt)}
	switch m.indicator {
	case tocsin.IndicatorMajor, tocsin.IndicatorCritical, tocsin.IndicatorMaintenance:
		doc.Outage = true
	}
	if cur := m.headline(); cur != nil {
		doc.Message = cur.Name
		link := m.absolute(incidentPath(cur))
		doc.IncidentURL = &link
	}
	return json.Marshal(doc)
}

// headline is what a banner tells first: the worst unresolved incident (the
// most recent among equals), else the maintenance in progress.
func (m *model) headline() *tocsin.StatusIncident {
	rank := map[tocsin.IncidentImpact]int{tocsin.ImpactNone: 0, tocsin.ImpactMinor: 1, tocsin.ImpactMajor: 2, tocsin.ImpactCritical: 3}
	var best *tocsin.StatusIncident
	for _, i := range m.unresolved {
		if best == nil || rank[i.Impact] > rank[best.Impact] {
			best = i
		}
	}
	if best == nil && len(m.active) > 0 {
		best = m.active[0]
	}
	return best
}
