package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// heartbeatForm is the input of the heartbeat forms, kept as typed when refused.
// Period and grace are a whole number and a unit: m, h or d.
type heartbeatForm struct {
	Name        string
	ServiceID   int64
	PeriodValue string
	PeriodUnit  string
	GraceValue  string
	GraceUnit   string
	Priority    string
	Error       string
}

// heartbeatRow is a heartbeat with what its pages show about it.
type heartbeatRow struct {
	*tocsin.Heartbeat
	PingURL string
}

// StateKey is what the badge says: new, up, down, or running (up and started).
func (b heartbeatRow) StateKey() string {
	if b.Running() {
		return "running"
	}
	return string(b.State)
}

// StateClass styles the badge with the alert status colours.
func (b heartbeatRow) StateClass() string {
	switch b.StateKey() {
	case "up":
		return "status status-resolved"
	case "down":
		return "status status-triggered"
	case "running":
		return "status status-acknowledged"
	}
	return "tag"
}

// heartbeatListPage lists heartbeats, with the form that adds one.
type heartbeatListPage struct {
	*view
	Heartbeats []heartbeatRow
	Services   []*tocsin.Service
	Priorities []tocsin.Priority
	Form       heartbeatForm
}

// Minutes writes a whole-minute duration for people ("1h 30m").
func (p *heartbeatListPage) Minutes(d time.Duration) string { return tocsin.FormatMinutes(d) }

// heartbeatList serves GET /heartbeats.
func (h *Handler) heartbeatList(w http.ResponseWriter, r *http.Request, v *view) {
	form := heartbeatForm{PeriodValue: "1", PeriodUnit: "d", GraceValue: "1", GraceUnit: "h", Priority: string(tocsin.DefaultHeartbeatPriority)}
	if id, err := optionalID(r.URL.Query().Get("service"), "service"); err == nil {
		form.ServiceID = id
	}
	h.renderHeartbeatList(w, r, v, http.StatusOK, form)
}

func (h *Handler) renderHeartbeatList(w http.ResponseWriter, r *http.Request, v *view, status int, form heartbeatForm) {
	ctx := r.Context()
	list, err := h.opts.DB.Heartbeats(ctx, 0)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &heartbeatListPage{view: v, Priorities: tocsin.Priorities(), Form: form}
	for _, b := range list {
		p.Heartbeats = append(p.Heartbeats, h.heartbeatRow(b))
	}
	if p.Services, err = h.opts.DB.Services(ctx, 0); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, status, "heartbeat_list", p)
}

func (h *Handler) heartbeatRow(b *tocsin.Heartbeat) heartbeatRow {
	return heartbeatRow{Heartbeat: b, PingURL: h.opts.PublicURL + "/ping/" + b.UUID}
}

// readHeartbeatForm reads the create and edit forms into a heartbeat; the form
// comes back as typed, for a refusal.
func readHeartbeatForm(r *http.Request) (heartbeatForm, *tocsin.Heartbeat, error) {
	f := heartbeatForm{
		Name: formValue(r, "name"), PeriodValue: formValue(r, "period"), PeriodUnit: formValue(r, "period_unit"),
		GraceValue: formValue(r, "grace"), GraceUnit: formValue(r, "grace_unit"), Priority: formValue(r, "priority"),
	}
	b := &tocsin.Heartbeat{Name: f.Name, Priority: tocsin.Priority(f.Priority)}
	var err error
	if f.ServiceID, err = optionalID(r.PostFormValue("service"), "service"); err != nil {
		return f, b, err
	}
	b.ServiceID = f.ServiceID
	if b.Period, err = formMinutes(f.PeriodValue, f.PeriodUnit, "period"); err != nil {
		return f, b, err
	}
	if f.GraceValue == "" {
		f.GraceValue = "0"
	}
	b.Grace, err = formMinutes(f.GraceValue, f.GraceUnit, "grace")
	return f, b, err
}

// formMinutes reads a whole number of minutes, hours or days.
func formMinutes(value, unit, what string) (time.Duration, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, tocsin.Errorf(tocsin.EINVALID, "%s %q is not a whole number", what, value)
	}
	switch unit {
	case "m", "":
		return time.Duration(n) * time.Minute, nil
	case "h":
		return time.Duration(n) * time.Hour, nil
	case "d":
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return 0, tocsin.Errorf(tocsin.EINVALID, "%s unit %q is not one of m, h, d", what, unit)
}

// splitMinutes writes a duration in the largest unit that holds it whole, for the edit form.
func splitMinutes(d time.Duration) (value, unit string) {
	m := int64(d / time.Minute)
	switch {
	case m > 0 && m%(24*60) == 0:
		return strconv.FormatInt(m/(24*60), 10), "d"
	case m > 0 && m%60 == 0:
		return strconv.FormatInt(m/60, 10), "h"
	}
	return strconv.FormatInt(m, 10), "m"
}
