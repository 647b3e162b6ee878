package apply

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/tocsin/tocsin"
)

func (p *planner) planRules() {
	declared := map[string]string{} // rule key → where, to catch duplicates
	order := map[string]int{}       // scope → rules seen, for the default position
	for _, r := range p.doc.Rules {
		scope := r.Integration
		order[scope]++
		what := ruleWhat(scope, r.Name)
		if scope != "" && !p.integrationKnown(scope) {
			p.fail(r.src, "%s: integration %s does not exist (write service/name, or the name of a global integration)", what, scope)
			continue
		}
		want := tocsin.ProcessingRule{
			Name: r.Name, Position: r.Position, Enabled: r.Enabled == nil || *r.Enabled,
			Conditions: r.Conditions, When: r.When, Actions: r.Actions, Stop: r.Stop,
		}
		if want.Position == 0 {
			want.Position = order[scope]
		}
		if r.Position < 0 {
			p.fail(r.src, "%s: position must be 1 or more", what)
			continue
		}
		if err := want.Validate(); err != nil {
			p.fail(r.src, "%s: %s", what, tocsin.ErrorMessage(err))
			continue
		}
		key := ruleKey(scope, want.Name)
		if prev, dup := declared[key]; dup {
			p.fail(r.src, "%s is declared twice (also at %s)", what, prev)
			continue
		}
		declared[key] = r.src
		if to := want.Actions.RouteToService; to != "" && !p.serviceKnown(to) {
			p.fail(r.src, "%s: route_to_service names service %s, which does not exist", what, to)
			continue
		}
		cur := p.cur.ruleByKey[key]
		if cur == nil {
			p.change(Change{Op: Create, What: what,
				run: func(ctx context.Context, x *executor) error {
					rule := want
					if scope != "" {
						rule.IntegrationID = x.ids.integrations[scope]
					}
					return x.db.CreateRule(ctx, &rule, x.now)
				}})
			continue
		}
		diffs := ruleDiffs(cur, &want)
		if len(diffs) == 0 {
			continue
		}
		want.ID, want.IntegrationID = cur.ID, cur.IntegrationID
		p.change(Change{Op: Update, What: what, Detail: list(diffs),
			run: func(ctx context.Context, x *executor) error {
				rule := want
				return x.db.UpdateRule(ctx, &rule)
			}})
	}
	p.ruleNames = declared
}

// ruleDiffs names what differs between the stored rule and the wanted one.
func ruleDiffs(cur, want *tocsin.ProcessingRule) []string {
	var diffs []string
	if cur.Position != want.Position {
		diffs = append(diffs, fmt.Sprintf("position %d → %d", cur.Position, want.Position))
	}
	if cur.Enabled != want.Enabled {
		if want.Enabled {
			diffs = append(diffs, "enabled")
		} else {
			diffs = append(diffs, "disabled")
		}
	}
	if !reflect.DeepEqual(normalConditions(cur.Conditions), normalConditions(want.Conditions)) {
		diffs = append(diffs, "conditions")
	}
	if !reflect.DeepEqual(normalWindow(cur.When), normalWindow(want.When)) {
		diffs = append(diffs, "when")
	}
	if !reflect.DeepEqual(normalActions(cur.Actions), normalActions(want.Actions)) {
		diffs = append(diffs, "actions")
	}
	if cur.Stop != want.Stop {
		diffs = append(diffs, fmt.Sprintf("stop %t → %t", cur.Stop, want.Stop))
	}
	return diffs
}

// The normal* functions make empty and absent compare equal: the database keeps
// JSON, a file keeps YAML, and either may write an empty list or none.
func normalConditions(c []tocsin.Condition) []tocsin.Condition {
	if len(c) == 0 {
		return nil
	}
	return c
}

func normalWindow(w *tocsin.TimeWindow) *tocsin.TimeWindow {
	if w == nil {
		return nil
	}
	n := *w
	if n.Timezone == "" {
		n.Timezone = "UTC"
	}
	n.Days = nil
	for _, d := range w.Days {
		n.Days = append(n.Days, strings.ToLower(d))
	}
	return &n
}

func normalActions(a tocsin.RuleActions) tocsin.RuleActions {
	if len(a.AddLabels) == 0 {
		a.AddLabels = nil
	}
	if len(a.RemoveLabels) == 0 {
		a.RemoveLabels = nil
	}
	return a
}

func (p *planner) pruneRules() {
	if !p.pruning("processing_rules") {
		return
	}
	for _, r := range p.cur.rules {
		scope := p.cur.integRefByID[r.IntegrationID]
		if _, ok := p.ruleNames[ruleKey(scope, r.Name)]; ok {
			continue
		}
		id := r.ID
		p.deletes = append(p.deletes, Change{Op: Delete, What: ruleWhat(scope, r.Name),
			run: func(ctx context.Context, x *executor) error { return x.db.DeleteRule(ctx, id) }})
	}
}
