package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// Handler serves the ingest endpoints of every format.
type Handler struct {
	pipeline *Pipeline
	log      *slog.Logger
	metrics  *Metrics
}

// NewHandler makes the ingest HTTP handler.
func NewHandler(p *Pipeline, log *slog.Logger, metrics *Metrics) *Handler {
	return &Handler{pipeline: p, log: log, metrics: metrics}
}

// Routes registers the ingest endpoints. docs/ingest.md describes each one.
func (h *Handler) Routes(mux *http.ServeMux) {
	// PagerDuty Events API v2 (pagerduty.go).
	mux.HandleFunc("POST /v2/enqueue", h.pagerDutyEnqueue)
	mux.HandleFunc("POST /v2/change/enqueue", h.pagerDutyChange)

	// Opsgenie Alert API v2 (opsgenie.go): Alertmanager appends v2/alerts to a
	// base URL, Grafana posts to the full URL; both land here.
	mux.HandleFunc("POST /v2/alerts", h.opsgenieCreate)
	mux.HandleFunc("POST /v2/alerts/{$}", h.opsgenieCreate)
	mux.HandleFunc("POST /v2/alerts/{id}/close", h.opsgenieAction(tocsin.ActionResolve))
	mux.HandleFunc("POST /v2/alerts/{id}/acknowledge", h.opsgenieAction(tocsin.ActionAcknowledge))
	mux.HandleFunc("POST /v2/alerts/{id}/unacknowledge", h.opsgenieAction(tocsin.ActionUnacknowledge))
	mux.HandleFunc("POST /v2/alerts/{id}/notes", h.opsgenieAction(tocsin.ActionNote))
	mux.HandleFunc("PUT /v2/alerts/{id}/message", h.opsgenieAction(tocsin.ActionSetSummary))
	mux.HandleFunc("PUT /v2/alerts/{id}/description", h.opsgenieAction(tocsin.ActionSetDetails))
	mux.HandleFunc("GET /v2/alerts/requests/{requestId}", h.opsgenieRequestStatus)

	// Alertmanager and Grafana webhooks (webhook.go): key in the path or a header.
	for _, pattern := range []string{"/hooks/alertmanager", "/hooks/alertmanager/{$}", "/hooks/alertmanager/{key}"} {
		mux.HandleFunc("POST "+pattern, h.webhook(tocsin.ChannelAlertmanager))
	}
	for _, pattern := range []string{"/hooks/grafana", "/hooks/grafana/{$}", "/hooks/grafana/{key}"} {
		mux.HandleFunc("POST "+pattern, h.webhook(tocsin.ChannelGrafana))
		mux.HandleFunc("PUT "+pattern, h.webhook(tocsin.ChannelGrafana))
	}

	// Tocsin's own format (generic.go).
	for _, pattern := range []string{"/hooks/generic", "/hooks/generic/{$}", "/hooks/generic/{key}"} {
		mux.HandleFunc("POST "+pattern, h.generic)
	}

	// Heartbeat pings (heartbeat.go): healthchecks.io's URLs, the ping id named
	// {key} so that the access log redacts it, and Opsgenie's heartbeat ping.
	mux.HandleFunc("/ping/{key}", h.ping)
	mux.HandleFunc("/ping/{key}/{action}", h.ping)
	mux.HandleFunc("/ping/", h.noPing)
	for _, method := range []string{"GET", "POST", "PUT", "PATCH"} {
		mux.HandleFunc(method+" /v2/heartbeats/{name}/ping", h.opsgenieHeartbeatPing)
	}

	// Anything else under the ingest prefixes gets a JSON answer a tool can log,
	// not the web interface's HTML page. {key} lets the access log redact a key.
	mux.HandleFunc("/v2/", h.noEndpoint)
	mux.HandleFunc("/hooks/", h.noEndpoint)
	mux.HandleFunc("/hooks/{format}/{key}", h.noEndpoint)
}

// noEndpoint answers a request no ingest endpoint serves: 405 naming the
// methods the path takes, 404 for a path that does not exist.
func (h *Handler) noEndpoint(w http.ResponseWriter, r *http.Request) {
	if methods := ingestMethods(r.URL.Path); len(methods) > 0 {
		allow := strings.Join(methods, ", ")
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "this ingest endpoint takes " + allow + ", not " + r.Method + "; see docs/ingest.md"})
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "no ingest endpoint at this path; see docs/ingest.md for the URLs of each format"})
}

