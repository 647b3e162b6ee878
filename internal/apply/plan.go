package apply

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// Options say how to plan.
type Options struct {
	// Prune deletes, in each section the files have, what they do not list.
	Prune bool
	// Getenv looks up the *_from_env variables; nil is os.LookupEnv.
	Getenv func(name string) (string, bool)
}

// Op is what a change does.
type Op string

const (
	Create Op = "+"
	Update Op = "~"
	Delete Op = "-"
)

// Change is one line of the plan, and the store call that makes it.
type Change struct {
	Op     Op
	What   string // "service checkout"
	Detail string // what changes (update), or a remark (create, delete)
	run    func(ctx context.Context, x *executor) error
}

func (c Change) String() string {
	s := string(c.Op) + " " + c.What
	switch {
	case c.Detail == "":
	case c.Op == Update:
		s += ": " + c.Detail
	default:
		s += " (" + c.Detail + ")"
	}
	return s
}

// Plan is what applying the documents would change, in the order it runs:
// users (with their contact methods and notification rules), teams,
// schedules, escalation policies, services, integrations, rules, then
// deletions: rules, integrations, services, policies, schedules, teams, users.
type Plan struct {
	Notes   []string // things accepted but not acted on, and other remarks
	Changes []Change
	ids     ids // of what exists already
}

// Empty reports whether applying would change nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Print writes the plan, one line per change.
func (p *Plan) Print(w io.Writer) {
	for _, n := range p.Notes {
		fmt.Fprintln(w, "! "+n)
	}
	if p.Empty() {
		fmt.Fprintln(w, "no changes")
		return
	}
	for _, c := range p.Changes {
		fmt.Fprintln(w, c.String())
	}
}

// Key is an integration key, or a webhook contact's signing secret, generated
// by Apply: shown once, never shown again.
type Key struct {
	Service     string // "" for a global integration
	Integration string
	Key         string
	// User and Contact name a webhook contact method whose secret this is.
	User, Contact string
}

func (k Key) String() string {
	if k.Contact != "" {
		return fmt.Sprintf("signing secret of %s's webhook contact %s: %s", k.User, k.Contact, k.Key)
	}
	if k.Service == "" {
		return fmt.Sprintf("key for global integration %s: %s", k.Integration, k.Key)
	}
	return fmt.Sprintf("key for service %s / integration %s: %s", k.Service, k.Integration, k.Key)
}

