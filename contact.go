package tocsin

import (
	"encoding/json"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// ContactType is a way to reach a person.
type ContactType string

const (
	ContactEmail      ContactType = "email"      // an e-mail address
	ContactSMS        ContactType = "sms"        // an E.164 number
	ContactVoice      ContactType = "voice"      // an E.164 number, called
	ContactSlack      ContactType = "slack"      // a Slack member id (U…), direct message
	ContactNtfy       ContactType = "ntfy"       // an ntfy topic URL, https://ntfy.example.com/topic
	ContactWebPush    ContactType = "webpush"    // a browser's push subscription (JSON)
	ContactTeams      ContactType = "teams"      // a Microsoft Teams incoming-webhook URL
	ContactDiscord    ContactType = "discord"    // a Discord webhook URL
	ContactTelegram   ContactType = "telegram"   // a Telegram chat id
	ContactMattermost ContactType = "mattermost" // a Mattermost incoming-webhook URL
	ContactWebhook    ContactType = "webhook"    // any URL, JSON signed with HMAC-SHA256
)

// ContactTypes lists every contact type, in the order forms offer them.
func ContactTypes() []ContactType {
	return []ContactType{ContactEmail, ContactSMS, ContactVoice, ContactSlack, ContactNtfy, ContactWebPush,
		ContactTeams, ContactDiscord, ContactTelegram, ContactMattermost, ContactWebhook}
}

// Valid reports whether t is a known type.
func (t ContactType) Valid() bool {
	for _, k := range ContactTypes() {
		if k == t {
			return true
		}
	}
	return false
}

// ContactMethod is one address of a person. It is paged only once verified:
// a code sent to it came back.
type ContactMethod struct {
	ID         int64
	UserID     int64
	Name       string // the person's label: "mobile", "work mail"
	Type       ContactType
	Value      string
	Secret     string    // webhook only: the HMAC-SHA256 key; never shown back in full
	VerifiedAt time.Time // zero: not verified, not paged
	CreatedAt  time.Time
}

// Verified reports whether the method may be paged.
func (c *ContactMethod) Verified() bool { return !c.VerifiedAt.IsZero() }

var (
	slackMemberPattern = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)
	telegramChatID     = regexp.MustCompile(`^-?[0-9]{1,20}$`)
	contactNamePattern = regexp.MustCompile(`^[\p{L}\p{N} ._-]{1,40}$`)
)

// Validate checks and normalises the address for its type.
func (c *ContactMethod) Validate() error {
	c.Name = strings.TrimSpace(CleanText(c.Name))
	c.Value = strings.TrimSpace(CleanText(c.Value))
	if !contactNamePattern.MatchString(c.Name) {
		return Errorf(EINVALID, "contact name %q must be 1–40 letters, digits, spaces, '.', '_' or '-'", c.Name)
	}
	if !c.Type.Valid() {
		return Errorf(EINVALID, "contact type %q is unknown", c.Type)
	}
	if c.Value == "" {
		return Errorf(EINVALID, "the %s contact %q has no value", c.Type, c.Name)
	}
	if len(c.Value) > 2000 {
		return Errorf(EINVALID, "the value of contact %q is longer than 2000 characters", c.Name)
	}
	switch c.Type {
	case ContactEmail:
		a, err := mail.ParseAddress(c.Value)
		if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") {
			return Errorf(EINVALID, "%q is not an e-mail address", c.Value)
		}
		c.Value = strings.ToLower(a.Address)
	case ContactSMS, ContactVoice:
		phone, err := NormalizePhone(c.Value)
		if err != nil {
			return err
		}
		c.Value = phone
	case ContactSlack:
		c.Value = strings.ToUpper(c.Value)
		if !slackMemberPattern.MatchString(c.Value) {
			return Errorf(EINVALID, "%q is not a Slack member id: in Slack, open the profile, ⋮, \"Copy member ID\" (U…)", c.Value)
		}
	case ContactTelegram:
		if !telegramChatID.MatchString(c.Value) {
			return Errorf(EINVALID, "%q is not a Telegram chat id (digits, e.g. 123456789)", c.Value)
		}
	case ContactWebPush:
		var sub struct {
			Endpoint string `json:"endpoint"`
			Keys     struct {
				P256dh string `json:"p256dh"`
				Auth   string `json:"auth"`
			} `json:"keys"`
		}
		if err := json.Unmarshal([]byte(c.Value), &sub); err != nil || sub.Keys.P256dh == "" || sub.Keys.Auth == "" {
			return Errorf(EINVALID, "the push subscription is not a browser PushSubscription (endpoint and keys)")
		}
		if u, err := url.Parse(sub.Endpoint); err != nil || u.Scheme != "https" || u.Host == "" {
			return Errorf(EINVALID, "the push subscription's endpoint must be an https URL")
		}
	case ContactNtfy, ContactTeams, ContactDiscord, ContactMattermost, ContactWebhook:
		u, err := url.Parse(c.Value)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return Errorf(EINVALID, "the %s contact needs an http(s) URL, not %q", c.Type, c.Value)
		}
	}
	return nil
}

