package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
	"github.com/tocsin/tocsin/internal/store"
)

// escalateBatch is how many due alerts one pass takes.
const escalateBatch = 100

// lookups caches what one pass reads many times: a storm of alerts on one
// service resolves its policy and schedule once.
type lookups struct {
	policies  map[int64]*tocsin.EscalationPolicy
	schedules map[string]*oncall.Compiled
	users     map[int64]*tocsin.User
	byEmail   map[string]*tocsin.User
	rules     map[int64][]store.PagingRule
}

// escalate runs the steps that are due and reports how many alerts it handled.
func (e *Engine) escalate(ctx context.Context, now time.Time) (int, error) {
	due, err := e.opts.DB.DueEscalations(ctx, now, escalateBatch)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	l := &lookups{policies: map[int64]*tocsin.EscalationPolicy{}, schedules: map[string]*oncall.Compiled{}, users: map[int64]*tocsin.User{}, byEmail: map[string]*tocsin.User{}, rules: map[int64][]store.PagingRule{}}
	runs := make([]*store.StepRun, 0, len(due))
	for _, a := range due {
		run, err := e.plan(ctx, l, a, now)
		if err != nil {
			return 0, fmt.Errorf("plan escalation of alert %d: %w", a.ID, err)
		}
		runs = append(runs, run)
	}
	if err := e.holdThrottled(ctx, runs, now); err != nil {
		return 0, err
	}
	if _, err := e.opts.DB.RunSteps(ctx, runs, now); err != nil {
		return 0, fmt.Errorf("run escalation steps: %w", err)
	}
	return len(due), nil
}

// holdThrottled queues each page to a destination paged less than its
// throttle ago for when the throttle opens. Queued for now, the sender
// would claim it at once only to put it back until then: in a storm, two
// more writes of a wide row per page. The sender still checks when it
// claims (send), so a page held too short a time waits there.
func (e *Engine) holdThrottled(ctx context.Context, runs []*store.StepRun, now time.Time) error {
	opens := map[string]time.Time{} // by type and destination; zero: not throttled
	for _, run := range runs {
		for _, n := range run.Queue {
			if n.Kind != tocsin.NotifyPage {
				continue
			}
			k := string(n.Type) + "\x00" + n.Destination
			open, seen := opens[k]
			if !seen {
				last, err := e.opts.DB.LastPageSent(ctx, n.Type, n.Destination)
				if err != nil {
					return fmt.Errorf("last page to %s: %w", n.Type, err)
				}
				if !last.IsZero() && last.Add(throttle(n.Type)).After(now) {
					open = last.Add(throttle(n.Type))
				}
				opens[k] = open
			}
			if open.After(n.NextAttemptAt) {
				n.NextAttemptAt = open
			}
		}
	}
	return nil
}

// plan decides one due step of an alert: who it reaches (schedules resolved
// at now), which messages each person's rules make, the timeline lines that
// explain it, and what comes next.
func (e *Engine) plan(ctx context.Context, l *lookups, a *tocsin.Alert, now time.Time) (*store.StepRun, error) {
	esc := a.Escalation
	run := &store.StepRun{Alert: a}
	line := func(msg string) {
		run.Timeline = append(run.Timeline, store.TimelineLine{AlertID: a.ID, Kind: tocsin.TimelineEscalated, Actor: "Tocsin", Channel: tocsin.ChannelEngine, Message: msg})
	}
	var policy *tocsin.EscalationPolicy
	if esc.PolicyID != 0 {
		var err error
		if policy, err = l.policy(ctx, e.opts.DB, esc.PolicyID); err != nil && tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			return nil, err
		}
	}

	if esc.UserID != 0 {
		// A reassignment: page that person now; if nobody acknowledges, the
		// policy starts over later.
		u, err := l.user(ctx, e.opts.DB, esc.UserID)
		if err != nil && tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			return nil, err
		}
		if u != nil {
			if err := e.pageUsers(ctx, l, run, a, []*tocsin.User{u}, fmt.Sprintf("page/%d/%d/r", a.ID, esc.Epoch), -1, now); err != nil {
				return nil, err
			}
		}
		if policy != nil {
			run.NextStep, run.NextLoop, run.NextAt = 0, 0, now.Add(tocsin.DefaultRepeatDelay)
			line(fmt.Sprintf("if nobody acknowledges, %s starts over at %s", policy.Name, run.NextAt.Format("15:04 MST")))
		}
		return run, nil
	}

	if policy == nil {
		line("the escalation policy was deleted: nobody more is paged")
		return run, nil
	}
	step := esc.Step
	if step >= len(policy.Steps) {
		// The policy lost steps since: go on from its last one.
		step = len(policy.Steps) - 1
	}
	var users []*tocsin.User
	var reached []string
	seen := map[int64]bool{}
	for _, t := range policy.Steps[step].Targets {
		found, desc, err := e.resolveTarget(ctx, l, run, a, t, step, now)
		if err != nil {
			return nil, err
		}
		reached = append(reached, desc)
		for _, u := range found {
			if !seen[u.ID] {
				seen[u.ID] = true
				users = append(users, u)
			}
		}
	}
	pass := ""
	if policy.Repeat > 0 {
		pass = fmt.Sprintf(", pass %d of %d", esc.Loop+1, policy.Repeat+1)
	}
	line(fmt.Sprintf("step %d of %s%s: %s", step+1, policy.Name, pass, strings.Join(reached, "; ")))
	if err := e.pageUsers(ctx, l, run, a, users, fmt.Sprintf("page/%d/%d/%d/%d", a.ID, esc.Epoch, esc.Loop, step), step, now); err != nil {
		return nil, err
	}
	if next, loop, wait, ok := policy.NextStep(step, esc.Loop); ok {
		run.NextStep, run.NextLoop, run.NextAt = next, loop, now.Add(wait)
	} else {
		// Exhausted; a manual "escalate now" starts a new pass with keys of its own.
		run.NextStep, run.NextLoop = 0, esc.Loop+1
		line(fmt.Sprintf("%s has no more steps: nobody else will be paged unless someone escalates it", policy.Name))
	}
	return run, nil
}

