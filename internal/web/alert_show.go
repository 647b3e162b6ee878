package web

import (
	"net/http"
	"strconv"

	"github.com/tocsin/tocsin"
)

// alertPage is one alert with its timeline.
type alertPage struct {
	*view
	Alert       *tocsin.Alert
	Service     *tocsin.Service // nil when unrouted
	Integration *tocsin.Integration
	Timeline    []tocsin.TimelineEntry
	NoteText    string // kept when a note was refused
	NoteError   string

	// Paging (alert_escalate.go, alert_reassign.go).
	EscalationState  string        // where the escalation is, in one sentence
	CanEscalate      bool          // triggered, with a policy to follow
	Notices          []alertNotice // the messages sent about it, oldest first
	ReassignUsers    []*tocsin.User
	ReassignPolicies []*tocsin.EscalationPolicy // whom it may go to (the full page only)
}

// pathID reads the {id} of a URL; ok is false when it is not a positive number.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// alertShow serves GET /alerts/{id}, and with fragment=1 only its live part.
func (h *Handler) alertShow(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	p, err := h.loadAlert(r, v, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if r.URL.Query().Get("fragment") == "1" {
		h.renderFragment(w, r, "alert_show", "alert_live", p)
		return
	}
	h.render(w, r, http.StatusOK, "alert_show", p)
}

func (h *Handler) loadAlert(r *http.Request, v *view, id int64) (*alertPage, error) {
	ctx := r.Context()
	a, err := h.opts.DB.Alert(ctx, id)
	if err != nil {
		return nil, err
	}
	p := &alertPage{view: v, Alert: a}
	if a.ServiceID != 0 {
		if p.Service, err = h.opts.DB.Service(ctx, a.ServiceID); err != nil && tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			return nil, err
		}
	}
	if p.Integration, err = h.opts.DB.Integration(ctx, a.IntegrationID); err != nil && tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
		return nil, err
	}
	if p.Timeline, err = h.opts.DB.Timeline(ctx, id); err != nil {
		return nil, err
	}
	if err := h.loadAlertPaging(r, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Details is the alert's details, indented when they are JSON.
func (p *alertPage) Details() string { return prettyDetails(p.Alert.Details) }
