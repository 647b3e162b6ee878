package statuspage

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// nullWriter is a ResponseWriter that keeps one header map: what the server
// itself allocates per request is not the handler's doing.
type nullWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) WriteHeader(status int)      { w.status = status }
func (w *nullWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

func servedServer(t testing.TB) *Server {
	s, err := New(&fakeSource{snap: fixture(), version: 1}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestServeAllocatesNothing: serving the page and summary.json renders
// nothing and allocates nothing, with or without gzip or a revalidation.
func TestServeAllocatesNothing(t *testing.T) {
	s := servedServer(t)
	tag := s.Bundle().File("api/v2/summary.json").ETag
	for _, tc := range []struct {
		name, path string
		header     http.Header
	}{
		{"page", "/", http.Header{}},
		{"page gzip", "/", http.Header{"Accept-Encoding": {"gzip, deflate, br"}}},
		{"summary", "/api/v2/summary.json", http.Header{}},
		{"summary 304", "/api/v2/summary.json", http.Header{"If-None-Match": {tag}}},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header = tc.header
		w := &nullWriter{h: http.Header{}}
		allocs := testing.AllocsPerRun(200, func() {
			clear(w.h)
			s.ServeHTTP(w, req)
		})
		if allocs > 0 || w.status/100 > 3 {
			t.Errorf("%s: %v allocations per request, status %d", tc.name, allocs, w.status)
		}
	}
}

func BenchmarkServeHandler(b *testing.B) {
	s := servedServer(b)
	for _, path := range []string{"/", "/api/v2/summary.json"} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				w := &nullWriter{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					s.ServeHTTP(w, req)
				}
			})
		})
	}
}

// BenchmarkServeHTTP measures requests per second over real HTTP on the
// loopback (keep-alive), client and server on the same machine.
func BenchmarkServeHTTP(b *testing.B) {
	s := servedServer(b)
	hs := httptest.NewServer(s)
	defer hs.Close()
	for _, path := range []string{"/", "/api/v2/summary.json"} {
		b.Run(path, func(b *testing.B) {
			tr := &http.Transport{MaxIdleConnsPerHost: 256}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", hs.URL+path, nil)
					req.Header.Set("Accept-Encoding", "gzip")
					resp, err := c.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

func BenchmarkRender(b *testing.B) {
	r, err := NewRenderer()
	if err != nil {
		b.Fatal(err)
	}
	snap := fixture()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(snap, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
