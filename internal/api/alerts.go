package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// alertJSON is an alert as the API shows it.
type alertJSON struct {
	ID              int64              `json:"id"`
	Summary         string             `json:"summary"`
	Status          tocsin.AlertStatus `json:"status"`
	Priority        tocsin.Priority    `json:"priority"`
	ServiceID       *int64             `json:"service_id"`
	Service         *string            `json:"service"`
	IntegrationID   int64              `json:"integration_id"`
	DedupKey        string             `json:"dedup_key"`
	Details         string             `json:"details"`
	Source          string             `json:"source"`
	Labels          map[string]string  `json:"labels"`
	Links           []tocsin.Link      `json:"links"`
	Suppressed      bool               `json:"suppressed"`
	Occurrences     int                `json:"occurrences"`
	FirstSeenAt     time.Time          `json:"first_seen_at"`
	LastSeenAt      time.Time          `json:"last_seen_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
	AcknowledgedAt  *time.Time         `json:"acknowledged_at"`
	AcknowledgedBy  string             `json:"acknowledged_by"`
	AcknowledgedVia tocsin.Channel     `json:"acknowledged_via"`
	ResolvedAt      *time.Time         `json:"resolved_at"`
	ResolvedBy      string             `json:"resolved_by"`
	ResolvedVia     tocsin.Channel     `json:"resolved_via"`
	URL             string             `json:"url"`
	Escalation      *escalationJSON    `json:"escalation,omitempty"` // with the timeline only
	Timeline        []timelineJSON     `json:"timeline,omitempty"`
}

// escalationJSON is where an alert is in its escalation policy.
type escalationJSON struct {
	PolicyID *int64     `json:"policy_id"`
	Policy   *string    `json:"policy"`
	Step     int        `json:"step"`    // the step that runs next, from 1
	Pass     int        `json:"pass"`    // the pass through the policy, from 1
	NextAt   *time.Time `json:"next_at"` // null: nothing due (acknowledged, resolved, exhausted, no policy)
	// ReassignedTo is a person the alert was reassigned to, paged at next_at instead of the step.
	ReassignedTo *personJSON `json:"reassigned_to"`
}

// escalation describes an alert's escalation state, naming its policy and person.
func (h *Handler) escalation(ctx context.Context, e tocsin.Escalation) (*escalationJSON, error) {
	out := &escalationJSON{PolicyID: idOrNull(e.PolicyID), Step: e.Step + 1, Pass: e.Loop + 1, NextAt: when(e.NextAt)}
	if e.PolicyID != 0 {
		p, err := h.opts.DB.EscalationPolicy(ctx, e.PolicyID)
		switch {
		case err == nil:
			out.Policy = &p.Name
		case tocsin.ErrorCode(err) != tocsin.ENOTFOUND:
			return nil, err
		}
	}
	if e.UserID != 0 {
		out.ReassignedTo = &personJSON{UserID: e.UserID}
		if u, err := h.opts.DB.User(ctx, e.UserID); err == nil {
			out.ReassignedTo.Email, out.ReassignedTo.Name = u.Email, u.Name
		} else if tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			return nil, err
		}
	}
	return out, nil
}

// timelineJSON is one line of an alert's history.
type timelineJSON struct {
	ID      int64               `json:"id"`
	At      time.Time           `json:"at"`
	Kind    tocsin.TimelineKind `json:"kind"`
	Actor   string              `json:"actor"`
	Channel tocsin.Channel      `json:"channel"`
	Message string              `json:"message"`
	Text    string              `json:"text"` // the line as a person reads it: "acknowledged by Alice via api"
}

func (h *Handler) alertJSON(a *tocsin.Alert, serviceName string) alertJSON {
	labels := a.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	links := a.Links
	if links == nil {
		links = []tocsin.Link{}
	}
	return alertJSON{
		ID: a.ID, Summary: a.Summary, Status: a.Status, Priority: a.Priority,
		ServiceID: idOrNull(a.ServiceID), Service: nameOrNull(serviceName), IntegrationID: a.IntegrationID,
		DedupKey: a.DedupKey, Details: a.Details, Source: a.Source, Labels: labels, Links: links,
		Suppressed: a.Suppressed, Occurrences: a.Occurrences,
		FirstSeenAt: a.FirstSeenAt.UTC(), LastSeenAt: a.LastSeenAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
		AcknowledgedAt: when(a.AckedAt), AcknowledgedBy: a.AckedBy, AcknowledgedVia: a.AckChannel,
		ResolvedAt: when(a.ResolvedAt), ResolvedBy: a.ResolvedBy, ResolvedVia: a.ResolveChannel,
		URL: h.opts.PublicURL + "/alerts/" + strconv.FormatInt(a.ID, 10),
	}
}

func timelineEntryJSON(e tocsin.TimelineEntry) timelineJSON {
	text := strings.ReplaceAll(string(e.Kind), "_", " ")
	if e.Actor != "" {
		text += " by " + e.Actor
	}
	if e.Channel != "" {
		text += " via " + string(e.Channel)
	}
	if e.Message != "" {
		text += ": " + e.Message
	}
	return timelineJSON{ID: e.ID, At: e.At.UTC(), Kind: e.Kind, Actor: e.Actor, Channel: e.Channel, Message: e.Message, Text: text}
}

// alertWithTimeline loads an alert, its service's name and its history.
func (h *Handler) alertWithTimeline(ctx context.Context, id int64) (alertJSON, error) {
	a, err := h.opts.DB.Alert(ctx, id)
	if err != nil {
		return alertJSON{}, err
	}
	var serviceName string
	if a.ServiceID != 0 {
		if s, err := h.opts.DB.Service(ctx, a.ServiceID); err == nil {
			serviceName = s.Name
		} else if tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			return alertJSON{}, err
		}
	}
	entries, err := h.opts.DB.Timeline(ctx, id)
	if err != nil {
		return alertJSON{}, err
	}
	out := h.alertJSON(a, serviceName)
	if out.Escalation, err = h.escalation(ctx, a.Escalation); err != nil {
		return alertJSON{}, err
	}
	out.Timeline = make([]timelineJSON, len(entries))
	for i, e := range entries {
		out.Timeline[i] = timelineEntryJSON(e)
	}
	return out, nil
}

// alertList is the reply of GET /alerts.
type alertList struct {
	Alerts []alertJSON `json:"alerts"`
	Total  int         `json:"total"`
	Limit  int         `json:"limit"`
	Offset int         `json:"offset"`
}

func (h *Handler) listAlerts(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "status", "service", "team", "priority", "label", "q", "sort", "limit", "offset"); err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	var f tocsin.AlertFilter
	seen := map[tocsin.AlertStatus]bool{}
	for _, s := range queryList(r, "status") {
		statuses := []tocsin.AlertStatus{tocsin.AlertStatus(strings.ToLower(s))}
		if strings.EqualFold(s, "open") {
			statuses = []tocsin.AlertStatus{tocsin.StatusTriggered, tocsin.StatusAcknowledged}
		}
		for _, st := range statuses {
			if !st.Valid() {
				return tocsin.Errorf(tocsin.EINVALID, "status %q is not one of triggered, acknowledged, resolved, open", s)
			}
			if !seen[st] {
				seen[st] = true
				f.Statuses = append(f.Statuses, st)
			}
		}
	}
	if v := strings.TrimSpace(q.Get("service")); v != "" {
		s, err := h.findService(ctx, v)
		if err != nil {
			return asInvalid(err)
		}
		f.ServiceID = s.ID
	}
	if v := strings.TrimSpace(q.Get("team")); v != "" {
		t, err := h.findTeam(ctx, v)
		if err != nil {
			return asInvalid(err)
		}
		f.TeamID = t.ID
	}
	for _, p := range queryList(r, "priority") {
		pr, ok := tocsin.ParsePriority(p)
		if !ok {
			return tocsin.Errorf(tocsin.EINVALID, "priority %q is not one of P1…P5", p)
		}
		f.Priorities = append(f.Priorities, pr)
	}
	if labels := q["label"]; len(labels) > 1 {
		return tocsin.Errorf(tocsin.EINVALID, "give one label filter (label=key or label=key=value), not %d", len(labels))
	}
	f.Label = strings.TrimSpace(q.Get("label"))
	if k, _, _ := strings.Cut(f.Label, "="); f.Label != "" && strings.TrimSpace(k) == "" {
		return tocsin.Errorf(tocsin.EINVALID, "label filter %q has no label name; use label=key or label=key=value", f.Label)
	}
	f.Text = strings.TrimSpace(q.Get("q"))
	if len(f.Text) > 200 {
		return tocsin.Errorf(tocsin.EINVALID, "search text q is longer than 200 characters")
	}
	f.Sort = q.Get("sort")
	switch f.Sort {
	case "":
		f.Sort = "newest"
	case "newest", "oldest", "priority", "updated":
	default:
		return tocsin.Errorf(tocsin.EINVALID, "sort %q is not one of newest, oldest, priority, updated", f.Sort)
	}
	var err error
	if f.Limit, err = queryInt(r, "limit", 50, 1, 500); err != nil {
		return err
	}
	if f.Offset, err = queryInt(r, "offset", 0, 0, 1<<30); err != nil {
		return err
	}
	alerts, total, err := h.opts.DB.Alerts(ctx, f)
	if err != nil {
		return err
	}
	names, err := h.serviceNames(ctx)
	if err != nil {
		return err
	}
	out := alertList{Alerts: make([]alertJSON, len(alerts)), Total: total, Limit: f.Limit, Offset: f.Offset}
	for i, a := range alerts {
		out.Alerts[i] = h.alertJSON(a, names[a.ServiceID])
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// serviceNames maps every service id to its name, for lists of alerts.
func (h *Handler) serviceNames(ctx context.Context) (map[int64]string, error) {
	services, err := h.opts.DB.Services(ctx, 0)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(services))
	for _, s := range services {
		names[s.ID] = s.Name
	}
	return names, nil
}

func (h *Handler) getAlert(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "alert")
	if err != nil {
		return err
	}
	a, err := h.alertWithTimeline(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) alertTimeline(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "alert")
	if err != nil {
		return err
	}
	a, err := h.alertWithTimeline(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"alert_id": id, "timeline": a.Timeline})
	return nil
}

// noteInput is the optional body of acknowledge, unacknowledge and resolve,
// and the required body of POST …/notes.
type noteInput struct {
	Note string `json:"note"`
}

func (h *Handler) acknowledgeAlert(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	return h.actOnAlert(w, r, u, tocsin.ActionAcknowledge)
}

func (h *Handler) unacknowledgeAlert(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	return h.actOnAlert(w, r, u, tocsin.ActionUnacknowledge)
}

func (h *Handler) resolveAlert(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	return h.actOnAlert(w, r, u, tocsin.ActionResolve)
}

// actOnAlert moves one alert. Asking for the state it is in already is fine
// (nothing changes); asking for what its state forbids (acknowledging a
// resolved alert) is a conflict.
func (h *Handler) actOnAlert(w http.ResponseWriter, r *http.Request, u *tocsin.User, action tocsin.EventAction) error {
	id, err := pathID(r, "alert")
	if err != nil {
		return err
	}
	var in noteInput
	if err := decode(r, &in, true); err != nil {
		return err
	}
	ctx := r.Context()
	a, err := h.opts.DB.Alert(ctx, id)
	if err != nil {
		return err
	}
	if a.Status == tocsin.StatusResolved && action != tocsin.ActionResolve {
		return tocsin.Errorf(tocsin.ECONFLICT, "alert %d is resolved: it cannot be %sd; a new trigger opens a new alert", id, action)
	}
	changed, err := h.opts.DB.ActOnAlerts(ctx, []int64{id}, store.AlertAction{Action: action, Actor: u.Name, UserID: u.ID, Channel: tocsin.ChannelAPI, Note: in.Note}, h.opts.Clock.Now())
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		h.opts.Notify()
	}
	out, err := h.alertWithTimeline(ctx, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) addNote(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "alert")
	if err != nil {
		return err
	}
	var in noteInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	if strings.TrimSpace(in.Note) == "" {
		return tocsin.Errorf(tocsin.EINVALID, "field \"note\" is required and must not be blank")
	}
	ctx := r.Context()
	if _, err := h.opts.DB.ActOnAlerts(ctx, []int64{id}, store.AlertAction{Action: tocsin.ActionNote, Actor: u.Name, UserID: u.ID, Channel: tocsin.ChannelAPI, Note: in.Note}, h.opts.Clock.Now()); err != nil {
		return err
	}
	h.opts.Notify()
	out, err := h.alertWithTimeline(ctx, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handler) escalateAlert(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "alert")
	if err != nil {
		return err
	}
	if err := decode(r, &struct{}{}, true); err != nil {
		return err
	}
	ctx := r.Context()
	if err := h.opts.DB.EscalateNow(ctx, id, u.Name, tocsin.ChannelAPI, h.opts.Clock.Now()); err != nil {
		return err
	}
	h.opts.Notify()
	out, err := h.alertWithTimeline(ctx, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// reassignInput is the body of POST /alerts/{id}/reassign.
type reassignInput struct {
	To string `json:"to"` // "user:EMAIL" or "policy:NAME"
}

func (h *Handler) reassignAlert(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "alert")
	if err != nil {
		return err
	}
	var in reassignInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	target, err := tocsin.ParseTarget(in.To)
	if err != nil || (target.Kind != tocsin.TargetUser && target.Kind != tocsin.TargetPolicy) {
		return tocsin.Errorf(tocsin.EINVALID, "field \"to\" must be user:EMAIL or policy:NAME, e.g. user:alice@example.com")
	}
	ctx := r.Context()
	if _, err := h.opts.DB.Alert(ctx, id); err != nil {
		return err
	}
	if err := h.opts.DB.Reassign(ctx, id, target, u.Name, tocsin.ChannelAPI, h.opts.Clock.Now()); err != nil {
		// The alert exists: a person or policy that does not is bad input.
		return asInvalid(err)
	}
	h.opts.Notify()
	out, err := h.alertWithTimeline(ctx, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// bulkInput is the body of POST /alerts/acknowledge and /alerts/resolve.
type bulkInput struct {
	IDs  []int64 `json:"ids"`
	Note string  `json:"note"`
}

// bulkReply says which alerts the action moved (or annotated) and which it left as they were.
type bulkReply struct {
	Changed   []int64 `json:"changed"`
	Unchanged []int64 `json:"unchanged"`
}

func (h *Handler) bulkAcknowledge(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	return h.bulk(w, r, u, tocsin.ActionAcknowledge)
}

func (h *Handler) bulkResolve(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	return h.bulk(w, r, u, tocsin.ActionResolve)
}

// bulk applies one action to many alerts in one transaction: an unknown id
// fails the whole request and nothing is written.
func (h *Handler) bulk(w http.ResponseWriter, r *http.Request, u *tocsin.User, action tocsin.EventAction) error {
	var in bulkInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	if len(in.IDs) == 0 {
		return tocsin.Errorf(tocsin.EINVALID, "field \"ids\" must list at least one alert id")
	}
	ids := make([]int64, 0, len(in.IDs))
	seen := map[int64]bool{}
	for _, id := range in.IDs {
		if id <= 0 {
			return tocsin.Errorf(tocsin.EINVALID, "alert id %d in \"ids\" is not a positive integer", id)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	changed, err := h.opts.DB.ActOnAlerts(r.Context(), ids, store.AlertAction{Action: action, Actor: u.Name, UserID: u.ID, Channel: tocsin.ChannelAPI, Note: in.Note}, h.opts.Clock.Now())
	if err != nil {
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			return asInvalid(err)
		}
		return err
	}
	if len(changed) > 0 {
		h.opts.Notify()
	}
	out := bulkReply{Changed: []int64{}, Unchanged: []int64{}}
	moved := map[int64]bool{}
	for _, id := range changed {
		moved[id] = true
	}
	for _, id := range ids {
		if moved[id] {
			out.Changed = append(out.Changed, id)
		} else {
			out.Unchanged = append(out.Unchanged, id)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// fieldError is asInvalid for a body field: the message says which field.
func fieldError(field string, err error) error {
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		return tocsin.Errorf(tocsin.EINVALID, "field %q: %s", field, tocsin.ErrorMessage(err))
	}
	return err
}

// asInvalid turns "X not found" about something named in the request's body or
// query into a 400: the endpoint exists, the input is wrong.
func asInvalid(err error) error {
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		return tocsin.Errorf(tocsin.EINVALID, "%s", tocsin.ErrorMessage(err))
	}
	return err
}
