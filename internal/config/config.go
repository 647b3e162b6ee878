// Package config holds the server's configuration: read once from flags and
// environment by the CLI, validated, then passed down (no globals).
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/tocsin/tocsin"
)

// Config is what `tocsin serve` and the administration commands run with.
type Config struct {
	Listen      string  // address to serve HTTP on, e.g. ":8080"
	DataDir     string  // folder of the SQLite database (default ./tocsin-data)
	DatabaseURL string  // postgres://… ; when set, DataDir is not used
	PublicURL   string  // how users and tools reach this server, for links and copy-paste snippets
	RateLimit   float64 // ingest requests per second per integration key; 0: unlimited
	RateBurst   int     // requests a key may send at once above RateLimit
	LogLevel    string  // debug, info, warn, error
	LogFormat   string  // text or json
	// TrustedProxies are the reverse proxies (addresses or networks) whose
	// X-Forwarded-For names the client, for the login and subscription
	// limits; empty: every connection's own address is the client's.
	TrustedProxies []netip.Prefix

	// The on-call phone number (docs/twilio.md).
	TwilioAuthToken string // checks Twilio's request signatures; empty: the Twilio endpoints answer 404. Never logged
	OncallFallback  string // E.164 number dialled when nobody on call answers or can be reached; empty: none
	TwilioRing      int    // seconds each on-call phone rings before the next is dialled, 5 to 60
	TwiMLPublishDir string // folder the static fallback TwiML is written to; empty: none
	TwiMLPublishURL string // base URL the static fallback TwiML is PUT under; empty: none

	Providers Providers // where pages go out (docs/notifications.md)

	// The public status page (docs/statuspage.md). It is always served under
	// /status/ of Listen.
	StatusListen     string   // a listener of its own serving the page at "/"; empty: none
	StatusHost       string   // requests to Listen with this Host header get the page at "/"; empty: none
	StatusPublishDir string   // folder a static copy is written to on every change; empty: none
	StatusS3         StatusS3 // bucket a static copy is uploaded to on every change; Endpoint empty: none
}

// StatusS3 is an S3-compatible bucket (AWS, MinIO, Garage, R2, Scaleway…)
// the status page's static copy is uploaded to, path-style:
// Endpoint/Bucket/Prefix+file.
type StatusS3 struct {
	Endpoint  string // https://s3.fr-par.scw.cloud, http://127.0.0.1:9000
	Bucket    string
	Region    string // signed into each request; default us-east-1 (R2: auto, Garage: garage)
	Prefix    string // folder in the bucket, "status/"; empty: the bucket's root
	AccessKey string
	SecretKey string // never logged or printed
}

// Enabled reports whether a bucket is configured.
func (s StatusS3) Enabled() bool { return s.Endpoint != "" }

// String hides the secret, should the settings ever be printed.
func (s StatusS3) String() string {
	if !s.Enabled() {
		return "(none)"
	}
	return fmt.Sprintf("%s/%s/%s (region %s, key %s)", s.Endpoint, s.Bucket, s.Prefix, s.Region, s.AccessKey)
}

// Providers are the outside services messages are sent through. A channel
// whose settings are empty is not offered. Secrets are never logged or shown.
type Providers struct {
	SMTPHost     string // e-mail relay; empty: no e-mail
	SMTPPort     int    // 25, 465 (implicit TLS) or 587 (STARTTLS)
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string // "Tocsin <tocsin@example.com>"
	SMTPTLS      string // "starttls" (default), "tls" or "none" (a relay on a trusted network, tests)

	TwilioAccountSID string // AC…; with TwilioAuthToken, enables SMS and voice
	TwilioFrom       string // E.164 number (or MG… messaging service) messages and calls come from
	TwilioAPIURL     string // https://api.twilio.com, or a Twilio-compatible provider's base URL

	SlackBotToken      string // xoxb-…: direct messages, channel posts and buttons
	SlackSigningSecret string // checks Slack's button clicks
	SlackAPIURL        string // https://slack.com/api/

	TelegramBotToken string
	TelegramAPIURL   string // https://api.telegram.org

	NtfyToken string // bearer token for a protected ntfy server; empty: none

	// VAPID keys sign Web Push messages; generated and stored on first start when empty.
	VAPIDPublicKey  string
	VAPIDPrivateKey string
	VAPIDSubject    string // mailto: or https: contact for push services; default: the public URL
}

