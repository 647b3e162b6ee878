package chat_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify/chat"
)

func TestDiscord(t *testing.T) {
	f := newFake(t, 200, nil, `{"id":"1234567890","type":0,"content":"x","channel_id":"99"}`)
	id, err := chat.NewDiscord(chat.Options{}).Send(ctx, page(f.URL+"/api/webhooks/1/tok?thread_id=55"))
	if err != nil {
		t.Fatal(err)
	}
	if id != "1234567890" {
		t.Errorf("provider id = %q", id)
	}
	r, v := f.next(t)
	if r.path != "/api/webhooks/1/tok" || r.query != "thread_id=55&wait=true" {
		t.Errorf("%s?%s", r.path, r.query)
	}
	escaped := `\<script\>alert\(1\)\</script\> \*\_\[x\]\(https://evil.example\) \@channel \@everyone`
	subject := `P1 alert \#7 on checkout: ` + escaped
	if got := path(t, v, "content"); got != subject {
		t.Errorf("content = %q", got)
	}
	if got, _ := json.Marshal(path(t, v, "allowed_mentions")); string(got) != `{"parse":[]}` {
		t.Errorf("allowed_mentions = %s", got)
	}
	embed := path(t, v, "embeds", 0)
	wantDesc := `\#7 ` + escaped + "\nService: checkout\n\n" +
		"[**Open the alert**](https://tocsin.example.com/alerts/7) · [**Acknowledge**](https://tocsin.example.com/ack/7?sig=abc)"
	if got := path(t, embed, "description"); got != wantDesc {
		t.Errorf("description =\n%q\nwant\n%q", got, wantDesc)
	}
	if path(t, embed, "title") != subject || path(t, embed, "url") != "https://tocsin.example.com/alerts/7" {
		t.Errorf("embed = %v", embed)
	}
	if path(t, embed, "color") != float64(0xD32F2F) {
		t.Errorf("color = %v", path(t, embed, "color"))
	}
}

func TestDiscordColours(t *testing.T) {
	for _, c := range []struct {
		kind   tocsin.NotificationKind
		p      tocsin.Priority
		status tocsin.AlertStatus
		want   int
	}{
		{tocsin.NotifyPage, tocsin.P2, tocsin.StatusTriggered, 0xF57C00},
		{tocsin.NotifyPage, tocsin.P4, tocsin.StatusTriggered, 0xFBC02D},
		{tocsin.NotifyStatus, tocsin.P1, tocsin.StatusAcknowledged, 0x1976D2},
		{tocsin.NotifyStatus, tocsin.P1, tocsin.StatusResolved, 0x388E3C},
	} {
		f := newFake(t, 200, nil, `{"id":"1"}`)
		m := page(f.URL)
		m.Kind, m.Alert.Priority, m.Alert.Status = c.kind, c.p, c.status
		if _, err := chat.NewDiscord(chat.Options{}).Send(ctx, m); err != nil {
			t.Fatal(err)
		}
		_, v := f.next(t)
		if got := path(t, v, "embeds", 0, "color"); got != float64(c.want) {
			t.Errorf("%s %s %s: color %v, want %v", c.kind, c.p, c.status, got, c.want)
		}
	}
}

func TestDiscordErrors(t *testing.T) {
	send := func(url string) error { _, err := chat.NewDiscord(chat.Options{}).Send(ctx, page(url)); return err }
	checkErrors(t, []errorCase{
		{status: 500, reply: `{"message":"500: Internal Server Error","code":0}`},
		{status: 400, reply: `{"message":"Invalid Form Body","code":50035}`, permanent: true},
		{status: 404, reply: `{"message":"Unknown Webhook","code":10015}`, permanent: true},
		{status: 429, header: map[string]string{"Retry-After": "2"}, reply: `{"message":"You are being rate limited.","retry_after":1.5,"global":false}`, after: 2 * time.Second},
		{status: 429, reply: `{"message":"You are being rate limited.","retry_after":1.5,"global":false}`, after: 1500 * time.Millisecond},
	}, send)
	checkUnreachable(t, send)
}
