package ingest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// PagerDuty Events API v2 (wire-formats.md §1). The routing_key in the body is
// the integration key; dedup keys are scoped to it.

type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload"`
	Client      string     `json:"client"`
	ClientURL   string     `json:"client_url"`
	Links       []pdLink   `json:"links"`
	Images      []pdImage  `json:"images"`
}

type pdPayload struct {
	Summary       string          `json:"summary"`
	Source        string          `json:"source"`
	Severity      string          `json:"severity"`
	Timestamp     string          `json:"timestamp"`
	Component     string          `json:"component"`
	Group         string          `json:"group"`
	Class         string          `json:"class"`
	CustomDetails json.RawMessage `json:"custom_details"`
}

type pdLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

type pdImage struct {
	Src  string `json:"src"`
	Href string `json:"href"`
	Alt  string `json:"alt"`
}

type pdChange struct {
	RoutingKey string `json:"routing_key"`
	Payload    *struct {
		Summary       string          `json:"summary"`
		Source        string          `json:"source"`
		Timestamp     string          `json:"timestamp"`
		CustomDetails json.RawMessage `json:"custom_details"`
	} `json:"payload"`
	Links []pdLink `json:"links"`
}

// pdReply is every PagerDuty answer: success, or "invalid event" with errors.
type pdReply struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

func (h *Handler) pagerDutyEnqueue(w http.ResponseWriter, r *http.Request) {
	defer h.observe(formatPagerDuty, time.Now())
	body, err := readBody(w, r)
	if err != nil {
		h.pagerDutyFail(w, r, formatPagerDuty, err)
		return
	}
	var in pdEvent
	if err := decodeJSON(body, &in); err != nil {
		h.pagerDutyFail(w, r, formatPagerDuty, err)
		return
	}
	if strings.TrimSpace(in.RoutingKey) == "" {
		h.pagerDutyFail(w, r, formatPagerDuty, tocsin.Errorf(tocsin.EINVALID, "'routing_key' is missing or blank"))
		return
	}
	integ, err := h.authenticate(r.Context(), strings.TrimSpace(in.RoutingKey), false)
	if err == nil {
		err = h.admit(integ)
	}
	if err != nil {
		h.pagerDutyFail(w, r, formatPagerDuty, err)
		return
	}
	event, problems := in.event()
	if len(problems) > 0 {
		h.pagerDutyInvalid(w, r, formatPagerDuty, problems)
		return
	}
	results, err := h.submit(r.Context(), formatPagerDuty, integ, []tocsin.AlertEvent{event})
	if err != nil {
		h.pagerDutyFail(w, r, formatPagerDuty, err)
		return
	}
	key := event.DedupKey
	if len(results) == 1 && results[0].DedupKey != "" {
		key = results[0].DedupKey
	}
	writeJSON(w, http.StatusAccepted, pdReply{Status: "success", Message: "Event processed", DedupKey: key})
}

// event turns a PagerDuty event into an AlertEvent, or lists what is wrong with it.
func (in *pdEvent) event() (tocsin.AlertEvent, []string) {
	var problems []string
	e := tocsin.AlertEvent{Channel: tocsin.ChannelPagerDuty, Actor: in.Client, DedupKey: strings.TrimSpace(in.DedupKey)}
	switch in.EventAction {
	case "trigger":
		e.Action = tocsin.ActionTrigger
	case "acknowledge":
		e.Action = tocsin.ActionAcknowledge
	case "resolve":
		e.Action = tocsin.ActionResolve
	case "":
		problems = append(problems, "'event_action' is missing or blank")
	default:
		problems = append(problems, fmt.Sprintf("'event_action' %q is not one of trigger, acknowledge, resolve", in.EventAction))
	}
	if e.Action != tocsin.ActionTrigger {
		if e.Action != "" && e.DedupKey == "" {
			problems = append(problems, fmt.Sprintf("'dedup_key' is required to %s an alert", e.Action))
		}
		return e, problems
	}
	if e.DedupKey == "" {
		// As PagerDuty does: a trigger without a key gets one, returned in the reply.
		e.DedupKey = newUUID()
	}
	p := in.Payload
	if p == nil {
		return e, append(problems, "'payload' is missing; a trigger needs payload.summary")
	}
	e.Summary, e.Source = p.Summary, p.Source
	if strings.TrimSpace(p.Summary) == "" {
		problems = append(problems, "'payload.summary' is missing or blank")
	}
	if s := strings.TrimSpace(p.Severity); s != "" {
		prio, ok := tocsin.ParsePriority(s)
		if !ok {
			problems = append(problems, fmt.Sprintf("'payload.severity' %q is not one of critical, error, warning, info", p.Severity))
		}
		e.Priority = prio
	}
	e.At = parseTime(p.Timestamp)
	e.Details = jsonText(p.CustomDetails)
	for name, value := range map[string]string{"component": p.Component, "group": p.Group, "class": p.Class} {
		if value = strings.TrimSpace(value); value != "" {
			if e.Labels == nil {
				e.Labels = map[string]string{}
			}
			e.Labels[name] = value
		}
	}
	e.Links = pdLinks(in.Links)
	if in.ClientURL != "" {
		text := in.Client
		if text == "" {
			text = "Client"
		}
		e.Links = append(e.Links, tocsin.Link{Href: in.ClientURL, Text: text})
	}
	for _, img := range in.Images {
		// Images are shown as links: the UI embeds nothing from a payload.
		href := img.Href
		if href == "" {
			href = img.Src
		}
		text := img.Alt
		if text == "" {
			text = "Image"
		}
		e.Links = append(e.Links, tocsin.Link{Href: href, Text: text})
	}
	return e, problems
}

