package tocsin

import (
	"strings"
	"time"
)

// AlertStatus is where an alert is in its lifecycle.
type AlertStatus string

const (
	StatusTriggered    AlertStatus = "triggered"
	StatusAcknowledged AlertStatus = "acknowledged"
	StatusResolved     AlertStatus = "resolved"
)

// Valid reports whether s is a known status.
func (s AlertStatus) Valid() bool {
	return s == StatusTriggered || s == StatusAcknowledged || s == StatusResolved
}

// Open reports whether an alert in this status still wants attention.
func (s AlertStatus) Open() bool { return s == StatusTriggered || s == StatusAcknowledged }

// Channel says through what a person or a tool acted on an alert.
type Channel string

const (
	ChannelWeb          Channel = "web"
	ChannelAPI          Channel = "api"
	ChannelPagerDuty    Channel = "pagerduty"
	ChannelOpsgenie     Channel = "opsgenie"
	ChannelAlertmanager Channel = "alertmanager"
	ChannelGrafana      Channel = "grafana"
	ChannelGeneric      Channel = "generic"
	ChannelCLI          Channel = "cli"
	ChannelSMS          Channel = "sms"
	ChannelVoice        Channel = "voice"
	ChannelSlack        Channel = "slack"
	ChannelEmail        Channel = "email"
	ChannelPush         Channel = "push"
	ChannelChat         Channel = "chat"    // a link in a Teams, Discord, Telegram or Mattermost message
	ChannelWebhook      Channel = "webhook" // a link in a person's webhook delivery
	ChannelEngine       Channel = "engine"
)

// Link is a URL attached to an alert (a graph, a runbook, a dashboard).
type Link struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// Alert is one problem reported by a monitoring tool, deduplicated by its key.
type Alert struct {
	ID             int64             // the short number shown as #ID
	IntegrationID  int64             // the integration it came through; dedup is scoped to it
	ServiceID      int64             // 0 when no rule or integration routed it
	DedupKey       string            // PagerDuty dedup_key, Opsgenie alias, Alertmanager fingerprint…
	Summary        string            // one line
	Details        string            // free text or JSON, untrusted: always escaped when shown
	Source         string            // host or tool that sent it
	Priority       Priority          // P1…P5
	Labels         map[string]string // key/value tags; the naming convention lands here (app, squad)
	Links          []Link            // untrusted URLs; shown only when http(s)
	Status         AlertStatus
	Suppressed     bool // a processing rule kept it without paging anyone
	Occurrences    int  // how many times the sender reported it while open
	FirstSeenAt    time.Time
	LastSeenAt     time.Time
	AckedAt        time.Time // zero while never acknowledged
	AckedBy        string    // user name or tool
	AckChannel     Channel
	ResolvedAt     time.Time
	ResolvedBy     string
	ResolveChannel Channel
	UpdatedAt      time.Time

	Escalation Escalation
}

// Escalation is where an alert is in its escalation policy.
type Escalation struct {
	PolicyID int64
	Epoch    int       // how many times it was triggered; pages of an earlier trigger are not repeated
	Loop     int       // the pass through the policy, from 0
	Step     int       // the next step to run, from 0
	NextAt   time.Time // when it runs; zero: nothing due (acknowledged, resolved, exhausted or no policy)
	UserID   int64     // a person it was reassigned to, paged at NextAt instead of the step; 0: none
}

// TimelineEntry is one line of an alert's history, newest last.
type TimelineEntry struct {
	ID      int64
	AlertID int64
	At      time.Time
	Kind    TimelineKind
	Actor   string  // who did it: a user's name, or the sending tool
	Channel Channel // through what
	Message string  // human-readable detail (a note's text, a rule's name…)
}

// TimelineKind names what happened to an alert.
type TimelineKind string

