// Package web serves Tocsin's HTML interface: server-rendered pages, one file
// per page, embedded templates and static files, and live updates over SSE.
package web

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/ingest"
	"github.com/tocsin/tocsin/internal/store"
)

// Options are what the web interface needs.
type Options struct {
	DB        *store.DB
	Clock     tocsin.Clock
	Log       *slog.Logger
	Pipeline  *ingest.Pipeline
	PublicURL string
}

// Handler serves the HTML interface.
type Handler struct {
	opts Options
}

// New parses the templates (a broken one stops the binary from starting) and
// returns the handler.
func New(opts Options) (*Handler, error) {
	return &Handler{opts: opts}, nil
}

// Routes registers every page.
func (h *Handler) Routes(mux *http.ServeMux) {
}

// Notify tells live pages that alerts changed in this process.
func (h *Handler) Notify() {}

// Run watches for alert changes made by other processes until ctx ends.
func (h *Handler) Run(ctx context.Context) { <-ctx.Done() }
