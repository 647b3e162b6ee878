package email_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/testkit"
)

// A status page subscriber's e-mail: from the page's name, with a button
// named by the engine and a one-click unsubscribe (RFC 8058) both in the
// headers, where mail clients show it, and at the foot.
func TestSendSubscriberUpdate(t *testing.T) {
	srv := testkit.StartSMTP(t)
	m := notify.Message{
		ID: 9, Kind: tocsin.NotifySubscriber, To: "ada@example.com", Locale: "en",
		Subject:     "[Acme status] Elevated API errors — Identified",
		Text:        "A bad deploy; rolling back.",
		URL:         "https://status.acme.test/incidents/abc.html",
		Action:      "View the incident",
		Unsubscribe: "https://status.acme.test/unsubscribe/tok123",
		FromName:    "Acme status",
	}
	if _, err := sender(srv).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1)[0]
	for h, want := range map[string]string{
		"List-Unsubscribe":      "<https://status.acme.test/unsubscribe/tok123>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"From":                  `"Acme status" <tocsin@example.com>`,
	} {
		if v := got.Header.Get(h); v != want {
			t.Errorf("%s = %q, want %q", h, v, want)
		}
	}
	wantText := "A bad deploy; rolling back.\n\nView the incident: https://status.acme.test/incidents/abc.html\n\n-- \n" +
		"You receive this message because you subscribed to this status page.\nUnsubscribe: https://status.acme.test/unsubscribe/tok123\n"
	if got.Text != wantText {
		t.Errorf("text =\n%q\nwant\n%q", got.Text, wantText)
	}
	for _, want := range []string{`>View the incident</a>`, `href="https://status.acme.test/unsubscribe/tok123"`, `>Unsubscribe</a>`} {
		if !strings.Contains(got.HTML, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, got.HTML)
		}
	}
}

// RFC 8058's one-click needs https: over http the address is still offered
// (RFC 2369) but no mailbox provider is told to POST to it.
func TestSendUnsubscribeOverHTTP(t *testing.T) {
	srv := testkit.StartSMTP(t)
	m := notify.Message{ID: 10, Kind: tocsin.NotifySubscriber, To: "ada@example.com", Locale: "fr", Subject: "x", Text: "y",
		Unsubscribe: "http://status.acme.test/unsubscribe/tok"}
	if _, err := sender(srv).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1)[0]
	if v := got.Header.Get("List-Unsubscribe"); v != "<http://status.acme.test/unsubscribe/tok>" {
		t.Errorf("List-Unsubscribe = %q", v)
	}
	if v := got.Header.Get("List-Unsubscribe-Post"); v != "" {
		t.Errorf("List-Unsubscribe-Post = %q over http", v)
	}
	if !strings.Contains(got.Text, "Se désabonner\u00a0: http://status.acme.test/unsubscribe/tok") {
		t.Errorf("text lacks the French unsubscribe line:\n%s", got.Text)
	}

	// An address that could break the header is refused for good, and nothing is sent.
	m.Unsubscribe = "https://x.test/a>, <mailto:evil@x.test"
	_, err := sender(srv).Send(context.Background(), m)
	if err == nil || !notify.IsPermanent(err) {
		t.Fatalf("a header-breaking address: err = %v, want permanent", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}
