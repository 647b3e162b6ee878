package chat_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify/chat"
)

func TestTeams(t *testing.T) {
	f := newFake(t, 200, nil, "1")
	id, err := chat.NewTeams(chat.Options{}).Send(ctx, page(f.URL+"/webhookb2/abc"))
	if err != nil || id != "" {
		t.Fatalf("id %q, err %v", id, err)
	}
	r, v := f.next(t)
	if r.path != "/webhookb2/abc" {
		t.Errorf("path = %q", r.path)
	}
	if path(t, v, "type") != "message" || path(t, v, "attachments", 0, "contentType") != "application/vnd.microsoft.card.adaptive" {
		t.Errorf("envelope = %s", r.body)
	}
	card := path(t, v, "attachments", 0, "content")
	if path(t, card, "type") != "AdaptiveCard" || path(t, card, "version") != "1.4" {
		t.Errorf("card = %v", card)
	}
	escaped := `<script>alert(1)</script> \*\_\[x\](https://evil.example) @channel @everyone`
	if got := path(t, card, "body", 0, "text"); got != `P1 alert #7 on checkout: `+escaped {
		t.Errorf("title = %q", got)
	}
	if path(t, card, "body", 0, "color") != "Attention" || path(t, card, "body", 0, "weight") != "Bolder" {
		t.Errorf("title block = %v", path(t, card, "body", 0))
	}
	if got := path(t, card, "body", 1, "text"); got != "#7 "+escaped+"\n\nService: checkout" {
		t.Errorf("text = %q", got)
	}
	want := `[{"title":"Open the alert","type":"Action.OpenUrl","url":"https://tocsin.example.com/alerts/7"},` +
		`{"style":"positive","title":"Acknowledge","type":"Action.OpenUrl","url":"https://tocsin.example.com/ack/7?sig=abc"}]`
	if got, _ := json.Marshal(path(t, card, "actions")); string(got) != want {
		t.Errorf("actions = %s\nwant %s", got, want)
	}
}

func TestTeamsFrenchNoAck(t *testing.T) {
	f := newFake(t, 202, nil, "")
	m := page(f.URL)
	m.Locale, m.AckURL, m.Kind = "fr", "", tocsin.NotifyStatus
	if _, err := chat.NewTeams(chat.Options{}).Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	_, v := f.next(t)
	card := path(t, v, "attachments", 0, "content")
	actions := path(t, card, "actions").([]any)
	if len(actions) != 1 || path(t, actions, 0, "title") != "Ouvrir l’alerte" {
		t.Errorf("actions = %v", actions)
	}
	if c := path(t, card, "body", 0, "color"); c != nil {
		t.Errorf("a status update coloured %v", c)
	}
}

func TestTeamsErrors(t *testing.T) {
	send := func(url string) error { _, err := chat.NewTeams(chat.Options{}).Send(ctx, page(url)); return err }
	checkErrors(t, []errorCase{
		{status: 500, reply: "oops"},
		{status: 400, reply: "Bad payload", permanent: true},
		{status: 404, reply: "gone", permanent: true},
		{status: 429, header: map[string]string{"Retry-After": "9"}, after: 9 * time.Second},
		// Legacy connectors wrap Teams' answer in a 200.
		{status: 200, reply: "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId x"},
		{status: 200, reply: "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 400 with ContextId x", permanent: true},
		{status: 200, reply: "Webhook message delivery failed with error: Error contacting Microsoft Teams endpoint"},
	}, send)
	checkUnreachable(t, send)
}

func TestTeamsLongTextIsCut(t *testing.T) {
	f := newFake(t, 200, nil, "1")
	m := page(f.URL)
	m.Text = strings.Repeat("a", 10000)
	if _, err := chat.NewTeams(chat.Options{}).Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	r, _ := f.next(t)
	if len(r.body) > 6000 { // Teams refuses messages over 28 KB
		t.Errorf("body of %d bytes", len(r.body))
	}
}
