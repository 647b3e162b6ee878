package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// heartbeatJSON is a heartbeat as the API shows it, with the URL its job pings.
type heartbeatJSON struct {
	ID            int64      `json:"id"`
	Name          string     `json:"name"`
	ServiceID     int64      `json:"service_id"`
	Service       string     `json:"service"`
	IntegrationID int64      `json:"integration_id"`
	PingID        string     `json:"ping_id"`
	PingURL       string     `json:"ping_url"`
	PeriodMinutes int64      `json:"period_minutes"`
	GraceMinutes  int64      `json:"grace_minutes"`
	Priority      string     `json:"priority"`
	State         string     `json:"state"`
	Running       bool       `json:"running"`
	DueAt         *time.Time `json:"due_at"`
	LastPingAt    *time.Time `json:"last_ping_at"`
	LastPingKind  string     `json:"last_ping_kind"`
	LastSuccessAt *time.Time `json:"last_success_at"`
	LastStartAt   *time.Time `json:"last_start_at"`
	LastFailAt    *time.Time `json:"last_fail_at"`
	LastBody      string     `json:"last_body"`
	AlertID       *int64     `json:"alert_id"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

func (h *Handler) heartbeatToJSON(b *tocsin.Heartbeat) heartbeatJSON {
	return heartbeatJSON{
		ID: b.ID, Name: b.Name, ServiceID: b.ServiceID, Service: b.ServiceName, IntegrationID: b.IntegrationID,
		PingID: b.UUID, PingURL: h.opts.PublicURL + "/ping/" + b.UUID,
		PeriodMinutes: int64(b.Period / time.Minute), GraceMinutes: int64(b.Grace / time.Minute), Priority: string(b.Priority),
		State: string(b.State), Running: b.Running(), DueAt: when(b.DueAt),
		LastPingAt: when(b.LastPingAt), LastPingKind: string(b.LastPingKind), LastSuccessAt: when(b.LastSuccessAt),
		LastStartAt: when(b.LastStartAt), LastFailAt: when(b.LastFailAt), LastBody: b.LastBody, AlertID: idOrNull(b.AlertID),
		CreatedAt: b.CreatedAt.UTC(), UpdatedAt: b.UpdatedAt.UTC(),
	}
}

// heartbeatInput is the body of POST /heartbeats and PATCH /heartbeats/{id}.
type heartbeatInput struct {
	Name          string          `json:"name"`
	Service       json.RawMessage `json:"service"` // id or name
	PeriodMinutes *int64          `json:"period_minutes"`
	GraceMinutes  *int64          `json:"grace_minutes"`
	Priority      string          `json:"priority"`
	PingID        string          `json:"ping_id"` // on create only: keeps a healthchecks.io check's URL
}

// apply copies the fields sent onto b; sent nil means all of them (a create).
func (in *heartbeatInput) apply(ctx context.Context, h *Handler, b *tocsin.Heartbeat, sent map[string]bool) error {
	all := sent == nil
	if all {
		b.UUID = strings.TrimSpace(in.PingID)
	} else if sent["ping_id"] && strings.TrimSpace(in.PingID) != b.UUID {
		return tocsin.Errorf(tocsin.EINVALID, "a heartbeat's ping id cannot be changed: jobs ping it; create a new heartbeat")
	}
	if all || sent["name"] {
		b.Name = strings.TrimSpace(in.Name)
	}
	if all || sent["service"] {
		id, err := h.serviceRef(ctx, "service", in.Service)
		if err != nil {
			return err
		}
		if id == 0 {
			return tocsin.Errorf(tocsin.EINVALID, "field \"service\" is required: a heartbeat's alerts go to a service")
		}
		b.ServiceID = id
	}
	if all || sent["period_minutes"] {
		if in.PeriodMinutes == nil {
			return tocsin.Errorf(tocsin.EINVALID, "field \"period_minutes\" is required: how often the job pings, in minutes")
		}
		b.Period = minutes(*in.PeriodMinutes)
	}
	if (all || sent["grace_minutes"]) && in.GraceMinutes != nil {
		b.Grace = minutes(*in.GraceMinutes)
	}
	if all || sent["priority"] {
		b.Priority = ""
		if p := strings.TrimSpace(in.Priority); p != "" {
			b.Priority = tocsin.Priority(strings.ToUpper(p))
		}
	}
	return nil
}

// minutes turns a count of minutes into a duration that Validate can refuse
// when out of range, without overflowing on absurd values.
func minutes(n int64) time.Duration {
	const limit = int64(1 << 40)
	if n > limit || n < -limit {
		n = limit
	}
	return time.Duration(n) * time.Minute
}

// findHeartbeat finds a heartbeat by id (digits) or by name.
func (h *Handler) findHeartbeat(ctx context.Context, idOrName string) (*tocsin.Heartbeat, error) {
	if id, ok := isID(idOrName); ok {
		return h.opts.DB.Heartbeat(ctx, id)
	}
	return h.opts.DB.HeartbeatByName(ctx, idOrName)
}

func (h *Handler) listHeartbeats(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "service"); err != nil {
		return err
	}
	ctx := r.Context()
	var serviceID int64
	if v := strings.TrimSpace(r.URL.Query().Get("service")); v != "" {
		s, err := h.findService(ctx, v)
		if err != nil {
			return asInvalid(err)
		}
		serviceID = s.ID
	}
	list, err := h.opts.DB.Heartbeats(ctx, serviceID)
	if err != nil {
		return err
	}
	out := make([]heartbeatJSON, len(list))
	for i, b := range list {
		out[i] = h.heartbeatToJSON(b)
	}
	writeJSON(w, http.StatusOK, map[string]any{"heartbeats": out})
	return nil
}

func (h *Handler) getHeartbeat(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	b, err := h.findHeartbeat(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.heartbeatToJSON(b))
	return nil
}

func (h *Handler) createHeartbeat(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in heartbeatInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	ctx := r.Context()
	b := &tocsin.Heartbeat{}
	if err := in.apply(ctx, h, b, nil); err != nil {
		return err
	}
	if err := h.opts.DB.CreateHeartbeat(ctx, b, h.opts.Clock.Now()); err != nil {
		return err
	}
	created, err := h.opts.DB.Heartbeat(ctx, b.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", prefix+"/heartbeats/"+itoa(b.ID))
	writeJSON(w, http.StatusCreated, h.heartbeatToJSON(created))
	return nil
}

func (h *Handler) updateHeartbeat(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	b, err := h.findHeartbeat(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in heartbeatInput
	sent, err := decodePatch(r, &in)
	if err != nil {
		return err
	}
	if err := in.apply(ctx, h, b, sent); err != nil {
		return err
	}
	if err := h.opts.DB.UpdateHeartbeat(ctx, b, h.opts.Clock.Now()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.heartbeatToJSON(b))
	return nil
}

func (h *Handler) deleteHeartbeat(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	b, err := h.findHeartbeat(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.opts.DB.DeleteHeartbeat(ctx, b.ID, h.opts.Clock.Now()); err != nil {
		return err
	}
	// An open alert of the heartbeat was resolved.
	h.opts.Notify()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
