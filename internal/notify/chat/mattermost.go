package chat

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
)

// Mattermost posts to a Mattermost incoming webhook.
type Mattermost struct{ client *http.Client }

var _ notify.Sender = (*Mattermost)(nil)

// NewMattermost returns a Mattermost sender.
func NewMattermost(opt Options) *Mattermost { return &Mattermost{client: httpClient(opt.Client)} }

// Send posts m to the webhook URL m.To. Mattermost answers "ok", no id.
func (mm *Mattermost) Send(ctx context.Context, m notify.Message) (string, error) {
	u, err := webhookURL("Mattermost", m.To)
	if err != nil {
		return "", err
	}
	resp, reply, err := post(ctx, mm.client, "Mattermost", u, map[string]any{
		"text": mattermostText(m),
		// Where the post came from, for whoever reads it through the API.
		"props": map[string]any{"tocsin_notification_id": strconv.FormatInt(m.ID, 10)},
	})
	if err != nil {
		return "", err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", statusError("Mattermost", resp, reply)
	}
	return "", nil
}

func mattermostText(m notify.Message) string {
	w := wordsFor(m)
	icon := ":bell:"
	switch {
	case m.Alert != nil && m.Alert.Status == tocsin.StatusResolved:
		icon = ":white_check_mark:"
	case m.Alert != nil && m.Alert.Status == tocsin.StatusAcknowledged:
		icon = ":eyes:"
	case urgent(m):
		icon = ":rotating_light:"
	case m.Alert != nil:
		icon = ":warning:"
	}
	var b strings.Builder
	b.WriteString("#### " + icon + " " + mattermostEscape(cut(oneLine(m.Subject), 300)))
	if text := chatBody(m); text != "" {
		// Two spaces before a newline keep the engine's line breaks.
		b.WriteString("\n" + strings.ReplaceAll(mattermostEscape(cut(text, 4000)), "\n", "  \n"))
	}
	var links []string
	if m.URL != "" {
		links = append(links, "[**"+w.open+"**]("+m.URL+")")
	}
	if m.AckURL != "" {
		links = append(links, "[**"+w.ack+"**]("+m.AckURL+")")
	}
	if len(links) > 0 {
		b.WriteString("\n\n" + strings.Join(links, " · "))
	}
	return b.String()
}

// mattermostEscape escapes Mattermost's markdown punctuation, and breaks
// @-mentions (@channel, @all, @here, @someone) with a zero-width space: a
// backslash does not stop them.
func mattermostEscape(s string) string {
	s = escapeMarkdown(s, "\\`*_{}[]()#+-!|<>~")
	return strings.ReplaceAll(s, "@", "@\u200b")
}
