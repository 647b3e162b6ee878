package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// integrationJSON is an integration as the API shows it: never its key or its
// HMAC secret, only whether a secret is set.
type integrationJSON struct {
	ID            int64                  `json:"id"`
	Name          string                 `json:"name"`
	Type          tocsin.IntegrationType `json:"type"`
	ServiceID     *int64                 `json:"service_id"`
	Service       *string                `json:"service"`
	Global        bool                   `json:"global"`
	KeyPrefix     string                 `json:"key_prefix"`
	HMACSecretSet bool                   `json:"hmac_secret_set"`
	Revoked       bool                   `json:"revoked"`
	CreatedAt     time.Time              `json:"created_at"`
	RotatedAt     *time.Time             `json:"rotated_at"`
	RevokedAt     *time.Time             `json:"revoked_at"`
}

// integrationKeyJSON is the reply of create and rotate: the key, shown this
// once, with the URLs to paste into the sending tool.
type integrationKeyJSON struct {
	integrationJSON
	Key      string            `json:"key"`
	URLs     map[string]string `json:"urls"`
	KeyUsage string            `json:"key_usage"`
}

func integrationToJSON(i *tocsin.Integration) integrationJSON {
	return integrationJSON{
		ID: i.ID, Name: i.Name, Type: i.Type, ServiceID: idOrNull(i.ServiceID), Service: nameOrNull(i.ServiceName),
		Global: i.Global(), KeyPrefix: i.KeyPrefix, HMACSecretSet: i.HMACSecret != "", Revoked: i.Revoked(),
		CreatedAt: i.CreatedAt.UTC(), RotatedAt: when(i.RotatedAt), RevokedAt: when(i.RevokedAt),
	}
}

// withKey builds the one-time reply: the fixed ingest URLs of the integration's
// format on this server's public URL.
func (h *Handler) withKey(i *tocsin.Integration, key string) integrationKeyJSON {
	base := h.opts.PublicURL
	out := integrationKeyJSON{integrationJSON: integrationToJSON(i), Key: key}
	switch i.Type {
	case tocsin.IntegrationPagerDuty:
		out.URLs = map[string]string{"events": base + "/v2/enqueue"}
		if !i.Global() { // a change is recorded on a service: a global key's are refused
			out.URLs["change_events"] = base + "/v2/change/enqueue"
		}
		out.KeyUsage = "Send the key as routing_key in each event (PagerDuty Events API v2). Alertmanager: pagerduty_configs with url set to urls.events and routing_key set to the key."
	case tocsin.IntegrationOpsgenie:
		out.URLs = map[string]string{"api": base + "/v2/alerts", "alertmanager_api_url": base + "/"}
		out.KeyUsage = "Send the header \"Authorization: GenieKey <key>\" (Opsgenie Alert API v2). Grafana: apiUrl = urls.api; Alertmanager: opsgenie_configs api_url = urls.alertmanager_api_url, api_key = the key."
	case tocsin.IntegrationAlertmanager:
		out.URLs = map[string]string{"webhook": base + "/hooks/alertmanager/" + key, "webhook_bearer": base + "/hooks/alertmanager"}
		out.KeyUsage = "Alertmanager webhook_configs: url = urls.webhook (key in the URL), or url = urls.webhook_bearer with http_config.authorization.credentials = the key."
	case tocsin.IntegrationGrafana:
		out.URLs = map[string]string{"webhook": base + "/hooks/grafana/" + key, "webhook_bearer": base + "/hooks/grafana"}
		out.KeyUsage = "Grafana webhook contact point: URL = urls.webhook, or URL = urls.webhook_bearer with the key as bearer token or basic-auth password."
	default:
		out.URLs = map[string]string{"webhook": base + "/hooks/generic/" + key, "webhook_bearer": base + "/hooks/generic"}
		out.KeyUsage = "POST Tocsin's generic JSON ({\"summary\": …}) to urls.webhook, or to urls.webhook_bearer with \"Authorization: Bearer <key>\"."
	}
	return out
}

// integrationInput is the body of POST /integrations and PATCH /integrations/{id}.
type integrationInput struct {
	Name       string                 `json:"name"`
	Type       tocsin.IntegrationType `json:"type"`
	Service    json.RawMessage        `json:"service"` // id or name; absent or null: global
	HMACSecret string                 `json:"hmac_secret"`
}

