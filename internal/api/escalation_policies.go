package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// policyJSON is an escalation policy as the API shows it.
type policyJSON struct {
	ID                 int64      `json:"id"`
	Name               string     `json:"name"`
	Description        string     `json:"description"`
	TeamID             *int64     `json:"team_id"`
	Team               *string    `json:"team"`
	Steps              []stepJSON `json:"steps"`
	Repeat             int        `json:"repeat"`
	RepeatDelayMinutes int        `json:"repeat_delay_minutes"`
	Services           []string   `json:"services"` // the services that use it, by name
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

type stepJSON struct {
	DelayMinutes int             `json:"delay_minutes"`
	Targets      []tocsin.Target `json:"targets"` // "kind:ref"
}

func policyToJSON(p *tocsin.EscalationPolicy, services []string) policyJSON {
	out := policyJSON{ID: p.ID, Name: p.Name, Description: p.Description, TeamID: idOrNull(p.TeamID), Team: nameOrNull(p.TeamName),
		Steps: make([]stepJSON, len(p.Steps)), Repeat: p.Repeat, RepeatDelayMinutes: int(p.RepeatDelay / time.Minute),
		Services: services, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	if out.Services == nil {
		out.Services = []string{}
	}
	for i, s := range p.Steps {
		out.Steps[i] = stepJSON{DelayMinutes: int(s.Delay / time.Minute), Targets: s.Targets}
		if out.Steps[i].Targets == nil {
			out.Steps[i].Targets = []tocsin.Target{}
		}
	}
	return out
}

// policyInput is the body of POST /escalation-policies and PATCH /escalation-policies/{id}.
type policyInput struct {
	Name               string          `json:"name"`
	Description        string          `json:"description"`
	Team               json.RawMessage `json:"team"` // id or name; null: none
	Steps              []stepInput     `json:"steps"`
	Repeat             int             `json:"repeat"`
	RepeatDelayMinutes int             `json:"repeat_delay_minutes"`
}

type stepInput struct {
	DelayMinutes int      `json:"delay_minutes"`
	Targets      []string `json:"targets"`
}

// maxPolicyMinutes bounds delays before they become durations: a day.
const maxPolicyMinutes = 24 * 60

// steps turns the input steps into the domain's; the policy's Validate checks the rest.
func steps(in []stepInput) ([]tocsin.EscalationStep, error) {
	if len(in) > 20 {
		return nil, tocsin.Errorf(tocsin.EINVALID, "a policy has at most 20 steps")
	}
	out := make([]tocsin.EscalationStep, len(in))
	for i, s := range in {
		delay, err := wholeMinutes(fmt.Sprintf("steps[%d].delay_minutes", i), s.DelayMinutes, maxPolicyMinutes)
		if err != nil {
			return nil, err
		}
		if len(s.Targets) > 20 {
			return nil, tocsin.Errorf(tocsin.EINVALID, "steps[%d] has more than 20 targets", i)
		}
		out[i].Delay = delay
		for j, raw := range s.Targets {
			t, err := tocsin.ParseTarget(raw)
			if err != nil {
				return nil, tocsin.Errorf(tocsin.EINVALID, "steps[%d].targets[%d]: %s", i, j, tocsin.ErrorMessage(err))
			}
			out[i].Targets = append(out[i].Targets, t)
		}
	}
	return out, nil
}

// findPolicy finds a policy by id (digits) or by name.
func (h *Handler) findPolicy(ctx context.Context, idOrName string) (*tocsin.EscalationPolicy, error) {
	if id, ok := isID(idOrName); ok {
		return h.opts.DB.EscalationPolicy(ctx, id)
	}
	return h.opts.DB.EscalationPolicyByName(ctx, idOrName)
}

// policyRef resolves a body field naming a policy to its id (0 for none).
func (h *Handler) policyRef(ctx context.Context, field string, raw json.RawMessage) (int64, error) {
	return namedRef(ctx, field, raw, h.findPolicy, func(v *tocsin.EscalationPolicy) int64 { return v.ID })
}

// policyUsers maps each policy id to the names of the services that use it.
func (h *Handler) policyUsers(ctx context.Context) (map[int64][]string, error) {
	services, err := h.opts.DB.Services(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := map[int64][]string{}
	for _, s := range services {
		if s.EscalationPolicyID != 0 {
			out[s.EscalationPolicyID] = append(out[s.EscalationPolicyID], s.Name)
		}
		if s.OffHoursPolicyID != 0 && s.OffHoursPolicyID != s.EscalationPolicyID {
			out[s.OffHoursPolicyID] = append(out[s.OffHoursPolicyID], s.Name)
		}
	}
	return out, nil
}

// showPolicy answers one policy, read back from the database.
func (h *Handler) showPolicy(w http.ResponseWriter, r *http.Request, id int64, status int) error {
	ctx := r.Context()
	p, err := h.opts.DB.EscalationPolicy(ctx, id)
	if err != nil {
		return err
	}
	users, err := h.policyUsers(ctx)
	if err != nil {
		return err
	}
	writeJSON(w, status, policyToJSON(p, users[p.ID]))
	return nil
}

func (h *Handler) listPolicies(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "team"); err != nil {
		return err
	}
	ctx := r.Context()
	teamID, err := h.teamFilter(r)
	if err != nil {
		return err
	}
	policies, err := h.opts.DB.EscalationPolicies(ctx)
	if err != nil {
		return err
	}
	users, err := h.policyUsers(ctx)
	if err != nil {
		return err
	}
	out := []policyJSON{}
	for _, p := range policies {
		if teamID == 0 || p.TeamID == teamID {
			out = append(out, policyToJSON(p, users[p.ID]))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"escalation_policies": out})
	return nil
}

func (h *Handler) getPolicy(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	p, err := h.findPolicy(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.showPolicy(w, r, p.ID, http.StatusOK)
}

func (h *Handler) createPolicy(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in policyInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	ctx := r.Context()
	p := &tocsin.EscalationPolicy{Name: strings.TrimSpace(in.Name), Description: in.Description, Repeat: in.Repeat}
	if err := in.apply(p, nil); err != nil {
		return err
	}
	var err error
	if p.TeamID, err = h.teamRef(ctx, "team", in.Team); err != nil {
		return err
	}
	if err := h.opts.DB.CreateEscalationPolicy(ctx, p, h.opts.Clock.Now()); err != nil {
		return err
	}
	w.Header().Set("Location", prefix+"/escalation-policies/"+itoa(p.ID))
	return h.showPolicy(w, r, p.ID, http.StatusCreated)
}

// apply copies the sent fields (all of them when sent is nil) into p.
func (in *policyInput) apply(p *tocsin.EscalationPolicy, sent map[string]bool) error {
	has := func(k string) bool { return sent == nil || sent[k] }
	if has("name") {
		p.Name = strings.TrimSpace(in.Name)
	}
	if has("description") {
		p.Description = in.Description
	}
	if has("repeat") {
		p.Repeat = in.Repeat
	}
	if has("repeat_delay_minutes") {
		d, err := wholeMinutes("repeat_delay_minutes", in.RepeatDelayMinutes, maxPolicyMinutes)
		if err != nil {
			return err
		}
		p.RepeatDelay = d
	}
	if has("steps") {
		s, err := steps(in.Steps)
		if err != nil {
			return err
		}
		p.Steps = s
	}
	return nil
}

func (h *Handler) updatePolicy(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	p, err := h.findPolicy(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in policyInput
	sent, err := decodePatch(r, &in)
	if err != nil {
		return err
	}
	if err := in.apply(p, sent); err != nil {
		return err
	}
	if sent["team"] {
		if p.TeamID, err = h.teamRef(ctx, "team", in.Team); err != nil {
			return err
		}
	}
	if err := h.opts.DB.UpdateEscalationPolicy(ctx, p, h.opts.Clock.Now()); err != nil {
		return err
	}
	return h.showPolicy(w, r, p.ID, http.StatusOK)
}

func (h *Handler) deletePolicy(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	p, err := h.findPolicy(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.opts.DB.DeleteEscalationPolicy(ctx, p.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// wholeMinutes reads a whole number of minutes in a body field within bounds.
func wholeMinutes(field string, n, hi int) (time.Duration, error) {
	if n < 0 || n > hi {
		return 0, tocsin.Errorf(tocsin.EINVALID, "%s must be from 0 to %d", field, hi)
	}
	return time.Duration(n) * time.Minute, nil
}
