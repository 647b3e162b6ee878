package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// teamListPage lists the teams and, for admins, a form to add one.
type teamListPage struct {
	*view
	Teams []*tocsin.Team
	Name  string // the create form's input, kept when refused
	Error string
}

// teamList serves GET /teams.
func (h *Handler) teamList(w http.ResponseWriter, r *http.Request, v *view) {
	h.renderTeamList(w, r, v, http.StatusOK, "", "")
}

func (h *Handler) renderTeamList(w http.ResponseWriter, r *http.Request, v *view, status int, name, errMsg string) {
	teams, err := h.opts.DB.Teams(r.Context())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, status, "team_list", &teamListPage{view: v, Teams: teams, Name: name, Error: errMsg})
}
