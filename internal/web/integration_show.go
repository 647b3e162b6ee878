package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// integrationPage is one integration: where its alerts go, how to configure a
// tool (key masked), its rules, and for admins the key's life cycle.
type integrationPage struct {
	*view
	Integration *tocsin.Integration
	Service     *tocsin.Service
	Rules       []*tocsin.ProcessingRule
	Primary     []snippet
	Others      []snippet
	Name        string
	HMAC        string
	Error       string
}

// integrationShow serves GET /integrations/{id}.
func (h *Handler) integrationShow(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	h.renderIntegration(w, r, v, id, http.StatusOK, nil)
}

// renderIntegration shows the page; edit, when given, is a refused edit form.
func (h *Handler) renderIntegration(w http.ResponseWriter, r *http.Request, v *view, id int64, status int, edit *integrationForm) {
	ctx := r.Context()
	integ, err := h.opts.DB.Integration(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &integrationPage{view: v, Integration: integ, Name: integ.Name, HMAC: integ.HMACSecret}
	if edit != nil {
		p.Name, p.HMAC, p.Error = edit.Name, edit.HMAC, edit.Error
	}
	if !integ.Global() {
		if p.Service, err = h.opts.DB.Service(ctx, integ.ServiceID); err != nil && tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			h.fail(w, r, v, err)
			return
		}
	}
	if p.Rules, err = h.opts.DB.Rules(ctx, id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	// The HMAC secret is a secret too: only admins see it, in the edit form.
	hmac := ""
	if integ.HMACSecret != "" {
		hmac = "<HMAC secret>"
	}
	p.Primary, p.Others = integrationSnippets(h.opts.PublicURL, integ, maskedKey(integ), hmac)
	if !v.CanConfigure() {
		p.HMAC = ""
	}
	h.render(w, r, status, "integration_show", p)
}
