// Package email sends messages by SMTP: a plain-text part and an HTML part
// with a button to open the alert and one to acknowledge it.
package email

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/mail"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
)

//go:embed message.html
var templates embed.FS

// Options are the relay's settings (config.Providers' SMTP fields).
type Options struct {
	Host     string
	Port     int // 0: 587, or 465 with TLS "tls"
	Username string
	Password string
	From     string // "Tocsin <tocsin@example.com>"
	// TLS is "starttls" (the default: refuse a relay that does not offer it),
	// "tls" (implicit, port 465) or "none" (a relay on a trusted network, tests).
	TLS       string
	PublicURL string        // its host names the Message-IDs
	Timeout   time.Duration // per connection; 0: 10 s
}

// Sender sends e-mail through one relay.
type Sender struct {
	opt  Options
	html *template.Template
	host string // right-hand side of Message-IDs
}

var _ notify.Sender = (*Sender)(nil)

// New returns a sender; settings are checked by config.Validate, and a bad
// one shows up as a refusal of each message.
func New(opt Options) *Sender {
	if opt.TLS == "" {
		opt.TLS = "starttls"
	}
	if opt.Port == 0 {
		opt.Port = 587
		if opt.TLS == "tls" {
			opt.Port = 465
		}
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	return &Sender{
		opt:  opt,
		html: template.Must(template.ParseFS(templates, "message.html")),
		host: messageIDHost(opt),
	}
}

// messageIDHost is the public URL's host, else the sender's domain, else the machine's name.
func messageIDHost(opt Options) string {
	if u, err := url.Parse(opt.PublicURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	if a, err := mail.ParseAddress(opt.From); err == nil {
		if at := strings.LastIndexByte(a.Address, '@'); at >= 0 {
			return a.Address[at+1:]
		}
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}

// Send delivers m to the address m.To and returns its Message-ID.
func (s *Sender) Send(ctx context.Context, m notify.Message) (string, error) {
	msg, err := s.compose(m)
	if err != nil {
		return "", err
	}
	client, err := s.client()
	if err != nil {
		return "", notify.Permanentf("smtp settings: %v", err)
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return "", classify(fmt.Errorf("smtp %s: %w", client.ServerAddr(), err))
	}
	err = client.SendWithSMTPClient(conn, msg)
	// The relay has the message once DATA is accepted: a failed QUIT must not
	// make the engine send it again.
	_ = client.CloseWithSMTPClient(conn)
	if err != nil {
		return "", classify(fmt.Errorf("smtp %s: %w", client.ServerAddr(), err))
	}
	return msg.GetMessageID(), nil
}

// client makes a go-mail client for one connection.
func (s *Sender) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.opt.Port), gomail.WithTimeout(s.opt.Timeout)}
	switch s.opt.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.opt.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if s.opt.TLS == "none" {
			// The operator chose a relay without TLS: PLAIN is all it can do.
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.opt.Username), gomail.WithPassword(s.opt.Password))
	}
	return gomail.NewClient(s.opt.Host, opts...)
}

