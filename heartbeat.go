package tocsin

import (
	"strconv"
	"strings"
	"time"
)

// Heartbeat is a dead man's switch: a cron job, a backup or Alertmanager's
// Watchdog pings its URL every Period; when no good ping has come for Period
// plus Grace, or when the job reports a failure, an alert opens on the
// heartbeat's service, and the next good ping resolves it.
type Heartbeat struct {
	ID          int64
	Name        string // a slug, unique; the Opsgenie heartbeat ping names it
	ServiceID   int64  // where its alert goes; required
	ServiceName string
	// IntegrationID is the heartbeat's own integration (type heartbeat), made
	// with it: its alerts dedup and escalate as any other's.
	IntegrationID int64
	// UUID is the ping id in /ping/<uuid>, the URL's only credential: random
	// unless given at creation (to keep a healthchecks.io check's URL).
	UUID     string
	Period   time.Duration
	Grace    time.Duration
	Priority Priority // of the alert it opens
	State    HeartbeatState
	// DueAt is when the heartbeat goes down unless a good ping comes first;
	// zero while it is down.
	DueAt         time.Time
	LastPingAt    time.Time // any ping, log pings included
	LastPingKind  PingKind
	LastSuccessAt time.Time
	LastStartAt   time.Time
	LastFailAt    time.Time
	LastBody      string // the last ping's body, at most MaxPingBody bytes; untrusted
	AlertID       int64  // the alert it opened while down; 0 when up
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// HeartbeatState is where a heartbeat stands.
type HeartbeatState string

const (
	HeartbeatNew  HeartbeatState = "new"  // never pinged: down Period+Grace after its creation
	HeartbeatUp   HeartbeatState = "up"   // pinged in time
	HeartbeatDown HeartbeatState = "down" // late, or the job failed: its alert is open
)

// PingKind is what a ping reports.
type PingKind string

const (
	PingSuccess PingKind = "success" // /ping/<uuid>, or exit status 0
	PingStart   PingKind = "start"   // the job began: it must succeed within Grace
	PingFail    PingKind = "fail"    // /fail, or a non-zero exit status
	PingLog     PingKind = "log"     // a message; the state does not change
)

// ChannelHeartbeat is the channel of what a heartbeat does to its alert.
const ChannelHeartbeat Channel = "heartbeat"

// Heartbeat limits. The body bound is healthchecks.io's default.
const (
	MinHeartbeatPeriod = time.Minute
	MaxHeartbeatPeriod = 30 * 24 * time.Hour
	MaxHeartbeatGrace  = 7 * 24 * time.Hour
	MaxPingBody        = 10000 // bytes of a ping's body kept as its excerpt
	// MaxHeartbeatName leaves room for the "heartbeat-" prefix of its
	// integration's name within a 63-character slug.
	MaxHeartbeatName = 53
	// DefaultHeartbeatPriority is high-urgency: a job that stopped running is
	// rarely noticed otherwise.
	DefaultHeartbeatPriority = P2
)

// Ping is one request to a ping URL.
type Ping struct {
	Kind       PingKind
	ExitStatus int    // the exit status reported in the URL; -1 when none
	Body       string // an excerpt, already bounded
}

// ParsePingPath reads the part of a ping URL after the uuid: "" (success),
// "start", "fail", "log", or an exit status 0 to 255 (0 is success).
func ParsePingPath(suffix string) (Ping, error) {
	p := Ping{ExitStatus: -1}
	switch suffix {
	case "":
		p.Kind = PingSuccess
	case "start":
		p.Kind = PingStart
	case "fail":
		p.Kind = PingFail
	case "log":
		p.Kind = PingLog
	default:
		// Digits only, as healthchecks.io accepts: no sign, no spaces.
		n, err := strconv.Atoi(suffix)
		if err != nil || len(suffix) > 3 || strings.Trim(suffix, "0123456789") != "" || n > 255 {
			return p, Errorf(EINVALID, "invalid url format: after the ping id, use start, fail, log or an exit status from 0 to 255")
		}
		p.ExitStatus = n
		p.Kind = PingSuccess
		if n != 0 {
			p.Kind = PingFail
		}
	}
	return p, nil
}

// Normalize makes a ping's body storable and bounded.
func (p *Ping) Normalize() {
	p.Body = truncate(CleanText(p.Body), MaxPingBody)
}

// Started reports whether the last run began (a start ping) and has not
// reported its end yet, whatever the state.
func (h *Heartbeat) Started() bool {
	return !h.LastStartAt.IsZero() && h.LastStartAt.After(h.LastSuccessAt) && h.LastStartAt.After(h.LastFailAt)
}

// Running reports whether the job is running and not yet late.
func (h *Heartbeat) Running() bool { return h.State != HeartbeatDown && h.Started() }

// NextDue is when the heartbeat goes down unless a good ping comes: Period plus
// Grace after its last success (or its creation), and, when it started a run,
// Grace after that start (healthchecks.io's "running too long"). With no grace
// a start ping only shows the job running.
func (h *Heartbeat) NextDue() time.Time {
	base := h.LastSuccessAt
	if base.IsZero() {
		base = h.CreatedAt
	}
	if h.Started() && h.Grace > 0 {
		return h.LastStartAt.Add(h.Grace)
	}
	return base.Add(h.Period + h.Grace)
}

// Validate checks a heartbeat before it is stored.
func (h *Heartbeat) Validate() error {
	if err := ValidateName("heartbeat", h.Name); err != nil {
		return err
	}
	if len(h.Name) > MaxHeartbeatName {
		return Errorf(EINVALID, "heartbeat name %q is longer than %d characters", h.Name, MaxHeartbeatName)
	}
	if h.ServiceID == 0 {
		return Errorf(EINVALID, "a heartbeat needs a service: its alerts page that service's escalation policy")
	}
	if h.UUID != "" && !validUUID(h.UUID) {
		return Errorf(EINVALID, "ping id %q is not a UUID in lower case (8-4-4-4-12 hexadecimal digits)", truncate(h.UUID, 64))
	}
	if h.Period < MinHeartbeatPeriod || h.Period > MaxHeartbeatPeriod || h.Period%time.Minute != 0 {
		return Errorf(EINVALID, "period must be a whole number of minutes from 1 minute to 30 days (43200 minutes)")
	}
	if h.Grace < 0 || h.Grace > MaxHeartbeatGrace || h.Grace%time.Minute != 0 {
		return Errorf(EINVALID, "grace must be a whole number of minutes from 0 to 7 days (10080 minutes)")
	}
	if h.Priority == "" {
		h.Priority = DefaultHeartbeatPriority
	}
	if !h.Priority.Valid() {
		return Errorf(EINVALID, "priority %q is not one of P1…P5", h.Priority)
	}
	return nil
}

// FormatMinutes writes a whole-minute duration as people read it: "5m",
// "1h 30m", "7d".
func FormatMinutes(d time.Duration) string {
	m := int64(d / time.Minute)
	if m <= 0 {
		return "0m"
	}
	var parts []string
	for _, u := range []struct {
		n      int64
		suffix string
	}{{24 * 60, "d"}, {60, "h"}, {1, "m"}} {
		if q := m / u.n; q > 0 {
			parts = append(parts, strconv.FormatInt(q, 10)+u.suffix)
			m -= q * u.n
		}
	}
	return strings.Join(parts, " ")
}

// validUUID reports whether s is a UUID written as healthchecks.io and Tocsin
// write them: 36 characters, lower-case hexadecimal and four dashes.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case (c < '0' || c > '9') && (c < 'a' || c > 'f'):
			return false
		}
	}
	return true
}
