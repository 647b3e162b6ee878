package web

import "net/http"

// statusComponentMove serves POST /statuspage/components/{id}/move: one place
// up or down among its siblings (dir=up or dir=down).
func (h *Handler) statusComponentMove(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	var delta int
	switch dir := formValue(r, "dir"); dir {
	case "up":
		delta = -1
	case "down":
		delta = 1
	default:
		h.renderStatusComponents(w, r, v, http.StatusBadRequest, statusComponentForm{Showcase: true, Services: idSet{}},
			v.T("status_admin.err_direction", "Dir", dir))
		return
	}
	if err := h.opts.DB.MoveComponent(r.Context(), id, delta, v.User.ID, h.opts.Clock.Now()); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.statusChanged()
	redirect(w, r, "/statuspage")
}