// Default returns the configuration of a plain `tocsin serve`.
func Default() Config {
	return Config{
		Listen:    "127.0.0.1:8080",
		DataDir:   "tocsin-data",
		RateLimit: 200,
		RateBurst: 1000,
		LogLevel:  "info",
		LogFormat: "text",

		TwilioRing: 20,
		Providers: Providers{
			SMTPPort: 587, SMTPTLS: "starttls",
			TwilioAPIURL:   "https://api.twilio.com",
			SlackAPIURL:    "https://slack.com/api/",
			TelegramAPIURL: "https://api.telegram.org",
		},
	}
}

// ParseTrustedProxies reads --trusted-proxy values: addresses (10.0.0.7,
// ::1) or networks (10.0.0.0/8, fd00::/8).
func ParseTrustedProxies(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy %q is neither an IP address nor a network such as 10.0.0.0/8", v)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// Validate checks the configuration and fills what can be derived.
func (c *Config) Validate() error {
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return fmt.Errorf("--database-url must be a postgres:// URL")
		}
	} else if strings.TrimSpace(c.DataDir) == "" {
		return fmt.Errorf("--data-dir is empty")
	}
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			return fmt.Errorf("--listen %q: %v", c.Listen, err)
		}
	}
	if c.PublicURL == "" {
		if strings.TrimSpace(c.TwilioAuthToken) != "" {
			// Twilio signs the URL it calls: a guessed one fails every webhook with 403.
			return fmt.Errorf("--twilio-auth-token needs --public-url: the https address Twilio calls Tocsin at, which its signatures cover")
		}
		c.PublicURL = "http://" + displayHost(c.Listen)
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--public-url %q must be an http(s) URL", c.PublicURL)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.RateLimit < 0 {
		return fmt.Errorf("--rate-limit must not be negative")
	}
	if _, err := c.Level(); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format must be text or json")
	}
	if err := c.validateTwilio(); err != nil {
		return err
	}
	if err := c.validateStatus(); err != nil {
		return err
	}
	if c.Providers.TwilioAccountSID != "" && c.TwilioAuthToken == "" {
		return fmt.Errorf("--twilio-account-sid needs --twilio-auth-token")
	}
	return c.Providers.validate()
}

// validate checks the providers' settings.
func (p *Providers) validate() error {
	if p.SMTPHost != "" {
		if p.SMTPPort <= 0 || p.SMTPPort > 65535 {
			return fmt.Errorf("--smtp-port must be a port number")
		}
		if p.SMTPTLS != "starttls" && p.SMTPTLS != "tls" && p.SMTPTLS != "none" {
			return fmt.Errorf("--smtp-tls must be starttls, tls or none")
		}
		if _, err := mail.ParseAddress(p.SMTPFrom); err != nil {
			return fmt.Errorf("--smtp-from %q must be an e-mail address, e.g. \"Tocsin <tocsin@example.com>\"", p.SMTPFrom)
		}
	}
	if p.TwilioAccountSID != "" && p.TwilioFrom == "" {
		return fmt.Errorf("--twilio-from is needed with --twilio-account-sid: the number SMS and calls come from")
	}
	for flag, v := range map[string]string{"--twilio-api-url": p.TwilioAPIURL, "--slack-api-url": p.SlackAPIURL, "--telegram-api-url": p.TelegramAPIURL} {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s %q must be an http(s) URL", flag, v)
		}
	}
	return nil
}

// validateTwilio checks the on-call number's settings.
func (c *Config) validateTwilio() error {
	c.TwilioAuthToken = strings.TrimSpace(c.TwilioAuthToken)
	if len(c.TwilioAuthToken) > 200 {
		return fmt.Errorf("--twilio-auth-token is longer than 200 characters")
	}
	phone, err := tocsin.NormalizePhone(c.OncallFallback)
	if err != nil {
		return fmt.Errorf("--oncall-fallback-number: %s", tocsin.ErrorMessage(err))
	}
	c.OncallFallback = phone
	if c.TwilioRing < 5 || c.TwilioRing > 60 {
		return fmt.Errorf("--twilio-ring-timeout must be from 5 to 60 seconds, not %d", c.TwilioRing)
	}
	if c.TwiMLPublishURL != "" {
		u, err := url.Parse(c.TwiMLPublishURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("--twiml-publish-url must be an http(s) URL without a query: documents are PUT under it")
		}
	}
	return nil
}

