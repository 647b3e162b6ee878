package apply

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/tocsin/tocsin"
)

// Contact is one of a person's contact methods, identified by its name.
type Contact struct {
	Name  string             `yaml:"name"`
	Type  tocsin.ContactType `yaml:"type"`
	Value string             `yaml:"value,omitempty"`
	// ValueFromEnv names a variable holding the value, for addresses that are
	// credentials (a Discord or Teams webhook URL).
	ValueFromEnv string `yaml:"value_from_env,omitempty"`
	// SecretFromEnv names a variable holding a webhook contact's signing key;
	// left out, a new webhook contact gets a generated one (printed once).
	SecretFromEnv string `yaml:"secret_from_env,omitempty"`
	// Verified false: the admin does not vouch for the address, the person
	// verifies it with the code Tocsin sends. Left out: the admin vouches and
	// apply marks it verified.
	Verified *bool `yaml:"verified,omitempty"`
}

// NotificationRule is one rule: this contact method, this long after the
// person is paged, for alerts of this urgency (left out: both).
type NotificationRule struct {
	Contact string         `yaml:"contact"`
	Delay   string         `yaml:"delay"`
	Urgency tocsin.Urgency `yaml:"urgency,omitempty"`
}

// Notify are a person's other notification choices.
type Notify struct {
	StatusUpdates bool   `yaml:"status_updates,omitempty"`
	ShiftReminder string `yaml:"shift_reminder,omitempty"` // "1h" before each shift; left out: no reminder
}

// valueIsSecret reports whether a contact type's address is itself a
// credential (whoever knows it can post, or read the pages): never exported.
func valueIsSecret(t tocsin.ContactType) bool {
	switch t {
	case tocsin.ContactNtfy, tocsin.ContactTeams, tocsin.ContactDiscord, tocsin.ContactMattermost:
		return true
	}
	return false
}

// pageRule identifies a rule by what files say: contact name, urgency, delay.
type pageRule struct {
	contact string
	urgency tocsin.Urgency
	delay   string // formatted, so that keys sort and print
}

func (k pageRule) String() string { return k.contact + " " + k.delay + " " + string(k.urgency) }

// paging is what changes in how one person is paged.
type paging struct {
	contacts bool                      // the entry lists contact methods: the list is the truth
	remove   []int64                   // stored methods to delete (left out, or changed)
	create   []tocsin.ContactMethod    // methods to create
	vouch    map[string]bool           // by name: created or existing methods to mark verified
	shown    map[string]bool           // by name: created webhooks whose generated secret is printed once
	rules    []pageRule                // the rules wanted, when the entry lists them or methods change
	setRules bool                      // whether to replace the rules
	notify   *tocsin.NotifyPreferences // nil: unchanged
	diffs    []string
}

// created sums up a new person's paging for the plan.
func (pg *paging) created() string {
	var parts []string
	if len(pg.create) > 0 {
		var names []string
		for _, c := range pg.create {
			names = append(names, c.Name)
		}
		parts = append(parts, "contact methods "+list(names))
	}
	if len(pg.rules) == 1 {
		parts = append(parts, "1 notification rule")
	} else if len(pg.rules) > 1 {
		parts = append(parts, fmt.Sprintf("%d notification rules", len(pg.rules)))
	}
	if pg.notify != nil {
		parts = append(parts, "notify preferences")
	}
	return strings.Join(parts, "; ")
}