const (
	TimelineCreated        TimelineKind = "created"
	TimelineRepeated       TimelineKind = "repeated"
	TimelineRuleApplied    TimelineKind = "rule_applied"
	TimelineSuppressed     TimelineKind = "suppressed"
	TimelineAcknowledged   TimelineKind = "acknowledged"
	TimelineUnacknowledged TimelineKind = "unacknowledged"
	TimelineRetriggered    TimelineKind = "retriggered"
	TimelineResolved       TimelineKind = "resolved"
	TimelineNote           TimelineKind = "note"
	TimelineUpdated        TimelineKind = "updated"
	TimelineEscalated      TimelineKind = "escalated"     // a step ran: who it reached and why
	TimelineNotified       TimelineKind = "notified"      // a message left for a person or channel
	TimelineNotifyFailed   TimelineKind = "notify_failed" // a provider refused or failed; retried or not
	TimelineMaintenance    TimelineKind = "maintenance"   // recorded without paging: the service is in maintenance
	TimelineReassigned     TimelineKind = "reassigned"
)

// EventAction is what an incoming event asks to do with the alert it names.
type EventAction string

const (
	ActionTrigger       EventAction = "trigger"
	ActionAcknowledge   EventAction = "acknowledge"
	ActionUnacknowledge EventAction = "unacknowledge"
	ActionResolve       EventAction = "resolve"
	ActionSetSummary    EventAction = "set_summary" // Opsgenie PUT …/message
	ActionSetDetails    EventAction = "set_details" // Opsgenie PUT …/description
	ActionNote          EventAction = "note"
)

// Limits on what an event may carry; longer values are cut, not refused, because
// monitoring tools cannot be asked to resend.
const (
	MaxSummaryLen  = 1024
	MaxDedupKeyLen = 512
	MaxDetailsLen  = 64 << 10
	MaxSourceLen   = 512
	MaxLabels      = 64
	MaxLabelLen    = 256
	MaxLinks       = 20
	MaxLinkLen     = 2048
	MaxNoteLen     = 25000
	MaxBodyBytes   = 1 << 20 // request bodies over 1 MiB get 413
)

// AlertEvent is one decoded message from a monitoring tool: every ingest format
// turns a request into a list of these, and the pipeline applies them in order.
type AlertEvent struct {
	Action    EventAction
	DedupKey  string // the alert it names (trigger creates it when absent)
	AlertID   int64  // names the alert by number instead (Opsgenie identifierType=id|tiny)
	Summary   string
	Details   string
	Source    string
	Priority  Priority // empty: DefaultPriority, or left unchanged on repeat
	Labels    map[string]string
	Links     []Link
	Actor     string    // who, for acknowledge/resolve/note ("Alertmanager", a user name…)
	Channel   Channel   // the format it came in
	Note      string    // a note to add (Opsgenie note field, or ActionNote)
	RequestID string    // when set, the outcome is recorded for GET /v2/alerts/requests/{id}
	At        time.Time // when the sender says it happened (zero: it did not say)
}

// SenderTime words when the sender dates the event, for the alert's timeline,
// if that is more than a minute away from now: the event was retried, queued or
// replayed, or the sender's clock is off, and the responder should know.
// Tocsin's own times (paging, acknowledgement, reports) count from receipt.
func (e *AlertEvent) SenderTime(now time.Time) string {
	if e.At.IsZero() {
		return ""
	}
	if d := e.At.Sub(now); d >= -time.Minute && d <= time.Minute {
		return ""
	}
	return "the sender dates it " + e.At.UTC().Format("2006-01-02 15:04:05 UTC")
}

