package apply

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/tocsin/tocsin"
)

func (p *planner) planUsers() {
	for _, u := range p.doc.Users {
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
		var ignored []string
		if len(u.ContactMethods) > 0 {
			ignored = append(ignored, "contact_methods")
		}
		if len(u.NotificationRules) > 0 {
			ignored = append(ignored, "notification_rules")
		}
		if len(ignored) > 0 {
			p.note("user %s: %s not supported yet, ignored", want.Email, list(ignored))
		}
		if cur == nil {
			p.change(Change{Op: Create, What: "user " + want.Email,
				Detail: "no password: it logs in once one is set with `tocsin user passwd --email " + want.Email + "` or by an admin",
				run: func(ctx context.Context, x *executor) error {
					u := want
					if err := x.db.CreateUser(ctx, &u, "", x.now); err != nil {
						return err
					}
					x.ids.users[u.Email] = u.ID
					return nil
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
		if !reflect.DeepEqual(want.WorkingHours, cur.WorkingHours) {
			diffs = append(diffs, "working hours")
		}
		if len(diffs) == 0 {
			continue
		}
		want.ID = cur.ID
		p.change(Change{Op: Update, What: "user " + want.Email, Detail: list(diffs),
			run: func(ctx context.Context, x *executor) error {
				u := want
				return x.db.UpdateUser(ctx, &u, "")
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
