package ingest

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tocsin/tocsin"
)

// Opsgenie Alert API v2 (wire-formats.md §2). Authorization: GenieKey <key>.
// Opsgenie processes requests asynchronously and answers 202 with a requestId;
// we process them before answering and record the outcome under that id, so a
// GET /v2/alerts/requests/{id} always finds it.

type ogCreate struct {
	Message     string                     `json:"message"`
	Alias       string                     `json:"alias"`
	Description string                     `json:"description"`
	Tags        []string                   `json:"tags"`
	Details     map[string]json.RawMessage `json:"details"`
	Entity      string                     `json:"entity"`
	Source      string                     `json:"source"`
	Priority    string                     `json:"priority"`
	User        string                     `json:"user"`
	Note        string                     `json:"note"`
	// responders, visibleTo and actions are accepted and ignored: escalation
	// policies decide who is paged.
}

// ogAction is the optional body of close, acknowledge, notes and the PUT updates.
type ogAction struct {
	User        string `json:"user"`
	Source      string `json:"source"`
	Note        string `json:"note"`
	Message     string `json:"message"`
	Description string `json:"description"`
}

type ogAccepted struct {
	Result    string  `json:"result"`
	Took      float64 `json:"took"`
	RequestID string  `json:"requestId"`
}

type ogError struct {
	Message   string  `json:"message"`
	Took      float64 `json:"took"`
	RequestID string  `json:"requestId"`
}

type ogStatus struct {
	Data      ogStatusData `json:"data"`
	Took      float64      `json:"took"`
	RequestID string       `json:"requestId"`
}

// ogStatusData carries success twice, as Opsgenie does: its SDK reads isSuccess.
// Ids are strings, as Opsgenie's are, so that its SDK can decode them.
type ogStatusData struct {
	Success       bool   `json:"success"`
	IsSuccess     bool   `json:"isSuccess"`
	Action        string `json:"action"`
	Status        string `json:"status"`
	AlertID       string `json:"alertId"`
	Alias         string `json:"alias"`
	IntegrationID string `json:"integrationId"`
	ProcessedAt   string `json:"processedAt"`
}

// opsgenieExchange is one Opsgenie request: its id and start, for every reply.
type opsgenieExchange struct {
	id    string
	start time.Time
}

func newOpsgenieExchange(w http.ResponseWriter) *opsgenieExchange {
	x := &opsgenieExchange{id: newUUID(), start: time.Now()}
	// Opsgenie's SDK reads the request id from this header: make it ours.
	w.Header().Set("X-Request-Id", x.id)
	return x
}

// took is the handling time in seconds, as Opsgenie reports it (never 0: its SDK
// treats 0 as missing).
func (x *opsgenieExchange) took() float64 {
	return max(0.001, math.Round(time.Since(x.start).Seconds()*1000)/1000)
}

func (x *opsgenieExchange) reply(w http.ResponseWriter, status int, v any) {
	took := x.took()
	w.Header().Set("X-Response-Time", strconv.FormatFloat(took, 'f', 3, 64))
	if w.Header().Get("X-RateLimit-State") == "" {
		w.Header().Set("X-RateLimit-State", "OK")
	}
	switch v := v.(type) {
	case *ogAccepted:
		v.Took, v.RequestID = took, x.id
	case *ogError:
		v.Took, v.RequestID = took, x.id
	case *ogStatus:
		v.Took, v.RequestID = took, x.id
	}
	writeJSON(w, status, v)
}

// opsgenieAuth authenticates the GenieKey and applies the rate limit.
func (h *Handler) opsgenieAuth(r *http.Request) (*tocsin.Integration, error) {
	key := authScheme(r, "GenieKey")
	if key == "" {
		return nil, tocsin.Errorf(tocsin.EUNAUTHORIZED, "Could not authenticate: the Authorization header must be \"GenieKey <integration key>\"")
	}
	integ, err := h.authenticate(r.Context(), key, false)
	if err != nil {
		if tocsin.ErrorCode(err) == tocsin.EUNAUTHORIZED {
			return nil, tocsin.Errorf(tocsin.EUNAUTHORIZED, "Could not authenticate: %s", tocsin.ErrorMessage(err))
		}
		return nil, err
	}
	return integ, h.admit(integ)
}

