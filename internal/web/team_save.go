package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/tocsin/tocsin"
)

// teamSave serves POST /teams/{id}: the team's name and its members (checked
// users, each with a team role) in one form.
func (h *Handler) teamSave(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	ctx := r.Context()
	if _, err := h.opts.DB.Team(ctx, id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	var members []tocsin.TeamMember
	for _, s := range r.PostForm["member"] {
		uid, err := strconv.ParseInt(s, 10, 64)
		if err != nil || uid <= 0 {
			h.renderTeam(w, r, v, id, http.StatusBadRequest, "", v.T("team.bad_member"))
			return
		}
		members = append(members, tocsin.TeamMember{UserID: uid, Role: r.PostForm.Get("role_" + s)})
	}
	name := formValue(r, "name")
	refuse := func(err error) {
		if status := statusOf(err); status < 500 {
			h.renderTeam(w, r, v, id, status, name, tocsin.ErrorMessage(err))
			return
		}
		h.fail(w, r, v, err)
	}
	// Name and members change in one transaction: a refused form writes nothing.
	if err := h.opts.DB.UpdateTeam(ctx, id, name, members, true); err != nil {
		refuse(err)
		return
	}
	h.setFlash(w, false, v.T("team.saved"))
	redirect(w, r, fmt.Sprintf("/teams/%d", id))
}
