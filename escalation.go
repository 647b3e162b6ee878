package tocsin

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// EscalationPolicy says who is paged about a service's alert, and in what order,
// until someone acknowledges it.
type EscalationPolicy struct {
	ID          int64
	Name        string
	Description string
	TeamID      int64 // the owning team; 0: none
	TeamName    string
	Steps       []EscalationStep
	// Repeat is how many more times the whole policy runs after its last step
	// when nobody has acknowledged, 0 to 9.
	Repeat int
	// RepeatDelay is how long after the last step a repeat starts over; 0 with
	// Repeat > 0 becomes DefaultRepeatDelay.
	RepeatDelay time.Duration
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DefaultRepeatDelay is the pause before a policy starts over when none is given.
const DefaultRepeatDelay = 10 * time.Minute

// EscalationStep is one stage of a policy: after Delay (counted from the step
// before it; from the alert for the first), every target is notified at once.
type EscalationStep struct {
	Delay   time.Duration
	Targets []Target
}

// TargetKind is what an escalation step pages.
type TargetKind string

const (
	TargetUser     TargetKind = "user"     // a person, by e-mail
	TargetSchedule TargetKind = "schedule" // whoever is on call at that instant
	TargetTeam     TargetKind = "team"     // every member of a team
	TargetSlack    TargetKind = "slack"    // a Slack channel id (C…), through the bot
	TargetWebhook  TargetKind = "webhook"  // an https URL that receives the alert as JSON
	// TargetPolicy names an escalation policy; only an alert's reassignment takes one.
	TargetPolicy TargetKind = "policy"
)

// Target is one recipient of an escalation step, written "kind:ref" in YAML
// and forms: "schedule:payments-primary", "user:alice@example.com".
type Target struct {
	Kind TargetKind
	Ref  string
}

// String writes the target as "kind:ref".
func (t Target) String() string { return string(t.Kind) + ":" + t.Ref }

// ParseTarget reads "kind:ref".
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(CleanText(s))
	kind, ref, ok := strings.Cut(s, ":")
	t := Target{Kind: TargetKind(strings.ToLower(strings.TrimSpace(kind))), Ref: strings.TrimSpace(ref)}
	if !ok || t.Ref == "" {
		return t, Errorf(EINVALID, "target %q must be written kind:name, e.g. schedule:payments-primary, user:alice@example.com, team:payments, slack:C0123ABC or webhook:https://…", s)
	}
	return t, t.Validate()
}

// MarshalText writes "kind:ref" (YAML and JSON).
func (t Target) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads "kind:ref".
func (t *Target) UnmarshalText(b []byte) error {
	v, err := ParseTarget(string(b))
	*t = v
	return err
}

// Validate checks the target's form; whether what it names exists is checked by the store.
func (t *Target) Validate() error {
	switch t.Kind {
	case TargetUser:
		t.Ref = strings.ToLower(t.Ref)
	case TargetSchedule, TargetTeam, TargetPolicy:
	case TargetSlack:
		if strings.ContainsAny(t.Ref, " /") || len(t.Ref) > 40 {
			return Errorf(EINVALID, "slack target %q must be a channel id such as C0123ABC", t.Ref)
		}
	case TargetWebhook:
		u, err := url.Parse(t.Ref)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Errorf(EINVALID, "webhook target %q must be an http(s) URL", t.Ref)
		}
	default:
		return Errorf(EINVALID, "target kind %q is unknown: use user, schedule, team, slack or webhook", t.Kind)
	}
	if len(t.Ref) > 500 {
		return Errorf(EINVALID, "target %q is longer than 500 characters", t.Kind)
	}
	return nil
}