// ingestMethods returns the methods Routes serves path with, or nil where it
// serves nothing. It follows Routes' patterns: keep the two together.
func ingestMethods(path string) []string {
	const get, post, put, patch = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch {
	case path == "/v2/enqueue", path == "/v2/change/enqueue", path == "/v2/alerts", path == "/v2/alerts/":
		return []string{post}
	case len(seg) == 4 && seg[0] == "v2" && seg[1] == "alerts" && seg[2] != "" && seg[3] != "":
		var methods []string
		switch seg[3] {
		case "close", "acknowledge", "unacknowledge", "notes":
			methods = append(methods, post)
		case "message", "description":
			methods = append(methods, put)
		}
		if seg[2] == "requests" {
			methods = append(methods, get)
		}
		return methods
	case len(seg) == 4 && seg[0] == "v2" && seg[1] == "heartbeats" && seg[2] != "" && seg[3] == "ping":
		return []string{get, post, put, patch}
	case (len(seg) == 2 || len(seg) == 3) && seg[0] == "hooks":
		switch seg[1] {
		case "alertmanager", "generic":
			return []string{post}
		case "grafana":
			return []string{post, put}
		}
	}
	return nil
}

// Names of the formats in metrics and logs.
const (
	formatPagerDuty       = "pagerduty"
	formatPagerDutyChange = "pagerduty_change"
	formatOpsgenie        = "opsgenie"
	formatAlertmanager    = "alertmanager"
	formatGrafana         = "grafana"
	formatGeneric         = "generic"
)

// retryAfterUnavailable is what we ask senders to wait after an internal error:
// they all retry 5xx, and a short wait lets a database hiccup pass.
const retryAfterUnavailable = 5 * time.Second

// retryError is an error the client should retry after a delay.
type retryError struct {
	err   *tocsin.Error
	after time.Duration
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// observe records how long a request took, on the wall clock: it measures us,
// not the (possibly fake) time alerts are stamped with.
func (h *Handler) observe(format string, start time.Time) {
	h.metrics.Duration.WithLabelValues(format).Observe(time.Since(start).Seconds())
}

// authenticate returns the live integration of key. verifiesHMAC says whether
// the endpoint checks Grafana signatures: an integration with an HMAC secret is
// accepted only where the signature is checked, or the secret would protect nothing.
func (h *Handler) authenticate(ctx context.Context, key string, verifiesHMAC bool) (*tocsin.Integration, error) {
	integ, err := h.pipeline.Authenticate(ctx, key)
	if err != nil {
		return nil, err
	}
	if integ.HMACSecret != "" && !verifiesHMAC {
		return nil, tocsin.Errorf(tocsin.EUNAUTHORIZED, "this integration requires signed requests: send Grafana webhooks to /hooks/grafana")
	}
	return integ, nil
}

// admit applies the per-key rate limit.
func (h *Handler) admit(integ *tocsin.Integration) error {
	ok, after := h.pipeline.Allow(integ)
	if ok {
		return nil
	}
	secs := retryAfterSeconds(after)
	return &retryError{
		err:   tocsin.Errorf(tocsin.ERATELIMITED, "too many requests for this integration key; retry in %d s", secs),
		after: after,
	}
}

// submit stores events and counts each outcome. It returns once they are
// committed, with one result per event given.
func (h *Handler) submit(ctx context.Context, format string, integ *tocsin.Integration, events []tocsin.AlertEvent) ([]tocsin.EventResult, error) {
	results, err := h.pipeline.Submit(ctx, integ, events)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		h.metrics.Received.WithLabelValues(format, string(r.Outcome)).Inc()
	}
	return results, nil
}

// refusal is what to answer to a request that stored nothing.
type refusal struct {
	status  int
	message string // safe to show: never internal detail
}

// refuse turns err into a status and a message, sets Retry-After when a retry
// would help, counts the request and logs what is ours to fix. invalidStatus is
// the format's status for bad input (400, or 422 for Opsgenie's semantic errors).
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, format string, err error, invalidStatus int) refusal {
	code := tocsin.ErrorCode(err)
	out := refusal{message: tocsin.ErrorMessage(err)}
	outcome := "invalid"
	switch code {
	case tocsin.EINVALID:
		out.status = invalidStatus
	case tocsin.ETOOLARGE:
		out.status = http.StatusRequestEntityTooLarge
	case tocsin.ENOTFOUND:
		out.status = http.StatusNotFound
	case tocsin.EUNAUTHORIZED:
		out.status, outcome = http.StatusUnauthorized, "unauthorized"
	case tocsin.EFORBIDDEN:
		out.status, outcome = http.StatusForbidden, "unauthorized"
	case tocsin.ERATELIMITED:
		out.status, outcome = http.StatusTooManyRequests, "rate_limited"
		after := time.Second
		var re *retryError
		if errors.As(err, &re) {
			after = re.after
		}
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(after)))
	default:
		// Ours to fix, and senders retry 5xx: say so without detail.
		out.status, outcome = http.StatusServiceUnavailable, "error"
		out.message = "Tocsin could not store this request right now; retry later."
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(retryAfterUnavailable)))
		h.log.Error("ingest", "format", format, "method", r.Method, "path", redactPath(r.URL.Path), "err", err)
	}
	h.metrics.Received.WithLabelValues(format, outcome).Inc()
	return out
}

