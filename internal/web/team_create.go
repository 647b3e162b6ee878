package web

import (
	"fmt"
	"net/http"

	"github.com/tocsin/tocsin"
)

// teamCreate serves POST /teams; a refused name comes back in the form with why.
func (h *Handler) teamCreate(w http.ResponseWriter, r *http.Request, v *view) {
	t := &tocsin.Team{Name: formValue(r, "name")}
	if err := h.opts.DB.CreateTeam(r.Context(), t, h.opts.Clock.Now()); err != nil {
		if status := statusOf(err); status < 500 {
			h.renderTeamList(w, r, v, status, t.Name, tocsin.ErrorMessage(err))
			return
		}
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("team.created", "Name", t.Name))
	redirect(w, r, fmt.Sprintf("/teams/%d", t.ID))
}
