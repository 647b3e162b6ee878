package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/tocsin/tocsin"
)

// AckLinkLifetime is how long an acknowledgement link in an e-mail or a push works.
const AckLinkLifetime = 24 * time.Hour

// LinkSigner makes and checks the signed links of e-mails and pushes: who
// (user) may act on which alert, until when. A link only opens a confirmation
// page; the action needs a POST from it, so a link scanner's GET does nothing.
type LinkSigner struct{ Key []byte }

// linkChannels are the channels a link can arrive by, numbered in the token.
// The number is signed with the rest: the timeline says truthfully whether
// the person acted from an e-mail, a push or a chat message.
func linkChannels() []tocsin.Channel {
	return []tocsin.Channel{tocsin.ChannelEmail, tocsin.ChannelPush, tocsin.ChannelChat, tocsin.ChannelWebhook}
}

// Sign returns a URL-safe token for the alert and user, valid until expires,
// for a link sent through via (e-mail, push, chat or webhook).
func (s LinkSigner) Sign(alertID, userID int64, via tocsin.Channel, expires time.Time) string {
	b := make([]byte, 25, 25+32)
	binary.BigEndian.PutUint64(b[0:], uint64(alertID))
	binary.BigEndian.PutUint64(b[8:], uint64(userID))
	binary.BigEndian.PutUint64(b[16:], uint64(expires.Unix()))
	for i, c := range linkChannels() {
		if c == via {
			b[24] = byte(i)
		}
	}
	mac := hmac.New(sha256.New, s.Key)
	mac.Write(b)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(b)[:25+16])
}

// ErrBadLink is the one error for a token that is forged, damaged or expired:
// which of them is not said.
var ErrBadLink = errors.New("this link is not valid or has expired")

// Link is what a valid token names.
type Link struct {
	AlertID, UserID int64
	Via             tocsin.Channel // how the link reached the person
}

// Verify checks a token and returns what it names.
func (s LinkSigner) Verify(token string, now time.Time) (Link, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 25+16 {
		return Link{}, ErrBadLink
	}
	mac := hmac.New(sha256.New, s.Key)
	mac.Write(b[:25])
	if !hmac.Equal(mac.Sum(nil)[:16], b[25:]) {
		return Link{}, ErrBadLink
	}
	if now.Unix() > int64(binary.BigEndian.Uint64(b[16:])) {
		return Link{}, ErrBadLink
	}
	channels := linkChannels()
	if int(b[24]) >= len(channels) {
		return Link{}, ErrBadLink
	}
	return Link{AlertID: int64(binary.BigEndian.Uint64(b[0:])), UserID: int64(binary.BigEndian.Uint64(b[8:])), Via: channels[b[24]]}, nil
}
