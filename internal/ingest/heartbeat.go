package ingest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tocsin/tocsin"
)

// Heartbeat pings (wire-formats.md §8, docs/heartbeats.md): healthchecks.io's
// /ping/<uuid>[/start|/fail|/log|/<exit status>], where the ping id is the only
// credential, and Opsgenie's heartbeat ping, authenticated by an integration key.
// Cron jobs retry them (curl --retry), so each one is a cheap, idempotent write.

// Names of the heartbeat endpoints in metrics and logs.
const (
	formatHeartbeat         = "heartbeat"
	formatOpsgenieHeartbeat = "opsgenie_heartbeat"
)

// Ping records a ping of the heartbeat with this ping id, on the pipeline's
// clock, and wakes the engine and live pages when it opened or resolved an alert.
func (p *Pipeline) Ping(ctx context.Context, uuid string, ping tocsin.Ping) (*tocsin.Heartbeat, error) {
	h, changed, err := p.db.RecordPing(ctx, uuid, ping, p.clock.Now())
	if changed {
		p.signal(true)
	}
	return h, err
}

// ping serves GET, HEAD and POST /ping/{key} and /ping/{key}/{action}. It
// answers in plain text, as healthchecks.io does: "OK", "not found", or what is wrong.
func (h *Handler) ping(w http.ResponseWriter, r *http.Request) {
	defer h.observe(formatHeartbeat, time.Now())
	// Browsers may ping too (a status page, a bookmarklet), as on healthchecks.io.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		writeText(w, http.StatusMethodNotAllowed, "method not allowed: ping with GET, HEAD or POST")
		return
	}
	p, err := tocsin.ParsePingPath(r.PathValue("action"))
	if err != nil {
		h.pingFail(w, r, err)
		return
	}
	uuid := r.PathValue("key")
	if len(uuid) > 64 || !utf8.ValidString(uuid) {
		h.pingFail(w, r, tocsin.Errorf(tocsin.ENOTFOUND, "not found"))
		return
	}
	// Read first, so that an unknown id costs no write and a known one can be
	// rate-limited as its integration.
	hb, err := h.pipeline.db.HeartbeatByUUID(r.Context(), uuid)
	if err == nil {
		err = h.admit(&tocsin.Integration{ID: hb.IntegrationID})
	}
	if err == nil && r.Method == http.MethodPost {
		p.Body, err = readPingBody(r)
	}
	if err == nil {
		_, err = h.pipeline.Ping(r.Context(), uuid, p)
	}
	if err != nil {
		h.pingFail(w, r, err)
		return
	}
	h.metrics.Received.WithLabelValues(formatHeartbeat, string(tocsin.OutcomeUpdated)).Inc()
	w.Header().Set("Ping-Body-Limit", strconv.Itoa(tocsin.MaxPingBody))
	writeText(w, http.StatusOK, "OK")
}

// noPing answers, in plain text for a script's log, a path under /ping/ that
// names no heartbeat: none, or too many segments.
func (h *Handler) noPing(w http.ResponseWriter, r *http.Request) {
	h.metrics.Received.WithLabelValues(formatHeartbeat, "invalid").Inc()
	writeText(w, http.StatusNotFound, "not found")
}

// readPingBody keeps the first MaxPingBody bytes of a POSTed body, the log
// excerpt; the rest is ignored, as healthchecks.io does, not refused.
func readPingBody(r *http.Request) (string, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, tocsin.MaxPingBody))
	if err != nil {
		return "", tocsin.Errorf(tocsin.EINVALID, "could not read the request body: %v", err)
	}
	return string(body), nil
}

// pingFail answers a refused ping in plain text.
func (h *Handler) pingFail(w http.ResponseWriter, r *http.Request, err error) {
	f := h.refuse(w, r, formatHeartbeat, err, http.StatusBadRequest)
	writeText(w, f.status, f.message)
}

// opsgenieHeartbeatPing serves GET, POST, PUT and PATCH /v2/heartbeats/{name}/ping
// with "Authorization: GenieKey <integration key>": the heartbeat of that name
// among those of the key's service (of every service, for a global key) gets a
// success ping. Opsgenie answers 202 whether the heartbeat exists or not; we
// know at once, so an unknown name is a 404 that a script can notice.
func (h *Handler) opsgenieHeartbeatPing(w http.ResponseWriter, r *http.Request) {
	defer h.observe(formatOpsgenieHeartbeat, time.Now())
	x := newOpsgenieExchange(w)
	integ, err := h.opsgenieAuth(r)
	if err != nil {
		h.opsgenieHeartbeatFail(w, r, x, err)
		return
	}
	name := strings.TrimSpace(r.PathValue("name"))
	shown := name
	if len(shown) > 200 || !utf8.ValidString(shown) {
		shown = "(invalid)"
	}
	hb, err := h.pipeline.db.HeartbeatToPing(r.Context(), strings.ToLower(name), integ.ServiceID)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		h.metrics.Received.WithLabelValues(formatOpsgenieHeartbeat, "invalid").Inc()
		x.reply(w, http.StatusNotFound, &ogError{Message: fmt.Sprintf("Heartbeat with name [%s] does not exist.", shown)})
		return
	}
	if err == nil {
		_, err = h.pipeline.Ping(r.Context(), hb.UUID, tocsin.Ping{Kind: tocsin.PingSuccess, ExitStatus: -1})
	}
	if err != nil {
		h.opsgenieHeartbeatFail(w, r, x, err)
		return
	}
	h.metrics.Received.WithLabelValues(formatOpsgenieHeartbeat, string(tocsin.OutcomeUpdated)).Inc()
	x.reply(w, http.StatusAccepted, &ogAccepted{Result: "PONG - Heartbeat received"})
}

func (h *Handler) opsgenieHeartbeatFail(w http.ResponseWriter, r *http.Request, x *opsgenieExchange, err error) {
	f := h.refuse(w, r, formatOpsgenieHeartbeat, err, http.StatusUnprocessableEntity)
	if f.status == http.StatusTooManyRequests {
		w.Header().Set("X-RateLimit-State", "THROTTLED")
	}
	x.reply(w, f.status, &ogError{Message: f.message})
}

// writeText answers with a short plain-text body.
func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, text)
}
