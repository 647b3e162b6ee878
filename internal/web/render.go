package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// pageTemplate is one page's template set: the layout, the shared partials and
// the page's own file, which defines "title" and "content" (and its fragments).
type pageTemplate struct {
	t *template.Template
}

// templateFuncs are the helpers every template may call. They hold no state:
// whatever depends on the request (language, time zone) is a method of view.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"prioClass":   func(p tocsin.Priority) string { return strings.ToLower(string(p)) },
		"labels":      sortedLabels,
		"pretty":      prettyDetails,
		"httpLink":    isHTTPLink,
		"add":         func(a, b int) int { return a + b },
		"join":        strings.Join,
		"colour":      colour,
		"snippetArgs": func(p viewer, list []snippet) *snippetsView { return &snippetsView{view: p.base(), List: list} },
		"integrationFormArgs": func(p viewer, serviceID int64, form integrationForm, types []tocsin.IntegrationType) *integrationFormView {
			return &integrationFormView{view: p.base(), ServiceID: serviceID, Form: form, Types: types}
		},
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i
			}
			return s
		},
	}
}

// parsePages parses every page at start: a broken template stops the binary.
func parsePages(fsys fs.FS) (map[string]*pageTemplate, error) {
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no page templates")
	}
	pages := map[string]*pageTemplate{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		t, err := template.New(name).Funcs(templateFuncs()).ParseFS(fsys, "templates/layout.html", "templates/partials.html", f)
		if err != nil {
			return nil, err
		}
		for _, required := range []string{"title", "content"} {
			if t.Lookup(required) == nil {
				return nil, fmt.Errorf("%s: no %q template", f, required)
			}
		}
		pages[name] = &pageTemplate{t: t}
	}
	return pages, nil
}

// viewer is any page's data: a struct that embeds *view.
type viewer interface{ base() *view }

func (v *view) base() *view { return v }

// render writes a whole page (layout "layout") with a status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data viewer) {
	h.execute(w, r, status, page, "layout", data)
}

// renderFragment writes one named template of a page, for live updates.
func (h *Handler) renderFragment(w http.ResponseWriter, r *http.Request, page, fragment string, data viewer) {
	h.execute(w, r, http.StatusOK, page, fragment, data)
}

func (h *Handler) execute(w http.ResponseWriter, r *http.Request, status int, page, name string, data viewer) {
	p, ok := h.pages[page]
	if !ok {
		h.internalError(w, r, fmt.Errorf("no page %q", page))
		return
	}
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, name, data); err != nil {
		h.internalError(w, r, fmt.Errorf("render %s/%s: %w", page, name, err))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	// Pages carry personal data and sometimes a secret shown once: never cache them.
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// internalError logs err with the request id and shows a page that gives the id
// without any detail. It must not itself depend on templates working.
func (h *Handler) internalError(w http.ResponseWriter, r *http.Request, err error) {
	id := w.Header().Get("X-Request-Id")
	h.opts.Log.Error("web", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
	if p, ok := h.pages["error"]; ok {
		v := &errorPage{view: h.newView(w, r, nil), Status: http.StatusInternalServerError, RequestID: id}
		v.Message = v.T("error.internal")
		var buf bytes.Buffer
		if p.t.ExecuteTemplate(&buf, "layout", v) == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write(buf.Bytes())
			return
		}
	}
	http.Error(w, "Internal error (request "+id+").", http.StatusInternalServerError)
}

// errorPage is the page of a 4xx or 5xx.
type errorPage struct {
	*view
	Status    int
	Message   string
	RequestID string
}

// showError renders the error page with a status and a message for the user.
func (h *Handler) showError(w http.ResponseWriter, r *http.Request, v *view, status int, message string) {
	if v == nil {
		v = h.newView(w, r, nil)
	}
	h.render(w, r, status, "error", &errorPage{view: v, Status: status, Message: message, RequestID: w.Header().Get("X-Request-Id")})
}

// fail shows the page an error deserves: its message for a user error, a
// generic page with the request id (and a log line) for an internal one.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	status := statusOf(err)
	if status == http.StatusInternalServerError {
		h.internalError(w, r, err)
		return
	}
	h.showError(w, r, v, status, tocsin.ErrorMessage(err))
}

// statusOf maps a domain error code to an HTTP status: the one place that does.
func statusOf(err error) int {
	switch tocsin.ErrorCode(err) {
	case tocsin.EINVALID:
		return http.StatusBadRequest
	case tocsin.ENOTFOUND:
		return http.StatusNotFound
	case tocsin.ECONFLICT:
		return http.StatusConflict
	case tocsin.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case tocsin.EFORBIDDEN:
		return http.StatusForbidden
	case tocsin.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case tocsin.ERATELIMITED:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// notFound renders the 404 page.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, v *view) {
	if v == nil {
		v = h.newView(w, r, h.optionalUser(r))
	}
	h.showError(w, r, v, http.StatusNotFound, v.T("error.not_found"))
}

// forbidden renders the 403 page.
func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request, v *view) {
	h.showError(w, r, v, http.StatusForbidden, v.T("error.forbidden"))
}

// crossOriginDenied answers a form posted from another site.
func (h *Handler) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	v := h.newView(w, r, nil)
	h.showError(w, r, v, http.StatusForbidden, v.T("error.cross_origin"))
}

// redirect sends the browser on with 303 See Other (a POST becomes a GET).
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// labelPair is one label, for templates (maps range in key order, but a
// slice keeps the "k=v" text in one place).
type labelPair struct{ Key, Value string }

func (l labelPair) String() string {
	if l.Value == "" {
		return l.Key
	}
	return l.Key + "=" + l.Value
}

func sortedLabels(m map[string]string) []labelPair {
	out := make([]labelPair, 0, len(m))
	for k, v := range m {
		out = append(out, labelPair{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// prettyDetails indents JSON details; anything else is shown as sent. The result
// is plain text: templates escape it.
func prettyDetails(s string) string {
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') || !json.Valid([]byte(t)) {
		return s
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(t), "", "  "); err != nil {
		return s
	}
	return buf.String()
}

// isHTTPLink reports whether an untrusted URL may become a link: http(s) only.
func isHTTPLink(href string) bool {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// since is a duration in whole units, for relative times.
func since(now, t time.Time) time.Duration {
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	return d
}

// Reason is the status's standard text.
func (p *errorPage) Reason() string { return http.StatusText(p.Status) }
