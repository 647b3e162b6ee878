package tocsin

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// Role is what a user may do: admins configure, members respond, viewers read.
type Role string

const (
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleMember || r == RoleViewer }

// CanRespond reports whether the role may acknowledge, resolve and annotate alerts.
func (r Role) CanRespond() bool { return r == RoleAdmin || r == RoleMember }

// CanConfigure reports whether the role may change teams, services, integrations and rules.
func (r Role) CanConfigure() bool { return r == RoleAdmin }

// User is a person who logs in, responds to alerts and (later) gets paged.
type User struct {
	ID       int64
	Email    string
	Name     string
	Role     Role
	Timezone string // IANA name, e.g. Europe/Paris
	Locale   string // "en" or "fr"; empty follows the browser
	Phone    string // E.164, e.g. +33612345678: where the on-call number rings; empty: none
	// WorkingHours are the person's normal hours (zone empty: Timezone);
	// nil: Monday to Friday 09:00-18:00. Intervening outside them is paid.
	WorkingHours *TimeWindow
	Notify       NotifyPreferences
	CreatedAt    time.Time
}

// Locales lists the languages Tocsin speaks; the first is the fallback.
func Locales() []string { return []string{"en", "fr"} }

// Validate checks a user before it is stored.
func (u *User) Validate() error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.Name = strings.TrimSpace(CleanText(u.Name))
	if _, err := mail.ParseAddress(u.Email); err != nil || !strings.Contains(u.Email, "@") {
		return Errorf(EINVALID, "%q is not a valid e-mail address", u.Email)
	}
	if u.Name == "" {
		return Errorf(EINVALID, "name is required")
	}
	if len(u.Name) > 200 {
		return Errorf(EINVALID, "name is longer than 200 characters")
	}
	if u.Role == "" {
		u.Role = RoleMember
	}
	if !u.Role.Valid() {
		return Errorf(EINVALID, "role %q is not one of admin, member, viewer", u.Role)
	}
	if u.Timezone == "" {
		u.Timezone = "UTC"
	}
	if _, err := LoadZone(u.Timezone); err != nil {
		return err
	}
	if u.Locale != "" && u.Locale != "en" && u.Locale != "fr" {
		return Errorf(EINVALID, "locale %q is not one of en, fr", u.Locale)
	}
	phone, err := NormalizePhone(u.Phone)
	if err != nil {
		return err
	}
	u.Phone = phone
	if u.WorkingHours != nil {
		if u.WorkingHours.Timezone == "" {
			u.WorkingHours.Timezone = u.Timezone
		}
		if u.WorkingHours.Outside {
			return Errorf(EINVALID, "working hours: outside is not allowed here")
		}
		if err := u.WorkingHours.Validate(); err != nil {
			return Errorf(EINVALID, "working hours: %s", ErrorMessage(err))
		}
	}
	return nil
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// ValidatePassword checks a new password.
func ValidatePassword(p string) error {
	if len(p) < MinPasswordLen {
		return Errorf(EINVALID, "password must be at least %d characters", MinPasswordLen)
	}
	if len(p) > 1024 {
		return Errorf(EINVALID, "password is longer than 1024 characters")
	}
	return nil
}

// APIToken is a bearer token for the REST API; only its hash is stored.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string // first characters, to recognise it in a list
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// Session is a logged-in browser; only the token's hash is stored.
type Session struct {
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionLifetime is how long a login lasts without activity.
const SessionLifetime = 30 * 24 * time.Hour

// DefaultWorkingHours are a person's working hours when they set none:
// Monday to Friday, 09:00 to 18:00 in zone.
func DefaultWorkingHours(zone string) TimeWindow {
	return TimeWindow{Timezone: zone, Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "18:00"}
}

// Hours returns the person's working hours.
func (u *User) Hours() TimeWindow {
	if u.WorkingHours == nil {
		return DefaultWorkingHours(u.Timezone)
	}
	return *u.WorkingHours
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// NormalizePhone reads a phone number in international form ("+33 6 12 34 56
// 78", "+1 (555) 010-0000") and returns it as E.164; "" stays "".
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	out := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '(', ')', '\u00a0':
			return -1
		}
		return r
	}, s)
	if strings.HasPrefix(out, "00") {
		out = "+" + out[2:]
	}
	if !e164.MatchString(out) {
		return "", Errorf(EINVALID, "phone %q is not an international number like +33612345678", CleanText(s))
	}
	return out, nil
}
