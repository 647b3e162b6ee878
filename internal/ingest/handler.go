package ingest

import (
	"log/slog"
	"net/http"
)

// Handler serves the ingest endpoints of every format.
type Handler struct {
	pipeline *Pipeline
	log      *slog.Logger
	metrics  *Metrics
}

// NewHandler makes the ingest HTTP handler.
func NewHandler(p *Pipeline, log *slog.Logger, metrics *Metrics) *Handler {
	return &Handler{pipeline: p, log: log, metrics: metrics}
}

// Routes registers the ingest endpoints.
func (h *Handler) Routes(mux *http.ServeMux) {
}