// Normalize cleans, trims and bounds every field so that stored alerts respect
// the limits above and any database accepts them.
func (e *AlertEvent) Normalize() {
	for _, s := range []*string{&e.DedupKey, &e.Summary, &e.Details, &e.Source, &e.Actor, &e.Note} {
		*s = CleanText(*s)
	}
	e.DedupKey = truncate(strings.TrimSpace(e.DedupKey), MaxDedupKeyLen)
	e.Summary = truncate(strings.TrimSpace(firstLine(e.Summary)), MaxSummaryLen)
	e.Details = truncate(e.Details, MaxDetailsLen)
	e.Source = truncate(strings.TrimSpace(e.Source), MaxSourceLen)
	e.Actor = truncate(strings.TrimSpace(e.Actor), 200)
	e.Note = truncate(e.Note, MaxNoteLen)
	if len(e.Labels) > 0 {
		clean := make(map[string]string, len(e.Labels))
		for k, v := range e.Labels {
			k = truncate(strings.TrimSpace(CleanText(k)), MaxLabelLen)
			if k == "" || len(clean) >= MaxLabels {
				continue
			}
			clean[k] = truncate(CleanText(v), MaxLabelLen)
		}
		e.Labels = clean
	}
	links := e.Links[:0:0]
	for _, l := range e.Links {
		if len(links) >= MaxLinks {
			break
		}
		l.Href = strings.TrimSpace(CleanText(l.Href))
		if l.Href == "" || len(l.Href) > MaxLinkLen {
			continue
		}
		l.Text = truncate(CleanText(l.Text), 200)
		links = append(links, l)
	}
	e.Links = links
}

// Validate checks what the pipeline needs to act on the event.
func (e *AlertEvent) Validate() error {
	switch e.Action {
	case ActionTrigger:
		if e.Summary == "" {
			return Errorf(EINVALID, "summary is required to trigger an alert")
		}
	case ActionAcknowledge, ActionUnacknowledge, ActionResolve, ActionSetSummary, ActionSetDetails, ActionNote:
		if e.DedupKey == "" && e.AlertID == 0 {
			return Errorf(EINVALID, "%s needs a dedup key or an alert id", e.Action)
		}
		if e.Action == ActionSetSummary && e.Summary == "" {
			return Errorf(EINVALID, "message is required")
		}
		if e.Action == ActionNote && strings.TrimSpace(e.Note) == "" {
			return Errorf(EINVALID, "note is empty")
		}
	default:
		return Errorf(EINVALID, "unknown action %q", e.Action)
	}
	if e.Priority != "" && !e.Priority.Valid() {
		return Errorf(EINVALID, "priority %q is not one of P1…P5", e.Priority)
	}
	return nil
}

// EventOutcome is what the pipeline did with one event.
type EventOutcome string

const (
	OutcomeCreated    EventOutcome = "created"    // a new alert
	OutcomeRepeated   EventOutcome = "repeated"   // an open alert's count went up
	OutcomeUpdated    EventOutcome = "updated"    // acknowledged, resolved, edited, noted
	OutcomeSuppressed EventOutcome = "suppressed" // kept, not paged
	OutcomeDropped    EventOutcome = "dropped"    // a rule dropped it, or it named no open alert
)

// EventResult reports the outcome of one event back to the format adapter.
type EventResult struct {
	Outcome  EventOutcome
	AlertID  int64
	DedupKey string
}

// ChangeEvent is a deploy or configuration change reported for a service
// (PagerDuty change events): the timeline incidents and post-mortems look back on.
type ChangeEvent struct {
	ID            int64
	IntegrationID int64
	ServiceID     int64
	Summary       string
	Source        string
	At            time.Time // when the change happened, as the sender says
	Details       string
	Links         []Link
	ReceivedAt    time.Time
}

// IngestRequest records the outcome of an asynchronous Opsgenie request.
type IngestRequest struct {
	ID            string
	IntegrationID int64
	Action        string // Create, Close, Acknowledge…
	Success       bool
	Status        string
	AlertID       int64
	Alias         string
	ProcessedAt   time.Time
}

// AlertFilter selects alerts for the list page and the API.
type AlertFilter struct {
	Statuses   []AlertStatus
	ServiceID  int64
	TeamID     int64
	Priorities []Priority
	Label      string // "key" or "key=value"
	Text       string // matched against summary, source and dedup key
	Sort       string // "newest" (default), "oldest", "priority", "updated"
	Limit      int    // default 50, at most 500
	Offset     int
}

// CleanText removes NUL bytes and replaces invalid UTF-8: text from outside
// must be storable by every engine (PostgreSQL refuses both) and safe to show.
func CleanText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// truncate cuts s to at most n bytes without leaving half a UTF-8 character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
