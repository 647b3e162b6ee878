package tocsin

import "time"

// NotificationKind is why a message is sent.
type NotificationKind string

const (
	NotifyPage     NotificationKind = "page"     // an escalation step pages a person about an alert
	NotifyBundle   NotificationKind = "bundle"   // several pages for one destination, sent as one message
	NotifyChat     NotificationKind = "chat"     // an escalation step posts to a chat channel or webhook
	NotifyStatus   NotificationKind = "status"   // an alert someone was paged about was acknowledged or resolved
	NotifyVerify   NotificationKind = "verify"   // a contact method's verification code
	NotifyTest     NotificationKind = "test"     // "send me a test"
	NotifyReminder NotificationKind = "reminder" // "you are on call from … to …"
	NotifyGap      NotificationKind = "gap"      // a schedule has nobody on call soon
)

// NotificationStatus is where a message is in the outbox.
type NotificationStatus string

const (
	NotificationPending   NotificationStatus = "pending"   // waiting for its time, or for a retry
	NotificationSending   NotificationStatus = "sending"   // claimed by a sender
	NotificationSent      NotificationStatus = "sent"      // the provider accepted it
	NotificationFailed    NotificationStatus = "failed"    // the provider refused it for good, or retries ran out
	NotificationCancelled NotificationStatus = "cancelled" // no longer needed: the alert was acknowledged or resolved
	NotificationBundled   NotificationStatus = "bundled"   // sent inside a bundle message
)

// Notification is one outbox row: a message to send once.
type Notification struct {
	ID              int64
	Key             string // unique: what makes sending twice impossible
	Kind            NotificationKind
	AlertID         int64 // 0: not about one alert
	UserID          int64 // 0: a channel or webhook
	UserName        string
	ContactMethodID int64
	Type            ContactType // how it is sent
	Destination     string      // the address, as sent to
	Text            string      // for verification codes, tests, reminders: the message itself
	Ref             string      // a message to update in place (Slack channel/ts)
	Status          NotificationStatus
	Attempts        int
	NextAttemptAt   time.Time
	ProviderID      string
	Error           string
	BundleID        int64 // the bundle message that carried it
	CreatedAt       time.Time
	SentAt          time.Time
	Step            int // escalation step (from 0), for pages
	RuleID          int64
}

// NotificationFilter narrows the admin list of messages.
type NotificationFilter struct {
	Status  NotificationStatus
	Type    ContactType
	Kind    NotificationKind
	UserID  int64
	AlertID int64
	Before  int64 // id, for paging: older than this
	Limit   int
}
