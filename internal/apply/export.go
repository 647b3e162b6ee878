package apply

import (
	"context"
	"sort"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// Export reads the database into a document that applies as a no-op. Keys,
// HMAC secrets, webhook signing secrets and addresses that are credentials
// are left out: a file never holds a secret.
func Export(ctx context.Context, db *store.DB) (*Document, error) {
	cur, err := loadCurrent(ctx, db)
	if err != nil {
		return nil, err
	}
	doc := &Document{}

	users := append([]*tocsin.User(nil), cur.users...)
	sort.Slice(users, func(i, j int) bool { return users[i].Email < users[j].Email })
	for _, u := range users {
		user := User{Email: u.Email, Name: u.Name, Timezone: u.Timezone, Locale: u.Locale, Role: u.Role,
			Phone: u.Phone, WorkingHours: u.WorkingHours}
		cur.exportPaging(u, &user)
		doc.Users = append(doc.Users, user)
	}

	for _, t := range cur.teams {
		team := Team{Name: t.Name}
		for _, m := range t.Members {
			if m.Role == "manager" {
				team.Managers = append(team.Managers, m.Email)
			} else {
				team.Members = append(team.Members, m.Email)
			}
		}
		sort.Strings(team.Members)
		sort.Strings(team.Managers)
		doc.Teams = append(doc.Teams, team)
	}

	byService := map[int64][]Integration{}
	for _, i := range cur.integrations {
		in := Integration{Name: i.Name, Type: i.Type}
		if i.Global() {
			doc.Integrations = append(doc.Integrations, in)
		} else {
			byService[i.ServiceID] = append(byService[i.ServiceID], in)
		}
	}
	for _, s := range cur.services {
		doc.Services = append(doc.Services, fileService(s, byService[s.ID]))
	}

	// Rules come global first, then by integration, each scope in run order;
	// a position equal to the rule's place in its scope is the default, left out.
	scopes := map[string][]*tocsin.ProcessingRule{}
	var names []string
	for _, r := range cur.rules {
		scope := cur.integRefByID[r.IntegrationID]
		if _, seen := scopes[scope]; !seen {
			names = append(names, scope)
		}
		scopes[scope] = append(scopes[scope], r)
	}
	sort.Strings(names)
	for _, scope := range names {
		for n, r := range scopes[scope] {
			rule := Rule{Integration: scope, Name: r.Name, Conditions: r.Conditions, When: r.When, Actions: r.Actions, Stop: r.Stop}
			if r.Position != n+1 {
				rule.Position = r.Position
			}
			if !r.Enabled {
				disabled := false
				rule.Enabled = &disabled
			}
			doc.Rules = append(doc.Rules, rule)
		}
	}
	doc.Schedules = cur.exportSchedules()
	doc.Policies = cur.exportPolicies()
	return doc, nil
}
