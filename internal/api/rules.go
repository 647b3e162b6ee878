package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// ruleJSON is a processing rule as the API shows it and takes it.
type ruleJSON struct {
	ID            int64           `json:"id"`
	Name          string          `json:"name"`
	IntegrationID *int64          `json:"integration_id"` // null: a global rule
	Position      int             `json:"position"`
	Enabled       bool            `json:"enabled"`
	Conditions    []conditionJSON `json:"conditions"`
	When          *windowJSON     `json:"when"`
	Actions       actionsJSON     `json:"actions"`
	Stop          bool            `json:"stop"`
	CreatedAt     time.Time       `json:"created_at"`
}

type conditionJSON struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value string `json:"value"`
}

type windowJSON struct {
	Timezone string   `json:"timezone"`
	Days     []string `json:"days"`
	Start    string   `json:"start"`
	End      string   `json:"end"`
	Outside  bool     `json:"outside"`
}

type actionsJSON struct {
	RouteToService string            `json:"route_to_service"`
	SetPriority    string            `json:"set_priority"`
	RewriteSummary string            `json:"rewrite_summary"`
	AddLabels      map[string]string `json:"add_labels"`
	RemoveLabels   []string          `json:"remove_labels"`
	Suppress       bool              `json:"suppress"`
	Drop           bool              `json:"drop"`
}

func ruleToJSON(r *tocsin.ProcessingRule) ruleJSON {
	out := ruleJSON{
		ID: r.ID, Name: r.Name, IntegrationID: idOrNull(r.IntegrationID), Position: r.Position, Enabled: r.Enabled,
		Conditions: make([]conditionJSON, len(r.Conditions)), Stop: r.Stop, CreatedAt: r.CreatedAt.UTC(),
	}
	for i, c := range r.Conditions {
		out.Conditions[i] = conditionJSON(c)
	}
	if w := r.When; w != nil {
		out.When = &windowJSON{Timezone: w.Timezone, Days: w.Days, Start: w.Start, End: w.End, Outside: w.Outside}
		if out.When.Days == nil {
			out.When.Days = []string{}
		}
	}
	a := r.Actions
	out.Actions = actionsJSON{RouteToService: a.RouteToService, SetPriority: string(a.SetPriority), RewriteSummary: a.RewriteSummary,
		AddLabels: a.AddLabels, RemoveLabels: a.RemoveLabels, Suppress: a.Suppress, Drop: a.Drop}
	if out.Actions.AddLabels == nil {
		out.Actions.AddLabels = map[string]string{}
	}
	if out.Actions.RemoveLabels == nil {
		out.Actions.RemoveLabels = []string{}
	}
	return out
}

// ruleInput is the body of POST /rules and PATCH /rules/{id}.
type ruleInput struct {
	Name        string          `json:"name"`
	Integration json.RawMessage `json:"integration"` // an integration id; absent, null or "global": a global rule
	Position    int             `json:"position"`
	Enabled     *bool           `json:"enabled"`
	Conditions  []conditionJSON `json:"conditions"`
	When        *windowJSON     `json:"when"`
	Actions     actionsJSON     `json:"actions"`
	Stop        bool            `json:"stop"`
}

// apply copies the fields a client sent (all of them when sent is nil) onto r.
func (in *ruleInput) apply(r *tocsin.ProcessingRule, sent map[string]bool) error {
	has := func(f string) bool { return sent == nil || sent[f] }
	if has("name") {
		r.Name = in.Name
	}
	if has("position") {
		if in.Position < 0 {
			return tocsin.Errorf(tocsin.EINVALID, "field \"position\" must be 1 or more (0 or absent: after the others)")
		}
		r.Position = in.Position
	}
	if has("enabled") {
		r.Enabled = in.Enabled == nil || *in.Enabled
	}
	if has("conditions") {
		r.Conditions = make([]tocsin.Condition, len(in.Conditions))
		for i, c := range in.Conditions {
			r.Conditions[i] = tocsin.Condition{Field: strings.TrimSpace(c.Field), Op: strings.TrimSpace(c.Op), Value: c.Value}
		}
	}
	if has("when") {
		r.When = nil
		if w := in.When; w != nil {
			r.When = &tocsin.TimeWindow{Timezone: strings.TrimSpace(w.Timezone), Days: w.Days, Start: w.Start, End: w.End, Outside: w.Outside}
		}
	}
	if has("actions") {
		a := in.Actions
		r.Actions = tocsin.RuleActions{RouteToService: strings.TrimSpace(a.RouteToService), RewriteSummary: a.RewriteSummary,
			AddLabels: a.AddLabels, RemoveLabels: a.RemoveLabels, Suppress: a.Suppress, Drop: a.Drop}
		if p := strings.TrimSpace(a.SetPriority); p != "" {
			priority, ok := tocsin.ParsePriority(p)
			if !ok {
				return tocsin.Errorf(tocsin.EINVALID, "actions.set_priority %q is not one of P1…P5", p)
			}
			r.Actions.SetPriority = priority
		}
	}
	if has("stop") {
		r.Stop = in.Stop
	}
	return nil
}

