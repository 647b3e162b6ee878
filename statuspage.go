package tocsin

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// The public status page: what customers are told. One page per Tocsin
// installation; its objects carry 12-character public ids ([a-z0-9], as
// Statuspage's) so that nothing internal (row ids, service names) leaks.

// StatusPage is the page's settings.
type StatusPage struct {
	PublicID string // the page id in the Statuspage-compatible JSON
	Name     string // the title: "Acme status"
	URL      string // where customers read it: https://status.acme.com (the custom domain)
	LogoURL  string // an image shown beside the title; empty: the name alone
	// Colours, as #rrggbb: the header/links accent and the header's text.
	AccentColor string
	TextColor   string
	Language    string // "en" or "fr": the page's words
	TimeZone    string // IANA: the times shown on the page
	// Host, when set, makes the main listener serve the page at "/" for
	// requests to this host (status.acme.com pointing at Tocsin).
	Host      string
	UpdatedAt time.Time
}

// ComponentStatus is how a component is doing, in Statuspage's value set.
type ComponentStatus string

const (
	ComponentOperational ComponentStatus = "operational"
	ComponentDegraded    ComponentStatus = "degraded_performance"
	ComponentPartial     ComponentStatus = "partial_outage"
	ComponentMajor       ComponentStatus = "major_outage"
	ComponentMaintenance ComponentStatus = "under_maintenance"
)

// ComponentStatuses lists the statuses, best first.
func ComponentStatuses() []ComponentStatus {
	return []ComponentStatus{ComponentOperational, ComponentDegraded, ComponentPartial, ComponentMajor, ComponentMaintenance}
}

// Valid reports whether s is one of ComponentStatuses.
func (s ComponentStatus) Valid() bool {
	for _, v := range ComponentStatuses() {
		if s == v {
			return true
		}
	}
	return false
}

// severity orders statuses for the roll-up: maintenance counts below any
// outage (customers are told about the outage first).
func (s ComponentStatus) severity() int {
	switch s {
	case ComponentDegraded:
		return 2
	case ComponentPartial:
		return 3
	case ComponentMajor:
		return 4
	case ComponentMaintenance:
		return 1
	}
	return 0
}

// Worse reports whether s is worse than t.
func (s ComponentStatus) Worse(t ComponentStatus) bool { return s.severity() > t.severity() }

// Component is one thing customers use (API, dashboard, e-mail delivery), or
// a group of them.
type Component struct {
	ID          int64
	PublicID    string
	Name        string
	Description string
	Group       bool  // a group holds components; its status is its worst child's
	GroupID     int64 // the group this component is in; 0: top level
	Position    int   // order among its siblings
	Status      ComponentStatus
	// OnlyShowIfDegraded hides the component while it is operational.
	OnlyShowIfDegraded bool
	// Showcase: shown on the page (Statuspage's flag); hidden components
	// still appear in the JSON.
	Showcase  bool
	StartDate time.Time // the uptime bars start no earlier than this day; zero: its creation
	// ServiceIDs: open alerts on these services propose a status change.
	ServiceIDs []int64
	// AutoApply applies the proposed status without waiting for a person.
	AutoApply bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks what a person typed.
func (c *Component) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return Errorf(EINVALID, "A component needs a name.")
	}
	if utf8.RuneCountInString(c.Name) > 100 {
		return Errorf(EINVALID, "A component's name has at most 100 characters.")
	}
	if utf8.RuneCountInString(c.Description) > 1000 {
		return Errorf(EINVALID, "A component's description has at most 1,000 characters.")
	}
	if c.Status == "" {
		c.Status = ComponentOperational
	}
	if !c.Status.Valid() {
		return Errorf(EINVALID, "Unknown component status %q: use one of operational, degraded_performance, partial_outage, major_outage, under_maintenance.", c.Status)
	}
	if c.Group && c.GroupID != 0 {
		return Errorf(EINVALID, "A group cannot be inside another group.")
	}
	return nil
}

// IncidentImpact is how bad a public incident is.
type IncidentImpact string

