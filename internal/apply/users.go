package apply

import (
	"context"
	"fmt"
	"strings"

	"github.com/tocsin/tocsin"
)

func (p *planner) planUsers() {
	for i := range p.doc.Users {
		u := &p.doc.Users[i]
		if p.users[normalEmail(u.Email)] != u {
			continue // a duplicate, reported by collect
		}
		want := tocsin.User{Email: u.Email, Name: u.Name, Role: u.Role, Timezone: u.Timezone, Locale: u.Locale, Phone: u.Phone}
		if u.WorkingHours != nil {
			hours := *u.WorkingHours
			want.WorkingHours = &hours
		}
		cur := p.cur.userByEmail[normalEmail(u.Email)]
		if cur != nil {
			// People set these on their profile: a file that leaves them out keeps them.
			if want.Timezone == "" {
				want.Timezone = cur.Timezone
			}
			if u.Locale == "" {
				want.Locale = cur.Locale
			}
			if u.Phone == "" {
				want.Phone = cur.Phone
			}
			if u.WorkingHours == nil {
				want.WorkingHours = cur.WorkingHours
			}
		}
		if err := want.Validate(); err != nil {
			p.fail(u.src, "user %s: %s", u.Email, tocsin.ErrorMessage(err))
			continue
		}
		pg, ok := p.planPaging(u, want.Email, cur)
		if !ok {
			continue
		}
		email := want.Email
		if cur == nil {
			detail := "no password: it logs in once one is set with `tocsin user passwd --email " + want.Email + "` or by an admin"
			if extra := pg.created(); extra != "" {
				detail += "; " + extra
			}
			p.change(Change{Op: Create, What: "user " + want.Email, Detail: detail,
				run: func(ctx context.Context, x *executor) error {
					u := want
					if err := x.db.CreateUser(ctx, &u, "", x.now); err != nil {
						return err
					}
					x.ids.users[u.Email] = u.ID
					return x.applyPaging(ctx, u.ID, email, pg)
				}})
			continue
		}
		var diffs []string
		if want.Name != cur.Name {
			diffs = append(diffs, "name")
		}
		if want.Role != cur.Role {
			diffs = append(diffs, fmt.Sprintf("role %s → %s", cur.Role, want.Role))
		}
		if want.Timezone != cur.Timezone {
			diffs = append(diffs, fmt.Sprintf("timezone %s → %s", cur.Timezone, want.Timezone))
		}
		if want.Locale != cur.Locale {
			diffs = append(diffs, fmt.Sprintf("locale %s → %s", orNone(cur.Locale), want.Locale))
		}
		if want.Phone != cur.Phone {
			diffs = append(diffs, "phone")
		}
		if !sameJSON(hoursOrNil(want.WorkingHours), hoursOrNil(cur.WorkingHours)) {
			diffs = append(diffs, "working hours")
		}
		row := len(diffs) > 0
		diffs = append(diffs, pg.diffs...)
		if len(diffs) == 0 {
			continue
		}
		want.ID = cur.ID
		p.change(Change{Op: Update, What: "user " + want.Email, Detail: list(diffs),
			run: func(ctx context.Context, x *executor) error {
				u := want
				if row {
					if err := x.db.UpdateUser(ctx, &u, ""); err != nil {
						return err
					}
				}
				return x.applyPaging(ctx, u.ID, email, pg)
			}})
	}
}

func (p *planner) pruneUsers() {
	if !p.pruning("users") {
		return
	}
	for _, u := range p.cur.users {
		if p.users[u.Email] != nil {
			continue
		}
		id := u.ID
		p.deletes = append(p.deletes, Change{Op: Delete, What: "user " + u.Email,
			run: func(ctx context.Context, x *executor) error { return x.db.DeleteUser(ctx, id) }})
	}
}

// checkAdmins refuses a plan that would leave no admin (by pruning or demoting
// them): nobody could configure Tocsin from the UI any more.
func (p *planner) checkAdmins() {
	had := false
	for _, u := range p.cur.users {
		if u.Role == tocsin.RoleAdmin {
			had = true
		}
	}
	if !had {
		return
	}
	for _, u := range p.cur.users {
		if u.Role == tocsin.RoleAdmin && p.users[u.Email] == nil && !p.pruning("users") {
			return
		}
	}
	for email, u := range p.users {
		role := u.Role
		if role == "" {
			role = tocsin.RoleMember
		}
		if role == tocsin.RoleAdmin && email != "" {
			return
		}
	}
	p.fail("", "users: this would leave no admin; keep at least one user with role: admin")
}

func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
