package web

import "net/http"

// userDelete serves POST /users/{id}/delete; their sessions and tokens go too.
func (h *Handler) userDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if id == v.User.ID {
		h.showError(w, r, v, http.StatusBadRequest, v.T("user.not_self"))
		return
	}
	u, err := h.opts.DB.User(r.Context(), id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if err := h.opts.DB.DeleteUser(r.Context(), id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("user.deleted", "Name", u.Name))
	redirect(w, r, "/users")
}
