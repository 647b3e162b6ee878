package apply

import (
	"context"
	"fmt"
	"sort"

	"github.com/tocsin/tocsin"
)

func (p *planner) planTeams() {
	for _, t := range p.doc.Teams {
		if err := tocsin.ValidateName("team", t.Name); err != nil {
			p.fail(t.src, "%s", tocsin.ErrorMessage(err))
			continue
		}
		want, ok := p.teamMembers(t)
		if !ok {
			continue
		}
		name := t.Name
		cur := p.cur.teamByName[name]
		if cur == nil {
			detail := ""
			if len(want) > 0 {
				detail = "members: " + list(sortedKeys(want))
			}
			p.change(Change{Op: Create, What: "team " + name, Detail: detail,
				run: func(ctx context.Context, x *executor) error {
					team := &tocsin.Team{Name: name}
					if err := x.db.CreateTeam(ctx, team, x.now); err != nil {
						return err
					}
					x.ids.teams[name] = team.ID
					if len(want) == 0 {
						return nil
					}
					return x.db.SetTeamMembers(ctx, team.ID, x.members(want))
				}})
			continue
		}
		have := map[string]string{}
		for _, m := range cur.Members {
			have[m.Email] = m.Role
		}
		var diffs []string
		for _, email := range sortedKeys(want) {
			switch role, ok := have[email]; {
			case !ok:
				diffs = append(diffs, "+"+email)
			case role != want[email]:
				diffs = append(diffs, fmt.Sprintf("%s %s → %s", email, role, want[email]))
			}
		}
		for _, email := range sortedKeys(have) {
			if _, ok := want[email]; !ok {
				diffs = append(diffs, "-"+email)
			}
		}
		if len(diffs) == 0 {
			continue
		}
		id := cur.ID
		p.change(Change{Op: Update, What: "team " + name, Detail: "members (" + list(diffs) + ")",
			run: func(ctx context.Context, x *executor) error {
				return x.db.SetTeamMembers(ctx, id, x.members(want))
			}})
	}
}

// teamMembers checks a team's members and managers and returns e-mail → team role.
func (p *planner) teamMembers(t Team) (map[string]string, bool) {
	want := map[string]string{}
	ok := true
	add := func(emails []string, role string) {
		for _, e := range emails {
			email := normalEmail(e)
			if _, dup := want[email]; dup {
				p.fail(t.src, "team %s: %s is listed twice", t.Name, email)
				ok = false
				continue
			}
			if !p.userKnown(email) {
				p.fail(t.src, "team %s: member %s is not a user (declare it under users:)", t.Name, email)
				ok = false
				continue
			}
			want[email] = role
		}
	}
	add(t.Members, "member")
	add(t.Managers, "manager")
	return want, ok
}

func (x *executor) members(want map[string]string) []tocsin.TeamMember {
	members := make([]tocsin.TeamMember, 0, len(want))
	for _, email := range sortedKeys(want) {
		members = append(members, tocsin.TeamMember{UserID: x.ids.users[email], Role: want[email]})
	}
	return members
}

func (p *planner) pruneTeams() {
	if !p.pruning("teams") {
		return
	}
	for _, t := range p.cur.teams {
		if p.teams[t.Name] != nil {
			continue
		}
		id := t.ID
		var orphans []string
		for _, s := range p.cur.services {
			if s.TeamID == id && p.services[s.Name] == nil && !p.pruning("services") {
				orphans = append(orphans, s.Name)
			}
		}
		sort.Strings(orphans)
		detail := ""
		if len(orphans) > 0 {
			detail = "services left without an owner: " + list(orphans)
		}
		p.deletes = append(p.deletes, Change{Op: Delete, What: "team " + t.Name, Detail: detail,
			run: func(ctx context.Context, x *executor) error { return x.db.DeleteTeam(ctx, id) }})
	}
}
