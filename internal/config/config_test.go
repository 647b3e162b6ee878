package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	bad := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"mysql URL", func(c *Config) { c.DatabaseURL = "mysql://x" }, "postgres://"},
		{"empty data dir", func(c *Config) { c.DataDir = " " }, "--data-dir"},
		{"listen without port", func(c *Config) { c.Listen = "localhost" }, "--listen"},
		{"public URL not http", func(c *Config) { c.PublicURL = "ftp://x" }, "--public-url"},
		{"negative rate", func(c *Config) { c.RateLimit = -1 }, "--rate-limit"},
		{"log level", func(c *Config) { c.LogLevel = "loud" }, "--log-level"},
		{"log format", func(c *Config) { c.LogFormat = "xml" }, "--log-format"},
		{"fallback not a number", func(c *Config) { c.OncallFallback = "06 12 34 56 78" }, "--oncall-fallback-number"},
		{"ring too short", func(c *Config) { c.TwilioRing = 4 }, "--twilio-ring-timeout"},
		{"ring too long", func(c *Config) { c.TwilioRing = 61 }, "--twilio-ring-timeout"},
		{"publish URL not http", func(c *Config) { c.TwiMLPublishURL = "s3://bucket/tocsin" }, "--twiml-publish-url"},
		{"publish URL with a query", func(c *Config) { c.TwiMLPublishURL = "https://x/y?sig=1" }, "--twiml-publish-url"},
	}
	for _, b := range bad {
		c := Default()
		b.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: Validate() = %v, want an error naming %s", b.name, err, b.want)
		}
	}

	c := Default()
	c.Listen = "0.0.0.0:9000"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "http://localhost:9000" {
		t.Errorf("public URL derived from --listen: %q", c.PublicURL)
	}
	if c.Database() != filepath.Join("tocsin-data", "tocsin.db") {
		t.Errorf("database: %q", c.Database())
	}
	c.DatabaseURL = "postgres://db/tocsin"
	c.PublicURL = "https://oncall.example.com/"
	if err := c.Validate(); err != nil || c.Database() != "postgres://db/tocsin" || c.PublicURL != "https://oncall.example.com" {
		t.Errorf("postgres: %v %q %q", err, c.Database(), c.PublicURL)
	}

	c = Default()
	if c.TwilioRing != 20 {
		t.Errorf("default ring timeout: %d", c.TwilioRing)
	}
	c.OncallFallback, c.TwilioAuthToken = "+33 6 12 34 56 78", " secret\n"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--public-url") {
		t.Errorf("a Twilio token without a public URL: %v", err)
	}
	c.PublicURL = "https://oncall.example.com"
	if err := c.Validate(); err != nil || c.OncallFallback != "+33612345678" || c.TwilioAuthToken != "secret" {
		t.Errorf("twilio settings: %v %q %q", err, c.OncallFallback, c.TwilioAuthToken)
	}
}
