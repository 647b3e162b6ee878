package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// Headers Slack signs its requests with.
const (
	HeaderTimestamp = "X-Slack-Request-Timestamp"
	HeaderSignature = "X-Slack-Signature"
)

// MaxInteractionBytes bounds a button click's body. Slack's payload repeats
// the whole message, blocks and all: tens of KB at most.
const MaxInteractionBytes = 1 << 20

// maxSkew is how far a request's timestamp may be from now: further, it is
// a replay (or a clock to fix), as Slack's own verifiers decide.
const maxSkew = 5 * time.Minute

// VerifyRequest checks that a request comes from Slack: X-Slack-Signature is
// "v0=" + hex(HMAC-SHA256(signingSecret, "v0:" + timestamp + ":" + body)),
// over the raw body as received, and the timestamp is within 5 minutes of now.
func VerifyRequest(signingSecret string, header http.Header, body []byte, now time.Time) error {
	if signingSecret == "" {
		return tocsin.Errorf(tocsin.EUNAUTHORIZED, "Slack is not configured on this server: set the Slack signing secret")
	}
	ts, sig := header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	if ts == "" || sig == "" {
		return tocsin.Errorf(tocsin.EUNAUTHORIZED, "missing %s or %s", HeaderTimestamp, HeaderSignature)
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || secs < 0 {
		return tocsin.Errorf(tocsin.EUNAUTHORIZED, "%s is not a Unix time", HeaderTimestamp)
	}
	if d := now.Unix() - secs; d > int64(maxSkew/time.Second) || d < -int64(maxSkew/time.Second) {
		return tocsin.Errorf(tocsin.EUNAUTHORIZED, "%s is more than 5 minutes from now: a replayed request, or a clock to set right", HeaderTimestamp)
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	given, err := hex.DecodeString(hexSig)
	if !ok || err != nil {
		return tocsin.Errorf(tocsin.EUNAUTHORIZED, "%s is not a v0 signature", HeaderSignature)
	}
	mac := hmac.New(sha256.New, []byte(signingSecret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), given) {
		return tocsin.Errorf(tocsin.EUNAUTHORIZED, "%s does not match: check the Slack signing secret", HeaderSignature)
	}
	return nil
}

// Interaction is a button click, from a block_actions payload.
type Interaction struct {
	UserID      string
	UserName    string
	TeamID      string
	ActionID    string // ActionAck, ActionResolve, ActionOpen
	BlockID     string // "alert-42"
	Value       string // the alert id, in decimal
	ChannelID   string
	MessageTS   string // with ChannelID, the message to update
	ResponseURL string
}

// AlertID is the alert the button is about, from its value.
func (i Interaction) AlertID() (int64, error) {
	id, err := strconv.ParseInt(i.Value, 10, 64)
	if err != nil || id <= 0 {
		return 0, tocsin.Errorf(tocsin.EINVALID, "the button's value %.40q is not an alert number", i.Value)
	}
	return id, nil
}

// ParseInteraction reads a button click: a form with one field, payload,
// holding JSON of type block_actions. Check the signature first.
func ParseInteraction(body []byte) (Interaction, error) {
	if len(body) > MaxInteractionBytes {
		return Interaction{}, tocsin.Errorf(tocsin.ETOOLARGE, "the interaction is over %d bytes", MaxInteractionBytes)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return Interaction{}, tocsin.Errorf(tocsin.EINVALID, "the interaction is not a form: %v", err)
	}
	payload := form.Get("payload")
	if payload == "" {
		return Interaction{}, tocsin.Errorf(tocsin.EINVALID, "the interaction has no payload field")
	}
	var p struct {
		Type string `json:"type"`
		User struct {
			ID       string `json:"id"`
			Username string `json:"username"`
			Name     string `json:"name"`
			TeamID   string `json:"team_id"`
		} `json:"user"`
		Team struct {
			ID string `json:"id"`
		} `json:"team"`
		Channel struct {
			ID string `json:"id"`
		} `json:"channel"`
		Container struct {
			MessageTS string `json:"message_ts"`
			ChannelID string `json:"channel_id"`
		} `json:"container"`
		Message struct {
			TS string `json:"ts"`
		} `json:"message"`
		ResponseURL string `json:"response_url"`
		Actions     []struct {
			ActionID string `json:"action_id"`
			BlockID  string `json:"block_id"`
			Value    string `json:"value"`
		} `json:"actions"`
	}
	if err := json.Unmarshal([]byte(payload), &p); err != nil {
		return Interaction{}, tocsin.Errorf(tocsin.EINVALID, "the interaction payload is not JSON: %v", err)
	}
	if p.Type != "block_actions" {
		return Interaction{}, tocsin.Errorf(tocsin.EINVALID, "interactions of type %.40q are not handled, only block_actions", p.Type)
	}
	if len(p.Actions) == 0 {
		return Interaction{}, tocsin.Errorf(tocsin.EINVALID, "the block_actions payload has no action")
	}
	a := p.Actions[0]
	i := Interaction{
		UserID: p.User.ID, UserName: first(p.User.Username, p.User.Name), TeamID: first(p.Team.ID, p.User.TeamID),
		ActionID: a.ActionID, BlockID: a.BlockID, Value: a.Value,
		ChannelID: first(p.Container.ChannelID, p.Channel.ID), MessageTS: first(p.Container.MessageTS, p.Message.TS),
		ResponseURL: p.ResponseURL,
	}
	if i.UserID == "" || i.ActionID == "" {
		return Interaction{}, tocsin.Errorf(tocsin.EINVALID, "the block_actions payload has no user or no action id")
	}
	return i, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
