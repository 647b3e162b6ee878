package app

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func serve(t *testing.T, mux *http.ServeMux, log *bytes.Buffer, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	h := observe(mux, slog.New(slog.NewTextHandler(log, nil)), newHTTPMetrics(prometheus.NewRegistry()))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// A panic in a handler is a 500 that names the request, with the stack in the
// log and never in the reply.
func TestPanicIsA500WithoutStack(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("secret detail") })
	var log bytes.Buffer
	w := serve(t, mux, &log, httptest.NewRequest("GET", "/boom", nil))
	id := w.Header().Get("X-Request-Id")
	body := w.Body.String()
	if w.Code != http.StatusInternalServerError || id == "" || !strings.Contains(body, id) {
		t.Fatalf("reply: %d %q (request id %q)", w.Code, body, id)
	}
	if strings.Contains(body, "secret detail") || strings.Contains(body, "goroutine") {
		t.Fatalf("the reply leaks the panic: %q", body)
	}
	if !strings.Contains(log.String(), "secret detail") || !strings.Contains(log.String(), id) {
		t.Fatalf("the log lacks the panic or the request id: %s", log.String())
	}
}

// Every reply carries security headers and a request id; a key in the path
// never reaches the log.
func TestHeadersAndRedaction(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hooks/generic/{key}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	var log bytes.Buffer
	w := serve(t, mux, &log, httptest.NewRequest("POST", "/hooks/generic/0123456789abcdef0123456789abcdef", nil))
	for _, h := range []string{"X-Request-Id", "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"} {
		if w.Header().Get(h) == "" {
			t.Errorf("header %s missing", h)
		}
	}
	if strings.Contains(log.String(), "0123456789abcdef") || !strings.Contains(log.String(), "/hooks/generic/REDACTED") {
		t.Fatalf("access log: %s", log.String())
	}
	// Two requests get two ids.
	other := serve(t, mux, &log, httptest.NewRequest("POST", "/hooks/generic/x", nil))
	if other.Header().Get("X-Request-Id") == w.Header().Get("X-Request-Id") {
		t.Error("request ids repeat")
	}
}
