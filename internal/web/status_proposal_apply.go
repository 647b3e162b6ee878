package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// statusProposalApply serves POST /statuspage/components/{id}/apply: the
// status open alerts propose for a component, confirmed in one click. The
// form carries the proposed status, so that a proposal that changed since
// the page was shown (an alert resolved, another opened) is not applied
// blindly: the list comes back with the current proposals.
func (h *Handler) statusProposalApply(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	s := tocsin.ComponentStatus(formValue(r, "status"))
	blank := statusComponentForm{Showcase: true, Services: idSet{}}
	if !s.Valid() {
		h.renderStatusComponents(w, r, v, http.StatusBadRequest, blank, v.T("status_admin.err_component_status", "Status", string(s)))
		return
	}
	ctx := r.Context()
	if _, err := h.opts.DB.Component(ctx, id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	proposals, err := h.opts.DB.ComponentProposals(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	var current *tocsin.Component
	for _, p := range proposals {
		if p.Component.ID == id && p.Proposed == s {
			current = &p.Component
		}
	}
	if current == nil {
		h.renderStatusComponents(w, r, v, http.StatusConflict, blank, v.T("status_admin.err_proposal_gone"))
		return
	}
	if err := h.opts.DB.SetComponentStatus(ctx, id, s, v.User.ID, h.opts.Clock.Now()); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.statusChanged()
	h.setFlash(w, false, v.T("status_admin.status_set", "Name", current.Name, "Status", v.ComponentStatusText(s)))
	redirect(w, r, "/statuspage")
}
