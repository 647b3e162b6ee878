package testkit_test

import (
	"net/smtp"
	"strings"
	"testing"

	"github.com/tocsin/tocsin/internal/testkit"
)

// A multipart message with a quoted-printable text part, a base64 HTML part
// and an encoded subject comes out decoded.
func TestSMTPServerDecodes(t *testing.T) {
	srv := testkit.StartSMTP(t)
	raw := strings.ReplaceAll(`From: a@example.com
To: b@example.com
Subject: =?utf-8?q?D=C3=A9j=C3=A0_vu?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

caf=C3=A9 au lait, une ligne tr=
=C3=A8s longue
--inner
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

PHA+Y2Fmw6k8
L3A+
--inner--
--outer--
`, "\n", "\r\n")
	if err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com", "c@example.com"}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1)
	m := got[0]
	if m.From != "a@example.com" || strings.Join(m.To, ",") != "b@example.com,c@example.com" {
		t.Errorf("envelope = %q → %q", m.From, m.To)
	}
	if m.Subject != "Déjà vu" {
		t.Errorf("subject = %q", m.Subject)
	}
	if m.Text != "café au lait, une ligne très longue" {
		t.Errorf("text = %q", m.Text)
	}
	if m.HTML != "<p>café</p>" {
		t.Errorf("html = %q", m.HTML)
	}
	if !strings.Contains(string(m.Raw), "boundary=\"inner\"") {
		t.Errorf("raw message not kept")
	}
}

func TestSMTPServerRejectsRecipients(t *testing.T) {
	srv := testkit.StartSMTP(t)
	srv.RejectRecipients(550)
	err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "550") {
		t.Fatalf("err = %v, want a 550", err)
	}
	srv.RejectRecipients(451)
	err = smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "451") {
		t.Fatalf("err = %v, want a 451", err)
	}
	srv.RejectRecipients(0)
	if err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte("Subject: ok\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, 1); len(got) != 1 || got[0].Subject != "ok" {
		t.Fatalf("messages = %+v", got)
	}
}

func TestSMTPServerAuth(t *testing.T) {
	srv := testkit.StartSMTP(t)
	srv.RequireAuth("tocsin", "s3cret")
	msg := []byte("Subject: x\r\n\r\nx\r\n")
	if err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, msg); err == nil {
		t.Fatal("sent without AUTH")
	}
	// net/smtp sends PLAIN in clear to 127.0.0.1 only, which this is.
	bad := smtp.PlainAuth("", "tocsin", "wrong", srv.Host)
	if err := smtp.SendMail(srv.Addr(), bad, "a@example.com", []string{"b@example.com"}, msg); err == nil {
		t.Fatal("sent with a wrong password")
	}
	good := smtp.PlainAuth("", "tocsin", "s3cret", srv.Host)
	if err := smtp.SendMail(srv.Addr(), good, "a@example.com", []string{"b@example.com"}, msg); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, 1); got[0].Auth != "tocsin" {
		t.Errorf("auth = %q", got[0].Auth)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}
