// Package statuspage renders the public status page — HTML, the
// Statuspage-compatible JSON, RSS/Atom feeds, SVG badges, the embed script
// and the waiting document — from one tocsin.StatusSnapshot into a bundle of
// files held in memory, serves it without touching the database, and writes
// it out as a static copy that any file server can host.
package statuspage

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

//go:embed templates static
var assets embed.FS

// Options change how a bundle is rendered.
type Options struct {
	// SubscribeURL is where the subscribe form posts: the live site's
	// subscribe address for a static export hosted elsewhere. Empty: the
	// relative "subscribe", answered by the handler serving the bundle.
	SubscribeURL string
}

// Renderer turns snapshots into bundles. Its templates are parsed once, when
// it is made: a broken template stops the binary from starting.
type Renderer struct {
	tmpl *template.Template
	md   *Markdown
	css  []byte
	js   []byte
}

// NewRenderer parses the embedded templates and assets.
func NewRenderer() (*Renderer, error) {
	funcs := template.FuncMap{
		"card": func(p *pageView, i *incidentView) any {
			return struct {
				*pageView
				Incident *incidentView
			}{p, i}
		},
		"row": func(p *pageView, r *componentRow) any {
			return struct {
				*pageView
				Row *componentRow
			}{p, r}
		},
		"daysAgo": func(w *words, n int) string { return fill(w.DaysAgo, "n", strconv.Itoa(n)) },
	}
	t, err := template.New("page").Funcs(funcs).ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("status page templates: %w", err)
	}
	css, err := assets.ReadFile("static/status.css")
	if err != nil {
		return nil, err
	}
	js, err := assets.ReadFile("static/embed.js")
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(js, []byte("/*WORDS*/{}")) {
		return nil, fmt.Errorf("embed.js has lost its words placeholder")
	}
	return &Renderer{tmpl: t, md: NewMarkdown(), css: css, js: js}, nil
}

// File is one file of a bundle, with everything its response needs computed
// once: serving it does no work but writing.
type File struct {
	Path        string // inside the bundle: "index.html", "api/v2/summary.json"
	Body        []byte
	ContentType string
	ETag        string // strong, quoted

	gz     []byte // the body gzipped, when that is worth it
	gzETag string
	cors   bool
	fixed  *fixedHeaders

	hType, hCache, hLength, hETag, hCSP []string
	hGzLength, hGzETag                  []string
}

// fixedHeaders are header values every file's responses share, made once
// per bundle so that serving allocates nothing for them. Never modified.
type fixedHeaders struct {
	nosniff, anyOrigin, vary, gzip []string
}

func newFixedHeaders() *fixedHeaders {
	return &fixedHeaders{nosniff: []string{"nosniff"}, anyOrigin: []string{"*"}, vary: []string{"Accept-Encoding"}, gzip: []string{"gzip"}}
}

// Bundle is every file of the page rendered from one snapshot. It is never
// changed once made: a refresh replaces it whole.
type Bundle struct {
	Snapshot *tocsin.StatusSnapshot
	// Version is the store's status version the snapshot was read at.
	Version    int64
	RenderedAt time.Time
	files      map[string]*File
	notFound   []*File // by depth of the unknown path
}

// File returns the file at path ("index.html", "api/v2/status.json"), or nil.
func (b *Bundle) File(path string) *File { return b.files[path] }

