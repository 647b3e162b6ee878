package web

import (
	"net/http"
	"strings"

	"github.com/tocsin/tocsin"
)

// ruleListPage lists processing rules grouped as they run: each integration's
// own rules first (in position order), then the global ones.
type ruleListPage struct {
	*view
	Groups []ruleGroup
}

type ruleGroup struct {
	Integration *tocsin.Integration // nil: the global rules
	Rules       []*tocsin.ProcessingRule
}

// ruleList serves GET /rules.
func (h *Handler) ruleList(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	rules, err := h.opts.DB.AllRules(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	integrations, err := h.opts.DB.Integrations(ctx, 0)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	byID := map[int64]*tocsin.Integration{}
	for _, i := range integrations {
		byID[i.ID] = i
	}
	p := &ruleListPage{view: v, Groups: []ruleGroup{{}}}
	for _, rule := range rules {
		if rule.IntegrationID == 0 {
			p.Groups[0].Rules = append(p.Groups[0].Rules, rule)
			continue
		}
		last := &p.Groups[len(p.Groups)-1]
		if last.Integration == nil || last.Integration.ID != rule.IntegrationID {
			integ := byID[rule.IntegrationID]
			if integ == nil {
				integ = &tocsin.Integration{ID: rule.IntegrationID}
			}
			p.Groups = append(p.Groups, ruleGroup{Integration: integ})
			last = &p.Groups[len(p.Groups)-1]
		}
		last.Rules = append(last.Rules, rule)
	}
	// Shown in run order: integrations' own rules, then the global ones.
	p.Groups = append(p.Groups[1:], p.Groups[0])
	h.render(w, r, http.StatusOK, "rule_list", p)
}

// Actions describes what a rule does, in the user's language.
func (v *view) Actions(r *tocsin.ProcessingRule) []string {
	a := r.Actions
	var out []string
	if a.Drop {
		return []string{v.T("rule.does_drop")}
	}
	if a.RouteToService != "" {
		out = append(out, v.T("rule.does_route", "Service", a.RouteToService))
	}
	if a.SetPriority != "" {
		out = append(out, v.T("rule.does_priority", "Priority", string(a.SetPriority)))
	}
	if a.RewriteSummary != "" {
		out = append(out, v.T("rule.does_rewrite", "Template", a.RewriteSummary))
	}
	if len(a.AddLabels) > 0 {
		var kv []string
		for _, l := range sortedLabels(a.AddLabels) {
			kv = append(kv, l.String())
		}
		out = append(out, v.T("rule.does_add", "Labels", strings.Join(kv, ", ")))
	}
	if len(a.RemoveLabels) > 0 {
		out = append(out, v.T("rule.does_remove", "Labels", strings.Join(a.RemoveLabels, ", ")))
	}
	if a.Suppress {
		out = append(out, v.T("rule.does_suppress"))
	}
	return out
}

// Window describes a rule's time window ("mon–fri 09:00–18:00 Europe/Paris").
func (v *view) Window(w *tocsin.TimeWindow) string {
	if w == nil {
		return ""
	}
	days := "mon tue wed thu fri"
	if len(w.Days) > 0 {
		days = strings.Join(w.Days, " ")
	}
	id := "rule.window_inside"
	if w.Outside {
		id = "rule.window_outside"
	}
	return v.T(id, "Days", days, "Start", w.Start, "End", w.End, "Zone", w.Timezone)
}
