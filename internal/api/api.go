// Package api serves the REST JSON API under /api/v1, with its OpenAPI document.
package api

import (
	"log/slog"
	"net/http"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/ingest"
	"github.com/tocsin/tocsin/internal/store"
)

// Options are what the API needs.
type Options struct {
	DB        *store.DB
	Clock     tocsin.Clock
	Log       *slog.Logger
	Pipeline  *ingest.Pipeline
	PublicURL string
	Notify    func() // an alert changed: wake live pages
}

// Handler serves /api/v1.
type Handler struct {
	opts Options
}

// New returns the API handler.
func New(opts Options) *Handler { return &Handler{opts: opts} }

// Routes registers every API endpoint.
func (h *Handler) Routes(mux *http.ServeMux) {
}
