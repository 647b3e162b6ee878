package chat

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
)

// Discord posts to a Discord channel webhook.
type Discord struct{ client *http.Client }

var _ notify.Sender = (*Discord)(nil)

// NewDiscord returns a Discord sender.
func NewDiscord(opt Options) *Discord { return &Discord{client: httpClient(opt.Client)} }

// Embed colours.
const (
	discordRed    = 0xD32F2F
	discordOrange = 0xF57C00
	discordYellow = 0xFBC02D
	discordBlue   = 0x1976D2
	discordGreen  = 0x388E3C
	discordGrey   = 0x757575
)

// Send posts m to the webhook URL m.To and returns the message id: with
// wait=true Discord answers only once the message is saved.
func (d *Discord) Send(ctx context.Context, m notify.Message) (string, error) {
	u, err := webhookURL("Discord", m.To)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("wait", "true")
	u.RawQuery = q.Encode()
	resp, reply, err := post(ctx, d.client, "Discord", u, discordMessage(m))
	if err != nil {
		return "", err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := statusError("Discord", resp, reply)
		if resp.StatusCode == http.StatusTooManyRequests && notify.RetryAfter(err) == 0 {
			var limited struct {
				RetryAfter float64 `json:"retry_after"`
			}
			if json.Unmarshal(reply, &limited) == nil && limited.RetryAfter > 0 {
				return "", &notify.RetryAfterError{Err: err, After: delay(limited.RetryAfter)}
			}
		}
		return "", err
	}
	var msg struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(reply, &msg)
	return msg.ID, nil
}

func discordMessage(m notify.Message) map[string]any {
	w := wordsFor(m)
	subject := discordEscape(cut(oneLine(m.Subject), 250))
	desc := discordEscape(cut(chatBody(m), 3500))
	var links []string
	if m.URL != "" {
		links = append(links, "[**"+w.open+"**]("+m.URL+")")
	}
	if m.AckURL != "" {
		links = append(links, "[**"+w.ack+"**]("+m.AckURL+")")
	}
	if len(links) > 0 {
		desc += "\n\n" + strings.Join(links, " · ")
	}
	embed := map[string]any{"title": subject, "description": desc, "color": discordColor(m)}
	if m.URL != "" {
		embed["url"] = m.URL
	}
	return map[string]any{
		"content": subject, // what the phone's notification shows
		"embeds":  []any{embed},
		// Alert text must not ping @everyone, a role or a user.
		"allowed_mentions": map[string]any{"parse": []string{}},
	}
}

func discordColor(m notify.Message) int {
	if m.Alert == nil {
		return discordGrey
	}
	if m.Kind == tocsin.NotifyStatus || m.Alert.Status != tocsin.StatusTriggered {
		switch m.Alert.Status {
		case tocsin.StatusResolved:
			return discordGreen
		case tocsin.StatusAcknowledged:
			return discordBlue
		}
	}
	switch m.Alert.Priority {
	case tocsin.P1:
		return discordRed
	case tocsin.P2:
		return discordOrange
	}
	return discordYellow
}

// discordEscape escapes the characters of Discord's markdown (emphasis,
// spoilers, code, quotes, headings, lists, masked links, mentions); Discord
// drops the backslash before any punctuation.
func discordEscape(s string) string { return escapeMarkdown(s, "\\*_~`|>#-[]()<@") }
