package tocsin

import "time"

// IntegrationType is the wire format an integration accepts.
type IntegrationType string

const (
	IntegrationPagerDuty    IntegrationType = "pagerduty"    // Events API v2 and change events
	IntegrationOpsgenie     IntegrationType = "opsgenie"     // Alert API v2
	IntegrationAlertmanager IntegrationType = "alertmanager" // webhook_configs, version 4
	IntegrationGrafana      IntegrationType = "grafana"      // webhook contact point, version 1
	IntegrationGeneric      IntegrationType = "generic"      // Tocsin's own JSON, for scripts
	// IntegrationHeartbeat is made with each heartbeat monitor and carries its
	// alerts. It has no usable key, is never offered and cannot be created by
	// hand: Valid refuses it, so that only the heartbeat store writes one.
	IntegrationHeartbeat IntegrationType = "heartbeat"
)

// IntegrationTypes lists every format, in the order the UI offers them.
func IntegrationTypes() []IntegrationType {
	return []IntegrationType{IntegrationAlertmanager, IntegrationGrafana, IntegrationPagerDuty, IntegrationOpsgenie, IntegrationGeneric}
}

// Valid reports whether t is a known format.
func (t IntegrationType) Valid() bool {
	for _, k := range IntegrationTypes() {
		if k == t {
			return true
		}
	}
	return false
}

// Integration is a key that a monitoring tool sends alerts with. Bound to a
// service, or global (ServiceID 0) so that processing rules route its alerts.
type Integration struct {
	ID          int64
	Name        string
	Type        IntegrationType
	ServiceID   int64
	ServiceName string
	KeyPrefix   string // first characters of the key, to recognise it; the key itself is hashed
	HMACSecret  string // Grafana only: when set, the X-Grafana-Alerting-Signature header is required
	CreatedAt   time.Time
	RotatedAt   time.Time
	RevokedAt   time.Time
}

// Global reports whether the integration routes by rules rather than to one service.
func (i *Integration) Global() bool { return i.ServiceID == 0 }

// Revoked reports whether the key no longer works.
func (i *Integration) Revoked() bool { return !i.RevokedAt.IsZero() }

// Validate checks an integration before it is stored.
func (i *Integration) Validate() error {
	if err := ValidateName("integration", i.Name); err != nil {
		return err
	}
	if !i.Type.Valid() {
		return Errorf(EINVALID, "integration type %q is not one of alertmanager, grafana, pagerduty, opsgenie, generic", i.Type)
	}
	if i.HMACSecret != "" && i.Type != IntegrationGrafana {
		return Errorf(EINVALID, "an HMAC secret is only checked on grafana integrations")
	}
	if len(i.HMACSecret) > 256 {
		return Errorf(EINVALID, "HMAC secret is longer than 256 characters")
	}
	return nil
}