// integrationRef resolves the "integration" field of a rule: an id, or global.
func (h *Handler) integrationRef(ctx context.Context, raw json.RawMessage) (int64, error) {
	id, name, err := ref("integration", raw)
	if err != nil {
		return 0, err
	}
	if strings.EqualFold(name, "global") {
		return 0, nil
	}
	if name != "" {
		return 0, tocsin.Errorf(tocsin.EINVALID, "field \"integration\" must be an integration id, or \"global\"; got %q", name)
	}
	if id == 0 {
		return 0, nil
	}
	if _, err := h.opts.DB.Integration(ctx, id); err != nil {
		return 0, fieldError("integration", err)
	}
	return id, nil
}

// checkRoute refuses a rule that routes to a service that does not exist:
// such a rule would match and silently route nowhere.
func (h *Handler) checkRoute(ctx context.Context, r *tocsin.ProcessingRule) error {
	name := r.Actions.RouteToService
	if name == "" {
		return nil
	}
	if _, err := h.opts.DB.ServiceByName(ctx, name); err != nil {
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			return tocsin.Errorf(tocsin.EINVALID, "actions.route_to_service: service %q not found", name)
		}
		return err
	}
	return nil
}

func (h *Handler) listRules(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "integration"); err != nil {
		return err
	}
	ctx := r.Context()
	var rules []*tocsin.ProcessingRule
	var err error
	switch v := strings.TrimSpace(r.URL.Query().Get("integration")); v {
	case "":
		rules, err = h.opts.DB.AllRules(ctx)
	case "global":
		rules, err = h.opts.DB.Rules(ctx, 0)
	default:
		id, ok := isID(v)
		if !ok {
			return tocsin.Errorf(tocsin.EINVALID, "query parameter integration=%q must be an integration id or global", v)
		}
		if _, err := h.opts.DB.Integration(ctx, id); err != nil {
			return asInvalid(err)
		}
		rules, err = h.opts.DB.Rules(ctx, id)
	}
	if err != nil {
		return err
	}
	out := make([]ruleJSON, len(rules))
	for i, rule := range rules {
		out[i] = ruleToJSON(rule)
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": out})
	return nil
}

func (h *Handler) getRule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "rule")
	if err != nil {
		return err
	}
	rule, err := h.opts.DB.Rule(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ruleToJSON(rule))
	return nil
}

func (h *Handler) createRule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in ruleInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	ctx := r.Context()
	rule := &tocsin.ProcessingRule{}
	if err := in.apply(rule, nil); err != nil {
		return err
	}
	if err := rule.Validate(); err != nil {
		return err
	}
	var err error
	if rule.IntegrationID, err = h.integrationRef(ctx, in.Integration); err != nil {
		return err
	}
	if err := h.checkRoute(ctx, rule); err != nil {
		return err
	}
	if err := h.opts.DB.CreateRule(ctx, rule, h.opts.Clock.Now()); err != nil {
		return err
	}
	created, err := h.opts.DB.Rule(ctx, rule.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", prefix+"/rules/"+itoa(rule.ID))
	writeJSON(w, http.StatusCreated, ruleToJSON(created))
	return nil
}

func (h *Handler) updateRule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "rule")
	if err != nil {
		return err
	}
	ctx := r.Context()
	rule, err := h.opts.DB.Rule(ctx, id)
	if err != nil {
		return err
	}
	var in ruleInput
	sent, err := decodePatch(r, &in)
	if err != nil {
		return err
	}
	if sent["integration"] {
		integrationID, err := h.integrationRef(ctx, in.Integration)
		if err != nil {
			return err
		}
		if integrationID != rule.IntegrationID {
			return tocsin.Errorf(tocsin.EINVALID, "a rule's integration cannot be changed; create the rule again there")
		}
	}
	if err := in.apply(rule, sent); err != nil {
		return err
	}
	if rule.Position == 0 {
		return tocsin.Errorf(tocsin.EINVALID, "field \"position\" must be 1 or more")
	}
	if err := rule.Validate(); err != nil {
		return err
	}
	if err := h.checkRoute(ctx, rule); err != nil {
		return err
	}
	if err := h.opts.DB.UpdateRule(ctx, rule); err != nil {
		return err
	}
	updated, err := h.opts.DB.Rule(ctx, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ruleToJSON(updated))
	return nil
}

func (h *Handler) deleteRule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "rule")
	if err != nil {
		return err
	}
	if err := h.opts.DB.DeleteRule(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
