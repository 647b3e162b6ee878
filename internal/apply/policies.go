package apply

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// Policy is an escalation policy: who is paged about a service's alert, step
// after step, until someone acknowledges it.
type Policy struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	Team        string `yaml:"team,omitempty"`
	// Repeat is how many more times the steps run when nobody acknowledged, 0 to 9.
	Repeat int `yaml:"repeat,omitempty"`
	// RepeatDelay is the pause after the last step before starting over ("10m", the default).
	RepeatDelay string `yaml:"repeat_delay,omitempty"`
	Steps       []Step `yaml:"steps"`
	src         string
}

// Step is one stage of a policy: after Delay (from the step before it; from
// the alert for the first), every target is paged at once.
type Step struct {
	Delay   string   `yaml:"delay"`   // "0m", "15m", "1h"
	Targets []string `yaml:"targets"` // "schedule:NAME", "user:EMAIL", "team:NAME", "slack:CHANNEL", "webhook:URL"
}

// parseMinutes reads a delay written in files: "0", "0m", "15m", "1h", "1h30m".
func parseMinutes(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if _, numErr := fmt.Sscanf(s, "%d", new(int)); numErr == nil && !strings.ContainsAny(s, "hms") {
			return 0, tocsin.Errorf(tocsin.EINVALID, "duration %q needs a unit: %sm for minutes, %sh for hours", s, s, s)
		}
		return 0, tocsin.Errorf(tocsin.EINVALID, "duration %q is not like 0m, 15m, 1h or 1h30m", s)
	}
	if d < 0 || d%time.Minute != 0 {
		return 0, tocsin.Errorf(tocsin.EINVALID, "duration %q must be whole minutes, 0 or more", s)
	}
	return d, nil
}

