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
	twilioFlags
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
