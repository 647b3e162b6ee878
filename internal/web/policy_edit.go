package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tocsin/tocsin"
)

// policyForm is an escalation policy as its form shows it: text as typed, so
// that a refused form comes back exactly as it was sent.
type policyForm struct {
	ID          int64
	Version     string // the stored policy's updated_at (ms) when the form was opened
	Name        string
	Description string
	TeamID      string
	Repeat      string // more passes after the last step, 0 to 9
	RepeatDelay string // minutes between passes
	Steps       []stepForm
	Error       string
}

// stepForm is one step block of the form, in paging order.
type stepForm struct {
	Index       int    // position in the form, for field names
	Delay       string // minutes after the step before (after the alert, for the first)
	Targets     []targetForm
	First, Last bool // no "move up" on the first block, no "move down" on the last
}

// targetForm is one row of a step: a kind and what it names.
type targetForm struct {
	Step, Index int
	Kind, Value string
}

// F names a field of the step in the form: "s1.delay".
func (s stepForm) F(field string) string { return fmt.Sprintf("s%d.%s", s.Index, field) }

// ID is the HTML id of a field of the step: "s1-delay".
func (s stepForm) ID(field string) string { return fmt.Sprintf("s%d-%s", s.Index, field) }

// F names a field of the target row: "s1.t0.kind".
func (t targetForm) F(field string) string { return fmt.Sprintf("s%d.t%d.%s", t.Step, t.Index, field) }

// ID is the HTML id of a field of the target row.
func (t targetForm) ID(field string) string { return fmt.Sprintf("s%d-t%d-%s", t.Step, t.Index, field) }

// List is the datalist that suggests values for the row's kind ("" for none).
func (t targetForm) List() string {
	switch tocsin.TargetKind(t.Kind) {
	case tocsin.TargetUser, tocsin.TargetSchedule, tocsin.TargetTeam:
		return "targets-" + t.Kind
	}
	return ""
}

// Placeholder is an example of what the row's kind takes.
func (t targetForm) Placeholder() string {
	switch tocsin.TargetKind(t.Kind) {
	case tocsin.TargetUser:
		return "alice@example.com"
	case tocsin.TargetTeam:
		return "payments"
	case tocsin.TargetSlack:
		return "C0123ABC"
	case tocsin.TargetWebhook:
		return "https://hooks.example.com/tocsin"
	}
	return "payments-primary"
}

func (t targetForm) blank() bool { return t.Value == "" }

// policyTargetKinds are the kinds a step may page, in the order the form offers them.
func policyTargetKinds() []tocsin.TargetKind {
	return []tocsin.TargetKind{tocsin.TargetSchedule, tocsin.TargetUser, tocsin.TargetTeam, tocsin.TargetSlack, tocsin.TargetWebhook}
}

// policyEditPage is the form that creates or edits an escalation policy.
type policyEditPage struct {
	*view
	Form      policyForm
	Teams     []*tocsin.Team
	Users     []*tocsin.User
	Schedules []*tocsin.Schedule
	Kinds     []tocsin.TargetKind
	MaxSteps  int
	MaxTarget int
}

// Bounds of the form, the same as the policy's own (tocsin.EscalationPolicy.Validate).
const (
	maxPolicySteps   = 20
	maxStepTargets   = 20
	maxPolicyField   = 500  // a name, a number, a target
	maxPolicyComment = 2000 // the description
)

// minutes writes a duration as whole minutes for a number field.
func minutes(d time.Duration) string { return strconv.FormatInt(int64(d/time.Minute), 10) }

// policyFormFrom shows a stored policy in the form.
func policyFormFrom(p *tocsin.EscalationPolicy) policyForm {
	f := policyForm{ID: p.ID, Version: policyVersion(p), Name: p.Name, Description: p.Description,
		Repeat: strconv.Itoa(p.Repeat), RepeatDelay: minutes(p.RepeatDelay)}
	if p.RepeatDelay == 0 {
		f.RepeatDelay = minutes(tocsin.DefaultRepeatDelay)
	}
	if p.TeamID != 0 {
		f.TeamID = strconv.FormatInt(p.TeamID, 10)
	}
	for _, s := range p.Steps {
		sf := stepForm{Delay: minutes(s.Delay)}
		for _, t := range s.Targets {
			sf.Targets = append(sf.Targets, targetForm{Kind: string(t.Kind), Value: t.Ref})
		}
		f.Steps = append(f.Steps, sf)
	}
	return f
}