// retryAfterSeconds rounds a wait up to whole seconds, at least one.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// redactPath keeps integration keys out of the logs.
func redactPath(p string) string {
	if strings.HasPrefix(p, "/hooks/") {
		if parts := strings.SplitN(p, "/", 4); len(parts) == 4 && parts[3] != "" {
			return "/hooks/" + parts[2] + "/…"
		}
	}
	return p
}

// readBody reads a request body of at most tocsin.MaxBodyBytes. The app's
// middleware limits it already; limiting here too keeps the handler safe alone.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > tocsin.MaxBodyBytes {
		return nil, tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, tocsin.MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge()
	}
	if err != nil {
		return nil, tocsin.Errorf(tocsin.EINVALID, "could not read the request body: %v", err)
	}
	return body, nil
}

func tooLarge() error {
	return tocsin.Errorf(tocsin.ETOOLARGE, "the request body is larger than %d bytes (1 MiB)", tocsin.MaxBodyBytes)
}

// decodeJSON decodes one JSON value into v, ignoring unknown fields (senders add
// fields over time), with a message that says what is wrong and where.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return tocsin.Errorf(tocsin.EINVALID, "the request body is empty; a JSON document is expected")
	}
	// Unmarshal also refuses data after the document, and is cheaper than a Decoder.
	if err := json.Unmarshal(body, v); err != nil {
		return jsonError(err)
	}
	return nil
}

// jsonError explains a decoding error to the sender.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) && strings.Contains(syntax.Error(), "unexpected end of JSON input"):
		return tocsin.Errorf(tocsin.EINVALID, "malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &syntax) && strings.Contains(syntax.Error(), "after top-level value"):
		return tocsin.Errorf(tocsin.EINVALID, "malformed JSON: unexpected data after the JSON document at byte %d", syntax.Offset)
	case errors.As(err, &syntax):
		return tocsin.Errorf(tocsin.EINVALID, "malformed JSON at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typ):
		if typ.Field == "" {
			return tocsin.Errorf(tocsin.EINVALID, "the body must be %s, not a JSON %s", describeType(typ.Type.Kind().String()), typ.Value)
		}
		return tocsin.Errorf(tocsin.EINVALID, "field %q must be %s, not a JSON %s", typ.Field, describeType(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return tocsin.Errorf(tocsin.EINVALID, "malformed JSON: the body ends in the middle of a value")
	}
	return tocsin.Errorf(tocsin.EINVALID, "malformed JSON: %v", err)
}

func describeType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "a list"
	case "bool":
		return "true or false"
	case "int", "int64", "float64", "uint", "uint64":
		return "a number"
	}
	return "a " + kind
}

// jsonText turns free-form JSON (PagerDuty custom_details, generic details) into
// text: a string as is, anything else indented for reading.
func jsonText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var out bytes.Buffer
	if json.Indent(&out, raw, "", "  ") != nil {
		return string(raw)
	}
	return out.String()
}

// scalarText turns a JSON value used as a label value into a string: strings as
// is, other values as their compact JSON text.
func scalarText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var out bytes.Buffer
	if json.Compact(&out, raw) != nil {
		return string(raw)
	}
	return out.String()
}

// parseTime reads the timestamps senders write: RFC 3339, and ISO 8601 with an
// offset without colon ("2015-07-17T08:42:58.315+0000"). Zero when unreadable
// or the Go zero time: a bad timestamp is no reason to lose an alert.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() <= 1 {
				return time.Time{}
			}
			return t.UTC()
		}
	}
	return time.Time{}
}

// newUUID returns a random (version 4) UUID, the form PagerDuty and Opsgenie use for ids.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// authScheme returns the credentials of an Authorization header of the given
// scheme (case-insensitive), or "".
func authScheme(r *http.Request, scheme string) string {
	value := strings.TrimSpace(r.Header.Get("Authorization"))
	name, cred, ok := strings.Cut(value, " ")
	if !ok || !strings.EqualFold(name, scheme) {
		return ""
	}
	return strings.TrimSpace(cred)
}

// hookKey finds the integration key of a webhook: in the URL path, as a bearer
// token, or (for tools that only do basic auth) as the basic-auth password.
// anyScheme also accepts "Authorization: <scheme> <key>" with any scheme, as
// Grafana lets users pick the scheme.
func hookKey(r *http.Request, anyScheme bool) string {
	if key := r.PathValue("key"); key != "" {
		return key
	}
	if key := authScheme(r, "Bearer"); key != "" {
		return key
	}
	if _, password, ok := r.BasicAuth(); ok && password != "" {
		return password
	}
	if anyScheme {
		value := strings.TrimSpace(r.Header.Get("Authorization"))
		if name, cred, ok := strings.Cut(value, " "); ok && !strings.EqualFold(name, "Basic") {
			return strings.TrimSpace(cred)
		}
	}
	return ""
}
