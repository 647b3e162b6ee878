package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// statusSettingsPage is the public page's settings form. Errors names the
// fields that were refused (field → message), next to each.
type statusSettingsPage struct {
	*view
	PublicID string
	Form     tocsin.StatusPage
	Errors   map[string]string
	Error    string // what the page as a whole was refused for
}

// FieldError is a field's refusal, "" when it is fine.
func (p *statusSettingsPage) FieldError(name string) string { return p.Errors[name] }

// statusSettingsEdit serves GET /statuspage/settings.
func (h *Handler) statusSettingsEdit(w http.ResponseWriter, r *http.Request, v *view) {
	page, err := h.opts.DB.StatusPage(r.Context())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, http.StatusOK, "status_settings", &statusSettingsPage{view: v, PublicID: page.PublicID, Form: *page})
}
