package apply

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tocsin/tocsin"
)

func (p *planner) planServices() {
	for _, s := range p.doc.Services {
		want := tocsin.Service{Name: s.Name, Description: s.Description, EscalationPolicy: s.EscalationPolicy, OffHoursPolicy: s.OffHoursPolicy}
		if s.BusinessHours != nil {
			hours := *s.BusinessHours
			want.BusinessHours = &hours
		}
		cur := p.cur.serviceByName[s.Name]
		switch {
		case s.Maintenance != nil:
			want.Maintenance = append([]tocsin.MaintenanceWindow{}, *s.Maintenance...)
		case cur != nil:
			// Windows are also made in the UI before a deploy: left out, they stay.
			want.Maintenance = cur.Maintenance
		}
		// Validation fills in defaults (time zones, UTC times): check a copy
		// that owns its windows, so the stored ones are never touched.
		want.Maintenance = cloneWindows(want.Maintenance)
		if err := want.Validate(); err != nil {
			if tocsin.ValidateName("service", s.Name) != nil {
				p.fail(s.src, "%s", tocsin.ErrorMessage(err)) // the message names the service already
			} else {
				p.fail(s.src, "service %s: %s", s.Name, tocsin.ErrorMessage(err))
			}
			continue
		}
		ok := true
		if s.Team != "" && !p.teamKnown(s.Team) {
			p.fail(s.src, "service %s: team %s does not exist (declare it under teams:)", s.Name, s.Team)
			ok = false
		}
		for _, ref := range []struct{ field, name string }{{"escalation_policy", s.EscalationPolicy}, {"off_hours_policy", s.OffHoursPolicy}} {
			if ref.name != "" && !p.policyKnown(ref.name) {
				p.fail(s.src, "service %s: %s %s does not exist (declare it under escalation_policies:)", s.Name, ref.field, ref.name)
				ok = false
			}
		}
		if s.OffHoursPolicy != "" && s.EscalationPolicy == "" {
			p.fail(s.src, "service %s: off_hours_policy needs an escalation_policy for business hours too", s.Name)
			ok = false
		}
		if !ok {
			continue
		}
		if s.EscalationPolicy == "" && cur != nil && cur.EscalationPolicy != "" {
			p.note("service %s: no escalation_policy: its alerts will page nobody", s.Name)
		}
		team := s.Team
		if cur == nil {
			detail := ""
			if team != "" {
				detail = "team " + team
			}
			if want.EscalationPolicy != "" {
				if detail != "" {
					detail += ", "
				}
				detail += "policy " + want.EscalationPolicy
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
		if want.EscalationPolicy != cur.EscalationPolicy {
			diffs = append(diffs, fmt.Sprintf("escalation policy %s → %s", orNone(cur.EscalationPolicy), orNone(want.EscalationPolicy)))
		}
		if want.OffHoursPolicy != cur.OffHoursPolicy {
			diffs = append(diffs, fmt.Sprintf("off-hours policy %s → %s", orNone(cur.OffHoursPolicy), orNone(want.OffHoursPolicy)))
		}
		if !sameJSON(hoursOrNil(want.BusinessHours), hoursOrNil(cur.BusinessHours)) {
			diffs = append(diffs, "business hours")
		}
		if !sameJSON(windowsOrNil(want.Maintenance), windowsOrNil(cur.Maintenance)) {
			diffs = append(diffs, fmt.Sprintf("maintenance (%d windows)", len(want.Maintenance)))
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

// cloneWindows copies maintenance windows deeply (a weekly one holds a pointer).
func cloneWindows(ws []tocsin.MaintenanceWindow) []tocsin.MaintenanceWindow {
	if ws == nil {
		return nil
	}
	out := make([]tocsin.MaintenanceWindow, len(ws))
	for i, w := range ws {
		if w.Weekly != nil {
			weekly := *w.Weekly
			weekly.Days = append([]string(nil), w.Weekly.Days...)
			w.Weekly = &weekly
		}
		out[i] = w
	}
	return out
}

// hoursOrNil and windowsOrNil make "no days" and "no windows" one value, so that
// a file's [] and the database's null compare equal.
func hoursOrNil(w *tocsin.TimeWindow) *tocsin.TimeWindow {
	if w == nil {
		return nil
	}
	cp := *w
	if len(cp.Days) == 0 {
		cp.Days = nil
	}
	return &cp
}

func windowsOrNil(ws []tocsin.MaintenanceWindow) []tocsin.MaintenanceWindow {
	if len(ws) == 0 {
		return nil
	}
	out := cloneWindows(ws)
	for i := range out {
		out[i].Weekly = hoursOrNil(out[i].Weekly)
		out[i].From, out[i].To = out[i].From.UTC(), out[i].To.UTC()
	}
	return out
}

// sameJSON compares two values by their JSON form: times by instant, no
// pointer identity.
func sameJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
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

// fileService writes a stored service's paging settings in the file's shape.
func fileService(s *tocsin.Service, integrations []Integration) Service {
	out := Service{Name: s.Name, Team: s.TeamName, Description: s.Description, EscalationPolicy: s.EscalationPolicy,
		OffHoursPolicy: s.OffHoursPolicy, BusinessHours: s.BusinessHours, Integrations: integrations}
	if len(s.Maintenance) > 0 {
		windows := cloneWindows(s.Maintenance)
		out.Maintenance = &windows
	}
	return out
}
