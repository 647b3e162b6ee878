package apply

import (
	"context"
	"fmt"

	"github.com/tocsin/tocsin"
)

func (p *planner) planServices() {
	for _, s := range p.doc.Services {
		want := tocsin.Service{Name: s.Name, Description: s.Description}
		if err := want.Validate(); err != nil {
			p.fail(s.src, "%s", tocsin.ErrorMessage(err))
			continue
		}
		if s.Team != "" && !p.teamKnown(s.Team) {
			p.fail(s.src, "service %s: team %s does not exist (declare it under teams:)", s.Name, s.Team)
			continue
		}
		if s.EscalationPolicy != "" {
			p.note("service %s: escalation_policy is not supported yet, ignored", s.Name)
		}
		team := s.Team
		cur := p.cur.serviceByName[s.Name]
		if cur == nil {
			detail := ""
			if team != "" {
				detail = "team " + team
			}
			p.change(Change{Op: Create, What: "service " + s.Name, Detail: detail,
				run: func(ctx context.Context, x *executor) error {
					svc := want
					svc.TeamID = x.ids.teams[team]
					if err := x.db.CreateService(ctx, &svc, x.now); err != nil {
						return err
					}
					x.ids.services[svc.Name] = svc.ID
					return nil
				}})
			continue
		}
		var diffs []string
		if team != cur.TeamName {
			diffs = append(diffs, fmt.Sprintf("team %s → %s", orNone(cur.TeamName), orNone(team)))
		}
		if want.Description != cur.Description {
			diffs = append(diffs, "description")
		}
		if len(diffs) == 0 {
			continue
		}
		want.ID = cur.ID
		p.change(Change{Op: Update, What: "service " + s.Name, Detail: list(diffs),
			run: func(ctx context.Context, x *executor) error {
				svc := want
				svc.TeamID = x.ids.teams[team]
				return x.db.UpdateService(ctx, &svc)
			}})
	}
}

func (p *planner) pruneServices() {
	if !p.pruning("services") {
		return
	}
	for _, s := range p.cur.services {
		if p.services[s.Name] != nil {
			continue
		}
		id := s.ID
		p.deletes = append(p.deletes, Change{Op: Delete, What: "service " + s.Name,
			run: func(ctx context.Context, x *executor) error { return x.db.DeleteService(ctx, id, x.now) }})
	}
}
