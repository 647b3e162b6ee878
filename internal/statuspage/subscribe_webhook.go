package statuspage

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

// WebhookDocumentation is where the body a webhook subscriber receives is
// described (meta.documentation).
const WebhookDocumentation = "https://github.com/tocsin/tocsin/blob/main/docs/statuspage.md#subscribers"

// webhookBody is what a webhook subscriber receives, in the shape of
// Statuspage's subscriber webhooks, so that receivers written for them read
// it: meta, the page's roll-up, and the incident (or scheduled maintenance)
// in the shape of /api/v2/incidents.json.
type webhookBody struct {
	Meta     webhookMeta `json:"meta"`
	Page     webhookPage `json:"page"`
	Incident any         `json:"incident"`
}

type webhookMeta struct {
	Unsubscribe   string `json:"unsubscribe"`
	Documentation string `json:"documentation"`
}

type webhookPage struct {
	ID                string               `json:"id"`
	StatusIndicator   tocsin.PageIndicator `json:"status_indicator"`
	StatusDescription string               `json:"status_description"`
}

// WebhookBody is the JSON telling a webhook subscriber about inc: the page's
// state from snap, inc with its updates (newest first), and the link that
// unsubscribes the webhook (a POST to it does, as RFC 8058's one-click).
func WebhookBody(snap *tocsin.StatusSnapshot, inc *tocsin.StatusIncident, unsubscribe string) ([]byte, error) {
	m := newModel(snap, Options{})
	sorted := sortedIncidents([]tocsin.StatusIncident{*inc}, inc.Maintenance)
	m.localizeUpdates(sorted)
	i := &sorted[0]
	var incident any = m.spIncident(i)
	if i.Maintenance {
		incident = m.spMaintenances([]*tocsin.StatusIncident{i})[0]
	}
	return json.Marshal(webhookBody{
		Meta:     webhookMeta{Unsubscribe: unsubscribe, Documentation: WebhookDocumentation},
		Page:     webhookPage{ID: m.page.PublicID, StatusIndicator: m.indicator, StatusDescription: m.description()},
		Incident: incident,
	})
}

// componentWebhookBody is Statuspage's subscriber webhook about a
// component's status changed outside an incident.
type componentWebhookBody struct {
	Meta            webhookMeta       `json:"meta"`
	Page            webhookPage       `json:"page"`
	Component       spComponent       `json:"component"`
	ComponentUpdate spComponentUpdate `json:"component_update"`
}

type spComponentUpdate struct {
	ID            string                 `json:"id"`
	ComponentID   string                 `json:"component_id"`
	ComponentType string                 `json:"component_type"`
	OldStatus     tocsin.ComponentStatus `json:"old_status"`
	NewStatus     tocsin.ComponentStatus `json:"new_status"`
	CreatedAt     spTime                 `json:"created_at"`
}

// ComponentWebhookBody is the JSON telling a webhook subscriber that a
// component moved from change.Old to change.New at at (update id names the
// change): the page's state from snap, and the component as the change left
// it, so that a delivery retried after later changes still tells this one.
func ComponentWebhookBody(snap *tocsin.StatusSnapshot, change tocsin.ComponentChange, updateID int64, at time.Time, unsubscribe string) ([]byte, error) {
	m := newModel(snap, Options{})
	c, ok := m.byID[change.ComponentID]
	if !ok {
		return nil, fmt.Errorf("component %d is not on the page", change.ComponentID)
	}
	told := *c
	told.Status, told.UpdatedAt = change.New, at
	return json.Marshal(componentWebhookBody{
		Meta:      webhookMeta{Unsubscribe: unsubscribe, Documentation: WebhookDocumentation},
		Page:      webhookPage{ID: m.page.PublicID, StatusIndicator: m.indicator, StatusDescription: m.description()},
		Component: m.spComponent(&told),
		ComponentUpdate: spComponentUpdate{ID: fmt.Sprintf("%s-%d", c.PublicID, updateID), ComponentID: c.PublicID, ComponentType: "Component",
			OldStatus: change.Old, NewStatus: change.New, CreatedAt: spTime(at)},
	})
}
