package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// statusComponentStatus serves POST /statuspage/components/{id}/status: a
// component's new status, in one click from the list.
func (h *Handler) statusComponentStatus(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	s := tocsin.ComponentStatus(formValue(r, "status"))
	if !s.Valid() {
		h.renderStatusComponents(w, r, v, http.StatusBadRequest, statusComponentForm{Showcase: true, Services: idSet{}},
			v.T("status_admin.err_component_status", "Status", string(s)))
		return
	}
	ctx := r.Context()
	err := h.opts.DB.SetComponentStatus(ctx, id, s, v.User.ID, h.opts.Clock.Now())
	if code := tocsin.ErrorCode(err); code == tocsin.EINVALID || code == tocsin.ECONFLICT {
		h.renderStatusComponents(w, r, v, statusOf(err), statusComponentForm{Showcase: true, Services: idSet{}}, tocsin.ErrorMessage(err))
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.statusChanged()
	c, err := h.opts.DB.Component(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("status_admin.status_set", "Name", c.Name, "Status", v.ComponentStatusText(s)))
	redirect(w, r, "/statuspage")
}