// planPaging checks a user entry's contact methods, notification rules and
// notify preferences against what the person has (cur nil: a new person).
func (p *planner) planPaging(u *User, email string, cur *tocsin.User) (*paging, bool) {
	pg := &paging{vouch: map[string]bool{}, shown: map[string]bool{}}
	var have []*tocsin.ContactMethod
	var haveRules []tocsin.NotificationRule
	if cur != nil {
		have, haveRules = p.cur.contacts[cur.ID], p.cur.pagingRules[cur.ID]
	}
	byName := map[string]*tocsin.ContactMethod{}
	for _, c := range have {
		byName[c.Name] = c
	}
	ok := true
	fail := func(format string, args ...any) {
		p.fail(u.src, "user %s: "+format, append([]any{email}, args...)...)
		ok = false
	}

	// The names methods will have once applied, for the rules to name.
	names := map[string]bool{}
	for _, c := range have {
		names[c.Name] = true
	}
	recreated := map[string]bool{}
	if u.ContactMethods != nil {
		pg.contacts = true
		names = map[string]bool{}
		var plus, minus, changed []string
		for _, c := range have {
			if c.Type == tocsin.ContactWebPush {
				names[c.Name] = true // made by a browser, never in files: kept
			}
		}
		declared := map[string]bool{}
		for i, fc := range *u.ContactMethods {
			at := fmt.Sprintf("contact_methods[%d]", i)
			want, vouched, good := p.contactOf(u.src, "user "+email+": "+at, fc, byName[strings.TrimSpace(fc.Name)])
			if !good {
				ok = false
				continue
			}
			if declared[want.Name] {
				fail("%s: contact method %s is listed twice", at, want.Name)
				continue
			}
			declared[want.Name], names[want.Name] = true, true
			old := byName[want.Name]
			switch {
			case old == nil:
				plus = append(plus, want.Name)
			case old.Type == tocsin.ContactWebPush:
				fail("%s: %s is the name of a browser's push subscription; choose another name", at, want.Name)
				continue
			case old.Type != want.Type || old.Value != want.Value || (want.Secret != "" && want.Secret != old.Secret):
				// The store keeps no history of an address: a new one is a new method.
				changed = append(changed, want.Name)
				pg.remove = append(pg.remove, old.ID)
				recreated[want.Name] = true
			default:
				if vouched && !old.Verified() {
					changed = append(changed, want.Name+" verified")
					pg.vouch[want.Name] = true
				}
				continue
			}
			if want.Type == tocsin.ContactWebhook && want.Secret == "" {
				pg.shown[want.Name] = true
			}
			pg.vouch[want.Name] = vouched
			pg.create = append(pg.create, want)
		}
		for _, c := range have {
			if !declared[c.Name] && c.Type != tocsin.ContactWebPush {
				minus = append(minus, c.Name)
				pg.remove = append(pg.remove, c.ID)
			}
		}
		var d []string
		for _, n := range plus {
			d = append(d, "+"+n)
		}
		for _, n := range changed {
			d = append(d, "~"+n)
		}
		for _, n := range minus {
			d = append(d, "-"+n)
		}
		if len(d) > 0 {
			pg.diffs = append(pg.diffs, "contact methods ("+list(d)+")")
		}
	}

	// Rules: what the entry lists, or else what the person has on the methods that stay.
	haveKeys := map[pageRule]bool{}
	for _, r := range haveRules {
		haveKeys[pageRule{r.ContactName, r.Urgency, formatMinutes(r.Delay)}] = true
	}
	var wantKeys []pageRule
	if u.NotificationRules != nil {
		seen := map[pageRule]bool{}
		for i, fr := range *u.NotificationRules {
			at := fmt.Sprintf("notification_rules[%d]", i)
			delay, err := parseMinutes(fr.Delay)
			if err != nil {
				fail("%s: delay: %s", at, tocsin.ErrorMessage(err))
				continue
			}
			name := strings.TrimSpace(fr.Contact)
			if !names[name] {
				fail("%s: contact %q is not one of the person's contact methods (list it under contact_methods:)", at, fr.Contact)
				continue
			}
			urgencies := []tocsin.Urgency{tocsin.UrgencyHigh, tocsin.UrgencyLow}
			if fr.Urgency != "" {
				urgencies = []tocsin.Urgency{tocsin.Urgency(strings.ToLower(string(fr.Urgency)))}
			}
			for _, urg := range urgencies {
				r := tocsin.NotificationRule{Urgency: urg, Delay: delay}
				if err := r.Validate(); err != nil {
					fail("%s: %s", at, tocsin.ErrorMessage(err))
					break
				}
				k := pageRule{name, urg, formatMinutes(delay)}
				if seen[k] {
					fail("%s: the rule %s is listed twice", at, k)
					continue
				}
				seen[k] = true
				wantKeys = append(wantKeys, k)
			}
		}
	} else {
		for _, r := range haveRules {
			if names[r.ContactName] {
				wantKeys = append(wantKeys, pageRule{r.ContactName, r.Urgency, formatMinutes(r.Delay)})
			}
		}
	}
	sortRules(wantKeys)
	pg.rules = wantKeys
	wanted := map[pageRule]bool{}
	var d []string
	for _, k := range wantKeys {
		wanted[k] = true
		if !haveKeys[k] {
			d = append(d, "+"+k.String())
		}
	}
	var gone []pageRule
	for k := range haveKeys {
		if !wanted[k] {
			gone = append(gone, k)
		}
	}
	sortRules(gone)
	for _, k := range gone {
		d = append(d, "-"+k.String())
	}
	if len(d) > 0 {
		pg.diffs = append(pg.diffs, "notification rules ("+list(d)+")")
	}
	// A method made again loses its rules with it: they are set again by name.
	pg.setRules = len(d) > 0 || len(recreated) > 0 || (cur == nil && len(wantKeys) > 0)

	if u.Notify != nil {
		want := tocsin.NotifyPreferences{StatusUpdates: u.Notify.StatusUpdates}
		var err error
		if want.ShiftReminder, err = parseMinutes(u.Notify.ShiftReminder); err != nil {
			fail("notify: shift_reminder: %s", tocsin.ErrorMessage(err))
		} else if err := want.Validate(); err != nil {
			fail("notify: %s", tocsin.ErrorMessage(err))
		} else if cur == nil || cur.Notify != want {
			pg.notify = &want
			if cur != nil {
				pg.diffs = append(pg.diffs, "notify preferences")
			}
		}
	}
	return pg, ok
}