// formatMinutes writes a delay the way files do: 0m, 15m, 2h, 1h30m.
func formatMinutes(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

// policyOf turns a file's policy into the domain's, validated. Targets are
// only checked for their form here; whether they exist is the planner's job.
func policyOf(p Policy) (tocsin.EscalationPolicy, error) {
	out := tocsin.EscalationPolicy{Name: p.Name, Description: p.Description, Repeat: p.Repeat}
	var err error
	if p.RepeatDelay != "" {
		if out.RepeatDelay, err = parseMinutes(p.RepeatDelay); err != nil {
			return out, tocsin.Errorf(tocsin.EINVALID, "repeat_delay: %s", tocsin.ErrorMessage(err))
		}
	}
	for i, s := range p.Steps {
		step := tocsin.EscalationStep{}
		if step.Delay, err = parseMinutes(s.Delay); err != nil {
			return out, tocsin.Errorf(tocsin.EINVALID, "step %d: delay: %s", i+1, tocsin.ErrorMessage(err))
		}
		for _, raw := range s.Targets {
			t, err := tocsin.ParseTarget(raw)
			if err != nil {
				return out, tocsin.Errorf(tocsin.EINVALID, "step %d: %s", i+1, tocsin.ErrorMessage(err))
			}
			step.Targets = append(step.Targets, t)
		}
		out.Steps = append(out.Steps, step)
	}
	if err := out.Validate(); err != nil {
		return out, err
	}
	return out, nil
}

// filePolicy writes a stored policy in the file's shape; the default repeat
// delay is left out.
func filePolicy(p *tocsin.EscalationPolicy) Policy {
	out := Policy{Name: p.Name, Description: p.Description, Team: p.TeamName, Repeat: p.Repeat}
	if p.Repeat > 0 && p.RepeatDelay != tocsin.DefaultRepeatDelay {
		out.RepeatDelay = formatMinutes(p.RepeatDelay)
	}
	for _, s := range p.Steps {
		step := Step{Delay: formatMinutes(s.Delay)}
		for _, t := range s.Targets {
			step.Targets = append(step.Targets, t.String())
		}
		out.Steps = append(out.Steps, step)
	}
	return out
}

func (p *planner) scheduleKnown(name string) bool {
	for _, s := range p.doc.Schedules {
		if s.Name == name {
			return true
		}
	}
	return p.cur.scheduleByName[name] != nil && !p.pruning("schedules")
}

func (p *planner) policyKnown(name string) bool {
	return p.policies[name] != nil || (p.cur.policyByName[name] != nil && !p.pruning("escalation_policies"))
}

// missingTarget says what a target names that will not exist once the plan is
// applied, or "" when it will (or names nothing stored: chat channels, webhooks).
func (p *planner) missingTarget(t tocsin.Target) string {
	switch t.Kind {
	case tocsin.TargetUser:
		if !p.userKnown(t.Ref) {
			return fmt.Sprintf("user %s does not exist (declare it under users:)", t.Ref)
		}
	case tocsin.TargetSchedule:
		if !p.scheduleKnown(t.Ref) {
			return fmt.Sprintf("schedule %s does not exist (declare it under schedules:)", t.Ref)
		}
	case tocsin.TargetTeam:
		if !p.teamKnown(t.Ref) {
			return fmt.Sprintf("team %s does not exist (declare it under teams:)", t.Ref)
		}
	}
	return ""
}

func (p *planner) planPolicies() {
	for i := range p.doc.Policies {
		f := &p.doc.Policies[i]
		if p.policies[f.Name] != f {
			continue // a duplicate, reported by collect
		}
		want, err := policyOf(*f)
		if err != nil {
			msg := tocsin.ErrorMessage(err)
			if !strings.HasPrefix(msg, "escalation policy ") {
				msg = "escalation policy " + f.Name + ": " + msg
			}
			p.fail(f.src, "%s", msg)
			continue
		}
		ok := true
		if f.Team != "" && !p.teamKnown(f.Team) {
			p.fail(f.src, "escalation policy %s: team %s does not exist (declare it under teams:)", f.Name, f.Team)
			ok = false
		}
		for n, s := range want.Steps {
			for _, t := range s.Targets {
				if msg := p.missingTarget(t); msg != "" {
					p.fail(f.src, "escalation policy %s: step %d: %s", f.Name, n+1, msg)
					ok = false
				}
			}
		}
		if !ok {
			continue
		}
		team := f.Team
		cur := p.cur.policyByName[want.Name]
		if cur == nil {
			detail := fmt.Sprintf("%d steps", len(want.Steps))
			if len(want.Steps) == 1 {
				detail = "1 step"
			}
			if want.Repeat > 0 {
				detail += fmt.Sprintf(", repeated %d×", want.Repeat)
			}
			if team != "" {
				detail = "team " + team + ", " + detail
			}
			p.change(Change{Op: Create, What: "escalation policy " + want.Name, Detail: detail,
				run: func(ctx context.Context, x *executor) error {
					pol := want
					pol.TeamID = x.ids.teams[team]
					return x.db.CreateEscalationPolicy(ctx, &pol, x.now)
				}})
			continue
		}
		diffs := policyDiffs(cur, &want, team)
		if len(diffs) == 0 {
			continue
		}
		want.ID = cur.ID
		p.change(Change{Op: Update, What: "escalation policy " + want.Name, Detail: list(diffs),
			run: func(ctx context.Context, x *executor) error {
				pol := want
				pol.TeamID = x.ids.teams[team]
				return x.db.UpdateEscalationPolicy(ctx, &pol, x.now)
			}})
	}
}

// policyDiffs names what changes from a stored policy to a validated one.
func policyDiffs(cur, want *tocsin.EscalationPolicy, team string) []string {
	var diffs []string
	if cur.TeamName != team {
		diffs = append(diffs, fmt.Sprintf("team %s → %s", orNone(cur.TeamName), orNone(team)))
	}
	if cur.Description != want.Description {
		diffs = append(diffs, "description")
	}
	for i := range max(len(cur.Steps), len(want.Steps)) {
		switch {
		case i >= len(cur.Steps):
			diffs = append(diffs, fmt.Sprintf("+step %d", i+1))
		case i >= len(want.Steps):
			diffs = append(diffs, fmt.Sprintf("-step %d", i+1))
		case stepText(cur.Steps[i]) != stepText(want.Steps[i]):
			diffs = append(diffs, fmt.Sprintf("step %d", i+1))
		}
	}
	if cur.Repeat != want.Repeat {
		diffs = append(diffs, fmt.Sprintf("repeat %d → %d", cur.Repeat, want.Repeat))
	}
	if cur.RepeatDelay != want.RepeatDelay && want.Repeat > 0 {
		diffs = append(diffs, fmt.Sprintf("repeat delay %s → %s", formatMinutes(cur.RepeatDelay), formatMinutes(want.RepeatDelay)))
	}
	return diffs
}

func stepText(s tocsin.EscalationStep) string {
	parts := []string{formatMinutes(s.Delay)}
	for _, t := range s.Targets {
		parts = append(parts, t.String())
	}
	return strings.Join(parts, " ")
}

// prunePolicies deletes the policies the files no longer list. The services
// that used them were changed (or deleted) before: deletions run after every
// update, and services are deleted before policies.
func (p *planner) prunePolicies() {
	if !p.pruning("escalation_policies") {
		return
	}
	for _, pol := range p.cur.policies {
		if p.policies[pol.Name] != nil {
			continue
		}
		for _, s := range p.cur.services {
			if p.services[s.Name] != nil || p.pruning("services") {
				continue // the files say what it uses: checked with the service
			}
			if s.EscalationPolicy == pol.Name || s.OffHoursPolicy == pol.Name {
				p.fail("", "escalation policy %s: service %s, which the files do not list, uses it: --prune cannot delete it (list the service, or give it another policy)", pol.Name, s.Name)
			}
		}
		id := pol.ID
		p.deletes = append(p.deletes, Change{Op: Delete, What: "escalation policy " + pol.Name,
			run: func(ctx context.Context, x *executor) error { return x.db.DeleteEscalationPolicy(ctx, id) }})
	}
}

// checkKeptPolicies refuses to prune a user, a schedule or a team that a
// policy the files do not list still pages: that policy would page nobody.
func (p *planner) checkKeptPolicies() {
	for _, pol := range p.cur.policies {
		if p.policies[pol.Name] != nil || p.pruning("escalation_policies") {
			continue
		}
		for n, s := range pol.Steps {
			for _, t := range s.Targets {
				if msg := p.missingTarget(t); msg != "" {
					p.fail("", "escalation policy %s (not in the files): step %d pages %s, which --prune would delete; list the policy with other targets, or keep %s", pol.Name, n+1, t, t.Ref)
				}
			}
		}
	}
}

// exportPolicies writes every policy, by name.
func (c *current) exportPolicies() []Policy {
	var out []Policy
	for _, p := range c.policies {
		out = append(out, filePolicy(p))
	}
	return out
}
