// Package api serves the REST JSON API under /api/v1, with its OpenAPI document.
// routes.go is the table of contents; each resource has its own file.
package api

import (
	"log/slog"
	"net/http"
	"strings"

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
	Notify    func()                        // an alert changed: wake live pages and the engine
	Offers    func(tocsin.ContactType) bool // whether this server can send through a contact type
}

// Handler serves /api/v1.
type Handler struct {
	opts Options
	// known holds the API's patterns with no-op handlers, so that a request the
	// router did not match can be told apart: wrong method (405) or no such path (404).
	known *http.ServeMux
}

// New returns the API handler.
func New(opts Options) *Handler {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = tocsin.SystemClock{}
	}
	if opts.Notify == nil {
		opts.Notify = func() {}
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	h := &Handler{opts: opts, known: http.NewServeMux()}
	for _, rt := range h.routes() {
		h.known.HandleFunc(rt.method+" "+rt.pattern, func(http.ResponseWriter, *http.Request) {})
	}
	return h
}

// Routes registers every API endpoint.
func (h *Handler) Routes(mux *http.ServeMux) {
	for _, rt := range h.routes() {
		mux.Handle(rt.method+" "+rt.pattern, h.serve(rt))
	}
	mux.HandleFunc(prefix+"/", h.unmatched)
}

// unmatched answers, in JSON, what the router could not route under /api/v1.
func (h *Handler) unmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.known.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, errorReply{Error: errorBody{
			Code: "method_not_allowed", Message: r.Method + " is not allowed on " + r.URL.Path + "; use " + strings.Join(allow, " or "),
		}})
		return
	}
	h.fail(w, r, nil, tocsin.Errorf(tocsin.ENOTFOUND, "no API endpoint %s %s; the list is at %s/openapi.yaml", r.Method, r.URL.Path, prefix))
}
