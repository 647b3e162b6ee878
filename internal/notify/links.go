package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// AckLinkLifetime is how long an acknowledgement link in an e-mail or a push works.
const AckLinkLifetime = 24 * time.Hour

// LinkSigner makes and checks the signed links of e-mails and pushes: who
// (user) may act on which alert, until when. A link only opens a confirmation
// page; the action needs a POST from it, so a link scanner's GET does nothing.
type LinkSigner struct{ Key []byte }

// Sign returns a URL-safe token for the alert and user, valid until expires.
func (s LinkSigner) Sign(alertID, userID int64, expires time.Time) string {
	b := make([]byte, 24, 24+32)
	binary.BigEndian.PutUint64(b[0:], uint64(alertID))
	binary.BigEndian.PutUint64(b[8:], uint64(userID))
	binary.BigEndian.PutUint64(b[16:], uint64(expires.Unix()))
	mac := hmac.New(sha256.New, s.Key)
	mac.Write(b)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(b)[:24+16])
}

// ErrBadLink is the one error for a token that is forged, damaged or expired:
// which of them is not said.
var ErrBadLink = errors.New("this link is not valid or has expired")

// Verify checks a token and returns the alert and user it names.
func (s LinkSigner) Verify(token string, now time.Time) (alertID, userID int64, err error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 24+16 {
		return 0, 0, ErrBadLink
	}
	mac := hmac.New(sha256.New, s.Key)
	mac.Write(b[:24])
	if !hmac.Equal(mac.Sum(nil)[:16], b[24:]) {
		return 0, 0, ErrBadLink
	}
	if now.Unix() > int64(binary.BigEndian.Uint64(b[16:])) {
		return 0, 0, ErrBadLink
	}
	return int64(binary.BigEndian.Uint64(b[0:])), int64(binary.BigEndian.Uint64(b[8:])), nil
}
