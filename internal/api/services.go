package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// serviceJSON is a service as the API shows it.
type serviceJSON struct {
	ID                 int64     `json:"id"`
	Name               string    `json:"name"`
	Description        string    `json:"description"`
	TeamID             *int64    `json:"team_id"`
	Team               *string   `json:"team"`
	CreatedAt          time.Time `json:"created_at"`
	EscalationPolicyID *int64    `json:"escalation_policy_id"`
	EscalationPolicy   *string   `json:"escalation_policy"`
	OffHoursPolicyID   *int64    `json:"off_hours_policy_id"`
	OffHoursPolicy     *string   `json:"off_hours_policy"`
	// BusinessHours null: Monday to Friday 09:00–18:00 UTC (they matter only
	// with an off-hours policy).
	BusinessHours *tocsin.TimeWindow `json:"business_hours"`
	Maintenance   []maintenanceJSON  `json:"maintenance"`
}

// maintenanceJSON is a maintenance window: from–to, or weekly.
type maintenanceJSON struct {
	From   *time.Time         `json:"from"`
	To     *time.Time         `json:"to"`
	Weekly *tocsin.TimeWindow `json:"weekly"`
	Note   string             `json:"note"`
}

func serviceToJSON(s *tocsin.Service) serviceJSON {
	out := serviceJSON{ID: s.ID, Name: s.Name, Description: s.Description, TeamID: idOrNull(s.TeamID), Team: nameOrNull(s.TeamName), CreatedAt: s.CreatedAt.UTC(),
		EscalationPolicyID: idOrNull(s.EscalationPolicyID), EscalationPolicy: nameOrNull(s.EscalationPolicy),
		OffHoursPolicyID: idOrNull(s.OffHoursPolicyID), OffHoursPolicy: nameOrNull(s.OffHoursPolicy),
		Maintenance: make([]maintenanceJSON, len(s.Maintenance))}
	if s.BusinessHours != nil {
		hours := withDays(*s.BusinessHours)
		out.BusinessHours = &hours
	}
	for i, m := range s.Maintenance {
		out.Maintenance[i] = maintenanceJSON{From: when(m.From), To: when(m.To), Note: m.Note}
		if m.Weekly != nil {
			weekly := withDays(*m.Weekly)
			out.Maintenance[i].Weekly = &weekly
		}
	}
	return out
}

// serviceInput is the body of POST /services and PATCH /services/{id}.
type serviceInput struct {
	Name             string             `json:"name"`
	Description      string             `json:"description"`
	Team             json.RawMessage    `json:"team"`              // id or name; null: no owner
	EscalationPolicy json.RawMessage    `json:"escalation_policy"` // id or name; null: none
	OffHoursPolicy   json.RawMessage    `json:"off_hours_policy"`  // id or name; null: none
	BusinessHours    *tocsin.TimeWindow `json:"business_hours"`    // null: the default
	Maintenance      []maintenanceInput `json:"maintenance"`
}

type maintenanceInput struct {
	From   stamp              `json:"from"`
	To     stamp              `json:"to"`
	Weekly *tocsin.TimeWindow `json:"weekly"`
	Note   string             `json:"note"`
}

// paging copies the sent paging fields (all when sent is nil) into s.
func (h *Handler) paging(ctx context.Context, s *tocsin.Service, in *serviceInput, sent map[string]bool) error {
	has := func(k string) bool { return sent == nil || sent[k] }
	var err error
	// By id only: the store would resolve a name left here back to its policy.
	s.EscalationPolicy, s.OffHoursPolicy = "", ""
	if has("escalation_policy") {
		if s.EscalationPolicyID, err = h.policyRef(ctx, "escalation_policy", in.EscalationPolicy); err != nil {
			return err
		}
	}
	if has("off_hours_policy") {
		if s.OffHoursPolicyID, err = h.policyRef(ctx, "off_hours_policy", in.OffHoursPolicy); err != nil {
			return err
		}
	}
	if has("business_hours") {
		s.BusinessHours = in.BusinessHours
	}
	if has("maintenance") {
		if len(in.Maintenance) > 50 {
			return tocsin.Errorf(tocsin.EINVALID, "a service has at most 50 maintenance windows")
		}
		s.Maintenance = make([]tocsin.MaintenanceWindow, len(in.Maintenance))
		for i, m := range in.Maintenance {
			s.Maintenance[i] = tocsin.MaintenanceWindow{From: m.From.Time, To: m.To.Time, Weekly: m.Weekly, Note: m.Note}
		}
	}
	return nil
}

// findService finds a service by id (digits) or by name.
func (h *Handler) findService(ctx context.Context, idOrName string) (*tocsin.Service, error) {
	if id, ok := isID(idOrName); ok {
		return h.opts.DB.Service(ctx, id)
	}
	return h.opts.DB.ServiceByName(ctx, idOrName)
}