const (
	ImpactNone        IncidentImpact = "none"
	ImpactMinor       IncidentImpact = "minor"
	ImpactMajor       IncidentImpact = "major"
	ImpactCritical    IncidentImpact = "critical"
	ImpactMaintenance IncidentImpact = "maintenance" // scheduled maintenances only
)

// Valid reports whether i is a value a person may choose for an incident.
func (i IncidentImpact) Valid() bool {
	switch i {
	case ImpactNone, ImpactMinor, ImpactMajor, ImpactCritical:
		return true
	}
	return false
}

// IncidentStatus is where a public incident or maintenance stands.
type IncidentStatus string

// Incident statuses.
const (
	IncidentInvestigating IncidentStatus = "investigating"
	IncidentIdentified    IncidentStatus = "identified"
	IncidentMonitoring    IncidentStatus = "monitoring"
	IncidentResolved      IncidentStatus = "resolved"
	IncidentPostmortem    IncidentStatus = "postmortem"
)

// Scheduled maintenance statuses.
const (
	MaintenanceScheduled  IncidentStatus = "scheduled"
	MaintenanceInProgress IncidentStatus = "in_progress"
	MaintenanceVerifying  IncidentStatus = "verifying"
	MaintenanceCompleted  IncidentStatus = "completed"
)

// ValidFor reports whether s is a status of an incident (maintenance false)
// or of a scheduled maintenance (true).
func (s IncidentStatus) ValidFor(maintenance bool) bool {
	if maintenance {
		switch s {
		case MaintenanceScheduled, MaintenanceInProgress, MaintenanceVerifying, MaintenanceCompleted:
			return true
		}
		return false
	}
	switch s {
	case IncidentInvestigating, IncidentIdentified, IncidentMonitoring, IncidentResolved, IncidentPostmortem:
		return true
	}
	return false
}

// Closed reports whether the incident or maintenance is over.
func (s IncidentStatus) Closed() bool {
	return s == IncidentResolved || s == IncidentPostmortem || s == MaintenanceCompleted
}

// StatusIncident is a public incident or a scheduled maintenance (Maintenance
// true), as told on the page. It is distinct from the internal incident
// (roles, timeline) that may have caused it.
type StatusIncident struct {
	ID          int64
	PublicID    string
	Name        string
	Status      IncidentStatus
	Impact      IncidentImpact // ImpactMaintenance for a maintenance
	Maintenance bool
	// ScheduledFor and ScheduledUntil bound a maintenance's window; the
	// engine moves it scheduled → in_progress → completed at these instants
	// unless AutoTransition is off.
	ScheduledFor   time.Time
	ScheduledUntil time.Time
	AutoTransition bool
	// Notify: subscribers are told when a maintenance moves by itself and
	// reminded before it starts; chosen when it is scheduled.
	Notify bool
	// RemindedAt: subscribers were told the maintenance starts soon.
	RemindedAt time.Time
	// Postmortem is a short public post-mortem (Markdown) of a resolved incident.
	Postmortem    string
	ComponentIDs  []int64 // the affected components
	Updates       []StatusUpdate
	CreatedAt     time.Time
	UpdatedAt     time.Time
	StartedAt     time.Time
	MonitoringAt  time.Time
	ResolvedAt    time.Time
	PostmortemAt  time.Time
	CreatedBy     int64 // the member who opened it
	CreatedByName string
}