func (h *Handler) listIntegrations(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "service"); err != nil {
		return err
	}
	ctx := r.Context()
	filter := strings.TrimSpace(r.URL.Query().Get("service"))
	var serviceID int64
	if filter != "" && filter != "global" {
		s, err := h.findService(ctx, filter)
		if err != nil {
			return asInvalid(err)
		}
		serviceID = s.ID
	}
	list, err := h.opts.DB.Integrations(ctx, serviceID)
	if err != nil {
		return err
	}
	out := []integrationJSON{}
	for _, i := range list {
		if filter == "global" && !i.Global() {
			continue
		}
		out = append(out, integrationToJSON(i))
	}
	writeJSON(w, http.StatusOK, map[string]any{"integrations": out})
	return nil
}

func (h *Handler) getIntegration(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "integration")
	if err != nil {
		return err
	}
	i, err := h.opts.DB.Integration(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, integrationToJSON(i))
	return nil
}

func (h *Handler) createIntegration(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in integrationInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	ctx := r.Context()
	i := &tocsin.Integration{Name: strings.TrimSpace(in.Name), Type: tocsin.IntegrationType(strings.ToLower(strings.TrimSpace(string(in.Type)))), HMACSecret: in.HMACSecret}
	if i.Type == "" {
		return tocsin.Errorf(tocsin.EINVALID, "field \"type\" is required: one of alertmanager, grafana, pagerduty, opsgenie, generic")
	}
	if err := i.Validate(); err != nil {
		return err
	}
	var err error
	if i.ServiceID, err = h.serviceRef(ctx, "service", in.Service); err != nil {
		return err
	}
	key, err := h.opts.DB.CreateIntegration(ctx, i, "", h.opts.Clock.Now())
	if err != nil {
		return err
	}
	created, err := h.opts.DB.Integration(ctx, i.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", prefix+"/integrations/"+itoa(i.ID))
	writeJSON(w, http.StatusCreated, h.withKey(created, key))
	return nil
}

func (h *Handler) updateIntegration(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "integration")
	if err != nil {
		return err
	}
	ctx := r.Context()
	i, err := h.opts.DB.Integration(ctx, id)
	if err != nil {
		return err
	}
	var in integrationInput
	sent, err := decodePatch(r, &in)
	if err != nil {
		return err
	}
	// Senders are configured for the type and service: changing them means a new integration.
	if sent["type"] && !strings.EqualFold(strings.TrimSpace(string(in.Type)), string(i.Type)) {
		return tocsin.Errorf(tocsin.EINVALID, "an integration's type cannot be changed; create a new integration of type %q", in.Type)
	}
	if sent["service"] {
		serviceID, err := h.serviceRef(ctx, "service", in.Service)
		if err != nil {
			return err
		}
		if serviceID != i.ServiceID {
			return tocsin.Errorf(tocsin.EINVALID, "an integration's service cannot be changed; create a new integration on that service")
		}
	}
	if sent["name"] {
		i.Name = strings.TrimSpace(in.Name)
	}
	if sent["hmac_secret"] {
		i.HMACSecret = in.HMACSecret
	}
	if err := h.opts.DB.UpdateIntegration(ctx, i); err != nil {
		return err
	}
	updated, err := h.opts.DB.Integration(ctx, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, integrationToJSON(updated))
	return nil
}

func (h *Handler) rotateIntegration(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "integration")
	if err != nil {
		return err
	}
	if err := decode(r, &struct{}{}, true); err != nil {
		return err
	}
	ctx := r.Context()
	key, err := h.opts.DB.RotateIntegrationKey(ctx, id, "", h.opts.Clock.Now())
	if err != nil {
		return err
	}
	i, err := h.opts.DB.Integration(ctx, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.withKey(i, key))
	return nil
}

func (h *Handler) revokeIntegration(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "integration")
	if err != nil {
		return err
	}
	if err := decode(r, &struct{}{}, true); err != nil {
		return err
	}
	ctx := r.Context()
	i, err := h.opts.DB.Integration(ctx, id)
	if err != nil {
		return err
	}
	if i.Revoked() {
		return tocsin.Errorf(tocsin.ECONFLICT, "integration %d is revoked already; rotate it to issue a new key", id)
	}
	if err := h.opts.DB.RevokeIntegration(ctx, id, h.opts.Clock.Now()); err != nil {
		return err
	}
	if i, err = h.opts.DB.Integration(ctx, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, integrationToJSON(i))
	return nil
}

func (h *Handler) deleteIntegration(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "integration")
	if err != nil {
		return err
	}
	if err := h.opts.DB.DeleteIntegration(r.Context(), id, h.opts.Clock.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
