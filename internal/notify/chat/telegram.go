package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/tocsin/tocsin/internal/notify"
)

// TelegramOptions configure the Telegram sender.
type TelegramOptions struct {
	Token  string       // the bot's token from @BotFather
	APIURL string       // https://api.telegram.org, or a local Bot API server or a fake
	Client *http.Client // nil: 10 s timeout
}

// Telegram sends messages through a Telegram bot.
type Telegram struct {
	token  string
	api    string
	client *http.Client
}

var _ notify.Sender = (*Telegram)(nil)

// NewTelegram returns a Telegram sender.
func NewTelegram(opt TelegramOptions) *Telegram {
	api := strings.TrimRight(opt.APIURL, "/")
	if api == "" {
		api = "https://api.telegram.org"
	}
	return &Telegram{token: opt.Token, api: api, client: httpClient(opt.Client)}
}

// telegramReply is the Bot API's answer to every method.
type telegramReply struct {
	OK          bool   `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter      float64 `json:"retry_after"`
		MigrateToChatID int64   `json:"migrate_to_chat_id"`
	} `json:"parameters"`
	Result struct {
		MessageID int64 `json:"message_id"`
	} `json:"result"`
}

// Send sends m to the chat id m.To and returns "chat/message_id".
func (t *Telegram) Send(ctx context.Context, m notify.Message) (string, error) {
	if t.token == "" {
		return "", notify.Permanentf("no Telegram bot token is configured")
	}
	if m.To == "" {
		return "", notify.Permanentf("Telegram chat id is empty")
	}
	u, err := url.Parse(t.api + "/bot" + t.token + "/sendMessage")
	if err != nil {
		// Not err itself: it quotes the URL, token included.
		return "", notify.Permanentf("telegram: the API URL or the bot token is malformed")
	}
	resp, reply, err := post(ctx, t.client, "Telegram", u, telegramMessage(m))
	if err != nil {
		return "", err
	}
	var r telegramReply
	if json.Unmarshal(reply, &r) != nil {
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return "", statusError("Telegram", resp, reply)
		}
		return "", fmt.Errorf("telegram: unreadable answer (HTTP %d)", resp.StatusCode)
	}
	if r.OK && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return fmt.Sprintf("%s/%d", m.To, r.Result.MessageID), nil
	}
	code := r.ErrorCode
	if code == 0 {
		code = resp.StatusCode
	}
	if r.Parameters.MigrateToChatID != 0 {
		return "", notify.Permanentf("telegram: the group became a supergroup; its chat id is now %d", r.Parameters.MigrateToChatID)
	}
	err = notify.HTTPStatusError("Telegram", code, r.Description)
	if after := delay(r.Parameters.RetryAfter); code == http.StatusTooManyRequests && after > 0 {
		return "", &notify.RetryAfterError{Err: err, After: after}
	}
	return "", err
}

func telegramMessage(m notify.Message) map[string]any {
	w := wordsFor(m)
	text := "<b>" + html.EscapeString(cut(oneLine(m.Subject), 300)) + "</b>"
	if rest := chatBody(m); rest != "" {
		text += "\n\n" + html.EscapeString(cut(rest, 3500))
	}
	var buttons []any
	for _, b := range []struct{ label, url string }{{w.open, m.URL}, {w.ack, m.AckURL}} {
		switch {
		case b.url == "":
		case buttonURL(b.url):
			buttons = append(buttons, map[string]any{"text": b.label, "url": b.url})
		default:
			// Telegram refuses the whole message for a button to a local address.
			text += "\n" + html.EscapeString(b.label) + ": " + html.EscapeString(b.url)
		}
	}
	msg := map[string]any{
		"chat_id":              m.To,
		"text":                 text,
		"parse_mode":           "HTML",
		"link_preview_options": map[string]any{"is_disabled": true},
	}
	if len(buttons) > 0 {
		msg["reply_markup"] = map[string]any{"inline_keyboard": []any{buttons}}
	}
	return msg
}

// buttonURL reports whether Telegram takes u for a button: http(s) to a
// public name or address, not localhost or a private network.
func buttonURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsGlobalUnicast() && !ip.IsPrivate()
	}
	return strings.Contains(host, ".") && host != "localhost" && !strings.HasSuffix(host, ".localhost") &&
		!strings.HasSuffix(host, ".local") && !strings.HasSuffix(host, ".internal")
}