// Masked shows enough of the value to recognise it: +33 6•• •• 78, a•••@example.com.
func (c *ContactMethod) Masked() string {
	v := c.Value
	switch c.Type {
	case ContactSMS, ContactVoice:
		if len(v) > 6 {
			return v[:4] + strings.Repeat("•", len(v)-6) + v[len(v)-2:]
		}
		return "•••"
	case ContactEmail:
		if at := strings.IndexByte(v, '@'); at > 0 {
			_, first := utf8.DecodeRuneInString(v)
			return v[:first] + "•••" + v[at:]
		}
		return "•••"
	case ContactWebPush:
		return "browser"
	case ContactNtfy, ContactTeams, ContactDiscord, ContactMattermost, ContactWebhook:
		if u, err := url.Parse(v); err == nil {
			return u.Scheme + "://" + u.Host + "/…"
		}
	}
	return v
}

// Urgency splits alerts for personal notification rules: P1–P2 are high, P3–P5 low.
type Urgency string

const (
	UrgencyHigh Urgency = "high"
	UrgencyLow  Urgency = "low"
)

// UrgencyOf is the urgency of a priority.
func UrgencyOf(p Priority) Urgency {
	if p == P1 || p == P2 {
		return UrgencyHigh
	}
	return UrgencyLow
}

// NotificationRule says: for alerts of this urgency, use this contact method
// this long after I am paged.
type NotificationRule struct {
	ID              int64
	UserID          int64
	ContactMethodID int64
	ContactName     string // the method's name, for YAML and forms
	Urgency         Urgency
	Delay           time.Duration
}

// Validate checks a rule.
func (r *NotificationRule) Validate() error {
	if r.Urgency != UrgencyHigh && r.Urgency != UrgencyLow {
		return Errorf(EINVALID, "urgency must be high or low, not %q", r.Urgency)
	}
	if r.Delay < 0 || r.Delay > 2*time.Hour || r.Delay%time.Minute != 0 {
		return Errorf(EINVALID, "a notification rule's delay must be whole minutes from 0 to 2h")
	}
	return nil
}

// NotifyPreferences are a person's other notification choices.
type NotifyPreferences struct {
	// StatusUpdates: tell me when an alert I was paged about is acknowledged or resolved.
	StatusUpdates bool `json:"status_updates,omitempty" yaml:"status_updates,omitempty"`
	// ShiftReminder: how long before each of my on-call shifts to remind me; 0: never.
	ShiftReminder time.Duration `json:"shift_reminder,omitempty" yaml:"shift_reminder,omitempty"`
}

// Validate checks the preferences.
func (p *NotifyPreferences) Validate() error {
	if p.ShiftReminder < 0 || p.ShiftReminder > 7*24*time.Hour || p.ShiftReminder%time.Minute != 0 {
		return Errorf(EINVALID, "the shift reminder must be whole minutes from 0 to 7 days before")
	}
	return nil
}