// newStep is the block "add a step" appends: a quarter of an hour after the
// one before, paging a schedule, as most policies do.
func newStep(first bool) stepForm {
	delay := "15"
	if first {
		delay = "0"
	}
	return stepForm{Delay: delay, Targets: []targetForm{{Kind: string(tocsin.TargetSchedule)}}}
}

// policyNew serves GET /policies/new.
func (h *Handler) policyNew(w http.ResponseWriter, r *http.Request, v *view) {
	f := policyForm{Repeat: "0", RepeatDelay: minutes(tocsin.DefaultRepeatDelay), Steps: []stepForm{newStep(true)}}
	if id, err := optionalID(r.URL.Query().Get("team"), "team"); err == nil && id != 0 {
		f.TeamID = strconv.FormatInt(id, 10)
	}
	h.renderPolicyForm(w, r, v, http.StatusOK, f)
}

// policyEdit serves GET /policies/{id}/edit.
func (h *Handler) policyEdit(w http.ResponseWriter, r *http.Request, v *view) {
	p := h.pathPolicy(w, r, v)
	if p == nil {
		return
	}
	h.renderPolicyForm(w, r, v, http.StatusOK, policyFormFrom(p))
}

// renderPolicyForm shows the form; every step has at least one target row.
func (h *Handler) renderPolicyForm(w http.ResponseWriter, r *http.Request, v *view, status int, f policyForm) {
	ctx := r.Context()
	if len(f.Steps) == 0 {
		f.Steps = []stepForm{newStep(true)}
	}
	for i := range f.Steps {
		s := &f.Steps[i]
		s.Index, s.First, s.Last = i, i == 0, i == len(f.Steps)-1
		if len(s.Targets) == 0 {
			s.Targets = []targetForm{{Kind: string(tocsin.TargetSchedule)}}
		}
		for j := range s.Targets {
			s.Targets[j].Step, s.Targets[j].Index = i, j
		}
	}
	p := &policyEditPage{view: v, Form: f, Kinds: policyTargetKinds(), MaxSteps: maxPolicySteps, MaxTarget: maxStepTargets}
	var err error
	if p.Teams, err = h.opts.DB.Teams(ctx); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if p.Users, err = h.opts.DB.Users(ctx); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if p.Schedules, err = h.opts.DB.Schedules(ctx, 0); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, status, "policy_edit", p)
}

// pathPolicy loads the policy the path's {id} names. When it cannot, it has
// answered already (the 404 page, or the error's) and returns nil.
func (h *Handler) pathPolicy(w http.ResponseWriter, r *http.Request, v *view) *tocsin.EscalationPolicy {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return nil
	}
	p, err := h.opts.DB.EscalationPolicy(r.Context(), id)
	if err != nil {
		h.fail(w, r, v, err)
		return nil
	}
	return p
}

// policyVersion is what the edit form carries to notice a change made by
// someone else while it was open.
func policyVersion(p *tocsin.EscalationPolicy) string {
	return strconv.FormatInt(p.UpdatedAt.UnixMilli(), 10)
}

// KindText names a target kind in the user's language.
func (v *view) KindText(k string) string {
	switch tocsin.TargetKind(k) {
	case tocsin.TargetUser:
		return v.T("policy.kind_user")
	case tocsin.TargetSchedule:
		return v.T("policy.kind_schedule")
	case tocsin.TargetTeam:
		return v.T("policy.kind_team")
	case tocsin.TargetSlack:
		return v.T("policy.kind_slack")
	case tocsin.TargetWebhook:
		return v.T("policy.kind_webhook")
	case tocsin.TargetPolicy:
		return v.T("policy.kind_policy")
	}
	return k
}