// Apply makes the changes in one transaction and returns the keys it
// generated. Everything was validated when the plan was made; an error here
// comes from the database (or a change made meanwhile by someone else), and
// then nothing at all was changed.
func (p *Plan) Apply(ctx context.Context, db *store.DB, now time.Time) ([]Key, error) {
	var keys []Key
	err := db.Atomically(ctx, func(db *store.DB) error {
		x := &executor{db: db, now: now, ids: p.ids.clone()}
		for _, c := range p.Changes {
			if err := c.run(ctx, x); err != nil {
				return fmt.Errorf("%s: %w (nothing was changed)", c.String(), err)
			}
		}
		keys = x.keys
		return nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// ids are database ids by name, filled as Apply creates things.
type ids struct {
	users        map[string]int64 // by e-mail
	teams        map[string]int64
	services     map[string]int64
	integrations map[string]int64 // by reference: "service/name", or "name" when global
}

func (i ids) clone() ids {
	cp := func(m map[string]int64) map[string]int64 {
		out := make(map[string]int64, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	return ids{users: cp(i.users), teams: cp(i.teams), services: cp(i.services), integrations: cp(i.integrations)}
}

type executor struct {
	db   *store.DB
	now  time.Time
	ids  ids
	keys []Key
}

// Invalid is a configuration that cannot be applied: every problem found, each
// naming the file, the item and what is wrong. Nothing was written.
type Invalid struct {
	Problems []string
}

func (e *Invalid) Error() string {
	return "invalid configuration, nothing changed:\n  " + strings.Join(e.Problems, "\n  ")
}

// maxProblems keeps a badly broken file from printing thousands of lines.
const maxProblems = 50

// current is the database as read when planning.
type current struct {
	users        []*tocsin.User
	teams        []*tocsin.Team
	services     []*tocsin.Service
	integrations []*tocsin.Integration
	rules        []*tocsin.ProcessingRule
	schedules    []*tocsin.Schedule
	policies     []*tocsin.EscalationPolicy
	contacts     map[int64][]*tocsin.ContactMethod   // by user id
	pagingRules  map[int64][]tocsin.NotificationRule // by user id

	userByEmail   map[string]*tocsin.User
	teamByName    map[string]*tocsin.Team
	serviceByName map[string]*tocsin.Service
	integByRef    map[string]*tocsin.Integration
	integRefByID  map[int64]string
	ruleByKey     map[string]*tocsin.ProcessingRule // scope + "\x00" + name

	scheduleByName map[string]*tocsin.Schedule
	policyByName   map[string]*tocsin.EscalationPolicy
	teamNameByID   map[int64]string
	emailByID      map[int64]string
}

func loadCurrent(ctx context.Context, db *store.DB) (*current, error) {
	c := &current{
		userByEmail: map[string]*tocsin.User{}, teamByName: map[string]*tocsin.Team{},
		serviceByName: map[string]*tocsin.Service{}, integByRef: map[string]*tocsin.Integration{},
		integRefByID: map[int64]string{}, ruleByKey: map[string]*tocsin.ProcessingRule{},
		scheduleByName: map[string]*tocsin.Schedule{}, teamNameByID: map[int64]string{}, emailByID: map[int64]string{},
		policyByName: map[string]*tocsin.EscalationPolicy{}, contacts: map[int64][]*tocsin.ContactMethod{}, pagingRules: map[int64][]tocsin.NotificationRule{},
	}
	var err error
	if c.users, err = db.Users(ctx); err != nil {
		return nil, err
	}
	if c.teams, err = db.Teams(ctx); err != nil {
		return nil, err
	}
	if c.services, err = db.Services(ctx, 0); err != nil {
		return nil, err
	}
	all, err := db.Integrations(ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, i := range all {
		// A heartbeat's integration belongs to its heartbeat: never exported,
		// planned or pruned on its own.
		if i.Type != tocsin.IntegrationHeartbeat {
			c.integrations = append(c.integrations, i)
		}
	}
	if c.rules, err = db.AllRules(ctx); err != nil {
		return nil, err
	}
	if c.schedules, err = db.Schedules(ctx, 0); err != nil {
		return nil, err
	}
	if c.policies, err = db.EscalationPolicies(ctx); err != nil {
		return nil, err
	}
	for _, p := range c.policies {
		c.policyByName[p.Name] = p
	}
	for _, u := range c.users {
		c.userByEmail[u.Email] = u
		c.emailByID[u.ID] = u.Email
		if c.contacts[u.ID], err = db.ContactMethods(ctx, u.ID); err != nil {
			return nil, err
		}
		if c.pagingRules[u.ID], err = db.NotificationRules(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	for _, t := range c.teams {
		c.teamByName[t.Name] = t
		c.teamNameByID[t.ID] = t.Name
	}
	for _, s := range c.schedules {
		c.scheduleByName[s.Name] = s
	}
	for _, s := range c.services {
		c.serviceByName[s.Name] = s
	}
	for _, i := range c.integrations {
		ref := integrationRef(i.ServiceName, i.Name)
		c.integByRef[ref] = i
		c.integRefByID[i.ID] = ref
	}
	for _, r := range c.rules {
		c.ruleByKey[ruleKey(c.integRefByID[r.IntegrationID], r.Name)] = r
	}
	return c, nil
}

func (c *current) ids() ids {
	i := ids{users: map[string]int64{}, teams: map[string]int64{}, services: map[string]int64{}, integrations: map[string]int64{}}
	for k, v := range c.userByEmail {
		i.users[k] = v.ID
	}
	for k, v := range c.teamByName {
		i.teams[k] = v.ID
	}
	for k, v := range c.serviceByName {
		i.services[k] = v.ID
	}
	for k, v := range c.integByRef {
		i.integrations[k] = v.ID
	}
	return i
}

// integrationRef names an integration in files and plans: "service/name", or
// "name" for a global integration (names cannot hold a '/').
func integrationRef(service, name string) string {
	if service == "" {
		return name
	}
	return service + "/" + name
}

func ruleKey(scope, name string) string { return scope + "\x00" + name }

// ruleWhat names a rule in the plan: "rule global/NAME" for a global rule,
// "rule SERVICE/INTEGRATION/NAME" for an integration's rule.
func ruleWhat(scope, name string) string {
	if scope == "" {
		scope = "global"
	}
	return "rule " + scope + "/" + name
}

// planner builds a plan: it validates every item, compares it with the
// database, and collects problems instead of stopping at the first.
type planner struct {
	ctx      context.Context
	db       *store.DB
	doc      *Document
	opts     Options
	cur      *current
	plan     *Plan
	problems []string
	deletes  []Change // run after every create and update, in the order added

	// What the files declare, by identity.
	users        map[string]*User
	teams        map[string]*Team
	services     map[string]*Service
	integrations map[string]*Integration // by reference
	policies     map[string]*Policy
	envKeys      map[string]string // key value → integration reference, to catch reuse
	ruleNames    map[string]string // rule key → where it is declared
}

// NewPlan validates doc against the database and works out the changes. An
// invalid document returns *Invalid with every problem found.
func NewPlan(ctx context.Context, db *store.DB, doc *Document, opts Options) (*Plan, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.LookupEnv
	}
	cur, err := loadCurrent(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("read the database: %w", err)
	}
	p := &planner{
		ctx: ctx, db: db, doc: doc, opts: opts, cur: cur, plan: &Plan{ids: cur.ids()},
		users: map[string]*User{}, teams: map[string]*Team{}, services: map[string]*Service{},
		integrations: map[string]*Integration{}, policies: map[string]*Policy{}, envKeys: map[string]string{},
	}
	if doc.sections == nil {
		doc.sections = map[string]bool{}
	}
	// Identities first: references between kinds may point forward or across files.
	p.collect()
	// Each kind after those it names: policies page users, teams and schedules;
	// services name policies.
	p.planUsers()
	p.planTeams()
	p.planSchedules()
	p.planPolicies()
	p.planServices()
	if err := p.planIntegrations(); err != nil {
		return nil, err
	}
	p.planRules()
	if opts.Prune {
		// A service is deleted before the policy it used, a policy before what it paged.
		p.pruneRules()
		p.pruneIntegrations()
		p.pruneServices()
		p.prunePolicies()
		p.pruneSchedules()
		p.pruneTeams()
		p.pruneUsers()
		p.checkKeptPolicies()
	}
	p.checkAdmins()
	if len(p.problems) > 0 {
		return nil, &Invalid{Problems: p.problems}
	}
	p.plan.Changes = append(p.plan.Changes, p.deletes...)
	return p.plan, nil
}

func (p *planner) fail(src, format string, args ...any) {
	if len(p.problems) == maxProblems {
		p.problems = append(p.problems, "… (more problems not shown)")
	}
	if len(p.problems) > maxProblems {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if src != "" {
		msg = src + ": " + msg
	}
	p.problems = append(p.problems, msg)
}

func (p *planner) note(format string, args ...any) {
	p.plan.Notes = append(p.plan.Notes, fmt.Sprintf(format, args...))
}

func (p *planner) change(c Change) { p.plan.Changes = append(p.plan.Changes, c) }

// pruning reports whether --prune manages a section: what the files leave out of
// it is deleted.
func (p *planner) pruning(section string) bool { return p.opts.Prune && p.doc.sections[section] }

// collect indexes what the files declare and reports duplicates.
func (p *planner) collect() {
	for i := range p.doc.Users {
		u := &p.doc.Users[i]
		email := normalEmail(u.Email)
		if prev, dup := p.users[email]; dup && email != "" {
			p.fail(u.src, "user %s is declared twice (also at %s)", email, prev.src)
			continue
		}
		p.users[email] = u
	}
	for i := range p.doc.Teams {
		t := &p.doc.Teams[i]
		if prev, dup := p.teams[t.Name]; dup && t.Name != "" {
			p.fail(t.src, "team %s is declared twice (also at %s)", t.Name, prev.src)
			continue
		}
		p.teams[t.Name] = t
	}
	for i := range p.doc.Services {
		s := &p.doc.Services[i]
		if prev, dup := p.services[s.Name]; dup && s.Name != "" {
			p.fail(s.src, "service %s is declared twice (also at %s)", s.Name, prev.src)
			continue
		}
		p.services[s.Name] = s
		for j := range s.Integrations {
			in := &s.Integrations[j]
			ref := integrationRef(s.Name, in.Name)
			if prev, dup := p.integrations[ref]; dup {
				p.fail(in.src, "integration %s is declared twice (also at %s)", ref, prev.src)
				continue
			}
			p.integrations[ref] = in
		}
	}
	for i := range p.doc.Integrations {
		in := &p.doc.Integrations[i]
		if prev, dup := p.integrations[in.Name]; dup {
			p.fail(in.src, "global integration %s is declared twice (also at %s)", in.Name, prev.src)
			continue
		}
		p.integrations[in.Name] = in
	}
	for i := range p.doc.Policies {
		pol := &p.doc.Policies[i]
		if prev, dup := p.policies[pol.Name]; dup {
			p.fail(pol.src, "escalation policy %s is declared twice (also at %s)", pol.Name, prev.src)
			continue
		}
		p.policies[pol.Name] = pol
	}
}

// Whether a name will exist once the plan is applied: declared in the files, or
// in the database and not pruned.
func (p *planner) userKnown(email string) bool {
	return p.users[email] != nil || (p.cur.userByEmail[email] != nil && !p.pruning("users"))
}

func (p *planner) teamKnown(name string) bool {
	return p.teams[name] != nil || (p.cur.teamByName[name] != nil && !p.pruning("teams"))
}

func (p *planner) serviceKnown(name string) bool {
	return p.services[name] != nil || (p.cur.serviceByName[name] != nil && !p.pruning("services"))
}

func (p *planner) integrationKnown(ref string) bool {
	if p.integrations[ref] != nil {
		return true
	}
	i := p.cur.integByRef[ref]
	if i == nil {
		return false
	}
	if i.Global() {
		return !p.pruning("integrations")
	}
	// A service's integrations are pruned when the files declare that service
	// without it, or drop the service itself.
	return !p.pruning("services")
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// fromEnv reads a variable named in a file; problems are reported against src.
func (p *planner) fromEnv(src, what, field, name string) (string, bool) {
	if !envName.MatchString(name) {
		p.fail(src, "%s: %s %q is not an environment variable name", what, field, name)
		return "", false
	}
	v, ok := p.opts.Getenv(name)
	if !ok || v == "" {
		p.fail(src, "%s: %s names $%s, which is not set", what, field, name)
		return "", false
	}
	return v, true
}

// list joins names for a plan line.
func list(names []string) string { return strings.Join(names, ", ") }
