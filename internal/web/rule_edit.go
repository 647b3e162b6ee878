package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin"
)

// ruleForm is a processing rule as its form shows it: text as typed, so that
// a refused form comes back exactly as it was sent.
type ruleForm struct {
	ID            int64
	Name          string
	IntegrationID int64
	Position      string
	Enabled       bool
	Conditions    []tocsin.Condition
	WhenOn        bool
	Timezone      string
	Days          map[string]bool
	Start, End    string
	Outside       bool
	Route         string
	Priority      string
	Rewrite       string
	AddLabels     string // one key=value a line
	RemoveLabels  string // names separated by commas or spaces
	Suppress      bool
	Drop          bool
	Stop          bool
	Error         string
}

// ruleEditPage is the form that creates or edits a rule.
type ruleEditPage struct {
	*view
	Form         ruleForm
	Integrations []*tocsin.Integration
	Services     []*tocsin.Service
	Priorities   []tocsin.Priority
	Ops          []string
	Fields       []string
	Weekdays     []string
}

const blankConditionRows = 2

func ruleFormFrom(r *tocsin.ProcessingRule) ruleForm {
	f := ruleForm{ID: r.ID, Name: r.Name, IntegrationID: r.IntegrationID, Position: strconv.Itoa(r.Position), Enabled: r.Enabled,
		Conditions: append([]tocsin.Condition(nil), r.Conditions...), Days: map[string]bool{},
		Route: r.Actions.RouteToService, Priority: string(r.Actions.SetPriority), Rewrite: r.Actions.RewriteSummary,
		RemoveLabels: strings.Join(r.Actions.RemoveLabels, ", "), Suppress: r.Actions.Suppress, Drop: r.Actions.Drop, Stop: r.Stop,
		Timezone: "UTC", Start: "09:00", End: "18:00"}
	var lines []string
	for _, l := range sortedLabels(r.Actions.AddLabels) {
		lines = append(lines, l.Key+"="+l.Value)
	}
	f.AddLabels = strings.Join(lines, "\n")
	if w := r.When; w != nil {
		f.WhenOn, f.Timezone, f.Start, f.End, f.Outside = true, w.Timezone, w.Start, w.End, w.Outside
		for _, d := range w.Days {
			f.Days[strings.ToLower(d)] = true
		}
	}
	return f
}

// readRuleForm reads the posted form; the error says what cannot be read (the
// rule's own Validate says the rest).
func readRuleForm(r *http.Request) (ruleForm, *tocsin.ProcessingRule, error) {
	f := ruleForm{Name: formValue(r, "name"), Position: formValue(r, "position"), Enabled: checked(r, "enabled"),
		WhenOn: checked(r, "when"), Timezone: formValue(r, "timezone"), Start: formValue(r, "start"), End: formValue(r, "end"),
		Outside: checked(r, "outside"), Route: formValue(r, "route"), Priority: formValue(r, "priority"),
		Rewrite: formValue(r, "rewrite"), AddLabels: r.PostFormValue("add_labels"), RemoveLabels: r.PostFormValue("remove_labels"),
		Suppress: checked(r, "suppress"), Drop: checked(r, "drop"), Stop: checked(r, "stop"), Days: map[string]bool{}}
	var err error
	f.IntegrationID, err = optionalID(r.PostFormValue("integration"), "integration")
	if err != nil {
		return f, nil, err
	}
	for _, d := range r.PostForm["days"] {
		f.Days[d] = true
	}
	fields, ops, values := r.PostForm["cond_field"], r.PostForm["cond_op"], r.PostForm["cond_value"]
	for i := range fields {
		c := tocsin.Condition{Field: strings.TrimSpace(fields[i])}
		if i < len(ops) {
			c.Op = ops[i]
		}
		if i < len(values) {
			c.Value = values[i]
		}
		if c.Field == "" && strings.TrimSpace(c.Value) == "" {
			continue // a blank row
		}
		f.Conditions = append(f.Conditions, c)
	}
	rule := &tocsin.ProcessingRule{Name: f.Name, IntegrationID: f.IntegrationID, Enabled: f.Enabled, Conditions: f.Conditions, Stop: f.Stop,
		Actions: tocsin.RuleActions{RouteToService: f.Route, SetPriority: tocsin.Priority(strings.ToUpper(f.Priority)), RewriteSummary: f.Rewrite, Suppress: f.Suppress, Drop: f.Drop}}
	if f.Position != "" {
		if rule.Position, err = strconv.Atoi(f.Position); err != nil || rule.Position < 0 || rule.Position > 100000 {
			return f, nil, tocsin.Errorf(tocsin.EINVALID, "position %q is not a number from 0 up", f.Position)
		}
	}
	if f.WhenOn {
		w := &tocsin.TimeWindow{Timezone: f.Timezone, Start: f.Start, End: f.End, Outside: f.Outside}
		for _, d := range weekdayNames() {
			if f.Days[d] {
				w.Days = append(w.Days, d)
			}
		}
		rule.When = w
	}
	for n, line := range strings.Split(f.AddLabels, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return f, nil, tocsin.Errorf(tocsin.EINVALID, "labels to add, line %d: %q is not key=value", n+1, line)
		}
		if rule.Actions.AddLabels == nil {
			rule.Actions.AddLabels = map[string]string{}
		}
		rule.Actions.AddLabels[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	for _, name := range strings.FieldsFunc(f.RemoveLabels, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' }) {
		rule.Actions.RemoveLabels = append(rule.Actions.RemoveLabels, name)
	}
	if len(f.Name) > 200 || len(f.Rewrite) > tocsin.MaxSummaryLen || len(f.AddLabels) > 10000 || len(f.RemoveLabels) > 10000 {
		return f, nil, tocsin.Errorf(tocsin.EINVALID, "a field of the rule is too long")
	}
	return f, rule, nil
}

func weekdayNames() []string { return []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} }