// validateStatus checks where the status page is served and published.
func (c *Config) validateStatus() error {
	if c.StatusListen != "" {
		_, port, err := net.SplitHostPort(c.StatusListen)
		if err != nil {
			return fmt.Errorf("--status-listen %q: %v", c.StatusListen, err)
		}
		if c.StatusListen == c.Listen && port != "0" {
			return fmt.Errorf("--status-listen must differ from --listen: the page is already under /status/ there")
		}
	}
	if c.StatusHost != "" {
		// The page's own Host setting follows the same rule.
		p := tocsin.StatusPage{Name: "-", Host: c.StatusHost}
		if err := p.Validate(); err != nil {
			return fmt.Errorf("--status-host: %s", tocsin.ErrorMessage(err))
		}
		c.StatusHost = p.Host
		if u, err := url.Parse(c.PublicURL); err == nil && strings.EqualFold(u.Hostname(), strings.Split(c.StatusHost, ":")[0]) {
			return fmt.Errorf("--status-host %s is the host of --public-url: the web UI and the API would give way to the status page; use a name of its own, such as status.example.com", c.StatusHost)
		}
	}
	c.StatusPublishDir = strings.TrimSpace(c.StatusPublishDir)
	return c.StatusS3.validate()
}

var (
	bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	regionPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	prefixPattern = regexp.MustCompile(`^[A-Za-z0-9!_.*'()/-]*$`)
)

func (s *StatusS3) validate() error {
	s.Endpoint = strings.TrimRight(strings.TrimSpace(s.Endpoint), "/")
	s.Bucket, s.Region, s.AccessKey = strings.TrimSpace(s.Bucket), strings.TrimSpace(s.Region), strings.TrimSpace(s.AccessKey)
	s.Prefix = strings.TrimLeft(strings.TrimSpace(s.Prefix), "/")
	if s.Endpoint == "" {
		if s.Bucket != "" || s.Prefix != "" || s.AccessKey != "" || s.SecretKey != "" {
			return fmt.Errorf("--status-s3-endpoint is needed with the other --status-s3-… settings: the bucket's service URL, e.g. https://s3.fr-par.scw.cloud")
		}
		return nil
	}
	u, err := url.Parse(s.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--status-s3-endpoint %q must be an http(s) URL without credentials or query, e.g. https://s3.fr-par.scw.cloud", s.Endpoint)
	}
	if !bucketPattern.MatchString(s.Bucket) {
		return fmt.Errorf("--status-s3-bucket %q must be a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens", s.Bucket)
	}
	if s.Region == "" {
		s.Region = "us-east-1"
	}
	if !regionPattern.MatchString(s.Region) {
		return fmt.Errorf("--status-s3-region %q must be a region name such as eu-west-3, us-east-1 or auto", s.Region)
	}
	if len(s.Prefix) > 512 || !prefixPattern.MatchString(s.Prefix) || strings.Contains(s.Prefix, "//") || slices.Contains(strings.Split(s.Prefix, "/"), "..") {
		return fmt.Errorf("--status-s3-prefix %q must be a folder name of letters, digits and - _ . / (at most 512 characters)", s.Prefix)
	}
	if s.Prefix != "" && !strings.HasSuffix(s.Prefix, "/") {
		s.Prefix += "/"
	}
	if s.AccessKey == "" || strings.TrimSpace(s.SecretKey) == "" {
		return fmt.Errorf("--status-s3-access-key and TOCSIN_STATUS_S3_SECRET_KEY are needed with --status-s3-endpoint: the bucket's credentials")
	}
	if len(s.AccessKey) > 256 || len(s.SecretKey) > 256 {
		return fmt.Errorf("the S3 access key and secret have at most 256 characters")
	}
	return nil
}

// Database returns what store.Open takes: the PostgreSQL URL, or the SQLite file.
func (c *Config) Database() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "tocsin.db")
}

// Level parses LogLevel.
func (c *Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("--log-level %q: must be debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// displayHost turns a listen address into one a browser can reach.
func displayHost(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "localhost:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" || host == "127.0.0.1" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