// resolveTarget turns one target into the people it means at now (or a chat
// message), with a description for the timeline.
func (e *Engine) resolveTarget(ctx context.Context, l *lookups, run *store.StepRun, a *tocsin.Alert, t tocsin.Target, step int, now time.Time) ([]*tocsin.User, string, error) {
	db := e.opts.DB
	switch t.Kind {
	case tocsin.TargetUser:
		u, err := l.userByEmail(ctx, db, t.Ref)
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			return nil, "user " + t.Ref + " no longer exists", nil
		}
		if err != nil {
			return nil, "", err
		}
		return []*tocsin.User{u}, u.Name, nil
	case tocsin.TargetSchedule:
		c, err := l.schedule(ctx, db, t.Ref)
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			return nil, "schedule " + t.Ref + " no longer exists", nil
		}
		if err != nil {
			return nil, "", err
		}
		who := c.At(now).Final
		if who.UserID == 0 {
			return nil, "schedule " + t.Ref + ": nobody is on call", nil
		}
		u, err := l.user(ctx, db, who.UserID)
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			return nil, "schedule " + t.Ref + ": the person on call no longer exists", nil
		}
		if err != nil {
			return nil, "", err
		}
		return []*tocsin.User{u}, fmt.Sprintf("schedule %s → %s (on call)", t.Ref, u.Name), nil
	case tocsin.TargetTeam:
		team, err := db.TeamByName(ctx, t.Ref)
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			return nil, "team " + t.Ref + " no longer exists", nil
		}
		if err != nil {
			return nil, "", err
		}
		var users []*tocsin.User
		var names []string
		for _, m := range team.Members {
			u, err := l.user(ctx, db, m.UserID)
			if err != nil {
				continue
			}
			users = append(users, u)
			names = append(names, u.Name)
		}
		if len(users) == 0 {
			return nil, "team " + t.Ref + " has no members", nil
		}
		return users, fmt.Sprintf("team %s → %s", t.Ref, strings.Join(names, ", ")), nil
	case tocsin.TargetSlack, tocsin.TargetWebhook:
		typ := tocsin.ContactSlack
		if t.Kind == tocsin.TargetWebhook {
			typ = tocsin.ContactWebhook
		}
		if !e.opts.Senders.Offers(typ) && typ == tocsin.ContactSlack {
			return nil, "Slack channel " + t.Ref + ": no Slack bot token is configured", nil
		}
		esc := a.Escalation
		run.Queue = append(run.Queue, &tocsin.Notification{
			Key:  fmt.Sprintf("chat/%d/%d/%d/%d/%s", a.ID, esc.Epoch, esc.Loop, step, t.String()),
			Kind: tocsin.NotifyChat, AlertID: a.ID, Type: typ, Destination: t.Ref, Step: step, NextAttemptAt: now,
		})
		if typ == tocsin.ContactSlack {
			return nil, "Slack channel " + t.Ref, nil
		}
		return nil, "webhook " + hostOf(t.Ref), nil
	}
	return nil, string(t.Kind) + " " + t.Ref + ": unknown target", nil
}

