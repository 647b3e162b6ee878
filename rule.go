package tocsin

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ProcessingRule renames, reclassifies, routes or silences incoming alerts by
// pattern (Opsgenie's "alert policies"). Rules of an integration run first, in
// position order, then global rules; every matching rule applies unless one says Stop.
type ProcessingRule struct {
	ID            int64
	IntegrationID int64 // 0: a global rule, applied to every integration
	Position      int
	Name          string
	Enabled       bool
	Conditions    []Condition // all must hold; none: always
	When          *TimeWindow // optional: only inside (or outside) these hours
	Actions       RuleActions
	Stop          bool // no further rule runs after this one matched
	CreatedAt     time.Time
}

// Condition tests one field of an incoming alert.
type Condition struct {
	Field string `json:"field" yaml:"field"` // summary, details, source, priority, dedup_key, or label:<name>
	Op    string `json:"op" yaml:"op"`       // equals, not_equals, contains, regex, exists, not_exists
	Value string `json:"value,omitempty" yaml:"value,omitempty"`
}

// TimeWindow is a set of hours in a week, in a time zone: business hours, or
// (with Outside) nights and week-ends.
type TimeWindow struct {
	Timezone string   `json:"timezone" yaml:"timezone,omitempty"`
	Days     []string `json:"days" yaml:"days"`   // mon…sun; empty: mon–fri
	Start    string   `json:"start" yaml:"start"` // "09:00"
	End      string   `json:"end" yaml:"end"`     // "18:00"; before Start: spans midnight
	Outside  bool     `json:"outside,omitempty" yaml:"outside,omitempty"`
}

// RuleActions are what a matching rule does.
type RuleActions struct {
	RouteToService string            `json:"route_to_service,omitempty" yaml:"route_to_service,omitempty"` // a service name
	SetPriority    Priority          `json:"set_priority,omitempty" yaml:"set_priority,omitempty"`
	RewriteSummary string            `json:"rewrite_summary,omitempty" yaml:"rewrite_summary,omitempty"` // template: {{summary}}, {{source}}, {{priority}}, {{labels.NAME}}
	AddLabels      map[string]string `json:"add_labels,omitempty" yaml:"add_labels,omitempty"`
	RemoveLabels   []string          `json:"remove_labels,omitempty" yaml:"remove_labels,omitempty"`
	Suppress       bool              `json:"suppress,omitempty" yaml:"suppress,omitempty"` // keep the alert, page nobody
	Drop           bool              `json:"drop,omitempty" yaml:"drop,omitempty"`         // discard the event
}

func validConditionOp(op string) bool {
	switch op {
	case "equals", "not_equals", "contains", "regex", "exists", "not_exists":
		return true
	}
	return false
}

// parseWeekday reads mon…sun, in any case.
func parseWeekday(name string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(name, d.String()[:3]) {
			return d, true
		}
	}
	return 0, false
}

// Validate checks a rule and compiles nothing twice: regexes are checked here.
func (r *ProcessingRule) Validate() error {
	r.Name = strings.TrimSpace(CleanText(r.Name))
	r.Actions.RewriteSummary = CleanText(r.Actions.RewriteSummary)
	for i := range r.Conditions {
		r.Conditions[i].Value = CleanText(r.Conditions[i].Value)
	}
	for k, v := range r.Actions.AddLabels {
		r.Actions.AddLabels[k] = CleanText(v)
	}
	if r.Name == "" {
		return Errorf(EINVALID, "rule name is required")
	}
	if len(r.Name) > 200 {
		return Errorf(EINVALID, "rule name is longer than 200 characters")
	}
	if len(r.Conditions) > 20 {
		return Errorf(EINVALID, "a rule has at most 20 conditions")
	}
	for i, c := range r.Conditions {
		if err := c.validate(); err != nil {
			return Errorf(EINVALID, "condition %d: %s", i+1, ErrorMessage(err))
		}
	}
	if r.When != nil {
		if err := r.When.Validate(); err != nil {
			return err
		}
	}
	a := r.Actions
	if a.SetPriority != "" && !a.SetPriority.Valid() {
		return Errorf(EINVALID, "priority %q is not one of P1…P5", a.SetPriority)
	}
	if a.RouteToService != "" {
		if err := ValidateName("service", a.RouteToService); err != nil {
			return err
		}
	}
	if len(a.RewriteSummary) > MaxSummaryLen {
		return Errorf(EINVALID, "summary template is longer than %d characters", MaxSummaryLen)
	}
	for k := range a.AddLabels {
		if strings.TrimSpace(k) == "" {
			return Errorf(EINVALID, "a label to add has an empty name")
		}
	}
	if a.Drop && (a.Suppress || a.RouteToService != "" || a.SetPriority != "" || a.RewriteSummary != "" || len(a.AddLabels) > 0 || len(a.RemoveLabels) > 0) {
		return Errorf(EINVALID, "a rule that drops alerts can do nothing else")
	}
	if !a.Drop && !a.Suppress && a.RouteToService == "" && a.SetPriority == "" && a.RewriteSummary == "" && len(a.AddLabels) == 0 && len(a.RemoveLabels) == 0 {
		return Errorf(EINVALID, "rule %q has no action", r.Name)
	}
	return nil
}