func (h *Handler) opsgenieCreate(w http.ResponseWriter, r *http.Request) {
	defer h.observe(formatOpsgenie, time.Now())
	x := newOpsgenieExchange(w)
	integ, err := h.opsgenieAuth(r)
	if err != nil {
		h.opsgenieFail(w, r, x, err, http.StatusBadRequest)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		h.opsgenieFail(w, r, x, err, http.StatusBadRequest)
		return
	}
	var in ogCreate
	if err := decodeJSON(body, &in); err != nil {
		h.opsgenieFail(w, r, x, err, http.StatusBadRequest)
		return
	}
	e, err := in.event()
	if err != nil {
		h.opsgenieFail(w, r, x, err, http.StatusUnprocessableEntity)
		return
	}
	e.RequestID = x.id
	h.opsgenieSubmit(w, r, x, integ, e)
}

// event turns a create request into a trigger.
func (in *ogCreate) event() (tocsin.AlertEvent, error) {
	e := tocsin.AlertEvent{
		Action: tocsin.ActionTrigger, Channel: tocsin.ChannelOpsgenie,
		Summary: in.Message, Details: in.Description, Source: in.Source,
		Actor: in.User, Note: in.Note, DedupKey: strings.TrimSpace(in.Alias),
	}
	if strings.TrimSpace(in.Message) == "" {
		return e, tocsin.Errorf(tocsin.EINVALID, "Message can not be empty.")
	}
	if p := strings.TrimSpace(in.Priority); p != "" {
		prio, ok := tocsin.ParsePriority(p)
		if !ok {
			return e, tocsin.Errorf(tocsin.EINVALID, "Priority %q should be one of P1, P2, P3, P4, P5.", in.Priority)
		}
		e.Priority = prio
	}
	if e.DedupKey == "" {
		// Opsgenie deduplicates only on alias: without one, every create is a new alert.
		e.DedupKey = newUUID()
	}
	labels := map[string]string{}
	for _, tag := range in.Tags {
		// Grafana sends labels as "k:v" tags; a plain tag becomes an empty-valued label.
		k, v, _ := strings.Cut(tag, ":")
		if k = strings.TrimSpace(k); k != "" {
			labels[k] = strings.TrimSpace(v)
		}
	}
	for k, v := range in.Details {
		labels[k] = scalarText(v)
	}
	if entity := strings.TrimSpace(in.Entity); entity != "" {
		labels["entity"] = entity
	}
	if len(labels) > 0 {
		e.Labels = labels
	}
	return e, nil
}

// opsgenieAction serves close, acknowledge, unacknowledge, notes and the PUT updates.
func (h *Handler) opsgenieAction(action tocsin.EventAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer h.observe(formatOpsgenie, time.Now())
		x := newOpsgenieExchange(w)
		integ, err := h.opsgenieAuth(r)
		if err != nil {
			h.opsgenieFail(w, r, x, err, http.StatusBadRequest)
			return
		}
		body, err := readBody(w, r)
		if err != nil {
			h.opsgenieFail(w, r, x, err, http.StatusBadRequest)
			return
		}
		var in ogAction
		if len(bytes.TrimSpace(body)) > 0 {
			// The body is optional for close and acknowledge.
			if err := decodeJSON(body, &in); err != nil {
				h.opsgenieFail(w, r, x, err, http.StatusBadRequest)
				return
			}
		}
		e, err := in.event(action, r.PathValue("id"), r.URL.Query().Get("identifierType"))
		if err != nil {
			h.opsgenieFail(w, r, x, err, http.StatusUnprocessableEntity)
			return
		}
		e.RequestID = x.id
		h.opsgenieSubmit(w, r, x, integ, e)
	}
}

