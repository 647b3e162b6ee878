package ingest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// Alertmanager webhook (version "4", wire-formats.md §3) and Grafana webhook
// contact point (version "1", §4): one skeleton, one decoder. Each alert in
// alerts[] is one event, identified by its fingerprint.

type hookPayload struct {
	Version     string          `json:"version"`
	Status      string          `json:"status"`
	ExternalURL string          `json:"externalURL"`
	Title       string          `json:"title"`  // Grafana
	State       string          `json:"state"`  // Grafana
	OrgID       json.RawMessage `json:"orgId"`  // Grafana
	Alerts      []*hookAlert    `json:"alerts"` // nil: absent or null, which no sender of this format sends
}

type hookAlert struct {
	Status       string                     `json:"status"`
	Labels       map[string]json.RawMessage `json:"labels"`
	Annotations  map[string]json.RawMessage `json:"annotations"`
	StartsAt     string                     `json:"startsAt"`
	EndsAt       string                     `json:"endsAt"`
	GeneratorURL string                     `json:"generatorURL"`
	Fingerprint  string                     `json:"fingerprint"`
	// Grafana only.
	SilenceURL   string          `json:"silenceURL"`
	DashboardURL string          `json:"dashboardURL"`
	PanelURL     string          `json:"panelURL"`
	ImageURL     string          `json:"imageURL"`
	Values       json.RawMessage `json:"values"`
	ValueString  string          `json:"valueString"`
}

type hookReply struct {
	Status string `json:"status"`
	Alerts int    `json:"alerts"`
}

type hookError struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// Grafana's signature header names: the one its UI suggests, and the default of
// its HMAC transport. The names are configurable in Grafana; use one of these.
const (
	grafanaSignatureHeader    = "X-Grafana-Alerting-Signature"
	grafanaSignatureHeaderAlt = "X-Grafana-Alert-Signature"
	grafanaTimestampHeader    = "X-Grafana-Alerting-Timestamp"
	grafanaTimestampHeaderAlt = "X-Grafana-Alert-Timestamp"
)

// maxSignatureAge bounds replays of a signed request that carries a timestamp.
const maxSignatureAge = 5 * time.Minute

// webhook serves Alertmanager's and Grafana's webhooks; route says which URL
// was used, the payload's version can tell a Grafana sender on the other URL.
func (h *Handler) webhook(route tocsin.Channel) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		format := formatAlertmanager
		if route == tocsin.ChannelGrafana {
			format = formatGrafana
		}
		defer func(start time.Time) { h.observe(format, start) }(time.Now())
		integ, err := h.authenticate(r.Context(), hookKey(r, route == tocsin.ChannelGrafana), true)
		if err == nil {
			err = h.admit(integ)
		}
		var body []byte
		if err == nil {
			body, err = readBody(w, r)
		}
		if err == nil && integ.HMACSecret != "" {
			err = verifyGrafanaSignature(integ.HMACSecret, body, r.Header, h.pipeline.clock.Now())
		}
		var in hookPayload
		if err == nil {
			err = decodeJSON(body, &in)
		}
		if err != nil {
			h.webhookFail(w, r, format, err)
			return
		}
		channel := route
		if in.grafana() {
			channel, format = tocsin.ChannelGrafana, formatGrafana
		}
		events, err := in.events(channel)
		if err != nil {
			h.webhookFail(w, r, format, err)
			return
		}
		if _, err := h.submit(r.Context(), format, integ, events); err != nil {
			h.webhookFail(w, r, format, err)
			return
		}
		writeJSON(w, http.StatusOK, hookReply{Status: "ok", Alerts: len(events)})
	}
}

// grafana reports whether Grafana sent the payload (its own version, or its extra fields).
func (in *hookPayload) grafana() bool {
	return in.Version == "1" || len(in.OrgID) > 0 || in.State != ""
}