// teamRef resolves a body field naming a team to its id (0 for none).
func (h *Handler) teamRef(ctx context.Context, field string, raw json.RawMessage) (int64, error) {
	return namedRef(ctx, field, raw, h.findTeam, func(v *tocsin.Team) int64 { return v.ID })
}

// serviceRef resolves a body field naming a service to its id (0 for none).
func (h *Handler) serviceRef(ctx context.Context, field string, raw json.RawMessage) (int64, error) {
	return namedRef(ctx, field, raw, h.findService, func(v *tocsin.Service) int64 { return v.ID })
}

// teamFilter reads the ?team= of a list (a team's id or name; 0 when absent).
// A team that does not exist is bad input, not a missing resource.
func (h *Handler) teamFilter(r *http.Request) (int64, error) {
	v := strings.TrimSpace(r.URL.Query().Get("team"))
	if v == "" {
		return 0, nil
	}
	t, err := h.findTeam(r.Context(), v)
	if err != nil {
		return 0, asInvalid(err)
	}
	return t.ID, nil
}

func (h *Handler) listServices(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "team"); err != nil {
		return err
	}
	ctx := r.Context()
	teamID, err := h.teamFilter(r)
	if err != nil {
		return err
	}
	services, err := h.opts.DB.Services(ctx, teamID)
	if err != nil {
		return err
	}
	out := make([]serviceJSON, len(services))
	for i, s := range services {
		out[i] = serviceToJSON(s)
	}
	writeJSON(w, http.StatusOK, map[string]any{"services": out})
	return nil
}

func (h *Handler) getService(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	s, err := h.findService(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, serviceToJSON(s))
	return nil
}

func (h *Handler) createService(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in serviceInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	ctx := r.Context()
	s := &tocsin.Service{Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description)}
	if err := h.paging(ctx, s, &in, nil); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	var err error
	if s.TeamID, err = h.teamRef(ctx, "team", in.Team); err != nil {
		return err
	}
	if err := h.opts.DB.CreateService(ctx, s, h.opts.Clock.Now()); err != nil {
		return err
	}
	created, err := h.opts.DB.Service(ctx, s.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", prefix+"/services/"+itoa(s.ID))
	writeJSON(w, http.StatusCreated, serviceToJSON(created))
	return nil
}

func (h *Handler) updateService(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	s, err := h.findService(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in serviceInput
	sent, err := decodePatch(r, &in)
	if err != nil {
		return err
	}
	if sent["name"] {
		s.Name = strings.TrimSpace(in.Name)
	}
	if sent["description"] {
		s.Description = strings.TrimSpace(in.Description)
	}
	if sent["team"] {
		if s.TeamID, err = h.teamRef(ctx, "team", in.Team); err != nil {
			return err
		}
	}
	if err := h.paging(ctx, s, &in, sent); err != nil {
		return err
	}
	if err := h.opts.DB.UpdateService(ctx, s); err != nil {
		return err
	}
	updated, err := h.opts.DB.Service(ctx, s.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, serviceToJSON(updated))
	return nil
}

func (h *Handler) deleteService(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	s, err := h.findService(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.opts.DB.DeleteService(ctx, s.ID, h.opts.Clock.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// changeJSON is a change event (a deploy) as the API shows it.
type changeJSON struct {
	ID            int64         `json:"id"`
	IntegrationID int64         `json:"integration_id"`
	ServiceID     *int64        `json:"service_id"`
	Summary       string        `json:"summary"`
	Source        string        `json:"source"`
	At            time.Time     `json:"at"`
	Details       string        `json:"details"`
	Links         []tocsin.Link `json:"links"`
	ReceivedAt    time.Time     `json:"received_at"`
}

func (h *Handler) serviceChanges(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "limit"); err != nil {
		return err
	}
	ctx := r.Context()
	s, err := h.findService(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	changes, err := h.opts.DB.ChangeEvents(ctx, s.ID, limit)
	if err != nil {
		return err
	}
	out := make([]changeJSON, len(changes))
	for i, c := range changes {
		links := c.Links
		if links == nil {
			links = []tocsin.Link{}
		}
		out[i] = changeJSON{ID: c.ID, IntegrationID: c.IntegrationID, ServiceID: idOrNull(c.ServiceID), Summary: c.Summary, Source: c.Source,
			At: c.At.UTC(), Details: c.Details, Links: links, ReceivedAt: c.ReceivedAt.UTC()}
	}
	writeJSON(w, http.StatusOK, map[string]any{"service_id": s.ID, "changes": out})
	return nil
}
