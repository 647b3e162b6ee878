package config

import (
	"strings"
	"testing"
)

func goodS3() StatusS3 {
	return StatusS3{Endpoint: "https://s3.fr-par.scw.cloud/", Bucket: "acme-status", AccessKey: "SCWKEY", SecretKey: "s3cr3t-value-never-shown"}
}

// Each wrong status page setting is refused with the flag to fix named, and
// the secret never shows.
func TestValidateStatus(t *testing.T) {
	bad := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"status listen without port", func(c *Config) { c.StatusListen = "localhost" }, "--status-listen"},
		{"status listen = listen", func(c *Config) { c.StatusListen = c.Listen }, "--status-listen must differ"},
		{"status host = public URL's", func(c *Config) { c.PublicURL = "https://tocsin.acme.test"; c.StatusHost = "Tocsin.acme.test" }, "--status-host tocsin.acme.test is the host of --public-url"},
		{"status host with a scheme", func(c *Config) { c.StatusHost = "https://status.acme.test/" }, "--status-host"},
		{"bucket without endpoint", func(c *Config) { c.StatusS3 = StatusS3{Bucket: "b"} }, "--status-s3-endpoint is needed"},
		{"secret without endpoint", func(c *Config) { c.StatusS3 = StatusS3{SecretKey: "x"} }, "--status-s3-endpoint is needed"},
		{"endpoint not http", func(c *Config) { c.StatusS3 = goodS3(); c.StatusS3.Endpoint = "s3://bucket" }, "--status-s3-endpoint"},
		{"endpoint with credentials", func(c *Config) { c.StatusS3 = goodS3(); c.StatusS3.Endpoint = "https://k:s@s3.example" }, "--status-s3-endpoint"},
		{"bucket name", func(c *Config) { c.StatusS3 = goodS3(); c.StatusS3.Bucket = "Acme_Status" }, "--status-s3-bucket"},
		{"no bucket", func(c *Config) { c.StatusS3 = goodS3(); c.StatusS3.Bucket = "" }, "--status-s3-bucket"},
		{"region", func(c *Config) { c.StatusS3 = goodS3(); c.StatusS3.Region = "eu west" }, "--status-s3-region"},
		{"prefix climbing", func(c *Config) { c.StatusS3 = goodS3(); c.StatusS3.Prefix = "status/../other" }, "--status-s3-prefix"},
		{"prefix with a space", func(c *Config) { c.StatusS3 = goodS3(); c.StatusS3.Prefix = "my status" }, "--status-s3-prefix"},
		{"no access key", func(c *Config) { c.StatusS3 = goodS3(); c.StatusS3.AccessKey = "" }, "--status-s3-access-key"},
		{"no secret", func(c *Config) { c.StatusS3 = goodS3(); c.StatusS3.SecretKey = " " }, "TOCSIN_STATUS_S3_SECRET_KEY"},
	}
	for _, b := range bad {
		c := Default()
		b.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: Validate() = %v, want an error naming %s", b.name, err, b.want)
		} else if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: the error shows the secret: %v", b.name, err)
		}
	}

	c := Default()
	c.StatusListen, c.StatusHost, c.StatusS3 = "127.0.0.1:8081", " Status.Acme.Test ", goodS3()
	c.StatusS3.Prefix = "/status"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s := c.StatusS3
	if c.StatusHost != "status.acme.test" || s.Endpoint != "https://s3.fr-par.scw.cloud" || s.Region != "us-east-1" || s.Prefix != "status/" {
		t.Errorf("normalised: host %q, %+v", c.StatusHost, s)
	}
	if str := s.String(); strings.Contains(str, "s3cr3t") || !strings.Contains(str, "acme-status") {
		t.Errorf("StatusS3.String() = %q", str)
	}
	// Both on port 0: two ports the system picks.
	c = Default()
	c.Listen, c.StatusListen = "127.0.0.1:0", "127.0.0.1:0"
	if err := c.Validate(); err != nil {
		t.Errorf("listen and status listen both on port 0: %v", err)
	}
}