// events turns each alert into a trigger (firing) or a resolve (resolved).
func (in *hookPayload) events(channel tocsin.Channel) ([]tocsin.AlertEvent, error) {
	actor := "Alertmanager"
	if channel == tocsin.ChannelGrafana {
		actor = "Grafana"
	}
	if in.Alerts == nil {
		// Another tool's payload, or a template that replaced the body: a 200
		// here would tell the sender its alert arrived when none was made.
		return nil, tocsin.Errorf(tocsin.EINVALID, `the body has no "alerts" list: this URL takes the webhook payload of Alertmanager or Grafana (see docs/ingest.md for the other formats' URLs)`)
	}
	events := make([]tocsin.AlertEvent, 0, len(in.Alerts))
	for i, a := range in.Alerts {
		if a == nil {
			return nil, tocsin.Errorf(tocsin.EINVALID, "alerts[%d] is null: each alert is an object", i)
		}
		labels, annotations := textMap(a.Labels), textMap(a.Annotations)
		key := strings.TrimSpace(a.Fingerprint)
		if key == "" {
			key = labelsHash(labels)
		}
		e := tocsin.AlertEvent{DedupKey: key, Channel: channel, Actor: actor}
		status := a.Status
		if status == "" {
			status = in.Status
		}
		switch status {
		case "firing":
			e.Action = tocsin.ActionTrigger
		case "resolved":
			e.Action = tocsin.ActionResolve
			e.At = parseTime(a.EndsAt)
			events = append(events, e)
			continue
		default:
			return nil, tocsin.Errorf(tocsin.EINVALID, "alerts[%d].status %q is neither firing nor resolved", i, status)
		}
		e.At = parseTime(a.StartsAt)
		e.Summary = hookSummary(labels, annotations, in.Title, key)
		for _, name := range []string{"priority", "og_priority", "severity"} {
			if p, ok := tocsin.ParsePriority(labels[name]); ok {
				e.Priority = p
				break
			}
		}
		if len(labels) > 0 {
			e.Labels = labels
		}
		e.Source = labels["instance"]
		if e.Source == "" {
			e.Source = in.ExternalURL
		}
		if e.Source == "" {
			e.Source = actor
		}
		for _, l := range []tocsin.Link{
			{Href: a.GeneratorURL, Text: "Source"}, {Href: a.DashboardURL, Text: "Dashboard"},
			{Href: a.PanelURL, Text: "Panel"}, {Href: a.SilenceURL, Text: "Silence"}, {Href: a.ImageURL, Text: "Image"},
		} {
			if strings.TrimSpace(l.Href) != "" {
				e.Links = append(e.Links, l)
			}
		}
		e.Details = hookDetails(annotations, a)
		events = append(events, e)
	}
	return events, nil
}

// hookSummary picks the line that best describes an alert.
func hookSummary(labels, annotations map[string]string, title, key string) string {
	for _, name := range []string{"summary", "description", "message"} {
		if s := strings.TrimSpace(annotations[name]); s != "" {
			return s
		}
	}
	if name := strings.TrimSpace(labels["alertname"]); name != "" {
		if instance := strings.TrimSpace(labels["instance"]); instance != "" {
			return name + " on " + instance
		}
		return name
	}
	if t := strings.TrimSpace(title); t != "" {
		return t
	}
	return "Alert " + key
}

// hookDetails shows the annotations, and Grafana's query values, as indented JSON.
func hookDetails(annotations map[string]string, a *hookAlert) string {
	details := map[string]any{}
	for k, v := range annotations {
		details[k] = v
	}
	if s := strings.TrimSpace(a.ValueString); s != "" {
		details["valueString"] = s
	}
	if v := bytes.TrimSpace(a.Values); len(v) > 0 && string(v) != "null" && json.Valid(v) {
		details["values"] = json.RawMessage(v)
	}
	if len(details) == 0 {
		return ""
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if enc.Encode(details) != nil {
		return ""
	}
	return strings.TrimSpace(out.String())
}

// textMap turns label values into strings, whatever JSON type a custom payload used.
func textMap(in map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = scalarText(v)
	}
	return out
}

// labelsHash identifies an alert without a fingerprint by its sorted labels,
// in the 16 hex characters of a fingerprint.
func labelsHash(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	sum := sha256.New()
	for _, k := range names {
		fmt.Fprintf(sum, "%s\x00%s\x00", k, labels[k])
	}
	return hex.EncodeToString(sum.Sum(nil))[:16]
}

// verifyGrafanaSignature checks hex(HMAC-SHA256(secret, [timestamp ":"] body))
// in constant time; a timestamp, when sent, must be within maxSignatureAge of now.
func verifyGrafanaSignature(secret string, body []byte, header http.Header, now time.Time) error {
	signature := firstHeader(header, grafanaSignatureHeader, grafanaSignatureHeaderAlt)
	if signature == "" {
		return tocsin.Errorf(tocsin.EUNAUTHORIZED, "this integration requires a signature: the %s header is missing", grafanaSignatureHeader)
	}
	got, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(signature), "sha256="))
	if err != nil {
		return tocsin.Errorf(tocsin.EUNAUTHORIZED, "the signature is not hexadecimal")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	if ts := firstHeader(header, grafanaTimestampHeader, grafanaTimestampHeaderAlt); ts != "" {
		sec, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
		if err != nil {
			return tocsin.Errorf(tocsin.EUNAUTHORIZED, "the signature timestamp is not a number of seconds")
		}
		if age := now.Sub(time.Unix(sec, 0)); age > maxSignatureAge || age < -maxSignatureAge {
			return tocsin.Errorf(tocsin.EUNAUTHORIZED, "the signature timestamp is more than 5 minutes away from the server's time")
		}
		mac.Write([]byte(strings.TrimSpace(ts) + ":"))
	}
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return tocsin.Errorf(tocsin.EUNAUTHORIZED, "the signature does not match the body")
	}
	return nil
}

func firstHeader(header http.Header, names ...string) string {
	for _, n := range names {
		if v := header.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// webhookFail answers a refused request: these senders only look at the status.
func (h *Handler) webhookFail(w http.ResponseWriter, r *http.Request, format string, err error) {
	f := h.refuse(w, r, format, err, http.StatusBadRequest)
	writeJSON(w, f.status, hookError{Status: "error", Message: f.message})
}