func (c Condition) validate() error {
	if !validConditionOp(c.Op) {
		return Errorf(EINVALID, "operator %q is not one of equals, not_equals, contains, regex, exists, not_exists", c.Op)
	}
	switch {
	case c.Field == "summary", c.Field == "details", c.Field == "source", c.Field == "priority", c.Field == "dedup_key":
	case strings.HasPrefix(c.Field, "label:") && len(c.Field) > len("label:"):
	default:
		return Errorf(EINVALID, "field %q is not one of summary, details, source, priority, dedup_key or label:NAME", c.Field)
	}
	if c.Op == "regex" {
		if len(c.Value) > 1000 {
			return Errorf(EINVALID, "regular expression is longer than 1000 characters")
		}
		if _, err := regexp.Compile(c.Value); err != nil {
			return Errorf(EINVALID, "regular expression %q: %v", c.Value, err)
		}
	}
	return nil
}

// Validate checks a time window.
func (w *TimeWindow) Validate() error {
	if w.Timezone == "" {
		w.Timezone = "UTC"
	}
	if _, err := LoadZone(w.Timezone); err != nil {
		return err
	}
	if len(w.Days) == 0 {
		w.Days = nil // one way to say Monday to Friday, so that stored copies compare equal
	}
	for _, d := range w.Days {
		if _, ok := parseWeekday(d); !ok {
			return Errorf(EINVALID, "day %q is not one of mon, tue, wed, thu, fri, sat, sun", d)
		}
	}
	if _, err := parseClock(w.Start); err != nil {
		return err
	}
	if _, err := parseClock(w.End); err != nil {
		return err
	}
	return nil
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, Errorf(EINVALID, "time %q is not HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Contains reports whether instant t falls in the window (or outside it, with Outside).
func (w *TimeWindow) Contains(t time.Time) bool {
	loc, err := time.LoadLocation(w.Timezone)
	if err != nil {
		loc = time.UTC
	}
	local := t.In(loc)
	start, _ := parseClock(w.Start)
	end, _ := parseClock(w.End)
	minute := local.Hour()*60 + local.Minute()
	day := local.Weekday()
	if end <= start && minute < end {
		// A window spanning midnight belongs to the day it started on.
		day = (day + 6) % 7
	}
	inDays := len(w.Days) == 0 && day >= time.Monday && day <= time.Friday
	for _, d := range w.Days {
		if wd, ok := parseWeekday(d); ok && wd == day {
			inDays = true
		}
	}
	var inHours bool
	if start < end {
		inHours = minute >= start && minute < end
	} else {
		inHours = minute >= start || minute < end
	}
	return (inDays && inHours) != w.Outside
}

// RuleOutcome is what the rules did to an event.
type RuleOutcome struct {
	Applied  []string // names of the rules that matched, in order
	RouteTo  string   // service name chosen by the last routing rule
	Suppress bool
	Drop     bool
}

// CompiledRules are rules ready to run on the hot path: regexes compiled once.
type CompiledRules struct {
	rules []ProcessingRule
	res   map[string]*regexp.Regexp
}

// CompileRules prepares rules, which must already be in the order they run in.
func CompileRules(rules []ProcessingRule) *CompiledRules {
	c := &CompiledRules{res: map[string]*regexp.Regexp{}}
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		c.rules = append(c.rules, r)
		for _, cond := range r.Conditions {
			if cond.Op == "regex" {
				if re, err := regexp.Compile(cond.Value); err == nil {
					c.res[cond.Value] = re
				}
			}
		}
	}
	return c
}

// Len is the number of enabled rules.
func (c *CompiledRules) Len() int { return len(c.rules) }

// Apply runs the rules over a trigger event, changing it in place, at instant now.
func (c *CompiledRules) Apply(e *AlertEvent, now time.Time) RuleOutcome {
	var out RuleOutcome
	for i := range c.rules {
		r := &c.rules[i]
		if !c.matches(r, e, now) {
			continue
		}
		out.Applied = append(out.Applied, r.Name)
		a := r.Actions
		if a.Drop {
			out.Drop = true
			return out
		}
		if a.RewriteSummary != "" {
			e.Summary = truncate(firstLine(expandTemplate(a.RewriteSummary, e)), MaxSummaryLen)
		}
		if a.SetPriority != "" {
			e.Priority = a.SetPriority
		}
		if len(a.AddLabels) > 0 || len(a.RemoveLabels) > 0 {
			labels := make(map[string]string, len(e.Labels)+len(a.AddLabels))
			for k, v := range e.Labels {
				labels[k] = v
			}
			for k, v := range a.AddLabels {
				labels[k] = expandTemplate(v, e)
			}
			for _, k := range a.RemoveLabels {
				delete(labels, k)
			}
			e.Labels = labels
		}
		if a.RouteToService != "" {
			out.RouteTo = a.RouteToService
		}
		if a.Suppress {
			out.Suppress = true
		}
		if r.Stop {
			break
		}
	}
	return out
}

func (c *CompiledRules) matches(r *ProcessingRule, e *AlertEvent, now time.Time) bool {
	if r.When != nil && !r.When.Contains(now) {
		return false
	}
	for _, cond := range r.Conditions {
		value, present := fieldValue(cond.Field, e)
		var ok bool
		switch cond.Op {
		case "exists":
			ok = present && value != ""
		case "not_exists":
			ok = !present || value == ""
		case "equals":
			ok = present && value == cond.Value
		case "not_equals":
			ok = !present || value != cond.Value
		case "contains":
			ok = present && strings.Contains(strings.ToLower(value), strings.ToLower(cond.Value))
		case "regex":
			re := c.res[cond.Value]
			ok = re != nil && present && re.MatchString(value)
		}
		if !ok {
			return false
		}
	}
	return true
}

func fieldValue(field string, e *AlertEvent) (string, bool) {
	switch field {
	case "summary":
		return e.Summary, true
	case "details":
		return e.Details, true
	case "source":
		return e.Source, true
	case "priority":
		return string(e.Priority), true
	case "dedup_key":
		return e.DedupKey, true
	}
	if name, ok := strings.CutPrefix(field, "label:"); ok {
		v, present := e.Labels[name]
		return v, present
	}
	return "", false
}

var placeholder = regexp.MustCompile(`\{\{\s*([a-zA-Z0-9_.:-]+)\s*\}\}`)

// expandTemplate replaces {{summary}}, {{source}}, {{priority}}, {{dedup_key}} and
// {{labels.NAME}} by the event's values. Unknown names become empty. It is plain
// substitution: payloads are untrusted and nothing in them is ever evaluated.
func expandTemplate(tmpl string, e *AlertEvent) string {
	return placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		if label, ok := strings.CutPrefix(name, "labels."); ok {
			return e.Labels[label]
		}
		v, _ := fieldValue(name, e)
		return v
	})
}

