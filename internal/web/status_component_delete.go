package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// statusComponentDelete serves POST /statuspage/components/{id}/delete. A
// group that still holds components is refused, saying so: its components
// would otherwise vanish from the page with it.
func (h *Handler) statusComponentDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	ctx := r.Context()
	c, err := h.opts.DB.Component(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	refuse := func(status int, message string) {
		h.renderStatusComponents(w, r, v, status, statusComponentForm{Showcase: true, Services: idSet{}}, message)
	}
	if c.Group {
		all, err := h.opts.DB.Components(ctx)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		n := 0
		for _, k := range all {
			if k.GroupID == c.ID {
				n++
			}
		}
		if n > 0 {
			refuse(http.StatusBadRequest, v.N("status_admin.err_group_not_empty", n, "Name", c.Name))
			return
		}
	}
	err = h.opts.DB.DeleteComponent(ctx, id, v.User.ID, h.opts.Clock.Now())
	if code := tocsin.ErrorCode(err); code == tocsin.EINVALID || code == tocsin.ECONFLICT {
		refuse(statusOf(err), tocsin.ErrorMessage(err)) // a component added to the group meanwhile
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.statusChanged()
	h.setFlash(w, false, v.T("status_admin.component_deleted", "Name", c.Name))
	redirect(w, r, "/statuspage")
}