// pageUsers queues each person's pages by their rules for the alert's urgency
// (keyPrefix + /u<user>/r<rule>) and writes who gets what, when.
func (e *Engine) pageUsers(ctx context.Context, l *lookups, run *store.StepRun, a *tocsin.Alert, users []*tocsin.User, keyPrefix string, step int, now time.Time) error {
	if len(users) == 0 {
		return nil
	}
	if err := l.loadRules(ctx, e.opts.DB, users); err != nil {
		return err
	}
	urgency := tocsin.UrgencyOf(a.Priority)
	for _, u := range users {
		var plan []string
		for _, r := range l.rules[u.ID] {
			if r.Urgency != urgency {
				continue
			}
			run.Queue = append(run.Queue, &tocsin.Notification{
				Key:  fmt.Sprintf("%s/u%d/r%d", keyPrefix, u.ID, r.RuleID),
				Kind: tocsin.NotifyPage, AlertID: a.ID, UserID: u.ID, ContactMethodID: r.Contact.ID,
				Type: r.Contact.Type, Destination: r.Contact.Value, Step: step, RuleID: r.RuleID, NextAttemptAt: now.Add(r.Delay),
			})
			plan = append(plan, describeRule(r))
		}
		msg := ""
		switch {
		case len(plan) > 0:
			msg = fmt.Sprintf("%s: %s", u.Name, strings.Join(plan, ", "))
		case e.opts.Senders.Offers(tocsin.ContactEmail):
			// Nobody is left unpaged for want of a rule: the address they log in with.
			run.Queue = append(run.Queue, &tocsin.Notification{
				Key:  fmt.Sprintf("%s/u%d/r0", keyPrefix, u.ID),
				Kind: tocsin.NotifyPage, AlertID: a.ID, UserID: u.ID, Type: tocsin.ContactEmail, Destination: u.Email, Step: step, NextAttemptAt: now,
			})
			msg = fmt.Sprintf("%s has no verified contact method for %s-urgency alerts: e-mail to their login address now", u.Name, urgency)
		default:
			msg = fmt.Sprintf("%s has no verified contact method for %s-urgency alerts and e-mail is not configured: NOT notified", u.Name, urgency)
		}
		run.Timeline = append(run.Timeline, store.TimelineLine{AlertID: a.ID, Kind: tocsin.TimelineEscalated, Actor: "Tocsin", Channel: tocsin.ChannelEngine, Message: msg})
	}
	return nil
}

// describeRule reads "SMS to +33•••78 now" or "voice call in 5 min".
func describeRule(r store.PagingRule) string {
	when := "now"
	if r.Delay > 0 {
		when = fmt.Sprintf("in %d min", int(r.Delay/time.Minute))
	}
	return fmt.Sprintf("%s %s (%s) %s", r.Contact.Type, r.Contact.Name, r.Contact.Masked(), when)
}

func (l *lookups) policy(ctx context.Context, db *store.DB, id int64) (*tocsin.EscalationPolicy, error) {
	if p, ok := l.policies[id]; ok {
		return p, nil
	}
	p, err := db.EscalationPolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	l.policies[id] = p
	return p, nil
}

func (l *lookups) schedule(ctx context.Context, db *store.DB, name string) (*oncall.Compiled, error) {
	if c, ok := l.schedules[name]; ok {
		return c, nil
	}
	s, err := db.ScheduleByName(ctx, name)
	if err != nil {
		return nil, err
	}
	c, err := oncall.Compile(s, nil)
	if err != nil {
		return nil, err
	}
	l.schedules[name] = c
	return c, nil
}

func (l *lookups) user(ctx context.Context, db *store.DB, id int64) (*tocsin.User, error) {
	if u, ok := l.users[id]; ok {
		return u, nil
	}
	u, err := db.User(ctx, id)
	if err != nil {
		return nil, err
	}
	l.users[id] = u
	return u, nil
}

func (l *lookups) userByEmail(ctx context.Context, db *store.DB, email string) (*tocsin.User, error) {
	if u, ok := l.byEmail[email]; ok {
		return u, nil
	}
	u, err := db.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	l.byEmail[email], l.users[u.ID] = u, u
	return u, nil
}

func (l *lookups) loadRules(ctx context.Context, db *store.DB, users []*tocsin.User) error {
	var missing []int64
	for _, u := range users {
		if _, ok := l.rules[u.ID]; !ok {
			missing = append(missing, u.ID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	rules, err := db.PagingRules(ctx, missing)
	if err != nil {
		return err
	}
	for _, id := range missing {
		l.rules[id] = rules[id]
		if l.rules[id] == nil {
			l.rules[id] = []store.PagingRule{}
		}
	}
	return nil
}
