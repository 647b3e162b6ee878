package email_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/notify/email"
	"github.com/tocsin/tocsin/internal/testkit"
)

func sender(srv *testkit.SMTPServer) *email.Sender {
	return email.New(email.Options{
		Host: srv.Host, Port: srv.Port, TLS: "none",
		From: "Tocsin <tocsin@example.com>", PublicURL: "https://tocsin.example.com",
	})
}

func page() notify.Message {
	return notify.Message{
		ID:      42,
		Kind:    tocsin.NotifyPage,
		To:      "Ada <ada@example.com>",
		Locale:  "en",
		Subject: `[P1] #7 <script>alert(1)</script> disk full`,
		Text:    "#7 <script>alert(1)</script> disk full on db1\nService: checkout & payments",
		URL:     "https://tocsin.example.com/alerts/7",
		AckURL:  "https://tocsin.example.com/ack/7?sig=abc&exp=1",
		Alert:   &tocsin.Alert{ID: 7, Priority: tocsin.P1, Summary: "<script>alert(1)</script> disk full"},
	}
}

func TestSendPage(t *testing.T) {
	srv := testkit.StartSMTP(t)
	id, err := sender(srv).Send(context.Background(), page())
	if err != nil {
		t.Fatal(err)
	}
	if id != "<tocsin-notification-42@tocsin.example.com>" {
		t.Errorf("provider id = %q", id)
	}
	m := srv.WaitFor(t, 1)[0]
	if m.From != "tocsin@example.com" || len(m.To) != 1 || m.To[0] != "ada@example.com" {
		t.Errorf("envelope %q → %q", m.From, m.To)
	}
	if got := m.Header.Get("Message-Id"); got != id {
		t.Errorf("Message-ID = %q, want %q", got, id)
	}
	if m.Subject != page().Subject {
		t.Errorf("subject = %q", m.Subject)
	}
	for h, want := range map[string]string{"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All", "Importance": "high"} {
		if got := m.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	wantText := page().Text + "\n\nOpen the alert: https://tocsin.example.com/alerts/7\nAcknowledge: https://tocsin.example.com/ack/7?sig=abc&exp=1\n"
	if m.Text != wantText {
		t.Errorf("text =\n%q\nwant\n%q", m.Text, wantText)
	}
	if strings.Contains(m.HTML, "<script>") {
		t.Errorf("HTML part carries the alert's markup unescaped:\n%s", m.HTML)
	}
	for _, want := range []string{
		`&lt;script&gt;alert(1)&lt;/script&gt; disk full on db1<br>`,
		`checkout &amp; payments`,
		`<html lang="en">`,
		`href="https://tocsin.example.com/alerts/7"`, `>Open the alert</a>`,
		`href="https://tocsin.example.com/ack/7?sig=abc&amp;exp=1"`, `>Acknowledge</a>`,
	} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, m.HTML)
		}
	}
}

func TestSendFrenchWithoutAck(t *testing.T) {
	srv := testkit.StartSMTP(t)
	m := page()
	m.Locale, m.AckURL, m.Kind = "fr", "", tocsin.NotifyStatus
	m.Subject, m.Text = "Résolu : #7 disque plein", "L’alerte #7 a été résolue par Ada."
	if _, err := sender(srv).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1)[0]
	if got.Subject != m.Subject {
		t.Errorf("subject = %q", got.Subject)
	}
	if got.Text != m.Text+"\n\nOuvrir l’alerte\u00a0: https://tocsin.example.com/alerts/7\n" {
		t.Errorf("text = %q", got.Text)
	}
	if !strings.Contains(got.HTML, `<html lang="fr">`) || !strings.Contains(got.HTML, "Ouvrir l’alerte</a>") {
		t.Errorf("HTML not in French:\n%s", got.HTML)
	}
	if strings.Contains(got.HTML, "Acquitter") || strings.Contains(got.Text, "Acquitter") {
		t.Errorf("an Acknowledge link without an AckURL")
	}
	if got.Header.Get("Importance") != "" {
		t.Errorf("a status update marked important")
	}
}

func TestAuth(t *testing.T) {
	srv := testkit.StartSMTP(t)
	srv.RequireAuth("tocsin", "s3cret")
	opt := email.Options{Host: srv.Host, Port: srv.Port, TLS: "none", From: "tocsin@example.com", Username: "tocsin", Password: "s3cret"}
	if _, err := email.New(opt).Send(context.Background(), page()); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, 1)[0].Auth; got != "tocsin" {
		t.Errorf("authenticated as %q", got)
	}
	opt.Password = "wrong"
	_, err := email.New(opt).Send(context.Background(), page())
	if err == nil || !notify.IsPermanent(err) {
		t.Errorf("bad password: err = %v, want a permanent error", err)
	}
}

func TestErrors(t *testing.T) {
	srv := testkit.StartSMTP(t)
	s := sender(srv)
	ctx := context.Background()

	srv.RejectRecipients(550)
	_, err := s.Send(ctx, page())
	if err == nil || !notify.IsPermanent(err) || !strings.Contains(err.Error(), "550") {
		t.Errorf("550: err = %v, want permanent", err)
	}

	srv.RejectRecipients(451)
	_, err = s.Send(ctx, page())
	if err == nil || notify.IsPermanent(err) {
		t.Errorf("451: err = %v, want retryable", err)
	}

	m := page()
	m.To = "not an address"
	if _, err := s.Send(ctx, m); err == nil || !notify.IsPermanent(err) {
		t.Errorf("bad address: err = %v, want permanent", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages delivered", n)
	}
}

func TestConnectionRefusedIsRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := email.New(email.Options{Host: "127.0.0.1", Port: port, TLS: "none", From: "tocsin@example.com"})
	_, err = s.Send(context.Background(), page())
	if err == nil || notify.IsPermanent(err) {
		t.Errorf("err = %v, want retryable", err)
	}
}

// STARTTLS is the default, and a relay that does not offer it gets nothing:
// no silent fall back to sending the password in clear.
func TestStartTLSRequired(t *testing.T) {
	srv := testkit.StartSMTP(t)
	s := email.New(email.Options{Host: srv.Host, Port: srv.Port, From: "tocsin@example.com", Username: "u", Password: "p"})
	if _, err := s.Send(context.Background(), page()); err == nil {
		t.Fatal("sent without STARTTLS")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages delivered", n)
	}
}
