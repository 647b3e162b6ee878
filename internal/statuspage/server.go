package statuspage

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tocsin/tocsin"
)

// Source is what the page is rendered from: *store.DB.
type Source interface {
	StatusSnapshot(ctx context.Context, now time.Time) (*tocsin.StatusSnapshot, error)
	StatusVersion(ctx context.Context) (int64, error)
}

// Config tunes a Server; the zero value is usable.
type Config struct {
	Now func() time.Time // the clock; time.Now when nil
	// Poll is how often Run asks the store whether anything public changed
	// (a cheap read of one counter); 1 s when zero.
	Poll time.Duration
	// MaxAge re-renders even when nothing changed, so that the uptime bars
	// and "today" move on; 1 minute when zero.
	MaxAge time.Duration
	Logger *slog.Logger
	// OnRender is called after each new bundle is in place (from the
	// goroutine that rendered it): publishing a static copy hooks here.
	OnRender func(*Bundle)
}

// Server holds the current bundle and answers requests from it. It is
// mounted at the root of its own listener, or under a prefix with
// http.StripPrefix (mux.Handle("/status/", http.StripPrefix("/status", s))):
// every link in the pages is relative.
type Server struct {
	src     Source
	render  *Renderer
	cfg     Config
	bundle  atomic.Pointer[Bundle]
	changed chan struct{}
	mu      sync.Mutex // one refresh at a time
	routes  *http.ServeMux
}

// New makes a Server; it serves 503 until the first Refresh.
func New(src Source, cfg Config) (*Server, error) {
	r, err := NewRenderer()
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{src: src, render: r, cfg: cfg, changed: make(chan struct{}, 1), routes: http.NewServeMux()}
	s.routes.HandleFunc("/", s.notFound)
	return s, nil
}

// Bundle returns the bundle being served, or nil before the first render.
func (s *Server) Bundle() *Bundle { return s.bundle.Load() }

// Renderer returns the server's renderer (a static export renders the same
// snapshot with other Options).
func (s *Server) Renderer() *Renderer { return s.render }

// Handle adds a dynamic route (subscribe, confirm, unsubscribe) answered
// for paths that are not files of the bundle. Patterns are ServeMux
// patterns relative to where the Server is mounted: "POST /subscribe".
// A request matching no route, whatever its method, gets the 404 page.
func (s *Server) Handle(pattern string, h http.Handler) { s.routes.Handle(pattern, h) }

// Changed wakes Run at once: call it after a public change.
func (s *Server) Changed() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Refresh reads the store and renders a new bundle. On error the bundle in
// place stays: a page that says what it said a minute ago beats no page
// while the database is down.
func (s *Server) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refresh(ctx)
}

func (s *Server) refresh(ctx context.Context) error {
	// The version is read before the snapshot: a change in between moves
	// the version again and the next poll renders once more.
	v, err := s.src.StatusVersion(ctx)
	if err != nil {
		return err
	}
	snap, err := s.src.StatusSnapshot(ctx, s.cfg.Now())
	if err != nil {
		return err
	}
	b, err := s.render.Render(snap, Options{})
	if err != nil {
		return err
	}
	if snap.Version != 0 {
		v = snap.Version // read in the snapshot's own transaction: exact
	}
	b.Version = v
	b.RenderedAt = s.cfg.Now()
	s.bundle.Store(b)
	if s.cfg.OnRender != nil {
		s.cfg.OnRender(b)
	}
	return nil
}

// Run renders at once, then asks the store each Poll (or at once after
// Changed) whether the version moved, and renders again when it did or
// when the bundle is older than MaxAge. It returns when ctx ends.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
		s.cfg.Logger.Error("status page: render", "err", err)
	}
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.changed:
		}
		if err := s.refreshIfStale(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("status page: render", "err", err)
		}
	}
}

func (s *Server) refreshIfStale(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.bundle.Load()
	if cur != nil && s.cfg.Now().Sub(cur.RenderedAt) < s.cfg.MaxAge {
		v, err := s.src.StatusVersion(ctx)
		if err != nil {
			return err
		}
		if v == cur.Version {
			return nil
		}
	}
	return s.refresh(ctx)
}

// ServeHTTP answers from memory. Per request it looks a path up in a map,
// sets precomputed headers and writes precomputed bytes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := s.file(r.URL.Path)
	if f == nil {
		s.routes.ServeHTTP(w, r)
		return
	}
	serveFile(w, r, f, http.StatusOK)
}

