// Package web serves Tocsin's HTML interface: server-rendered pages, one file
// per page, embedded templates and static files, and live updates over SSE.
package web

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/ingest"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/store"
)

//go:embed templates static locales
var assets embed.FS

// Options are what the web interface needs.
type Options struct {
	DB        *store.DB
	Clock     tocsin.Clock
	Log       *slog.Logger
	Pipeline  *ingest.Pipeline
	PublicURL string

	Wake   func()                        // a change the engine must act on at once (acknowledged, escalated, verify code); may be nil
	Offers func(tocsin.ContactType) bool // whether this server can send through a contact type (its provider is configured)
	Links  notify.LinkSigner             // signs and checks the acknowledgement links of e-mails and pushes
	// VAPIDPublicKey is given to browsers that subscribe to Web Push.
	VAPIDPublicKey string
	// StatusChanged is called after every public change made on the status
	// page's admin pages, so that the public page re-renders at once; may be nil.
	StatusChanged func()
}

// Handler serves the HTML interface.
type Handler struct {
	opts    Options
	pages   map[string]*pageTemplate
	static  map[string]*staticFile
	i18n    *catalog
	hub     *hub
	cop     *http.CrossOriginProtection
	secure  bool // cookies get Secure: the public URL is https
	pollGap time.Duration
	logins  *loginThrottle
}

// New parses the templates (a broken one stops the binary from starting) and
// returns the handler.
func New(opts Options) (*Handler, error) {
	if opts.Clock == nil {
		opts.Clock = tocsin.SystemClock{}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	h := &Handler{
		opts:    opts,
		hub:     newHub(),
		secure:  strings.HasPrefix(opts.PublicURL, "https://"),
		pollGap: time.Second,
		logins:  newLoginThrottle(),
	}
	var err error
	if h.static, err = loadStatic(assets); err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	if h.i18n, err = loadCatalog(assets); err != nil {
		return nil, fmt.Errorf("web: messages: %w", err)
	}
	if h.pages, err = parsePages(assets); err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	h.cop = http.NewCrossOriginProtection()
	// Behind a proxy that rewrites Host, an old browser's Origin is still this one.
	if u, err := url.Parse(opts.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		if err := h.cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("web: public URL %q: %w", opts.PublicURL, err)
		}
	}
	h.cop.SetDenyHandler(http.HandlerFunc(h.crossOriginDenied))
	return h, nil
}

// Notify tells live pages that alerts changed in this process. It never blocks.
func (h *Handler) Notify() { h.hub.broadcast() }

// Run watches for alert changes made by other processes until ctx ends, then
// closes every live stream so that the server can shut down.
func (h *Handler) Run(ctx context.Context) {
	defer h.hub.close()
	last, err := h.opts.DB.Counter(ctx, store.CounterAlerts)
	if err != nil && ctx.Err() == nil {
		h.opts.Log.Warn("read alert counter", "err", err)
	}
	ticker := time.NewTicker(h.pollGap)
	defer ticker.Stop()
	again := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		v, err := h.opts.DB.Counter(ctx, store.CounterAlerts)
		if err != nil {
			if ctx.Err() == nil {
				h.opts.Log.Warn("read alert counter", "err", err)
			}
			continue
		}
		switch {
		case v != last:
			last, again = v, true
			h.hub.broadcast()
		case again:
			// The counter can move a moment before the change's
			// transaction commits (store.counterSQL): pages that
			// reloaded too early get it now.
			again = false
			h.hub.broadcast()
		}
	}
}