// contactOf checks a file's contact method; old is the stored method of that
// name (nil: none), whose value and secret are kept when the file leaves them
// out. It returns the method and whether the admin vouches for it.
func (p *planner) contactOf(src, at string, fc Contact, old *tocsin.ContactMethod) (tocsin.ContactMethod, bool, bool) {
	want := tocsin.ContactMethod{Name: fc.Name, Type: tocsin.ContactType(strings.ToLower(strings.TrimSpace(string(fc.Type)))), Value: fc.Value}
	what := at + ": contact method " + strings.TrimSpace(fc.Name)
	fail := func(format string, args ...any) { p.fail(src, format, args...) }
	if want.Type == tocsin.ContactWebPush {
		fail("%s: web push subscriptions are made by a browser (profile page, \"Enable push\"), not declared in files", what)
		return want, false, false
	}
	ok := true
	switch {
	case fc.Value != "" && fc.ValueFromEnv != "":
		fail("%s: give value or value_from_env, not both", what)
		ok = false
	case fc.ValueFromEnv != "":
		v, found := p.fromEnv(src, what, "value_from_env", fc.ValueFromEnv)
		want.Value, ok = v, found
	case fc.Value == "" && old != nil && old.Type == want.Type:
		want.Value = old.Value // an exported credential address: kept
	case fc.Value == "":
		fail("%s: value (or value_from_env) is required", what)
		ok = false
	}
	if fc.SecretFromEnv != "" {
		if want.Type != tocsin.ContactWebhook {
			fail("%s: secret_from_env is only for webhook contacts", what)
			ok = false
		} else if v, found := p.fromEnv(src, what, "secret_from_env", fc.SecretFromEnv); !found {
			ok = false
		} else if len(v) < 16 || len(v) > 256 {
			fail("%s: $%s must hold 16 to 256 characters, it has %d", what, fc.SecretFromEnv, len(v))
			ok = false
		} else {
			want.Secret = v
		}
	}
	if !ok {
		return want, false, false
	}
	if err := want.Validate(); err != nil {
		fail("%s: %s", what, tocsin.ErrorMessage(err))
		return want, false, false
	}
	return want, fc.Verified == nil || *fc.Verified, true
}

