package main

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/app"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/store"
)

type serveCmd struct {
	database
	Listen     string  `env:"TOCSIN_LISTEN" default:"127.0.0.1:8080" help:"Address to serve HTTP on."`
	PublicURL  string  `name:"public-url" env:"TOCSIN_PUBLIC_URL" help:"URL users and tools reach this server at (default: from --listen)."`
	RateLimit  float64 `name:"rate-limit" env:"TOCSIN_RATE_LIMIT" default:"200" help:"Ingest requests per second per integration key (0: unlimited)."`
	RateBurst  int     `name:"rate-burst" env:"TOCSIN_RATE_BURST" default:"1000" help:"Requests a key may send at once above --rate-limit."`
	LogLevel   string  `name:"log-level" env:"TOCSIN_LOG_LEVEL" default:"info" help:"debug, info, warn or error."`
	LogFormat  string  `name:"log-format" env:"TOCSIN_LOG_FORMAT" default:"text" help:"text or json."`
	AdminEmail string  `name:"admin-email" env:"TOCSIN_ADMIN_EMAIL" default:"admin@localhost.localdomain" help:"E-mail of the admin created at first start."`
	Demo       bool    `help:"Load a demo organisation (teams, services, integrations, sample alerts) and print the demo admin's login."`
	// TrustedProxy: behind a reverse proxy every request comes from its
	// address; the login and subscription limits must count clients.
	TrustedProxy []string `name:"trusted-proxy" env:"TOCSIN_TRUSTED_PROXIES" sep:"," help:"Address or network (10.0.0.0/8) of a reverse proxy in front of Tocsin whose X-Forwarded-For header names the client; repeat, or separate with commas. Without it, the proxy's address counts as the client's."`
	twilioFlags
	providerFlags
	statusFlags
}

// providerFlags say where pages go out (docs/notifications.md). Secrets are
// best given in the environment.
type providerFlags struct {
	SMTPHost     string `name:"smtp-host" env:"TOCSIN_SMTP_HOST" help:"SMTP relay for e-mail (empty: no e-mail)."`
	SMTPPort     int    `name:"smtp-port" env:"TOCSIN_SMTP_PORT" default:"587" help:"SMTP port: 587 (STARTTLS), 465 (TLS) or 25."`
	SMTPUsername string `name:"smtp-username" env:"TOCSIN_SMTP_USERNAME" help:"SMTP user name, if the relay wants one."`
	SMTPPassword string `name:"smtp-password" env:"TOCSIN_SMTP_PASSWORD" help:"SMTP password (prefer the environment variable)."`
	SMTPFrom     string `name:"smtp-from" env:"TOCSIN_SMTP_FROM" help:"Sender of e-mails, e.g. \"Tocsin <tocsin@example.com>\"."`
	SMTPTLS      string `name:"smtp-tls" env:"TOCSIN_SMTP_TLS" default:"starttls" help:"starttls, tls or none (a relay on a trusted network only)."`

	TwilioAccountSID string `name:"twilio-account-sid" env:"TOCSIN_TWILIO_ACCOUNT_SID" help:"Twilio account SID (AC…): enables SMS and voice pages, with --twilio-auth-token and --twilio-from."`
	TwilioFrom       string `name:"twilio-from" env:"TOCSIN_TWILIO_FROM" help:"Number SMS and calls come from (E.164), or a messaging service SID (MG…) for SMS."`
	TwilioAPIURL     string `name:"twilio-api-url" env:"TOCSIN_TWILIO_API_URL" default:"https://api.twilio.com" help:"Twilio's API base URL, or a Twilio-compatible provider's."`

	SlackBotToken      string `name:"slack-bot-token" env:"TOCSIN_SLACK_BOT_TOKEN" help:"Slack bot token (xoxb-…): direct messages, channel posts with buttons."`
	SlackSigningSecret string `name:"slack-signing-secret" env:"TOCSIN_SLACK_SIGNING_SECRET" help:"Slack signing secret: checks button clicks sent to /slack/interactions."`
	SlackAPIURL        string `name:"slack-api-url" env:"TOCSIN_SLACK_API_URL" default:"https://slack.com/api/" help:"Slack Web API base URL."`

	TelegramBotToken string `name:"telegram-bot-token" env:"TOCSIN_TELEGRAM_BOT_TOKEN" help:"Telegram bot token: messages to Telegram chats."`
	TelegramAPIURL   string `name:"telegram-api-url" env:"TOCSIN_TELEGRAM_API_URL" default:"https://api.telegram.org" help:"Telegram Bot API base URL."`

	NtfyToken string `name:"ntfy-token" env:"TOCSIN_NTFY_TOKEN" help:"Bearer token for a protected ntfy server."`

	VAPIDPublicKey  string `name:"vapid-public-key" env:"TOCSIN_VAPID_PUBLIC_KEY" help:"Web Push VAPID public key (default: generated at first start and kept in the database)."`
	VAPIDPrivateKey string `name:"vapid-private-key" env:"TOCSIN_VAPID_PRIVATE_KEY" help:"Web Push VAPID private key."`
	VAPIDSubject    string `name:"vapid-subject" env:"TOCSIN_VAPID_SUBJECT" help:"Contact given to push services (mailto: or https:; default: the public URL)."`
}

