package statuspage

import (
	"encoding/json"

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