// Validate checks a policy before it is stored.
func (p *EscalationPolicy) Validate() error {
	p.Description = strings.TrimSpace(CleanText(p.Description))
	if err := ValidateName("escalation policy", p.Name); err != nil {
		return err
	}
	if len(p.Description) > 2000 {
		return Errorf(EINVALID, "description is longer than 2000 characters")
	}
	if len(p.Steps) == 0 {
		return Errorf(EINVALID, "escalation policy %s needs at least one step", p.Name)
	}
	if len(p.Steps) > 20 {
		return Errorf(EINVALID, "escalation policy %s has more than 20 steps", p.Name)
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		if s.Delay < 0 || s.Delay > 24*time.Hour {
			return Errorf(EINVALID, "step %d: delay must be from 0 to 24h", i+1)
		}
		if s.Delay%time.Minute != 0 {
			return Errorf(EINVALID, "step %d: delay must be whole minutes", i+1)
		}
		if len(s.Targets) == 0 {
			return Errorf(EINVALID, "step %d has no target", i+1)
		}
		if len(s.Targets) > 20 {
			return Errorf(EINVALID, "step %d has more than 20 targets", i+1)
		}
		seen := map[Target]bool{}
		for j := range s.Targets {
			if err := s.Targets[j].Validate(); err != nil {
				return Errorf(EINVALID, "step %d: %s", i+1, ErrorMessage(err))
			}
			if s.Targets[j].Kind == TargetPolicy {
				return Errorf(EINVALID, "step %d: a step cannot name another policy", i+1)
			}
			if seen[s.Targets[j]] {
				return Errorf(EINVALID, "step %d names %s twice", i+1, s.Targets[j])
			}
			seen[s.Targets[j]] = true
		}
	}
	if p.Repeat < 0 || p.Repeat > 9 {
		return Errorf(EINVALID, "repeat must be from 0 to 9")
	}
	if p.RepeatDelay < 0 || p.RepeatDelay > 24*time.Hour || p.RepeatDelay%time.Minute != 0 {
		return Errorf(EINVALID, "repeat delay must be whole minutes from 0 to 24h")
	}
	if p.Repeat == 0 {
		p.RepeatDelay = 0
	} else if p.RepeatDelay == 0 {
		p.RepeatDelay = DefaultRepeatDelay
	}
	return nil
}

// NextStep says what follows step `step` of pass `loop` (both from 0): the
// step and pass to run next and the pause before it; ok is false when the
// policy is exhausted.
func (p *EscalationPolicy) NextStep(step, loop int) (nextStep, nextLoop int, wait time.Duration, ok bool) {
	if step+1 < len(p.Steps) {
		return step + 1, loop, p.Steps[step+1].Delay, true
	}
	if loop < p.Repeat {
		return 0, loop + 1, p.RepeatDelay, true
	}
	return 0, 0, 0, false
}

// MaintenanceWindow is a time when a service's alerts are recorded without
// paging anyone: once (From–To) or every week (Weekly).
type MaintenanceWindow struct {
	From   time.Time   `json:"from,omitzero" yaml:"from,omitempty"`
	To     time.Time   `json:"to,omitzero" yaml:"to,omitempty"`
	Weekly *TimeWindow `json:"weekly,omitempty" yaml:"weekly,omitempty"`
	Note   string      `json:"note,omitempty" yaml:"note,omitempty"`
}

// Validate checks a window; a weekly one without zone takes zone.
func (m *MaintenanceWindow) Validate(zone string) error {
	m.Note = strings.TrimSpace(CleanText(m.Note))
	if len(m.Note) > 200 {
		return Errorf(EINVALID, "maintenance note is longer than 200 characters")
	}
	if m.Weekly != nil {
		if !m.From.IsZero() || !m.To.IsZero() {
			return Errorf(EINVALID, "a maintenance window is either weekly or from–to, not both")
		}
		if m.Weekly.Timezone == "" {
			m.Weekly.Timezone = zone
		}
		if m.Weekly.Outside {
			return Errorf(EINVALID, "a weekly maintenance window cannot be 'outside'")
		}
		return m.Weekly.Validate()
	}
	if m.From.IsZero() || m.To.IsZero() {
		return Errorf(EINVALID, "a maintenance window needs from and to, or weekly hours")
	}
	if !m.To.After(m.From) {
		return Errorf(EINVALID, "maintenance window ends (%s) before it starts (%s)", m.To.Format(time.RFC3339), m.From.Format(time.RFC3339))
	}
	if m.To.Sub(m.From) > 31*24*time.Hour {
		return Errorf(EINVALID, "a one-off maintenance window lasts at most 31 days")
	}
	m.From, m.To = m.From.UTC(), m.To.UTC()
	return nil
}

// Contains reports whether t falls in the window.
func (m *MaintenanceWindow) Contains(t time.Time) bool {
	if m.Weekly != nil {
		return m.Weekly.Contains(t)
	}
	return !t.Before(m.From) && t.Before(m.To)
}

// String describes the window for timelines and lists.
func (m *MaintenanceWindow) String() string {
	if m.Weekly != nil {
		days := strings.Join(m.Weekly.Days, ",")
		if days == "" {
			days = "mon-fri"
		}
		return fmt.Sprintf("every %s %s–%s %s", days, m.Weekly.Start, m.Weekly.End, m.Weekly.Timezone)
	}
	return m.From.Format(time.RFC3339) + " – " + m.To.Format(time.RFC3339)
}

// InMaintenance returns the window of ws that holds t, or nil.
func InMaintenance(ws []MaintenanceWindow, t time.Time) *MaintenanceWindow {
	for i := range ws {
		if ws[i].Contains(t) {
			return &ws[i]
		}
	}
	return nil
}