// The naming convention teams use so that one global integration can route by
// owner: "application / owner squad / description" (or with '|'), or
// "[application][owner squad] description". Separators need spaces around them so
// that a path such as "GET /api/v1" is not taken for it.
var (
	namingSlashes  = regexp.MustCompile(`^\s*([\w.-]{1,63})\s+[/|]\s+([\w.-]{1,63})\s+[/|]\s+(\S.*)$`)
	namingBrackets = regexp.MustCompile(`^\s*\[([\w.-]{1,63})\]\s*\[([\w.-]{1,63})\]\s*(\S.*)$`)
)

// ParseNamingConvention reads the application, owner squad and description from a
// summary; ok is false when the summary does not follow the convention.
func ParseNamingConvention(summary string) (app, squad, description string, ok bool) {
	m := namingSlashes.FindStringSubmatch(summary)
	if m == nil {
		m = namingBrackets.FindStringSubmatch(summary)
	}
	if m == nil {
		return "", "", "", false
	}
	return strings.ToLower(m[1]), strings.ToLower(m[2]), strings.TrimSpace(m[3]), true
}

// ApplyNamingConvention adds the labels app and squad from the summary when it
// follows the convention and the sender did not set them already.
func ApplyNamingConvention(e *AlertEvent) {
	app, squad, _, ok := ParseNamingConvention(e.Summary)
	if !ok {
		return
	}
	labels := make(map[string]string, len(e.Labels)+2)
	for k, v := range e.Labels {
		labels[k] = v
	}
	if _, set := labels["app"]; !set {
		labels["app"] = app
	}
	if _, set := labels["squad"]; !set {
		labels["squad"] = squad
	}
	e.Labels = labels
}

// String describes a condition for the timeline and the UI.
func (c Condition) String() string {
	if c.Op == "exists" || c.Op == "not_exists" {
		return fmt.Sprintf("%s %s", c.Field, c.Op)
	}
	return fmt.Sprintf("%s %s %q", c.Field, c.Op, c.Value)
}
