package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/statuspage"
	"github.com/tocsin/tocsin/internal/store"
)

// statusPart is the public status page: the pre-rendered Server, where it is
// served, and the static copy kept elsewhere.
type statusPart struct {
	server    *statuspage.Server
	publisher *statuspage.Publisher
	// page serves the page at "/" (mux pattern "/", for the metrics'
	// route label): the status listener, and the main one for its host.
	page     *http.ServeMux
	listener net.Listener // --status-listen; nil: none
	host     string       // --status-host
	// mainHost is the public URL's host: never taken for the page's,
	// whatever the page's settings say, or the UI would be out of reach.
	mainHost string
}

// newStatusPart builds the page's server and publisher, and listens on
// --status-listen now, so that a port in use stops the start. noEmail: this
// server cannot send e-mail, so the page takes no e-mail subscriber.
func newStatusPart(cfg config.Config, db *store.DB, now func() time.Time, log *slog.Logger, noEmail bool) (*statusPart, error) {
	p := &statusPart{host: cfg.StatusHost, page: http.NewServeMux()}
	if u, err := url.Parse(cfg.PublicURL); err == nil {
		p.mainHost = u.Host
	}
	var err error
	p.server, err = statuspage.New(statusSource{DB: db, url: liveStatusURL(cfg) + "/", noEmail: noEmail}, statuspage.Config{Now: now, Logger: log, OnRender: func(b *statuspage.Bundle) {
		if p.publisher.Enabled() {
			p.publisher.OnRender(b)
		}
	}})
	if err != nil {
		return nil, err
	}
	opts := statuspage.PublishOptions{
		Dir: cfg.StatusPublishDir, Logger: log,
		// The copy's subscribe form posts to the live page.
		SubscribeURL: liveStatusURL(cfg) + "/subscribe",
	}
	if s3 := cfg.StatusS3; s3.Enabled() {
		opts.S3 = &statuspage.S3{Endpoint: s3.Endpoint, Bucket: s3.Bucket, Region: s3.Region, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey,
			Client: &http.Client{Timeout: 30 * time.Second}}
		opts.Prefix = s3.Prefix
	}
	p.publisher = statuspage.NewPublisher(p.server.Renderer(), opts)
	p.page.Handle("/", pageReads(p.server))
	if cfg.StatusListen != "" {
		if p.listener, err = net.Listen("tcp", cfg.StatusListen); err != nil {
			return nil, fmt.Errorf("--status-listen: %w", err)
		}
	}
	return p, nil
}

// statusSource reads the page from the store, giving it the address Tocsin
// serves it at when its settings name none: the JSON's page.url and the
// feeds' links are never empty.
type statusSource struct {
	*store.DB
	url     string
	noEmail bool // no SMTP relay: the page offers no e-mail subscription
}

func (s statusSource) StatusSnapshot(ctx context.Context, now time.Time) (*tocsin.StatusSnapshot, error) {
	snap, err := s.DB.StatusSnapshot(ctx, now)
	if err != nil {
		return nil, err
	}
	if snap.Page.URL == "" {
		snap.Page.URL = s.url
	}
	snap.NoEmail = s.noEmail
	return snap, nil
}

// liveStatusURL is where people reach the page Tocsin serves itself, with
// its subscription pages, in links that leave the server (e-mails, the
// static copy's form): the --status-host domain, or /status of the public
// URL. The status listener's address is not used: it is often internal.
func liveStatusURL(cfg config.Config) string {
	if cfg.StatusHost != "" {
		scheme, _, _ := strings.Cut(cfg.PublicURL, "://")
		return scheme + "://" + cfg.StatusHost
	}
	return cfg.PublicURL + "/status"
}

// routes mounts the page under /status/ of the main listener.
func (p *statusPart) routes(mux *http.ServeMux) {
	mux.Handle("/status/", http.StripPrefix("/status", pageReads(p.server)))
	mux.Handle("/status", http.RedirectHandler("/status/", http.StatusMovedPermanently))
}

// byHost sends requests for the page's host (--status-host, or the host
// set in the page's settings) to the page at "/", the rest to next.
func (p *statusPart) byHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.isPageHost(r.Host) {
			p.page.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (p *statusPart) isPageHost(host string) bool {
	if p.mainHost != "" && hostMatches(host, p.mainHost) {
		return false
	}
	if p.host != "" && hostMatches(host, p.host) {
		return true
	}
	// The setting is read from the bundle in memory: no query per request.
	if b := p.server.Bundle(); b != nil && b.Snapshot.Page.Host != "" {
		return hostMatches(host, b.Snapshot.Page.Host)
	}
	return false
}

// hostMatches compares a request's Host with a configured one; a
// configured host without a port matches on any port.
func hostMatches(requestHost, want string) bool {
	if strings.EqualFold(requestHost, want) {
		return true
	}
	if strings.Contains(want, ":") {
		return false
	}
	h, _, err := net.SplitHostPort(requestHost)
	return err == nil && strings.EqualFold(h, want)
}

// run renders the page, then keeps it current, publishes its copy and serves
// the status listener until ctx ends; stop is called to shut it down.
func (p *statusPart) run(ctx context.Context, handler http.Handler, log *slog.Logger, errc chan<- error) (stop func()) {
	// The first render before serving: no "starting" 503 at start.
	if err := p.server.Refresh(ctx); err != nil {
		log.Error("status page: render", "err", err)
	}
	if p.listener == nil {
		return func() {}
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(p.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("status listener: %w", err)
		}
	}()
	return func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}
}

// StatusHandler serves the public status page at "/", as the status
// listener does (middleware included).
func (a *App) StatusHandler() http.Handler { return a.statusHandler }

// Status is the public status page's server: other parts add its dynamic
// routes (Handle) and tell it of a public change (Changed).
func (a *App) Status() *statuspage.Server { return a.status.server }

// StatusAddr is the address of the status listener, "" without one.
func (a *App) StatusAddr() string {
	if a.status.listener == nil {
		return ""
	}
	return a.status.listener.Addr().String()
}

// StatusURL is where people open the public page: the status listener's
// root, or /status/ of the public URL.
func (a *App) StatusURL() string {
	if a.status.listener == nil {
		return a.Config.PublicURL + "/status/"
	}
	host, port, _ := net.SplitHostPort(a.StatusAddr())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
