package chat_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/notify/chat"
)

const token = "123456:ABC-secret"

func telegram(api string) *chat.Telegram {
	return chat.NewTelegram(chat.TelegramOptions{Token: token, APIURL: api + "/"})
}

func TestTelegram(t *testing.T) {
	f := newFake(t, 200, nil, `{"ok":true,"result":{"message_id":77,"chat":{"id":-100123},"text":"x"}}`)
	id, err := telegram(f.URL).Send(ctx, page("-100123"))
	if err != nil {
		t.Fatal(err)
	}
	if id != "-100123/77" {
		t.Errorf("provider id = %q", id)
	}
	r, v := f.next(t)
	if r.path != "/bot"+token+"/sendMessage" {
		t.Errorf("path = %q", r.path)
	}
	escaped := "&lt;script&gt;alert(1)&lt;/script&gt; *_[x](https://evil.example) @channel @everyone"
	want := "<b>P1 alert #7 on checkout: " + escaped + "</b>\n\n#7 " + escaped + "\nService: checkout"
	if got := path(t, v, "text"); got != want {
		t.Errorf("text =\n%q\nwant\n%q", got, want)
	}
	if path(t, v, "chat_id") != "-100123" || path(t, v, "parse_mode") != "HTML" || path(t, v, "link_preview_options", "is_disabled") != true {
		t.Errorf("message = %s", r.body)
	}
	wantKeys := `{"inline_keyboard":[[{"text":"Open the alert","url":"https://tocsin.example.com/alerts/7"},` +
		`{"text":"Acknowledge","url":"https://tocsin.example.com/ack/7?sig=abc"}]]}`
	if got, _ := json.Marshal(path(t, v, "reply_markup")); string(got) != wantKeys {
		t.Errorf("reply_markup = %s\nwant %s", got, wantKeys)
	}
}

// Telegram refuses a message whose button points at a local address (a
// server without --public-url): the links go in the text instead.
func TestTelegramLocalLinksInText(t *testing.T) {
	f := newFake(t, 200, nil, `{"ok":true,"result":{"message_id":1}}`)
	m := page("42")
	m.Locale = "fr"
	m.URL, m.AckURL = "http://127.0.0.1:8080/alerts/7", "http://localhost:8080/ack/7?a=1&b=2"
	if _, err := telegram(f.URL).Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	_, v := f.next(t)
	if rm, ok := v["reply_markup"]; ok {
		t.Errorf("buttons to local addresses: %v", rm)
	}
	text := path(t, v, "text").(string)
	if !strings.HasSuffix(text, "\nOuvrir l’alerte: http://127.0.0.1:8080/alerts/7\nAcquitter: http://localhost:8080/ack/7?a=1&amp;b=2") {
		t.Errorf("text = %q", text)
	}
}

func TestTelegramErrors(t *testing.T) {
	send := func(url string) error {
		_, err := telegram(strings.TrimSuffix(url, "/hook")).Send(ctx, page("42"))
		return err
	}
	checkErrors(t, []errorCase{
		{status: 400, reply: `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`, permanent: true},
		{status: 403, reply: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`, permanent: true},
		{status: 401, reply: `{"ok":false,"error_code":401,"description":"Unauthorized"}`, permanent: true},
		{status: 429, reply: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`, after: 7 * time.Second},
		{status: 500, reply: `{"ok":false,"error_code":500,"description":"Internal Server Error"}`},
		{status: 502, reply: `<html>Bad Gateway</html>`},
		{status: 400, reply: `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234}}`, permanent: true},
	}, send)

	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := telegram(srv.URL).Send(ctx, page("42"))
	if err == nil || notify.IsPermanent(err) || strings.Contains(err.Error(), "secret") {
		t.Errorf("unreachable: err = %v, want retryable without the token", err)
	}
	if _, err := chat.NewTelegram(chat.TelegramOptions{APIURL: srv.URL}).Send(ctx, page("42")); !notify.IsPermanent(err) {
		t.Errorf("no token: err = %v", err)
	}
}

func TestTelegramMigratedGroupSaysTheNewID(t *testing.T) {
	f := newFake(t, 400, nil, `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234}}`)
	_, err := telegram(f.URL).Send(ctx, page("42"))
	if err == nil || !strings.Contains(err.Error(), "-1001234") {
		t.Errorf("err = %v", err)
	}
}
