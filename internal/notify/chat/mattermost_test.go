package chat_test

import (
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify/chat"
)

func TestMattermost(t *testing.T) {
	f := newFake(t, 200, map[string]string{"Content-Type": "text/plain"}, "ok")
	id, err := chat.NewMattermost(chat.Options{}).Send(ctx, page(f.URL+"/hooks/xxx-key"))
	if err != nil || id != "" {
		t.Fatalf("id %q, err %v", id, err)
	}
	r, v := f.next(t)
	if r.path != "/hooks/xxx-key" {
		t.Errorf("path = %q", r.path)
	}
	escaped := `\<script\>alert\(1\)\</script\> \*\_\[x\]\(https://evil.example\) @` + "\u200b" + `channel @` + "\u200b" + `everyone`
	want := `#### :rotating_light: P1 alert \#7 on checkout: ` + escaped + "\n" +
		`\#7 ` + escaped + "  \nService: checkout\n\n" +
		"[**Open the alert**](https://tocsin.example.com/alerts/7) · [**Acknowledge**](https://tocsin.example.com/ack/7?sig=abc)"
	if got := path(t, v, "text"); got != want {
		t.Errorf("text =\n%q\nwant\n%q", got, want)
	}
	if path(t, v, "props", "tocsin_notification_id") != "42" {
		t.Errorf("props = %v", path(t, v, "props"))
	}
}

func TestMattermostResolvedInFrench(t *testing.T) {
	f := newFake(t, 200, nil, "ok")
	m := page(f.URL)
	m.Locale, m.Kind, m.AckURL = "fr", tocsin.NotifyStatus, ""
	m.Alert.Status = tocsin.StatusResolved
	m.Subject, m.Text = "Résolu : #7", ""
	if _, err := chat.NewMattermost(chat.Options{}).Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	_, v := f.next(t)
	want := "#### :white_check_mark: Résolu : \\#7\n\n[**Ouvrir l’alerte**](https://tocsin.example.com/alerts/7)"
	if got := path(t, v, "text"); got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

func TestMattermostErrors(t *testing.T) {
	send := func(url string) error { _, err := chat.NewMattermost(chat.Options{}).Send(ctx, page(url)); return err }
	checkErrors(t, []errorCase{
		{status: 500, reply: `{"id":"web.incoming_webhook.general.app_error","status_code":500}`},
		{status: 400, reply: `{"id":"web.incoming_webhook.parse.app_error","status_code":400}`, permanent: true},
		{status: 404, reply: `{"id":"web.incoming_webhook.invalid.app_error","status_code":404}`, permanent: true},
		{status: 429, header: map[string]string{"Retry-After": "1"}, reply: "limit", after: time.Second},
	}, send)
	checkUnreachable(t, send)
}