func sortRules(keys []pageRule) {
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		da, _ := parseMinutes(a.delay)
		db, _ := parseMinutes(b.delay)
		if da != db {
			return da < db
		}
		if a.contact != b.contact {
			return a.contact < b.contact
		}
		return a.urgency < b.urgency
	})
}

// applyPaging makes a person's paging changes, after their user row.
func (x *executor) applyPaging(ctx context.Context, userID int64, email string, pg *paging) error {
	for _, id := range pg.remove {
		if err := x.db.DeleteContactMethod(ctx, userID, id); err != nil {
			return err
		}
	}
	for _, c := range pg.create {
		c.UserID = userID
		if err := x.db.CreateContactMethod(ctx, &c, x.now); err != nil {
			return err
		}
		if pg.shown[c.Name] {
			x.keys = append(x.keys, Key{User: email, Contact: c.Name, Key: c.Secret})
		}
	}
	if len(pg.vouch) > 0 || pg.setRules {
		methods, err := x.db.ContactMethods(ctx, userID)
		if err != nil {
			return err
		}
		ids := map[string]int64{}
		for _, m := range methods {
			ids[m.Name] = m.ID
			// The admin vouches for what the file declares.
			if pg.vouch[m.Name] {
				if err := x.db.MarkContactVerified(ctx, userID, m.ID, x.now); err != nil {
					return err
				}
			}
		}
		if pg.setRules {
			rules := make([]tocsin.NotificationRule, 0, len(pg.rules))
			for _, k := range pg.rules {
				delay, _ := parseMinutes(k.delay)
				rules = append(rules, tocsin.NotificationRule{ContactMethodID: ids[k.contact], Urgency: k.urgency, Delay: delay})
			}
			if err := x.db.SetNotificationRules(ctx, userID, rules); err != nil {
				return err
			}
		}
	}
	if pg.notify != nil {
		return x.db.SetNotifyPreferences(ctx, userID, *pg.notify)
	}
	return nil
}

// exportPaging writes a person's contact methods (not browsers' push
// subscriptions, not credential addresses, never a secret), rules (high and
// low at the same delay written once, without urgency) and preferences.
func (c *current) exportPaging(u *tocsin.User, out *User) {
	var methods []Contact
	for _, m := range c.contacts[u.ID] {
		if m.Type == tocsin.ContactWebPush {
			continue
		}
		fc := Contact{Name: m.Name, Type: m.Type, Value: m.Value}
		if valueIsSecret(m.Type) {
			fc.Value = ""
		}
		if !m.Verified() {
			no := false
			fc.Verified = &no
		}
		methods = append(methods, fc)
	}
	if len(methods) > 0 {
		out.ContactMethods = &methods
	}
	both := map[pageRule]int{}
	var keys []pageRule
	for _, r := range c.pagingRules[u.ID] {
		k := pageRule{r.ContactName, r.Urgency, formatMinutes(r.Delay)}
		keys = append(keys, k)
		both[pageRule{contact: k.contact, delay: k.delay}]++
	}
	sortRules(keys)
	var rules []NotificationRule
	for _, k := range keys {
		pair := pageRule{contact: k.contact, delay: k.delay}
		switch n := both[pair]; {
		case n == 2 && k.urgency == tocsin.UrgencyHigh:
			rules = append(rules, NotificationRule{Contact: k.contact, Delay: k.delay})
		case n == 2:
			// Written once, above, with its high twin.
		default:
			rules = append(rules, NotificationRule{Contact: k.contact, Delay: k.delay, Urgency: k.urgency})
		}
	}
	if len(rules) > 0 {
		out.NotificationRules = &rules
	}
	if u.Notify != (tocsin.NotifyPreferences{}) {
		n := &Notify{StatusUpdates: u.Notify.StatusUpdates}
		if u.Notify.ShiftReminder > 0 {
			n.ShiftReminder = formatMinutes(u.Notify.ShiftReminder)
		}
		out.Notify = n
	}
}
