package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// Tocsin's own JSON format, for scripts and cron jobs (docs/ingest.md): one
// event object, or a list of them, on /hooks/generic/{key} or with a bearer key.

type genericEvent struct {
	Summary  string                     `json:"summary"`
	Details  json.RawMessage            `json:"details"`
	DedupKey string                     `json:"dedup_key"`
	Priority string                     `json:"priority"`
	Status   string                     `json:"status"`
	Labels   map[string]json.RawMessage `json:"labels"`
	Links    []genericLink              `json:"links"`
	Source   string                     `json:"source"`
	Note     string                     `json:"note"`
}

type genericLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

type genericResult struct {
	AlertID  int64  `json:"alert_id"`
	DedupKey string `json:"dedup_key"`
	Outcome  string `json:"outcome"`
}

type genericReply struct {
	Results []genericResult `json:"results"`
}

// genericError is the shape of every Tocsin JSON error (the REST API's too).
type genericError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (h *Handler) generic(w http.ResponseWriter, r *http.Request) {
	defer h.observe(formatGeneric, time.Now())
	integ, err := h.authenticate(r.Context(), hookKey(r, false), false)
	if err == nil {
		err = h.admit(integ)
	}
	var body []byte
	if err == nil {
		body, err = readBody(w, r)
	}
	var events []tocsin.AlertEvent
	if err == nil {
		events, err = decodeGeneric(body)
	}
	var results []tocsin.EventResult
	if err == nil {
		results, err = h.submit(r.Context(), formatGeneric, integ, events)
	}
	if err != nil {
		h.genericFail(w, r, err)
		return
	}
	reply := genericReply{Results: make([]genericResult, len(results))}
	for i, res := range results {
		reply.Results[i] = genericResult{AlertID: res.AlertID, DedupKey: res.DedupKey, Outcome: string(res.Outcome)}
	}
	writeJSON(w, http.StatusAccepted, reply)
}

// decodeGeneric accepts one event object or a list of them; a problem in a
// list names the event it is in ("event 2: …").
func decodeGeneric(body []byte) ([]tocsin.AlertEvent, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '[' {
		var one genericEvent
		if err := decodeJSON(body, &one); err != nil {
			return nil, err
		}
		e, err := one.event()
		return []tocsin.AlertEvent{e}, err
	}
	var list []json.RawMessage
	if err := decodeJSON(body, &list); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tocsin.Errorf(tocsin.EINVALID, "the list of events is empty")
	}
	events := make([]tocsin.AlertEvent, len(list))
	for i, raw := range list {
		var g genericEvent
		var err error = tocsin.Errorf(tocsin.EINVALID, "it is not an object")
		if raw[0] == '{' {
			if err = decodeJSON(raw, &g); err == nil {
				events[i], err = g.event()
			}
		}
		if err != nil {
			return nil, tocsin.Errorf(tocsin.EINVALID, "event %d: %s", i+1, tocsin.ErrorMessage(err))
		}
	}
	return events, nil
}

func (g *genericEvent) event() (tocsin.AlertEvent, error) {
	e := tocsin.AlertEvent{
		Channel: tocsin.ChannelGeneric, Summary: g.Summary, Details: jsonText(g.Details),
		Source: g.Source, Note: g.Note, DedupKey: strings.TrimSpace(g.DedupKey),
	}
	switch strings.ToLower(strings.TrimSpace(g.Status)) {
	case "", "trigger":
		e.Action = tocsin.ActionTrigger
	case "acknowledge":
		e.Action = tocsin.ActionAcknowledge
	case "resolve":
		e.Action = tocsin.ActionResolve
	default:
		return e, tocsin.Errorf(tocsin.EINVALID, "status %q is not one of trigger, acknowledge, resolve", g.Status)
	}
	if e.Action != tocsin.ActionTrigger {
		if e.DedupKey == "" {
			return e, tocsin.Errorf(tocsin.EINVALID, "dedup_key is required to %s an alert", e.Action)
		}
		return e, nil
	}
	if strings.TrimSpace(g.Summary) == "" {
		return e, tocsin.Errorf(tocsin.EINVALID, "summary is required to trigger an alert")
	}
	if p := strings.TrimSpace(g.Priority); p != "" {
		prio, ok := tocsin.ParsePriority(p)
		if !ok {
			return e, tocsin.Errorf(tocsin.EINVALID, "priority %q is not P1…P5 or a known severity (critical, error, warning, info…)", g.Priority)
		}
		e.Priority = prio
	}
	if e.DedupKey == "" {
		// The same report from the same source is the same alert: a cron job that
		// fails every minute counts occurrences instead of opening alerts.
		sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s", strings.TrimSpace(g.Source), strings.TrimSpace(g.Summary)))
		e.DedupKey = hex.EncodeToString(sum[:])[:32]
	}
	if len(g.Labels) > 0 {
		e.Labels = textMap(g.Labels)
	}
	for _, l := range g.Links {
		e.Links = append(e.Links, tocsin.Link{Href: l.Href, Text: l.Text})
	}
	return e, nil
}

// genericFail answers in the error shape of Tocsin's REST API.
func (h *Handler) genericFail(w http.ResponseWriter, r *http.Request, err error) {
	f := h.refuse(w, r, formatGeneric, err, http.StatusBadRequest)
	var reply genericError
	reply.Error.Code = tocsin.ErrorCode(err)
	if f.status == http.StatusServiceUnavailable {
		reply.Error.Code = "unavailable"
	}
	reply.Error.Message = f.message
	writeJSON(w, f.status, reply)
}
