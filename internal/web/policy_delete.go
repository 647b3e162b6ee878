package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// policyDeletePage asks before a policy goes, and says which services still
// page through it (the store refuses to delete it while any does).
type policyDeletePage struct {
	*view
	Policy   *tocsin.EscalationPolicy
	Services []policyUse
	Error    string
}

// policyDeleteConfirm serves GET /policies/{id}/delete: the confirmation step,
// a page of its own so that it works without JavaScript.
func (h *Handler) policyDeleteConfirm(w http.ResponseWriter, r *http.Request, v *view) {
	p := h.pathPolicy(w, r, v)
	if p == nil {
		return
	}
	h.renderPolicyDelete(w, r, v, http.StatusOK, p, "")
}

func (h *Handler) renderPolicyDelete(w http.ResponseWriter, r *http.Request, v *view, status int, p *tocsin.EscalationPolicy, message string) {
	services, err := h.opts.DB.Services(r.Context(), 0)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, status, "policy_delete", &policyDeletePage{view: v, Policy: p, Services: policyUses(p.ID, services), Error: message})
}

// policyDelete serves POST /policies/{id}/delete. Without the confirmation
// field (a form posted from elsewhere than the confirmation page) it asks
// first; a policy still in use comes back with the store's reason and a 409.
func (h *Handler) policyDelete(w http.ResponseWriter, r *http.Request, v *view) {
	p := h.pathPolicy(w, r, v)
	if p == nil {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		redirect(w, r, r.URL.Path)
		return
	}
	err := h.opts.DB.DeleteEscalationPolicy(r.Context(), p.ID)
	if tocsin.ErrorCode(err) == tocsin.ECONFLICT {
		h.renderPolicyDelete(w, r, v, http.StatusConflict, p, tocsin.ErrorMessage(err))
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("policy.deleted", "Name", p.Name))
	redirect(w, r, "/policies")
}
