// Package slack posts alerts to Slack through the Web API with a bot token
// (chat.postMessage, then chat.update when the alert changes), with buttons to
// acknowledge and resolve, and checks the button clicks Slack sends back.
// Plain net/http and JSON: three methods do not need an SDK.
//
// The bot needs the scopes chat:write (post and update) and im:write (open
// the direct message with a member).
package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin/internal/notify"
)

// Options are the bot messages go out as.
type Options struct {
	APIURL   string // https://slack.com/api/, or a fake
	BotToken string // xoxb-…
	HTTP     *http.Client
}

// Sender posts and updates messages.
type Sender struct {
	api   string
	token string
	http  *http.Client
}

var _ notify.Sender = (*Sender)(nil)

// New returns the sender of the bot.
func New(o Options) *Sender {
	api := o.APIURL
	if api == "" {
		api = "https://slack.com/api/"
	}
	if !strings.HasSuffix(api, "/") {
		api += "/"
	}
	hc := o.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second, Transport: notify.Transport()}
	}
	return &Sender{api: api, token: o.BotToken, http: hc}
}

// memberID is a person (U…, or W… in Enterprise Grid), reached by direct message.
var memberID = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)

// Send posts m to m.To (a channel id, or a member id for a direct message),
// or rewrites the message m.Update ("CHANNEL/TS") in place. It returns the
// message's "CHANNEL/TS", which a later update names.
func (s *Sender) Send(ctx context.Context, m notify.Message) (string, error) {
	msg := compose(m)
	if m.Update != "" {
		channel, ts, ok := strings.Cut(m.Update, "/")
		if !ok || channel == "" || ts == "" {
			return "", notify.Permanentf("slack: %q is not a message to update (CHANNEL/TS)", m.Update)
		}
		msg.Channel, msg.TS = channel, ts
		var r posted
		if err := s.call(ctx, "chat.update", msg, &r); err != nil {
			return "", err
		}
		return r.id(channel, ts), nil
	}
	channel := m.To
	if channel == "" {
		return "", notify.Permanentf("slack: no channel or member to post to")
	}
	if memberID.MatchString(channel) {
		// The direct message between the bot and the member: opened (or
		// found) first, so that the id kept for updates is its D… channel.
		var r struct {
			Channel struct {
				ID string `json:"id"`
			} `json:"channel"`
		}
		if err := s.call(ctx, "conversations.open", map[string]string{"users": channel}, &r); err != nil {
			return "", err
		}
		if r.Channel.ID == "" {
			return "", fmt.Errorf("slack conversations.open: no channel in the reply")
		}
		channel = r.Channel.ID
	}
	msg.Channel = channel
	msg.UnfurlLinks, msg.UnfurlMedia = new(false), new(false)
	var r posted
	if err := s.call(ctx, "chat.postMessage", msg, &r); err != nil {
		return "", err
	}
	if r.TS == "" {
		return "", fmt.Errorf("slack chat.postMessage: no ts in the reply")
	}
	return r.id(channel, ""), nil
}

// posted is the part of chat.postMessage's and chat.update's reply kept.
type posted struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

func (r posted) id(channel, ts string) string {
	if r.Channel != "" {
		channel = r.Channel
	}
	if r.TS != "" {
		ts = r.TS
	}
	return channel + "/" + ts
}

// maxReply bounds what is read of a reply: it echoes the message, blocks and all.
const maxReply = 1 << 20

// call POSTs args as JSON to an API method and decodes a successful reply
// into out. Slack says no with HTTP 200 and {"ok":false,"error":"…"}.
func (s *Sender) call(ctx context.Context, method string, args, out any) error {
	body, err := json.Marshal(args)
	if err != nil {
		return notify.Permanentf("slack %s: %v", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.api+method, bytes.NewReader(body))
	if err != nil {
		return notify.Permanentf("slack %s: %v", method, err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	res, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("slack %s: %w", method, err)
	}
	defer res.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(res.Body, maxReply))
	if err != nil {
		return fmt.Errorf("slack %s: reading the reply: %w", method, err)
	}
	if res.StatusCode == http.StatusTooManyRequests {
		return &notify.RetryAfterError{Err: fmt.Errorf("slack %s: rate limited", method), After: retryAfter(res.Header)}
	}
	if res.StatusCode != http.StatusOK {
		return notify.HTTPStatusError("Slack "+method, res.StatusCode, string(reply))
	}
	var status struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(reply, &status); err != nil {
		return notify.Permanentf("slack %s: the reply is not Slack's JSON (is --slack-api-url right?): %.100q", method, reply)
	}
	if !status.OK {
		return apiError(method, status.Error, res.Header)
	}
	if err := json.Unmarshal(reply, out); err != nil {
		return fmt.Errorf("slack %s: %v", method, err)
	}
	return nil
}

// permanent are the refusals retrying cannot change: the channel, the
// member, the token or the message itself is wrong.
var permanent = map[string]bool{
	"channel_not_found": true, "not_in_channel": true, "is_archived": true, "channel_is_archived": true,
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"token_expired": true, "no_permission": true, "missing_scope": true, "not_allowed_token_type": true,
	"access_denied": true, "team_access_not_granted": true, "ekm_access_denied": true,
	"user_not_found": true, "user_disabled": true, "user_not_visible": true, "users_list_not_supplied": true,
	"msg_too_long": true, "no_text": true, "invalid_blocks": true, "invalid_blocks_format": true,
	"invalid_arguments": true, "invalid_arg_name": true, "invalid_charset": true, "invalid_json": true,
	"json_not_object": true, "too_many_attachments": true, "restricted_action": true,
	"restricted_action_read_only_channel": true, "restricted_action_thread_only_channel": true,
	"restricted_action_non_threadable_channel": true, "method_not_supported_for_channel_type": true,
	"message_not_found": true, "cant_update_message": true, "edit_window_closed": true,
	"is_inactive": true, "cannot_dm_bot": true,
}

// apiError turns Slack's error string into an error of the right kind:
// rate limits wait as told, known refusals are permanent, anything else
// (internal_error, fatal_error, service_unavailable, request_timeout, new
// codes) is retried.
func apiError(method, code string, h http.Header) error {
	err := fmt.Errorf("slack %s: %s", method, code)
	switch {
	case code == "ratelimited" || code == "rate_limited":
		return &notify.RetryAfterError{Err: err, After: retryAfter(h)}
	case permanent[code]:
		return notify.Permanent(err)
	}
	return err
}

// retryAfter reads Slack's Retry-After, in seconds.
func retryAfter(h http.Header) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(min(s, 3600)) * time.Second
}
