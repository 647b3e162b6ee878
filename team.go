package tocsin

import (
	"regexp"
	"strings"
	"time"
)

// Team is a squad: it owns services (and, later, schedules and escalation policies).
type Team struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	Members   []TeamMember
}

// TeamMember is a user's place in a team.
type TeamMember struct {
	UserID int64
	Email  string
	Name   string
	Role   string // "member" or "manager"
}

// Service is an application that alerts are about, owned by a team.
type Service struct {
	ID          int64
	Name        string
	Description string
	TeamID      int64 // 0: no owner yet
	TeamName    string
	CreatedAt   time.Time

	// Who is paged: EscalationPolicy, or OffHoursPolicy outside BusinessHours
	// when both are set (teams escalate differently at night and on week-ends).
	EscalationPolicyID int64
	EscalationPolicy   string // its name
	OffHoursPolicyID   int64
	OffHoursPolicy     string
	BusinessHours      *TimeWindow         // nil: Monday to Friday 09:00–18:00 in UTC
	Maintenance        []MaintenanceWindow // alerts are recorded without paging inside these
}

// PolicyAt returns the id of the escalation policy for an alert triggered at t
// (0: none), and whether it is the off-hours one.
func (s *Service) PolicyAt(t time.Time) (int64, bool) {
	if s.OffHoursPolicyID == 0 {
		return s.EscalationPolicyID, false
	}
	hours := DefaultWorkingHours("UTC")
	if s.BusinessHours != nil {
		hours = *s.BusinessHours
	}
	if hours.Contains(t) {
		return s.EscalationPolicyID, false
	}
	return s.OffHoursPolicyID, true
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// ValidateName checks a team, service or integration name: lowercase letters,
// digits, '.', '_' and '-', because names appear in URLs, YAML and label values.
func ValidateName(kind, name string) error {
	if strings.TrimSpace(name) == "" {
		return Errorf(EINVALID, "%s name is required", kind)
	}
	if !slugPattern.MatchString(name) {
		return Errorf(EINVALID, "%s name %q must be 1–63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit", kind, name)
	}
	return nil
}

// Validate checks a team before it is stored.
func (t *Team) Validate() error { return ValidateName("team", t.Name) }

// Validate checks a service before it is stored.
func (s *Service) Validate() error {
	s.Description = CleanText(s.Description)
	if err := ValidateName("service", s.Name); err != nil {
		return err
	}
	if len(s.Description) > 2000 {
		return Errorf(EINVALID, "description is longer than 2000 characters")
	}
	if s.BusinessHours != nil {
		if s.BusinessHours.Outside {
			return Errorf(EINVALID, "business hours cannot be 'outside'")
		}
		if err := s.BusinessHours.Validate(); err != nil {
			return Errorf(EINVALID, "business hours: %s", ErrorMessage(err))
		}
	}
	if s.OffHoursPolicyID != 0 && s.EscalationPolicyID == 0 {
		return Errorf(EINVALID, "an off-hours policy needs a business-hours escalation policy too")
	}
	if len(s.Maintenance) > 50 {
		return Errorf(EINVALID, "a service has at most 50 maintenance windows")
	}
	for i := range s.Maintenance {
		if err := s.Maintenance[i].Validate("UTC"); err != nil {
			return err
		}
	}
	return nil
}