// Paths lists the bundle's files, sorted.
func (b *Bundle) Paths() []string {
	out := make([]string, 0, len(b.files))
	for p := range b.files {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// safeID reports whether a public id may name a file: ids become paths of
// the static export, so nothing like "../" may slip in.
func safeID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Render turns a snapshot into a bundle. It reads nothing but the snapshot,
// and is safe to call from several goroutines at once.
func (r *Renderer) Render(snap *tocsin.StatusSnapshot, opts Options) (*Bundle, error) {
	if snap == nil {
		return nil, fmt.Errorf("render status page: no snapshot")
	}
	// Objects whose public id cannot be a file name are left out of the
	// pages that name them (the store makes [a-z0-9] ids; this is a guard).
	clean := *snap
	clean.Components = slices.DeleteFunc(slices.Clone(snap.Components), func(c tocsin.Component) bool { return !safeID(c.PublicID) })
	clean.Incidents = slices.DeleteFunc(slices.Clone(snap.Incidents), func(i tocsin.StatusIncident) bool { return !safeID(i.PublicID) })
	clean.Maintenances = slices.DeleteFunc(slices.Clone(snap.Maintenances), func(i tocsin.StatusIncident) bool { return !safeID(i.PublicID) })
	m := newModel(&clean, opts)

	b := &Bundle{Snapshot: snap, Version: snap.Version, RenderedAt: snap.At, files: map[string]*File{}}
	csp := pageCSP(opts.SubscribeURL)
	fixed := newFixedHeaders()
	add := func(p string, body []byte) {
		b.files[p] = newFile(p, body, csp, fixed)
	}

	pages, notFound, err := m.htmlFiles(r.tmpl, r.md)
	if err != nil {
		return nil, fmt.Errorf("render status page: %w", err)
	}
	for p, body := range pages {
		add(p, body)
	}
	for depth := 0; depth <= maxNotFoundDepth; depth++ {
		b.notFound = append(b.notFound, newFile("404.html", notFound[depth], csp, fixed))
	}
	api, err := m.apiFiles()
	if err != nil {
		return nil, fmt.Errorf("render status page: %w", err)
	}
	for p, body := range api {
		add(p, body)
	}
	waiting, err := m.waitingFile()
	if err != nil {
		return nil, fmt.Errorf("render status page: %w", err)
	}
	add("api/waiting.json", waiting)

	entries := m.feedEntries(r.md)
	rss, err := m.rssFile(entries)
	if err != nil {
		return nil, fmt.Errorf("render status page: %w", err)
	}
	add("history.rss", rss)
	atom, err := m.atomFile(entries)
	if err != nil {
		return nil, fmt.Errorf("render status page: %w", err)
	}
	add("history.atom", atom)

	add("badge.svg", m.pageBadge())
	for k := range m.components {
		c := &m.components[k]
		add("components/"+c.PublicID+"/badge.svg", m.componentBadge(c))
	}

	add("status.css", r.css)
	add("theme.css", themeCSS(m.page.AccentColor, m.page.TextColor))
	js, err := r.embedJS(m.w)
	if err != nil {
		return nil, err
	}
	add("embed.js", js)
	return b, nil
}

func (r *Renderer) embedJS(w *words) ([]byte, error) {
	status := map[tocsin.IncidentStatus]string{}
	for k, v := range w.IncidentStatus {
		status[k] = v
	}
	data, err := json.Marshal(map[string]any{
		"incident": w.EmbedOpenIncident, "maintenance": w.EmbedMaintenance,
		"details": w.ViewDetails, "dismiss": w.Dismiss, "status": status, "colon": w.Colon,
	})
	if err != nil {
		return nil, err
	}
	return bytes.Replace(r.js, []byte("/*WORDS*/{}"), data, 1), nil
}

// pageCSP lets the pages load their own stylesheets, a logo from any https
// address, and post the subscribe form to this site or the live one.
func pageCSP(subscribeURL string) string {
	action := "'self'"
	if u, err := url.Parse(subscribeURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		action += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'none'; style-src 'self'; img-src 'self' data: https:; base-uri 'none'; frame-ancestors 'none'; form-action " + action
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".json":
		return "application/json; charset=utf-8"
	case ".rss":
		return "application/rss+xml; charset=utf-8"
	case ".atom":
		return "application/atom+xml; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// cacheControl: browsers and proxies may keep a file briefly; JSON, which
// widgets and waiting pages poll, for less; the hand-written assets longer.
func cacheControl(p string) string {
	switch path.Ext(p) {
	case ".json":
		return "public, max-age=10"
	case ".css", ".js":
		return "public, max-age=300"
	}
	return "public, max-age=30"
}

func etag(body []byte, suffix string) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:12]) + suffix + `"`
}

func newFile(p string, body []byte, csp string, fixed *fixedHeaders) *File {
	f := &File{Path: p, Body: body, ContentType: contentType(p), ETag: etag(body, ""), fixed: fixed}
	f.cors = !strings.HasSuffix(p, ".html")
	f.hType = []string{f.ContentType}
	f.hCache = []string{cacheControl(p)}
	f.hLength = []string{strconv.Itoa(len(body))}
	f.hETag = []string{f.ETag}
	if strings.HasSuffix(p, ".html") {
		f.hCSP = []string{csp}
	}
	if len(body) > 512 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		if buf.Len() < len(body)*9/10 {
			f.gz = buf.Bytes()
			f.gzETag = etag(body, "-gz")
			f.hGzLength = []string{strconv.Itoa(len(f.gz))}
			f.hGzETag = []string{f.gzETag}
		}
	}
	return f
}