// apply copies the flags into the configuration.
func (f providerFlags) apply(cfg *config.Config) {
	cfg.Providers = config.Providers{
		SMTPHost: f.SMTPHost, SMTPPort: f.SMTPPort, SMTPUsername: f.SMTPUsername, SMTPPassword: f.SMTPPassword, SMTPFrom: f.SMTPFrom, SMTPTLS: f.SMTPTLS,
		TwilioAccountSID: f.TwilioAccountSID, TwilioFrom: f.TwilioFrom, TwilioAPIURL: f.TwilioAPIURL,
		SlackBotToken: f.SlackBotToken, SlackSigningSecret: f.SlackSigningSecret, SlackAPIURL: f.SlackAPIURL,
		TelegramBotToken: f.TelegramBotToken, TelegramAPIURL: f.TelegramAPIURL, NtfyToken: f.NtfyToken,
		VAPIDPublicKey: f.VAPIDPublicKey, VAPIDPrivateKey: f.VAPIDPrivateKey, VAPIDSubject: f.VAPIDSubject,
	}
}

// twilioFlags configure the on-call phone number (docs/twilio.md).
type twilioFlags struct {
	TwilioAuthToken string `name:"twilio-auth-token" env:"TOCSIN_TWILIO_AUTH_TOKEN" help:"Twilio auth token: checks the signature of Twilio's requests to /twilio/… (prefer the environment variable)."`
	OncallFallback  string `name:"oncall-fallback-number" env:"TOCSIN_ONCALL_FALLBACK_NUMBER" help:"Number the on-call phone number dials when nobody on call answers or can be reached (international form, e.g. +33612345678)."`
	TwilioRing      int    `name:"twilio-ring-timeout" env:"TOCSIN_TWILIO_RING_TIMEOUT" default:"20" help:"Seconds each on-call phone rings before the next one is dialled (5 to 60)."`
	TwiMLPublishDir string `name:"twiml-publish-dir" env:"TOCSIN_TWIML_PUBLISH_DIR" help:"Folder to write each schedule's static fallback TwiML to, for a static host that does not depend on this server."`
	TwiMLPublishURL string `name:"twiml-publish-url" env:"TOCSIN_TWIML_PUBLISH_URL" help:"Base URL to PUT each schedule's static fallback TwiML under (S3-compatible bucket, WebDAV)."`
}

// apply copies the flags into the configuration.
func (f twilioFlags) apply(cfg *config.Config) {
	cfg.TwilioAuthToken, cfg.OncallFallback, cfg.TwilioRing = f.TwilioAuthToken, f.OncallFallback, f.TwilioRing
	cfg.TwiMLPublishDir, cfg.TwiMLPublishURL = f.TwiMLPublishDir, f.TwiMLPublishURL
}

func (s *serveCmd) Run(ctx context.Context, out io.Writer) error {
	cfg := s.config()
	cfg.Listen, cfg.PublicURL, cfg.RateLimit, cfg.RateBurst, cfg.LogLevel, cfg.LogFormat = s.Listen, s.PublicURL, s.RateLimit, s.RateBurst, s.LogLevel, s.LogFormat
	s.twilioFlags.apply(&cfg)
	s.providerFlags.apply(&cfg)
	s.statusFlags.apply(&cfg)
	var err error
	if cfg.TrustedProxies, err = config.ParseTrustedProxies(s.TrustedProxy); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	// Listen first: with port 0 the public URL is only known once the port is chosen.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	if s.PublicURL == "" {
		cfg.Listen, cfg.PublicURL = ln.Addr().String(), ""
		if err := cfg.Validate(); err != nil {
			return err
		}
	}
	log := newLogger(cfg)
	log.Debug("go processors", "count", app.SetProcessors())
	log.Debug("go garbage collection", "gogc", app.SetGC())
	a, err := app.Open(ctx, cfg, log, tocsin.SystemClock{})
	if err != nil {
		return err
	}
	defer a.Close()
	var demoPassword string
	if s.Demo {
		if err := loadDemo(ctx, a, out); err != nil {
			return err
		}
		if demoPassword, err = resetDemoAdmin(ctx, a.DB, a.Clock); err != nil {
			return fmt.Errorf("demo admin: %w", err)
		}
		if err := loadStatusDemo(ctx, a, out); err != nil {
			return err
		}
	} else if err := s.firstAdmin(ctx, a, out); err != nil {
		return err
	}

	errc := make(chan error, 1)
	go func() { errc <- a.Run(ctx, ln) }()
	if s.Demo {
		// Sample alerts go through the pipeline, which runs inside a.Run.
		seeded := make(chan error, 1)
		go func() { seeded <- seedDemoAlerts(ctx, a) }()
		select {
		case err := <-seeded:
			if err != nil {
				fmt.Fprintf(out, "Could not add the sample alerts: %v\n", message(err))
			}
		case err := <-errc:
			return err
		}
	}
	fmt.Fprintf(out, "Tocsin is running at %s\n", cfg.PublicURL)
	if s.Demo {
		fmt.Fprintf(out, "Log in as %s with password %s (a new one at every --demo start).\n", demoAdmin, demoPassword)
	}
	fmt.Fprintf(out, "The public status page is at %s\n", a.StatusURL())
	return <-errc
}

// firstAdmin creates an admin with a generated password on a new install, and
// prints it once: there is no default password.
func (s *serveCmd) firstAdmin(ctx context.Context, a *app.App, out io.Writer) error {
	n, err := a.DB.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password := store.NewPassword()
	u := &tocsin.User{Email: s.AdminEmail, Name: "Administrator", Role: tocsin.RoleAdmin}
	err = a.DB.CreateUser(ctx, u, password, a.Clock.Now())
	if tocsin.ErrorCode(err) == tocsin.ECONFLICT {
		// Another process starting on the same database created it first.
		return nil
	}
	if err != nil {
		return fmt.Errorf("create first admin: %w", err)
	}
	fmt.Fprintf(out, "First start: created admin %s with password %s\nIt is shown only this once; change it after logging in.\n", u.Email, password)
	return nil
}
