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
	return nil
}
