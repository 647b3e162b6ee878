package tocsin

import (
	"net/mail"
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
	ID        int64
	Email     string
	Name      string
	Role      Role
	Timezone  string // IANA name, e.g. Europe/Paris
	Locale    string // "en" or "fr"; empty follows the browser
	CreatedAt time.Time
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
	if _, err := time.LoadLocation(u.Timezone); err != nil {
		return Errorf(EINVALID, "time zone %q is unknown", u.Timezone)
	}
	if u.Locale != "" && u.Locale != "en" && u.Locale != "fr" {
		return Errorf(EINVALID, "locale %q is not one of en, fr", u.Locale)
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
