package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/statuspage"
)

// statusFlags say where `serve` shows the public status page and where it
// keeps a static copy (README, "Status page").
type statusFlags struct {
	StatusListen     string `name:"status-listen" env:"TOCSIN_STATUS_LISTEN" help:"Address of a listener of its own serving the public status page at its root (it is always under /status/ of --listen too)."`
	StatusHost       string `name:"status-host" env:"TOCSIN_STATUS_HOST" help:"Host name (status.example.com) whose requests to --listen get the status page at \"/\"; the page's settings can name one too."`
	StatusPublishDir string `name:"status-publish-dir" env:"TOCSIN_STATUS_PUBLISH_DIR" help:"Folder a static copy of the status page is written to at every change, for a static host that stays up when Tocsin is down."`

	StatusS3Endpoint  string `name:"status-s3-endpoint" env:"TOCSIN_STATUS_S3_ENDPOINT" help:"S3-compatible service URL (https://s3.eu-west-3.amazonaws.com, https://<account>.r2.cloudflarestorage.com, http://minio:9000) to upload a static copy of the status page to at every change."`
	StatusS3Bucket    string `name:"status-s3-bucket" env:"TOCSIN_STATUS_S3_BUCKET" help:"Bucket of the status page's copy (path-style: endpoint/bucket/key)."`
	StatusS3Region    string `name:"status-s3-region" env:"TOCSIN_STATUS_S3_REGION" help:"Region signed into the uploads (default us-east-1; R2: auto; MinIO, Garage: the one they are configured with)."`
	StatusS3Prefix    string `name:"status-s3-prefix" env:"TOCSIN_STATUS_S3_PREFIX" help:"Folder in the bucket the copy goes under, e.g. status/ (default: the bucket's root)."`
	StatusS3AccessKey string `name:"status-s3-access-key" env:"TOCSIN_STATUS_S3_ACCESS_KEY" help:"Access key id allowed to put and delete objects in the bucket."`
	StatusS3SecretKey string `name:"status-s3-secret-key" env:"TOCSIN_STATUS_S3_SECRET_KEY" help:"Secret of the access key (prefer the environment variable; never printed)."`
}

// apply copies the flags into the configuration.
func (f statusFlags) apply(cfg *config.Config) {
	cfg.StatusListen, cfg.StatusHost, cfg.StatusPublishDir = f.StatusListen, f.StatusHost, f.StatusPublishDir
	cfg.StatusS3 = config.StatusS3{
		Endpoint: f.StatusS3Endpoint, Bucket: f.StatusS3Bucket, Region: f.StatusS3Region, Prefix: f.StatusS3Prefix,
		AccessKey: f.StatusS3AccessKey, SecretKey: f.StatusS3SecretKey,
	}
}

type statusCmd struct {
	Export statusExportCmd `cmd:"" help:"Write the public status page as static files to a folder, from the database (Tocsin may be stopped)."`
}

type statusExportCmd struct {
	database
	Dir       string `arg:"" type:"path" help:"Folder to write the page to (created if needed); files the previous export wrote and the page no longer has are removed, nothing else."`
	PublicURL string `name:"public-url" env:"TOCSIN_PUBLIC_URL" help:"URL of the live Tocsin: the copy's subscribe form posts to its /status/subscribe (default: the form is left relative, for a copy served by Tocsin's own host)."`
}

func (c *statusExportCmd) Run(ctx context.Context, out io.Writer, clock tocsin.Clock) error {
	opts := statuspage.Options{}
	if c.PublicURL != "" {
		// Checked as serve checks it.
		cfg := c.config()
		cfg.PublicURL = c.PublicURL
		if err := cfg.Validate(); err != nil {
			return err
		}
		opts.SubscribeURL = cfg.PublicURL + "/status/subscribe"
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	b, err := statuspage.Export(ctx, db, clock.Now(), c.Dir, opts)
	if err != nil {
		return err
	}
	dir, _ := filepath.Abs(c.Dir)
	fmt.Fprintf(out, "Wrote the status page %q to %s: %d files (open index.html, or serve the folder with any static file server).\n",
		b.Snapshot.Page.Name, dir, len(b.Paths()))
	if opts.SubscribeURL == "" {
		fmt.Fprintln(out, "Its subscribe form posts to \"subscribe\" beside it: give --public-url for a copy hosted away from Tocsin.")
	} else {
		fmt.Fprintf(out, "Its subscribe form posts to %s.\n", strings.TrimSpace(opts.SubscribeURL))
	}
	return nil
}