// IsFile reports whether path names one of the rendered files ServeHTTP
// answers from memory, rather than a route such as a subscription's.
func (s *Server) IsFile(path string) bool { return s.file(path) != nil }

func (s *Server) file(path string) *File {
	b := s.bundle.Load()
	switch {
	case b == nil:
		return nil
	case path == "/" || path == "":
		return b.files["index.html"]
	case path[0] == '/':
		return b.files[path[1:]]
	}
	return nil
}

func serveFile(w http.ResponseWriter, r *http.Request, f *File, status int) {
	h := w.Header()
	fixed := f.fixed
	h["X-Content-Type-Options"] = fixed.nosniff
	if f.cors {
		h["Access-Control-Allow-Origin"] = fixed.anyOrigin
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		h["Allow"] = []string{"GET, HEAD, OPTIONS"}
		if f.cors {
			h["Access-Control-Allow-Methods"] = []string{"GET, HEAD"}
			h["Access-Control-Max-Age"] = []string{"86400"}
		}
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		h["Allow"] = []string{"GET, HEAD, OPTIONS"}
		h["Content-Type"] = []string{"text/plain; charset=utf-8"}
		w.WriteHeader(http.StatusMethodNotAllowed)
		w.Write([]byte("Method not allowed: the status page is read-only (GET or HEAD).\n"))
		return
	}
	body, tag, length := f.Body, f.hETag, f.hLength
	if f.gz != nil {
		h["Vary"] = fixed.vary
		if acceptsGzip(r.Header["Accept-Encoding"]) {
			body, tag, length = f.gz, f.hGzETag, f.hGzLength
			h["Content-Encoding"] = fixed.gzip
		}
	}
	h["Cache-Control"] = f.hCache
	if f.hCSP != nil {
		h["Content-Security-Policy"] = f.hCSP
	}
	if status == http.StatusOK {
		h["Etag"] = tag
		if inm := r.Header["If-None-Match"]; len(inm) > 0 && etagMatches(inm, tag[0]) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h["Content-Type"] = f.hType
	h["Content-Length"] = length
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// notFound answers paths that are neither files nor dynamic routes: the
// 404 page (its links fitted to the path's depth), an incident's page asked
// for without ".html", or 503 before the first render.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	b := s.bundle.Load()
	if b == nil {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "The status page is starting; try again in a few seconds.", http.StatusServiceUnavailable)
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	if strings.HasPrefix(p, "incidents/") && !strings.Contains(p[len("incidents/"):], ".") {
		if f := b.files[p+".html"]; f != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			// Relative, so that it stays under the prefix the page is
			// mounted at (http.Redirect would make it absolute).
			w.Header().Set("Location", p[len("incidents/"):]+".html")
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
	}
	depth := min(strings.Count(p, "/"), len(b.notFound)-1)
	f := b.notFound[depth]
	if r.Method == http.MethodHead || r.Method == http.MethodGet {
		serveFile(w, r, f, http.StatusNotFound)
		return
	}
	http.Error(w, "Not found.", http.StatusNotFound)
}

// etagMatches implements If-None-Match's weak comparison over a header's
// values ("*", or a list of tags), without allocating.
func etagMatches(values []string, tag string) bool {
	for _, v := range values {
		for v != "" {
			v = strings.TrimLeft(v, " \t,")
			if v == "" {
				break
			}
			if v[0] == '*' {
				return true
			}
			v = strings.TrimPrefix(v, "W/")
			end := len(v)
			if v[0] == '"' {
				if i := strings.IndexByte(v[1:], '"'); i >= 0 {
					end = i + 2
				}
			} else if i := strings.IndexByte(v, ','); i >= 0 {
				end = i
			}
			if v[:end] == tag {
				return true
			}
			v = v[end:]
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding lists gzip (or *) with a
// non-zero weight, without allocating.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for v != "" {
			item := v
			if i := strings.IndexByte(v, ','); i >= 0 {
				item, v = v[:i], v[i+1:]
			} else {
				v = ""
			}
			item = strings.TrimSpace(item)
			name, params, _ := strings.Cut(item, ";")
			name = strings.TrimSpace(name)
			if !strings.EqualFold(name, "gzip") && name != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
				return false
			}
			return true
		}
	}
	return false
}
