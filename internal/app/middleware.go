package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/statuspage"
)

// statusWriter remembers the status and size of a reply for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach Flush for Server-Sent Events.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// httpMetrics are the HTTP figures exported on /metrics.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tocsin_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tocsin_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// requestIDs hands out request ids: a random prefix per process and a counter,
// unique across processes without a random draw (a syscall) per request.
type requestIDs struct {
	prefix string
	next   atomic.Uint64
}

func newRequestIDs() *requestIDs {
	b := make([]byte, 4)
	rand.Read(b)
	return &requestIDs{prefix: hex.EncodeToString(b)}
}

func (g *requestIDs) id() string {
	return g.prefix + "-" + strconv.FormatUint(g.next.Add(1), 36)
}

// observe wraps the whole server: request id, panic recovery, body limit,
// security headers, access log and metrics.
func observe(next http.Handler, log *slog.Logger, metrics *httpMetrics) http.Handler {
	ids := newRequestIDs()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = ids.id()
		}
		note := &logNote{}
		r = r.WithContext(context.WithValue(r.Context(), logNoteKey{}, note))
		sw := &statusWriter{ResponseWriter: w}
		h := sw.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		// A request without a body (a GET, a reload of the status page) has
		// nothing to limit: no reader to allocate for it.
		if r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(sw, r.Body, tocsin.MaxBodyBytes)
		}
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic", "request_id", id, "method", r.Method, "path", redactKey(r), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					http.Error(sw, "Internal error (request "+id+").", http.StatusInternalServerError)
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			metrics.requests.WithLabelValues(route, fmt.Sprint(status)).Inc()
			metrics.duration.WithLabelValues(route).Observe(elapsed.Seconds())
			level := slog.LevelInfo
			if note.pageRead && status < http.StatusBadRequest {
				level = slog.LevelDebug
			}
			log.LogAttrs(r.Context(), level, "http", slog.String("request_id", id), slog.String("method", r.Method),
				slog.String("path", redactKey(r)), slog.Int("status", status), slog.Int("bytes", sw.bytes), slog.Duration("duration", elapsed))
		}()
		next.ServeHTTP(sw, r)
	})
}

type logNoteKey struct{}

// logNote is what a handler tells the access log about its request.
type logNote struct {
	// pageRead: a read of the public status page. Answered, it is logged
	// at debug level, not info: during an outage thousands of people a
	// second reload the page, and a line for each would bury the log (and
	// make journald, past its rate limit, drop Tocsin's other lines). The
	// metrics count every one.
	pageRead bool
}

// pageReads marks the GET and HEAD requests of the page's rendered files
// as page reads; its other routes (subscriptions) are logged as usual.
func pageReads(page *statuspage.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if note, ok := r.Context().Value(logNoteKey{}).(*logNote); ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) && page.IsFile(r.URL.Path) {
			note.pageRead = true
		}
		page.ServeHTTP(w, r)
	})
}

// redactKey hides an integration key carried in the path (/hooks/grafana/KEY):
// keys are credentials and logs are read by many.
func redactKey(r *http.Request) string {
	key := r.PathValue("key")
	if key == "" {
		return r.URL.Path
	}
	return strings.Replace(r.URL.Path, key, "REDACTED", 1)
}
