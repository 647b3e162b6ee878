// Package app wires Tocsin together: the only place that knows every package.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/api"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/engine"
	"github.com/tocsin/tocsin/internal/ingest"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/slackapp"
	"github.com/tocsin/tocsin/internal/statuspage"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/twilio"
	"github.com/tocsin/tocsin/internal/web"
)

// App is a running Tocsin: database, ingest pipeline and HTTP server.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	Clock    tocsin.Clock
	DB       *store.DB
	Pipeline *ingest.Pipeline
	Engine   *engine.Engine
	web      *web.Handler
	twiml    *twilio.Publisher
	handler  http.Handler

	status        *statusPart
	statusHandler http.Handler
}

// Open connects to the database (migrating it) and builds every part.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, clock tocsin.Clock) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Clock: clock, DB: db}
	vapidPublic, vapidPrivate, linkKey, err := serverKeys(ctx, db, cfg.Providers)
	if err != nil {
		db.Close()
		return nil, err
	}
	registry := senders(cfg, vapidPublic, vapidPrivate)
	links := notify.LinkSigner{Key: linkKey}
	// An alert changed: live pages refresh, and the engine acts at once.
	changed := func() {
		a.web.Notify()
		a.Engine.Wake()
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ingestMetrics := ingest.NewMetrics(reg)
	a.Pipeline = ingest.NewPipeline(db, clock, log, ingestMetrics, ingest.Options{
		RateLimit: cfg.RateLimit, Burst: cfg.RateBurst,
		// Both are made below; the pipeline runs only after Open returns.
		OnCommit: func() { a.web.Notify() }, Wake: func() { a.Engine.Wake() },
	})
	// A public change to the status page: it renders again at once.
	statusChanged := func() { a.status.server.Changed() }
	a.Engine = engine.New(engine.Options{DB: db, Clock: clock, Log: log, Senders: registry, PublicURL: cfg.PublicURL, Links: links,
		OnChange: func() { a.web.Notify() }, Heartbeats: db.CheckHeartbeats,
		StatusURL: liveStatusURL(cfg), StatusChanged: statusChanged})
	a.web, err = web.New(web.Options{DB: db, Clock: clock, Log: log, Pipeline: a.Pipeline, PublicURL: cfg.PublicURL,
		Wake: a.Engine.Wake, Offers: registry.Offers, Links: links, VAPIDPublicKey: vapidPublic, StatusChanged: statusChanged})
	if err != nil {
		db.Close()
		return nil, err
	}
	if a.status, err = newStatusPart(cfg, db, clock.Now, log, !registry.Offers(tocsin.ContactEmail)); err != nil {
		db.Close()
		return nil, err
	}
	a.status.server.HandleSubscriptions(statuspage.SubscribeOptions{Store: db, Wake: a.Engine.Wake})
	apiHandler := api.New(api.Options{DB: db, Clock: clock, Log: log, Pipeline: a.Pipeline, PublicURL: cfg.PublicURL, Notify: changed, Offers: registry.Offers})

	mux := http.NewServeMux()
	ingest.NewHandler(a.Pipeline, log, ingestMetrics).Routes(mux)
	apiHandler.Routes(mux)
	twilio.New(twilio.Options{
		DB: db, Clock: clock, Log: log, PublicURL: cfg.PublicURL,
		AuthToken: cfg.TwilioAuthToken, Fallback: cfg.OncallFallback, Ring: cfg.TwilioRing, Wake: changed,
	}).Routes(mux)
	slackapp.New(slackapp.Options{DB: db, Clock: clock, Log: log, SigningSecret: cfg.Providers.SlackSigningSecret, Wake: changed}).Routes(mux)
	a.twiml = twilio.NewPublisher(twilio.PublisherOptions{
		DB: db, Clock: clock, Log: log, Fallback: cfg.OncallFallback, Ring: cfg.TwilioRing,
		Dir: cfg.TwiMLPublishDir, URL: cfg.TwiMLPublishURL,
	})
	a.status.routes(mux)
	a.web.Routes(mux)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	httpMetrics := newHTTPMetrics(reg)
	a.handler = observe(fromTrustedProxies(cfg.TrustedProxies, a.status.byHost(mux)), log, httpMetrics)
	a.statusHandler = observe(fromTrustedProxies(cfg.TrustedProxies, a.status.page), log, httpMetrics)
	return a, nil
}

// Handler is the whole HTTP interface (ingest, API, UI, metrics).
func (a *App) Handler() http.Handler { return a.handler }

// Run serves HTTP on ln and runs the background loops until ctx ends, then
// shuts down gracefully: requests in flight finish and their alerts are committed.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	pipelineCtx, stopPipeline := context.WithCancel(context.Background())
	webCtx, stopWeb := context.WithCancel(context.Background())
	var pipeline, live sync.WaitGroup
	pipeline.Go(func() { a.Pipeline.Run(pipelineCtx) })
	live.Go(func() { a.web.Run(webCtx) })
	// The static copy of the on-call number's answers, for when this server is down.
	live.Go(func() { a.twiml.Run(webCtx) })
	live.Go(func() { a.Engine.Run(webCtx) })
	errc := make(chan error, 2)
	stopStatus := a.status.run(webCtx, a.statusHandler, a.Log, errc)
	live.Go(func() { a.status.server.Run(webCtx) })
	live.Go(func() { a.status.publisher.Run(webCtx) })

	server := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		// Bounds a request's body too: a client dripping bytes cannot hold a
		// connection (ingest reads the body before it knows the key).
		ReadTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second,
		ErrorLog:    slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	go func() { errc <- server.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	// Live streams end first (they never finish by themselves); requests in flight
	// then finish while the pipeline still commits their alerts.
	stopWeb()
	live.Wait()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	server.Shutdown(shutdown)
	stopStatus()
	stopPipeline()
	pipeline.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases the database (and the status listener, should Run not
// have served it).
func (a *App) Close() error {
	if a.status.listener != nil {
		a.status.listener.Close()
	}
	return a.DB.Close()
}