// compose builds the message: headers, text part and HTML part.
func (s *Sender) compose(m notify.Message) (*gomail.Msg, error) {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, notify.Permanentf("e-mail address %q: %v", m.To, err)
	}
	from, err := mail.ParseAddress(s.opt.From)
	if err != nil {
		return nil, notify.Permanentf("--smtp-from %q: %v", s.opt.From, err)
	}
	if name := oneLine(m.FromName); name != "" {
		from = &mail.Address{Name: name, Address: from.Address}
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	msg.ToMailAddress(to)
	msg.Subject(oneLine(m.Subject))
	msg.SetMessageIDWithValue(fmt.Sprintf("tocsin-notification-%d@%s", m.ID, s.host))
	msg.SetDate()
	msg.SetUserAgent("Tocsin")
	// RFC 3834: no out-of-office replies to a pager.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	if m.Alert != nil && m.Kind == tocsin.NotifyPage && (m.Alert.Priority == tocsin.P1 || m.Alert.Priority == tocsin.P2) {
		msg.SetImportance(gomail.ImportanceHigh)
	}

	if err := unsubscribeHeaders(msg, m.Unsubscribe); err != nil {
		return nil, err
	}

	w := wordsFor(m.Locale)
	open := w.openAlert
	switch m.Kind {
	case tocsin.NotifyBundle:
		open = w.openAlerts
	case tocsin.NotifyPage, tocsin.NotifyStatus, tocsin.NotifyChat:
	default:
		open = w.openTocsin
	}
	if m.Action != "" {
		open = oneLine(m.Action)
	}
	footer := w.footer
	if m.Unsubscribe != "" {
		footer = w.subscribed
	}
	text := strings.TrimRight(m.Text, "\n")
	if m.URL != "" {
		text += "\n\n" + open + w.colon + m.URL
	}
	if m.AckURL != "" {
		text += "\n" + w.ack + w.colon + m.AckURL
	}
	if m.Unsubscribe != "" {
		text += "\n\n-- \n" + footer + "\n" + w.unsubscribe + w.colon + m.Unsubscribe
	}
	msg.SetBodyString(gomail.TypeTextPlain, text+"\n")

	var html bytes.Buffer
	err = s.html.Execute(&html, map[string]any{
		"Lang":    w.lang,
		"Subject": m.Subject,
		"Lines":   strings.Split(strings.TrimRight(m.Text, "\n"), "\n"),
		"URL":     m.URL,
		"Open":    open,
		"AckURL":  m.AckURL,
		"Ack":     w.ack,
		"Footer":  footer,
		// The one-click address also answers a person's GET with a button.
		"UnsubscribeURL": m.Unsubscribe,
		"Unsubscribe":    w.unsubscribe,
	})
	if err != nil {
		return nil, notify.Permanentf("e-mail template: %v", err)
	}
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return msg, nil
}

// unsubscribeHeaders offers mail clients an unsubscribe button (RFC 2369);
// an https address also takes the one-click POST of RFC 8058, which large
// mailbox providers ask of bulk senders. Nothing when there is no address.
func unsubscribeHeaders(msg *gomail.Msg, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(raw, "<>, \r\n") {
		return notify.Permanentf("unsubscribe address %q is not an http(s) URL", raw)
	}
	if u.Scheme == "https" {
		return msg.SetListUnsubscribeOneClick(raw)
	}
	msg.SetListUnsubscribe(raw)
	return nil
}

// oneLine keeps a header on one line whatever the engine wrote.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// classify tells which SMTP failures are worth retrying: 5xx replies are
// final (550 unknown mailbox, 554 refused), 4xx and network failures are not.
func classify(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		if se.IsTemp() || se.ErrorCode() < 500 {
			return err
		}
		return notify.Permanent(err)
	}
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		// 5xx while connecting or authenticating (535 bad credentials): a
		// setting to fix, not a moment to wait for; the next contact method goes now.
		return notify.Permanent(err)
	}
	return err
}

// words are the few fixed strings the message adds, by language.
type words struct {
	lang, openAlert, openAlerts, openTocsin, ack, footer string
	subscribed, unsubscribe                              string
	colon                                                string // French puts a space before it
}

func wordsFor(locale string) words {
	if strings.HasPrefix(locale, "fr") {
		return words{lang: "fr", openAlert: "Ouvrir l’alerte", openAlerts: "Voir les alertes", openTocsin: "Ouvrir Tocsin",
			ack: "Acquitter", footer: "Message envoyé par Tocsin.", colon: "\u00a0: ",
			subscribed: "Vous recevez ce message parce que vous êtes abonné à cette page de statut.", unsubscribe: "Se désabonner"}
	}
	return words{lang: "en", openAlert: "Open the alert", openAlerts: "See the alerts", openTocsin: "Open Tocsin",
		ack: "Acknowledge", footer: "Sent by Tocsin.", colon: ": ",
		subscribed: "You receive this message because you subscribed to this status page.", unsubscribe: "Unsubscribe"}
}
