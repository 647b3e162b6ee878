package web

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tocsin/tocsin"
)

// snippet is a piece of configuration to paste into a monitoring tool. Text is
// plain text: templates escape it like any other value.
type snippet struct {
	Key   string // names the snippet: message id "snippet.<Key>" titles it, "snippet.<Key>_hint" explains it
	Text  string
	DOMID string
}

// snippetsView is what the snippets partial needs.
type snippetsView struct {
	*view
	List []snippet
}

// yamlString quotes a value for YAML. JSON strings are valid YAML flow
// scalars, so nothing in a URL or key can break the document. HTML escaping is
// off so that the "<KEY …>" placeholder reads as typed (the page escapes it).
func yamlString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// shellQuote single-quotes a value for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func alertmanagerWebhook(base, key string) string {
	return fmt.Sprintf(`# alertmanager.yml
receivers:
  - name: tocsin
    webhook_configs:
      - url: %s
        send_resolved: true
`, yamlString(base+"/hooks/alertmanager/"+key))
}

func alertmanagerPagerDuty(base, key string) string {
	return fmt.Sprintf(`# alertmanager.yml
receivers:
  - name: tocsin
    pagerduty_configs:
      - url: %s
        routing_key: %s
        send_resolved: true
`, yamlString(base+"/v2/enqueue"), yamlString(key))
}

func alertmanagerOpsgenie(base, key string) string {
	// Alertmanager appends "v2/alerts" to api_url itself.
	return fmt.Sprintf(`# alertmanager.yml
receivers:
  - name: tocsin
    opsgenie_configs:
      - api_url: %s
        api_key: %s
        send_resolved: true
`, yamlString(base+"/"), yamlString(key))
}

func grafanaWebhook(base, key, hmacSecret string) string {
	var hmac string
	if hmacSecret != "" {
		hmac = fmt.Sprintf(`
          hmacConfig:
            secret: %s
            header: X-Grafana-Alerting-Signature`, yamlString(hmacSecret))
	}
	return fmt.Sprintf(`# Grafana: Alerting → Contact points → New contact point → Integration "Webhook",
# URL below, method POST. Or provision it (provisioning/alerting/tocsin.yaml):
apiVersion: 1
contactPoints:
  - orgId: 1
    name: tocsin
    receivers:
      - uid: tocsin-webhook
        type: webhook
        settings:
          url: %s
          httpMethod: POST%s
`, yamlString(base+"/hooks/grafana/"+key), hmac)
}

func grafanaPagerDuty(base, key string) string {
	return fmt.Sprintf(`# Grafana: contact point with Integration "PagerDuty": Integration Key below,
# and under "Optional PagerDuty settings" the API URL below. Or provision it:
apiVersion: 1
contactPoints:
  - orgId: 1
    name: tocsin-pagerduty
    receivers:
      - uid: tocsin-pagerduty
        type: pagerduty
        settings:
          integrationKey: %s
          url: %s
`, yamlString(key), yamlString(base+"/v2/enqueue"))
}

func grafanaOpsgenie(base, key string) string {
	// Grafana takes the full alerts URL, unlike Alertmanager.
	return fmt.Sprintf(`# Grafana: contact point with Integration "OpsGenie": API key and Alert API URL below.
# Or provision it:
apiVersion: 1
contactPoints:
  - orgId: 1
    name: tocsin-opsgenie
    receivers:
      - uid: tocsin-opsgenie
        type: opsgenie
        settings:
          apiKey: %s
          apiUrl: %s
          autoClose: true
`, yamlString(key), yamlString(base+"/v2/alerts"))
}

func curlGeneric(base, key string) string {
	body := `{"summary":"Backups did not run tonight","priority":"P3","dedup_key":"nightly-backup","source":"cron@backup-1","labels":{"env":"prod"}}`
	resolve := `{"dedup_key":"nightly-backup","status":"resolve"}`
	url := shellQuote(base + "/hooks/generic/" + key)
	return fmt.Sprintf(`# Trigger (or repeat) an alert:
curl -sS -X POST %s \
  -H 'Content-Type: application/json' \
  -d %s

# Resolve it:
curl -sS -X POST %s \
  -H 'Content-Type: application/json' \
  -d %s
`, url, shellQuote(body), url, shellQuote(resolve))
}

func curlPagerDuty(base, key string) string {
	trigger := fmt.Sprintf(`{"routing_key":%q,"event_action":"trigger","dedup_key":"disk-db1","payload":{"summary":"Disk 95%% full on db1","source":"db1.example.com","severity":"critical"}}`, key)
	resolve := fmt.Sprintf(`{"routing_key":%q,"event_action":"resolve","dedup_key":"disk-db1"}`, key)
	url := shellQuote(base + "/v2/enqueue")
	return fmt.Sprintf(`# PagerDuty Events API v2: trigger
curl -sS -X POST %s \
  -H 'Content-Type: application/json' \
  -d %s

# and resolve
curl -sS -X POST %s \
  -H 'Content-Type: application/json' \
  -d %s
`, url, shellQuote(trigger), url, shellQuote(resolve))
}

// integrationSnippets returns the configuration for an integration's key: first
// what its type documents, then the other ways any key may be used; a key that
// must sign its requests (a Grafana HMAC secret) has no other way, as only the
// webhook endpoints check signatures. hmac is the secret to show (or a placeholder).
func integrationSnippets(base string, integ *tocsin.Integration, key, hmac string) (primary, others []snippet) {
	all := map[string]string{
		"am_webhook":   alertmanagerWebhook(base, key),
		"am_pagerduty": alertmanagerPagerDuty(base, key),
		"am_opsgenie":  alertmanagerOpsgenie(base, key),
		"gf_webhook":   grafanaWebhook(base, key, hmac),
		"gf_pagerduty": grafanaPagerDuty(base, key),
		"gf_opsgenie":  grafanaOpsgenie(base, key),
		"curl_generic": curlGeneric(base, key),
		"curl_pd":      curlPagerDuty(base, key),
	}
	order := []string{"am_webhook", "gf_webhook", "am_pagerduty", "gf_pagerduty", "curl_pd", "am_opsgenie", "gf_opsgenie", "curl_generic"}
	mine := map[tocsin.IntegrationType][]string{
		tocsin.IntegrationAlertmanager: {"am_webhook"},
		tocsin.IntegrationGrafana:      {"gf_webhook"},
		tocsin.IntegrationPagerDuty:    {"am_pagerduty", "gf_pagerduty", "curl_pd"},
		tocsin.IntegrationOpsgenie:     {"am_opsgenie", "gf_opsgenie"},
		tocsin.IntegrationGeneric:      {"curl_generic"},
	}[integ.Type]
	isMine := map[string]bool{}
	for _, k := range mine {
		isMine[k] = true
		primary = append(primary, snippet{Key: k, Text: all[k], DOMID: "snippet-" + k})
	}
	for _, k := range order {
		if !isMine[k] && integ.HMACSecret == "" {
			others = append(others, snippet{Key: k, Text: all[k], DOMID: "snippet-" + k})
		}
	}
	return primary, others
}

// maskedKey stands in for a key that is no longer shown: its prefix, then a
// placeholder that cannot be mistaken for the key itself.
func maskedKey(integ *tocsin.Integration) string {
	return "<KEY " + integ.KeyPrefix + "…>"
}
