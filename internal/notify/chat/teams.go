package chat

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin/internal/notify"
)

// Teams posts Adaptive Cards to a Microsoft Teams incoming webhook (a
// Workflows "post to a channel when a webhook request is received" URL, or
// a legacy connector URL).
type Teams struct{ client *http.Client }

var _ notify.Sender = (*Teams)(nil)

// NewTeams returns a Teams sender.
func NewTeams(opt Options) *Teams { return &Teams{client: httpClient(opt.Client)} }

// teamsFailure is how a legacy connector reports, with HTTP 200, that Teams refused.
var teamsFailure = regexp.MustCompile(`returned HTTP error (\d{3})`)

// Send posts m to the webhook URL m.To. Teams returns no message id.
func (t *Teams) Send(ctx context.Context, m notify.Message) (string, error) {
	u, err := webhookURL("Teams", m.To)
	if err != nil {
		return "", err
	}
	resp, reply, err := post(ctx, t.client, "Teams", u, teamsCard(m))
	if err != nil {
		return "", err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", statusError("Teams", resp, reply)
	}
	if body := string(reply); strings.Contains(body, "delivery failed") {
		status := http.StatusBadGateway // unknown: retry
		if sub := teamsFailure.FindStringSubmatch(body); sub != nil {
			status, _ = strconv.Atoi(sub[1])
		}
		return "", notify.HTTPStatusError("Teams", status, body)
	}
	return "", nil
}

// teamsCard is the message envelope holding one Adaptive Card 1.4.
func teamsCard(m notify.Message) map[string]any {
	w := wordsFor(m)
	title := map[string]any{
		"type": "TextBlock", "text": teamsEscape(cut(oneLine(m.Subject), 300)),
		"weight": "Bolder", "size": "Medium", "wrap": true,
	}
	if urgent(m) {
		title["color"] = "Attention"
	}
	body := []any{title}
	if text := chatBody(m); text != "" {
		body = append(body, map[string]any{
			// TextBlock markdown needs a blank line for a line break.
			"type": "TextBlock", "text": strings.ReplaceAll(teamsEscape(cut(text, 4000)), "\n", "\n\n"), "wrap": true,
		})
	}
	var actions []any
	if m.URL != "" {
		actions = append(actions, map[string]any{"type": "Action.OpenUrl", "title": w.open, "url": m.URL})
	}
	if m.AckURL != "" {
		actions = append(actions, map[string]any{"type": "Action.OpenUrl", "title": w.ack, "url": m.AckURL, "style": "positive"})
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
		"msteams": map[string]any{"width": "Full"},
	}
	if len(actions) > 0 {
		card["actions"] = actions
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content":     card,
		}},
	}
}

// teamsEscape keeps alert text from forming the markdown TextBlocks know:
// emphasis and links (a hostile summary could otherwise show a link to
// anywhere under an innocent label).
func teamsEscape(s string) string { return escapeMarkdown(s, "\\*_[]") }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