// StatusUpdate is one entry of a public incident's timeline.
type StatusUpdate struct {
	ID         int64
	PublicID   string
	IncidentID int64
	Status     IncidentStatus
	Body       string // Markdown, rendered sanitised; untrusted
	DisplayAt  time.Time
	// Changes are the component status changes this update made.
	Changes []ComponentChange
	// Notify: subscribers are told about this update.
	Notify     bool
	AuthorID   int64
	AuthorName string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ComponentChange is a component's status change announced by an update.
type ComponentChange struct {
	ComponentID int64
	PublicID    string
	Name        string
	Old         ComponentStatus
	New         ComponentStatus
}

// Status page limits.
const (
	MaxIncidentName   = 200
	MaxUpdateBody     = 20000 // bytes of Markdown
	MaxPostmortemBody = 50000
	UptimeDays        = 90
)

// Validate checks an incident or maintenance as a person typed it.
func (i *StatusIncident) Validate() error {
	i.Name = strings.TrimSpace(i.Name)
	if i.Name == "" {
		return Errorf(EINVALID, "An incident needs a title.")
	}
	if utf8.RuneCountInString(i.Name) > MaxIncidentName {
		return Errorf(EINVALID, "A title has at most %d characters.", MaxIncidentName)
	}
	if len(i.Postmortem) > MaxPostmortemBody {
		return Errorf(EINVALID, "A post-mortem has at most %d bytes.", MaxPostmortemBody)
	}
	if i.Maintenance {
		i.Impact = ImpactMaintenance
		if i.Status == "" {
			i.Status = MaintenanceScheduled
		}
		if i.ScheduledFor.IsZero() || i.ScheduledUntil.IsZero() {
			return Errorf(EINVALID, "A maintenance needs a start and an end.")
		}
		if !i.ScheduledUntil.After(i.ScheduledFor) {
			return Errorf(EINVALID, "A maintenance must end after it starts.")
		}
	} else {
		if i.Status == "" {
			i.Status = IncidentInvestigating
		}
		if i.Impact == "" {
			i.Impact = ImpactMinor
		}
		if !i.Impact.Valid() {
			return Errorf(EINVALID, "Unknown impact %q: use one of none, minor, major, critical.", i.Impact)
		}
	}
	if !i.Status.ValidFor(i.Maintenance) {
		if i.Maintenance {
			return Errorf(EINVALID, "Unknown maintenance status %q: use one of scheduled, in_progress, verifying, completed.", i.Status)
		}
		return Errorf(EINVALID, "Unknown incident status %q: use one of investigating, identified, monitoring, resolved, postmortem.", i.Status)
	}
	return nil
}

// ValidateUpdateBody checks an update's Markdown.
func ValidateUpdateBody(body string) error {
	if strings.TrimSpace(body) == "" {
		return Errorf(EINVALID, "An update needs a message.")
	}
	if len(body) > MaxUpdateBody {
		return Errorf(EINVALID, "An update has at most %d bytes.", MaxUpdateBody)
	}
	return nil
}

// PageIndicator is the page's overall state, in Statuspage's value set.
type PageIndicator string

const (
	IndicatorNone        PageIndicator = "none"
	IndicatorMinor       PageIndicator = "minor"
	IndicatorMajor       PageIndicator = "major"
	IndicatorCritical    PageIndicator = "critical"
	IndicatorMaintenance PageIndicator = "maintenance"
)

// RollUp is the page's indicator from its components' statuses and its
// unresolved incidents' impacts (reference/wire-formats.md §5): the worst
// component status sets it (major_outage → critical, partial_outage → major,
// degraded_performance → minor, all under maintenance → maintenance), and an
// unresolved incident's impact raises it.
func RollUp(components []Component, unresolved []StatusIncident) PageIndicator {
	rank := map[PageIndicator]int{IndicatorNone: 0, IndicatorMaintenance: 1, IndicatorMinor: 2, IndicatorMajor: 3, IndicatorCritical: 4}
	out := IndicatorNone
	raise := func(p PageIndicator) {
		if rank[p] > rank[out] {
			out = p
		}
	}
	leaves, inMaintenance := 0, 0
	for _, c := range components {
		if c.Group {
			continue
		}
		leaves++
		switch c.Status {
		case ComponentMajor:
			raise(IndicatorCritical)
		case ComponentPartial:
			raise(IndicatorMajor)
		case ComponentDegraded:
			raise(IndicatorMinor)
		case ComponentMaintenance:
			inMaintenance++
		}
	}
	for _, i := range unresolved {
		if i.Maintenance || i.Status.Closed() {
			continue
		}
		switch i.Impact {
		case ImpactCritical:
			raise(IndicatorCritical)
		case ImpactMajor:
			raise(IndicatorMajor)
		case ImpactMinor:
			raise(IndicatorMinor)
		}
	}
	if out == IndicatorNone && leaves > 0 && inMaintenance == leaves {
		out = IndicatorMaintenance
	}
	return out
}

// DegradedOnly reports whether a page's minor indicator comes from degraded
// performance alone: no outage, and no unresolved incident whose impact sets
// it. Statuspage then says "Partially Degraded Service", not "Minor Service
// Outage".
func DegradedOnly(components []Component, unresolved []StatusIncident) bool {
	if RollUp(components, unresolved) != IndicatorMinor {
		return false
	}
	for _, i := range unresolved {
		if !i.Maintenance && !i.Status.Closed() && i.Impact == ImpactMinor {
			return false
		}
	}
	return true
}

// RollUpDescription is the blended sentence Statuspage shows for a page: its
// indicator's, or "Partially Degraded Service" when only degraded
// performance sets it (reference/wire-formats.md §5).
func RollUpDescription(components []Component, unresolved []StatusIncident) string {
	if DegradedOnly(components, unresolved) {
		return "Partially Degraded Service"
	}
	return IndicatorDescription(RollUp(components, unresolved))
}

// IndicatorDescription is the blended sentence Statuspage shows for an
// indicator; RollUpDescription tells a page only degraded apart.
func IndicatorDescription(p PageIndicator) string {
	switch p {
	case IndicatorMinor:
		return "Minor Service Outage"
	case IndicatorMajor:
		return "Partial System Outage"
	case IndicatorCritical:
		return "Major System Outage"
	case IndicatorMaintenance:
		return "Service Under Maintenance"
	}
	return "All Systems Operational"
}

// GroupStatus is a group's status: its worst child's.
func GroupStatus(children []Component) ComponentStatus {
	out := ComponentOperational
	all := len(children) > 0
	for _, c := range children {
		if c.Status != ComponentMaintenance {
			all = false
		}
		if c.Status != ComponentMaintenance && c.Status.Worse(out) {
			out = c.Status
		}
	}
	if out == ComponentOperational && all {
		return ComponentMaintenance
	}
	return out
}

// ComponentStatusSpan is a component's status from From until the next span.
type ComponentStatusSpan struct {
	ComponentID int64
	Status      ComponentStatus
	From        time.Time
}

// UptimeDay is one bar of a component's uptime history.
type UptimeDay struct {
	Day time.Time // midnight in the page's time zone
	// Seconds spent in each outage status during the day; maintenance does
	// not count as downtime.
	Degraded, Partial, Major time.Duration
	Known                    bool // the component existed during the day
}

// Uptime is the share of time not in outage: a partial outage counts for
// 30% of its duration and a major one for all of it (Statuspage's weights);
// degraded performance counts as up.
func (d UptimeDay) Uptime(total time.Duration) float64 {
	if total <= 0 {
		return 1
	}
	down := d.Major + d.Partial*3/10
	if down > total {
		down = total
	}
	return 1 - float64(down)/float64(total)
}

// UptimeHistory computes the last `days` days (ending with the day holding
// now, in loc) of a component from its status spans (sorted by From, the
// first one at the component's creation or StartDate), and the percentage of
// uptime over the whole period.
func UptimeHistory(spans []ComponentStatusSpan, days int, now time.Time, loc *time.Location) ([]UptimeDay, float64) {
	if loc == nil {
		loc = time.UTC
	}
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	out := make([]UptimeDay, days)
	var upSum, totalSum float64
	for i := 0; i < days; i++ {
		start := today.AddDate(0, 0, i-days+1)
		end := start.AddDate(0, 0, 1)
		if end.After(now) {
			end = now
		}
		day := UptimeDay{Day: start}
		for j, s := range spans {
			from := s.From
			to := end
			if j+1 < len(spans) {
				to = spans[j+1].From
			}
			if from.Before(start) {
				from = start
			}
			if to.After(end) {
				to = end
			}
			if !to.After(from) {
				continue
			}
			day.Known = true
			switch s.Status {
			case ComponentDegraded:
				day.Degraded += to.Sub(from)
			case ComponentPartial:
				day.Partial += to.Sub(from)
			case ComponentMajor:
				day.Major += to.Sub(from)
			}
		}
		if day.Known {
			known := end.Sub(start)
			if len(spans) > 0 && spans[0].From.After(start) {
				known = end.Sub(spans[0].From)
			}
			totalSum += known.Seconds()
			upSum += day.Uptime(known) * known.Seconds()
		}
		out[i] = day
	}
	if totalSum == 0 {
		return out, 100
	}
	return out, 100 * upSum / totalSum
}

// Subscriber is someone told about the page's incidents and maintenances.
type Subscriber struct {
	ID   int64
	Kind SubscriberKind
	// Address: an e-mail address, or a webhook URL.
	Address string
	// Secret signs webhook deliveries (HMAC-SHA256, as contact webhooks).
	Secret string
	// ComponentIDs limits what they hear about; empty: the whole page.
	ComponentIDs []int64
	// Token identifies them in confirm and unsubscribe links; random.
	Token       string
	ConfirmedAt time.Time // zero until the e-mail's confirm link is followed; webhooks are confirmed at creation
	Locale      string
	CreatedAt   time.Time
}

// SubscriberKind is how a subscriber is told.
type SubscriberKind string

const (
	SubscriberEmail   SubscriberKind = "email"
	SubscriberWebhook SubscriberKind = "webhook"
)

// NotifySubscriber is an outbox row telling a status page subscriber about
// an incident update, a maintenance, or asking them to confirm.
const NotifySubscriber NotificationKind = "subscriber"

// StatusEvent is one entry of the status page's internal timeline: who
// published what wording, when.
type StatusEvent struct {
	ID         int64
	IncidentID int64 // 0 for component or settings changes
	ActorID    int64 // 0: the engine (a maintenance moving by itself, an automatic component status)
	ActorName  string
	Action     string // "incident.created", "update.published", "component.status", "maintenance.started"…
	Text       string // the public wording, or a description of the change
	At         time.Time
}

// StatusSnapshot is everything the public page shows at one instant, read in
// one go: the page renders it into HTML, JSON, feeds and badges without
// asking the database anything else.
type StatusSnapshot struct {
	Page       StatusPage
	Components []Component // groups and components, by position
	// Incidents holds the most recent public incidents (at most
	// MaxSnapshotIncidents) and, separately, Maintenances the most recent
	// scheduled maintenances, each with its updates newest first.
	Incidents    []StatusIncident
	Maintenances []StatusIncident
	// Spans are each component's status history over the last UptimeDays
	// days (the span in force at the start included), oldest first.
	Spans map[int64][]ComponentStatusSpan
	At    time.Time // when it was read
	// Version is the StatusVersion this snapshot shows, read with it: a
	// cache holding it is current while StatusVersion has not moved.
	Version int64
	// NoEmail says the server showing the page sends no e-mail (no SMTP
	// relay is configured): the page offers its feeds instead of a
	// subscription form that would promise a message never sent. Set by
	// that server, not stored.
	NoEmail bool
}

// MaxSnapshotIncidents is how many incidents and maintenances the JSON lists
// (Statuspage lists 50).
const MaxSnapshotIncidents = 50

var (
	colorPattern = regexp.MustCompile(`^#[0-9a-f]{6}$`)
	hostPattern  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*(:[0-9]{1,5})?$`)
)

// Default status page colours: a blue header with white text.
const (
	DefaultAccentColor = "#1f5fbf"
	DefaultTextColor   = "#ffffff"
)

// Validate checks and normalises the page's settings as a person typed them.
func (p *StatusPage) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return Errorf(EINVALID, "The page needs a title.")
	}
	if utf8.RuneCountInString(p.Name) > 100 {
		return Errorf(EINVALID, "The page's title has at most 100 characters.")
	}
	p.URL = strings.TrimRight(strings.TrimSpace(p.URL), "/")
	if err := validatePageURL("The page's address", p.URL); err != nil {
		return err
	}
	p.LogoURL = strings.TrimSpace(p.LogoURL)
	if err := validateLogoURL(p.LogoURL); err != nil {
		return err
	}
	if p.AccentColor == "" {
		p.AccentColor = DefaultAccentColor
	}
	if p.TextColor == "" {
		p.TextColor = DefaultTextColor
	}
	p.AccentColor, p.TextColor = strings.ToLower(strings.TrimSpace(p.AccentColor)), strings.ToLower(strings.TrimSpace(p.TextColor))
	if !colorPattern.MatchString(p.AccentColor) || !colorPattern.MatchString(p.TextColor) {
		return Errorf(EINVALID, "Colours are written #rrggbb, like #1f5fbf.")
	}
	if p.Language == "" {
		p.Language = "en"
	}
	if p.Language != "en" && p.Language != "fr" {
		return Errorf(EINVALID, "Unknown language %q: use en or fr.", p.Language)
	}
	p.TimeZone = strings.TrimSpace(p.TimeZone)
	if p.TimeZone == "" {
		p.TimeZone = "UTC"
	}
	if _, err := LoadZone(p.TimeZone); err != nil {
		return Errorf(EINVALID, "Unknown time zone %q: use an IANA name such as Europe/Paris or UTC.", p.TimeZone)
	}
	p.Host = strings.ToLower(strings.TrimSpace(p.Host))
	if p.Host != "" && (len(p.Host) > 253 || !hostPattern.MatchString(p.Host)) {
		return Errorf(EINVALID, "%q is not a host name: write it as status.example.com, without https:// or a path.", p.Host)
	}
	return nil
}

// validatePageURL accepts "" or an absolute http(s) URL of at most 2,000 bytes.
func validatePageURL(what, s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(s) > 2000 {
		return Errorf(EINVALID, "%s must be an http:// or https:// URL, not %q.", what, s)
	}
	return nil
}

// validateLogoURL accepts "", an https:// URL or a path on the page's own
// site ("/logo.png"): the page's security policy loads images from itself
// and https: only, so an http:// logo would never show.
func validateLogoURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err == nil && u.Scheme == "http" {
		return Errorf(EINVALID, "The logo must be an https:// image or a path on this site such as /logo.png, not %q: the page's security policy only loads https images.", s)
	}
	web := err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
	// "//host/x" and "/\host/x" are other sites to a browser.
	path := err == nil && u.Scheme == "" && u.Host == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.Contains(s, "\\")
	if (!web && !path) || len(s) > 2000 {
		return Errorf(EINVALID, "The logo's address must be an https:// URL or a path on this site such as /logo.png, not %q.", s)
	}
	return nil
}

// Maximum subscriber bounds.
const (
	MaxSubscriberAddress    = 2000 // bytes of a webhook URL; e-mail addresses have 254
	MaxSubscriberComponents = 100
)

// reparses reports whether an address ParseAddress returned is one itself:
// a quoted local part ("a b"@example.com) comes back unquoted and is not,
// and would be refused when read again.
func reparses(address string) bool {
	a, err := mail.ParseAddress(address)
	return err == nil && a.Address == address
}

// Validate checks and normalises a subscriber's address as they typed it.
func (s *Subscriber) Validate() error {
	s.Address = strings.TrimSpace(CleanText(s.Address))
	switch s.Kind {
	case SubscriberEmail:
		a, err := mail.ParseAddress(s.Address)
		if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") || len(a.Address) > 254 || !reparses(a.Address) {
			return Errorf(EINVALID, "%q is not an e-mail address.", s.Address)
		}
		s.Address = strings.ToLower(a.Address)
	case SubscriberWebhook:
		u, err := url.Parse(s.Address)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(s.Address) > MaxSubscriberAddress {
			return Errorf(EINVALID, "A webhook needs an http:// or https:// URL of at most %d characters, not %q.", MaxSubscriberAddress, s.Address)
		}
	default:
		return Errorf(EINVALID, "Unknown subscription %q: use email or webhook.", s.Kind)
	}
	if len(s.ComponentIDs) > MaxSubscriberComponents {
		return Errorf(EINVALID, "A subscription lists at most %d components.", MaxSubscriberComponents)
	}
	if s.Locale != "" && s.Locale != "en" && s.Locale != "fr" {
		return Errorf(EINVALID, "Unknown language %q: use en or fr.", s.Locale)
	}
	return nil
}