// event turns an action on an alert into an AlertEvent.
func (in *ogAction) event(action tocsin.EventAction, identifier, identifierType string) (tocsin.AlertEvent, error) {
	e := tocsin.AlertEvent{Action: action, Channel: tocsin.ChannelOpsgenie, Actor: in.User, Note: in.Note}
	if e.Actor == "" {
		e.Actor = in.Source
	}
	if err := identify(&e, identifier, identifierType); err != nil {
		return e, err
	}
	switch action {
	case tocsin.ActionSetSummary:
		if e.Summary = in.Message; strings.TrimSpace(in.Message) == "" {
			return e, tocsin.Errorf(tocsin.EINVALID, "Message can not be empty.")
		}
	case tocsin.ActionSetDetails:
		e.Details = in.Description
	case tocsin.ActionNote:
		if strings.TrimSpace(in.Note) == "" {
			return e, tocsin.Errorf(tocsin.EINVALID, "Note can not be empty.")
		}
	}
	return e, nil
}

// identify names the alert of an action: identifierType id (the default) and
// tiny are the alert number; alias is the dedup key.
func identify(e *tocsin.AlertEvent, identifier, kind string) error {
	identifier = strings.TrimSpace(identifier)
	if identifier == "" {
		return tocsin.Errorf(tocsin.EINVALID, "the alert identifier is empty")
	}
	switch kind {
	case "alias":
		e.DedupKey = identifier
	case "", "id", "tiny":
		n, err := strconv.ParseInt(identifier, 10, 64)
		if err != nil || n <= 0 {
			shown := identifier
			if len(shown) > 64 || !utf8.ValidString(shown) {
				shown = "(invalid)"
			}
			return tocsin.Errorf(tocsin.EINVALID, "%q is not an alert number; use identifierType=alias to name an alert by its alias", shown)
		}
		e.AlertID = n
	default:
		return tocsin.Errorf(tocsin.EINVALID, "identifierType should be one of id, tiny, alias")
	}
	return nil
}

// opsgenieSubmit stores one event and answers 202 once it is committed.
func (h *Handler) opsgenieSubmit(w http.ResponseWriter, r *http.Request, x *opsgenieExchange, integ *tocsin.Integration, e tocsin.AlertEvent) {
	if _, err := h.submit(r.Context(), formatOpsgenie, integ, []tocsin.AlertEvent{e}); err != nil {
		// What the pipeline refuses is semantic: 422, as Opsgenie answers.
		h.opsgenieFail(w, r, x, err, http.StatusUnprocessableEntity)
		return
	}
	x.reply(w, http.StatusAccepted, &ogAccepted{Result: "Request will be processed"})
}

func (h *Handler) opsgenieRequestStatus(w http.ResponseWriter, r *http.Request) {
	x := newOpsgenieExchange(w)
	integ, err := h.opsgenieAuth(r)
	if err != nil {
		h.opsgenieFail(w, r, x, err, http.StatusBadRequest)
		return
	}
	id := r.PathValue("requestId")
	if len(id) > 64 || !utf8.ValidString(id) || strings.IndexByte(id, 0) >= 0 {
		x.reply(w, http.StatusNotFound, &ogError{Message: "Request not found."})
		return
	}
	req, err := h.pipeline.IngestRequest(r.Context(), integ, id)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		x.reply(w, http.StatusNotFound, &ogError{Message: "Request not found."})
		return
	}
	if err != nil {
		h.log.Error("opsgenie request status", "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(retryAfterUnavailable)))
		x.reply(w, http.StatusServiceUnavailable, &ogError{Message: "Tocsin could not read this request right now; retry later."})
		return
	}
	data := ogStatusData{
		Success: req.Success, IsSuccess: req.Success, Action: req.Action, Status: req.Status,
		Alias: req.Alias, IntegrationID: strconv.FormatInt(req.IntegrationID, 10),
		ProcessedAt: req.ProcessedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	if req.AlertID != 0 {
		data.AlertID = strconv.FormatInt(req.AlertID, 10)
	}
	x.reply(w, http.StatusOK, &ogStatus{Data: data})
}

// opsgenieFail answers a refused request in Opsgenie's error shape. invalid is
// the status of bad input: 400 for malformed JSON, 422 for semantic errors (a
// field missing or wrong), as Opsgenie answers.
func (h *Handler) opsgenieFail(w http.ResponseWriter, r *http.Request, x *opsgenieExchange, err error, invalid int) {
	f := h.refuse(w, r, formatOpsgenie, err, invalid)
	if f.status == http.StatusTooManyRequests {
		w.Header().Set("X-RateLimit-State", "THROTTLED")
	}
	x.reply(w, f.status, &ogError{Message: f.message})
}
