package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// teamPage is one team: its services, its members, and for admins the form
// that renames it and picks its members.
type teamPage struct {
	*view
	Team     *tocsin.Team
	Services []*tocsin.Service
	Users    []teamCandidate
	Name     string
	Error    string
}

// teamCandidate is a user in the members form: in the team or not, and how.
type teamCandidate struct {
	User   *tocsin.User
	Member bool
	Role   string
}

// teamShow serves GET /teams/{id}.
func (h *Handler) teamShow(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	h.renderTeam(w, r, v, id, http.StatusOK, "", "")
}

func (h *Handler) renderTeam(w http.ResponseWriter, r *http.Request, v *view, id int64, status int, name, errMsg string) {
	ctx := r.Context()
	team, err := h.opts.DB.Team(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	services, err := h.opts.DB.Services(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &teamPage{view: v, Team: team, Services: services, Name: team.Name, Error: errMsg}
	if name != "" {
		p.Name = name
	}
	if v.CanConfigure() {
		users, err := h.opts.DB.Users(ctx)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		roles := map[int64]string{}
		for _, m := range team.Members {
			roles[m.UserID] = m.Role
		}
		for _, u := range users {
			role, member := roles[u.ID]
			if role == "" {
				role = "member"
			}
			p.Users = append(p.Users, teamCandidate{User: u, Member: member, Role: role})
		}
	}
	h.render(w, r, status, "team_show", p)
}
