package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// policyListPage lists escalation policies: their steps in one line each, and
// the services that page through them.
type policyListPage struct {
	*view
	Rows []policyRow
}

// policyRow is one policy and who uses it.
type policyRow struct {
	Policy   *tocsin.EscalationPolicy
	Services []policyUse
}

// policyUse is a service that pages through a policy, in or out of business hours.
type policyUse struct {
	ID       int64
	Name     string
	OffHours bool
}

// policyList serves GET /policies.
func (h *Handler) policyList(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	policies, err := h.opts.DB.EscalationPolicies(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	services, err := h.opts.DB.Services(ctx, 0)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &policyListPage{view: v}
	for _, pol := range policies {
		p.Rows = append(p.Rows, policyRow{Policy: pol, Services: policyUses(pol.ID, services)})
	}
	h.render(w, r, http.StatusOK, "policy_list", p)
}

// policyUses lists the services whose alerts a policy pages for.
func policyUses(id int64, services []*tocsin.Service) []policyUse {
	var out []policyUse
	for _, s := range services {
		if s.EscalationPolicyID == id {
			out = append(out, policyUse{ID: s.ID, Name: s.Name})
		}
		if s.OffHoursPolicyID == id {
			out = append(out, policyUse{ID: s.ID, Name: s.Name, OffHours: true})
		}
	}
	return out
}

// StepText sums a step up in one line: "15 min: schedule payments-primary, team payments".
func (v *view) StepText(s tocsin.EscalationStep) string {
	targets := make([]string, len(s.Targets))
	for i, t := range s.Targets {
		targets[i] = v.KindText(string(t.Kind)) + " " + t.Ref
	}
	return v.T("policy.step_summary", "Minutes", int(s.Delay/time.Minute), "Targets", strings.Join(targets, ", "))
}

// RepeatText says how often a policy starts over when nobody acknowledges.
func (v *view) RepeatText(p *tocsin.EscalationPolicy) string {
	if p.Repeat == 0 {
		return v.T("policy.no_repeat")
	}
	return v.N("policy.repeats", p.Repeat, "Minutes", int(p.RepeatDelay/time.Minute))
}
