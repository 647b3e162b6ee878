package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// teamJSON is a team as the API shows it.
type teamJSON struct {
	ID        int64        `json:"id"`
	Name      string       `json:"name"`
	CreatedAt time.Time    `json:"created_at"`
	Members   []memberJSON `json:"members"`
}

type memberJSON struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Role   string `json:"role"` // in the team: member or manager
}

func teamToJSON(t *tocsin.Team) teamJSON {
	out := teamJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt.UTC(), Members: make([]memberJSON, len(t.Members))}
	for i, m := range t.Members {
		out.Members[i] = memberJSON{UserID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role}
	}
	return out
}

// teamInput is the body of POST /teams and PATCH /teams/{id}.
type teamInput struct {
	Name    string   `json:"name"`
	Members []string `json:"members"` // e-mail addresses
}

// findTeam finds a team by id (digits) or by name.
func (h *Handler) findTeam(ctx context.Context, idOrName string) (*tocsin.Team, error) {
	if id, ok := isID(idOrName); ok {
		return h.opts.DB.Team(ctx, id)
	}
	return h.opts.DB.TeamByName(ctx, idOrName)
}

// members resolves e-mail addresses to team members, keeping the team role of
// those already in the team. An unknown address is a 400 and nothing is written.
func (h *Handler) members(ctx context.Context, emails []string, current []tocsin.TeamMember) ([]tocsin.TeamMember, error) {
	if len(emails) > 1000 {
		return nil, tocsin.Errorf(tocsin.EINVALID, "a team has at most 1000 members")
	}
	roles := map[int64]string{}
	for _, m := range current {
		roles[m.UserID] = m.Role
	}
	seen := map[int64]bool{}
	var out []tocsin.TeamMember
	for _, email := range emails {
		email = strings.TrimSpace(email)
		if email == "" {
			return nil, tocsin.Errorf(tocsin.EINVALID, "field \"members\" has an empty e-mail address")
		}
		u, err := h.opts.DB.UserByEmail(ctx, email)
		if err != nil {
			return nil, asInvalid(err)
		}
		if seen[u.ID] {
			continue
		}
		seen[u.ID] = true
		out = append(out, tocsin.TeamMember{UserID: u.ID, Email: u.Email, Name: u.Name, Role: roles[u.ID]})
	}
	return out, nil
}

func (h *Handler) listTeams(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r); err != nil {
		return err
	}
	teams, err := h.opts.DB.Teams(r.Context())
	if err != nil {
		return err
	}
	out := make([]teamJSON, len(teams))
	for i, t := range teams {
		out[i] = teamToJSON(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": out})
	return nil
}

func (h *Handler) getTeam(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	t, err := h.findTeam(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, teamToJSON(t))
	return nil
}

func (h *Handler) createTeam(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in teamInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	ctx := r.Context()
	t := &tocsin.Team{Name: strings.TrimSpace(in.Name)}
	if err := t.Validate(); err != nil {
		return err
	}
	members, err := h.members(ctx, in.Members, nil)
	if err != nil {
		return err
	}
	t.Members = members
	if err := h.opts.DB.CreateTeam(ctx, t, h.opts.Clock.Now()); err != nil {
		return err
	}
	created, err := h.opts.DB.Team(ctx, t.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", prefix+"/teams/"+itoa(t.ID))
	writeJSON(w, http.StatusCreated, teamToJSON(created))
	return nil
}

func (h *Handler) updateTeam(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	t, err := h.findTeam(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in teamInput
	sent, err := decodePatch(r, &in)
	if err != nil {
		return err
	}
	name := t.Name
	if sent["name"] {
		name = strings.TrimSpace(in.Name)
		if err := tocsin.ValidateName("team", name); err != nil {
			return err
		}
	}
	var members []tocsin.TeamMember
	if sent["members"] {
		if members, err = h.members(ctx, in.Members, t.Members); err != nil {
			return err
		}
	}
	if err := h.opts.DB.UpdateTeam(ctx, t.ID, name, members, sent["members"]); err != nil {
		return err
	}
	updated, err := h.opts.DB.Team(ctx, t.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, teamToJSON(updated))
	return nil
}

func (h *Handler) deleteTeam(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	t, err := h.findTeam(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.opts.DB.DeleteTeam(ctx, t.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