func pdLinks(in []pdLink) []tocsin.Link {
	var links []tocsin.Link
	for _, l := range in {
		links = append(links, tocsin.Link{Href: l.Href, Text: l.Text})
	}
	return links
}

func (h *Handler) pagerDutyChange(w http.ResponseWriter, r *http.Request) {
	defer h.observe(formatPagerDutyChange, time.Now())
	body, err := readBody(w, r)
	if err != nil {
		h.pagerDutyFail(w, r, formatPagerDutyChange, err)
		return
	}
	var in pdChange
	if err := decodeJSON(body, &in); err != nil {
		h.pagerDutyFail(w, r, formatPagerDutyChange, err)
		return
	}
	if strings.TrimSpace(in.RoutingKey) == "" {
		h.pagerDutyFail(w, r, formatPagerDutyChange, tocsin.Errorf(tocsin.EINVALID, "'routing_key' is missing or blank"))
		return
	}
	integ, err := h.authenticate(r.Context(), strings.TrimSpace(in.RoutingKey), false)
	if err == nil {
		err = h.admit(integ)
	}
	if err != nil {
		h.pagerDutyFail(w, r, formatPagerDutyChange, err)
		return
	}
	if in.Payload == nil || strings.TrimSpace(in.Payload.Summary) == "" {
		h.pagerDutyInvalid(w, r, formatPagerDutyChange, []string{"'payload.summary' is missing or blank"})
		return
	}
	if integ.Global() {
		// A change is shown on its service's page; a global key names none, and
		// its rules route alerts, not changes: kept, it would be seen nowhere.
		h.pagerDutyInvalid(w, r, formatPagerDutyChange, []string{"'routing_key' belongs to a global integration, which has no service: send change events with the key of the changed service's integration"})
		return
	}
	// An AlertEvent carries the fields through the same cleaning and bounds.
	e := tocsin.AlertEvent{Summary: in.Payload.Summary, Source: in.Payload.Source, Details: jsonText(in.Payload.CustomDetails), Links: pdLinks(in.Links)}
	e.Normalize()
	change := &tocsin.ChangeEvent{Summary: e.Summary, Source: e.Source, Details: e.Details, Links: e.Links, At: parseTime(in.Payload.Timestamp)}
	if err := h.pipeline.RecordChange(r.Context(), integ, change); err != nil {
		h.pagerDutyFail(w, r, formatPagerDutyChange, err)
		return
	}
	h.metrics.Received.WithLabelValues(formatPagerDutyChange, string(tocsin.OutcomeCreated)).Inc()
	writeJSON(w, http.StatusAccepted, pdReply{Status: "success", Message: "Change event processed"})
}

// pagerDutyInvalid answers 400 with every problem found, as PagerDuty does.
func (h *Handler) pagerDutyInvalid(w http.ResponseWriter, r *http.Request, format string, problems []string) {
	h.metrics.Received.WithLabelValues(format, "invalid").Inc()
	writeJSON(w, http.StatusBadRequest, pdReply{Status: "invalid event", Message: "Event object is invalid", Errors: problems})
}

// pagerDutyFail answers a refused request in PagerDuty's error shape.
func (h *Handler) pagerDutyFail(w http.ResponseWriter, r *http.Request, format string, err error) {
	f := h.refuse(w, r, format, err, http.StatusBadRequest)
	reply := pdReply{Status: "invalid event", Message: "Event object is invalid", Errors: []string{f.message}}
	switch f.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		reply.Message = "Invalid routing key"
	case http.StatusRequestEntityTooLarge:
		reply.Message = "Request too large"
	case http.StatusTooManyRequests:
		reply.Status, reply.Message = "throttle event", "Requests for this routing key are arriving too quickly. Please retry later."
	case http.StatusServiceUnavailable:
		reply.Status, reply.Message = "error", "Service unavailable. Please retry later."
	}
	writeJSON(w, f.status, reply)
}