// ruleNew serves GET /rules/new.
func (h *Handler) ruleNew(w http.ResponseWriter, r *http.Request, v *view) {
	f := ruleFormFrom(&tocsin.ProcessingRule{Enabled: true})
	f.Position = ""
	if id, err := optionalID(r.URL.Query().Get("integration"), "integration"); err == nil {
		f.IntegrationID = id
	}
	h.renderRuleForm(w, r, v, http.StatusOK, f)
}

// ruleEdit serves GET /rules/{id}.
func (h *Handler) ruleEdit(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	rule, err := h.opts.DB.Rule(r.Context(), id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.renderRuleForm(w, r, v, http.StatusOK, ruleFormFrom(rule))
}

func (h *Handler) renderRuleForm(w http.ResponseWriter, r *http.Request, v *view, status int, f ruleForm) {
	ctx := r.Context()
	p := &ruleEditPage{view: v, Form: f, Priorities: tocsin.Priorities(), Weekdays: weekdayNames(),
		Ops:    []string{"equals", "not_equals", "contains", "regex", "exists", "not_exists"},
		Fields: []string{"summary", "details", "source", "priority", "dedup_key", "label:app", "label:squad", "label:severity"}}
	for range blankConditionRows {
		p.Form.Conditions = append(p.Form.Conditions, tocsin.Condition{Op: "equals"})
	}
	var err error
	if p.Integrations, err = h.opts.DB.Integrations(ctx, 0); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if p.Services, err = h.opts.DB.Services(ctx, 0); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, status, "rule_edit", p)
}

// ruleSave serves POST /rules (create) and POST /rules/{id} (update). A rule
// that does not validate comes back with the input kept and a 400.
func (h *Handler) ruleSave(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	var existing *tocsin.ProcessingRule
	if r.PathValue("id") != "" {
		id, ok := pathID(r)
		if !ok {
			h.notFound(w, r, v)
			return
		}
		var err error
		if existing, err = h.opts.DB.Rule(ctx, id); err != nil {
			h.fail(w, r, v, err)
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	f, rule, err := readRuleForm(r)
	if existing != nil {
		// A rule stays on its integration; the form does not offer to move it.
		f.ID, f.IntegrationID = existing.ID, existing.IntegrationID
		if rule != nil {
			rule.ID, rule.IntegrationID = existing.ID, existing.IntegrationID
			if f.Position == "" {
				rule.Position = existing.Position
			}
		}
	}
	if err == nil && rule.IntegrationID != 0 && existing == nil {
		if _, ierr := h.opts.DB.Integration(ctx, rule.IntegrationID); tocsin.ErrorCode(ierr) == tocsin.ENOTFOUND {
			err = tocsin.Errorf(tocsin.EINVALID, "integration %d does not exist", rule.IntegrationID)
		} else if ierr != nil {
			err = ierr
		}
	}
	if err == nil {
		if existing == nil {
			err = h.opts.DB.CreateRule(ctx, rule, h.opts.Clock.Now())
		} else {
			err = h.opts.DB.UpdateRule(ctx, rule)
		}
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		f.Error = tocsin.ErrorMessage(err)
		h.renderRuleForm(w, r, v, statusOf(err), f)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("rule.saved", "Name", rule.Name))
	redirect(w, r, "/rules")
}
