package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// userRole serves POST /users/{id}/role. Admins cannot change their own role,
// so that the last admin cannot lock everyone out by mistake.
func (h *Handler) userRole(w http.ResponseWriter, r *http.Request, v *view) {
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
	u.Role = tocsin.Role(formValue(r, "role"))
	if err := h.opts.DB.UpdateUser(r.Context(), u, ""); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("user.role_changed", "Name", u.Name, "Role", v.RoleText(u.Role)))
	redirect(w, r, "/users")
}
