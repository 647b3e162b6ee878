package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

// staticFile is an embedded CSS, JavaScript or image file, hashed once at start
// so that its URL changes whenever its content does.
type staticFile struct {
	data        []byte
	hash        string
	contentType string
}

func loadStatic(fsys fs.FS) (map[string]*staticFile, error) {
	files := map[string]*staticFile{}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(p))
		if path.Ext(p) == ".webmanifest" {
			// Not in Go's table, and the system's may lack it.
			ctype = "application/manifest+json"
		}
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		files[p[len("static/"):]] = &staticFile{data: data, hash: hex.EncodeToString(sum[:6]), contentType: ctype}
		return nil
	})
	return files, err
}

// assetURL is the cache-busting URL of a static file.
func (h *Handler) assetURL(name string) string {
	f, ok := h.static[name]
	if !ok {
		return "/static/" + name
	}
	return "/static/" + name + "?v=" + f.hash
}

// staticServe serves /static/{file...}; a URL with the current hash may be cached for good.
func (h *Handler) staticServe(w http.ResponseWriter, r *http.Request) {
	f, ok := h.static[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	if r.URL.Query().Get("v") == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+f.hash+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

// serviceWorker serves GET /sw.js, the Web Push service worker. A worker's
// scope is at most its own folder, so it lives at the root, not in /static;
// browsers check it for updates at each visit.
func (h *Handler) serviceWorker(w http.ResponseWriter, r *http.Request) {
	f, ok := h.static["sw.js"]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Service-Worker-Allowed", "/")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", `"`+f.hash+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}
