package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// onCallJSON is who is on call on one schedule at one instant.
type onCallJSON struct {
	Schedule struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"schedule"`
	OnCall *personJSON       `json:"on_call"`
	Reason *oncall.Reason    `json:"reason"`
	Layer  *string           `json:"layer"`
	Layers []layerOnCallJSON `json:"layers"`
}

type layerOnCallJSON struct {
	Layer  string         `json:"layer"`
	User   *personJSON    `json:"user"`
	Reason *oncall.Reason `json:"reason"`
}

func reasonOrNull(r oncall.Reason) *oncall.Reason {
	if r == "" {
		return nil
	}
	return &r
}

func (h *Handler) whoIsOnCall(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "schedule", "at"); err != nil {
		return err
	}
	ctx := r.Context()
	at, err := queryTime(r, "at", h.opts.Clock.Now())
	if err != nil {
		return err
	}
	var schedules []*tocsin.Schedule
	if v := strings.TrimSpace(r.URL.Query().Get("schedule")); v != "" {
		s, err := h.findSchedule(ctx, v)
		if err != nil {
			return asInvalid(err)
		}
		schedules = []*tocsin.Schedule{s}
	} else if schedules, err = h.opts.DB.Schedules(ctx, 0); err != nil {
		return err
	}
	p, err := h.people(ctx)
	if err != nil {
		return err
	}
	out := make([]onCallJSON, len(schedules))
	for i, s := range schedules {
		c, err := oncall.Compile(s, nil)
		if err != nil {
			return err
		}
		now := c.At(at)
		o := &out[i]
		o.Schedule.ID, o.Schedule.Name = s.ID, s.Name
		o.OnCall, o.Reason, o.Layer = p.of(now.Final.UserID), reasonOrNull(now.Final.Reason), nil
		if now.Final.UserID != 0 {
			o.Layer = layerName(s, now.Final.Layer)
		}
		o.Layers = make([]layerOnCallJSON, len(now.Layers))
		for j, a := range now.Layers {
			o.Layers[j] = layerOnCallJSON{Layer: s.Layers[j].Name, User: p.of(a.UserID), Reason: reasonOrNull(a.Reason)}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"at": at.UTC(), "schedules": out})
	return nil
}

// overrideInput is the body of POST /schedules/{id}/overrides.
type overrideInput struct {
	User  json.RawMessage `json:"user"` // e-mail address or id
	Start stamp           `json:"start"`
	End   stamp           `json:"end"`
	Layer string          `json:"layer"` // empty: the final row
	Note  string          `json:"note"`
}

// swapInput is the body of POST /schedules/{id}/swap: two shifts exchange holders.
type swapInput struct {
	A     swapShift `json:"a"`
	B     swapShift `json:"b"`
	Layer string    `json:"layer"`
}

type swapShift struct {
	Start stamp           `json:"start"`
	End   stamp           `json:"end"`
	User  json.RawMessage `json:"user"`
}

// showOverrides answers the overrides just stored.
func (h *Handler) showOverrides(ctx context.Context, w http.ResponseWriter, list []tocsin.Override) error {
	p, err := h.people(ctx)
	if err != nil {
		return err
	}
	out := make([]overrideJSON, len(list))
	for i, o := range list {
		out[i] = overrideToJSON(o, p)
	}
	if len(out) == 1 {
		writeJSON(w, http.StatusCreated, out[0])
		return nil
	}
	writeJSON(w, http.StatusCreated, map[string]any{"overrides": out})
	return nil
}

func (h *Handler) createOverride(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	s, err := h.findSchedule(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in overrideInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	o := tocsin.Override{Start: in.Start.Time, End: in.End.Time, Layer: in.Layer, Note: in.Note}
	if o.UserID, err = h.userRef(ctx, "user", in.User); err != nil {
		return err
	}
	list := []tocsin.Override{o}
	if err := h.opts.DB.AddOverrides(ctx, s.ID, list, h.opts.Clock.Now()); err != nil {
		return err
	}
	return h.showOverrides(ctx, w, list)
}

func (h *Handler) swapShifts(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	s, err := h.findSchedule(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in swapInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	a := oncall.Shift{Start: in.A.Start.Time, End: in.A.End.Time}
	b := oncall.Shift{Start: in.B.Start.Time, End: in.B.End.Time}
	if a.UserID, err = h.userRef(ctx, "a.user", in.A.User); err != nil {
		return err
	}
	if b.UserID, err = h.userRef(ctx, "b.user", in.B.User); err != nil {
		return err
	}
	layer := strings.TrimSpace(in.Layer)
	who, err := h.people(ctx)
	if err != nil {
		return err
	}
	email := func(id int64) string {
		if p := who.of(id); p != nil && p.Email != "" {
			return p.Email
		}
		return fmt.Sprintf("user %d", id)
	}
	for i, sh := range []oncall.Shift{a, b} {
		if err := oncall.Held(s, sh, layer, email); err != nil {
			if tocsin.ErrorCode(err) == tocsin.EINVALID {
				err = tocsin.Errorf(tocsin.EINVALID, "field %q: %s", []string{"a", "b"}[i], tocsin.ErrorMessage(err))
			}
			return err
		}
	}
	pair, err := oncall.Swap(a, b, layer)
	if err != nil {
		return err
	}
	list := pair[:]
	if err := h.opts.DB.AddOverrides(ctx, s.ID, list, h.opts.Clock.Now()); err != nil {
		return err
	}
	return h.showOverrides(ctx, w, list)
}

func (h *Handler) deleteOverride(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	s, err := h.findSchedule(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	raw := r.PathValue("oid")
	oid, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || oid <= 0 {
		return tocsin.Errorf(tocsin.EINVALID, "override id %q is not a positive integer", raw)
	}
	if err := h.opts.DB.DeleteOverride(ctx, s.ID, oid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
