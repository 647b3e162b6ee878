package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

const (
	// remindEvery is how often schedules are looked over for reminders and gaps.
	remindEvery = time.Minute
	// gapNotice is how far ahead a team is warned of a hole in its schedule.
	gapNotice = 48 * time.Hour
)

// remind queues "you are on call from … to …" reminders for shifts that start
// within each person's chosen notice, and warns each schedule's team of a gap
// starting within gapNotice. Keys name the shift or the gap, so each is sent once.
func (e *Engine) remind(ctx context.Context, now time.Time) error {
	db := e.opts.DB
	schedules, err := db.Schedules(ctx, 0)
	if err != nil {
		return err
	}
	users, err := db.Users(ctx)
	if err != nil {
		return err
	}
	byID := map[int64]*tocsin.User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	for _, s := range schedules {
		plan, err := oncall.Shifts(s, now, now.Add(7*24*time.Hour))
		if err != nil {
			continue // a schedule that does not compile pages nobody; its page says why
		}
		for _, sh := range plan.Final {
			u := byID[sh.UserID]
			if u == nil || u.Notify.ShiftReminder == 0 || !sh.Start.After(now) || sh.Start.Sub(now) > u.Notify.ShiftReminder {
				continue
			}
			text := reminderText(u, s, sh.Start, sh.End)
			key := fmt.Sprintf("reminder/%d/%d/%d", s.ID, u.ID, sh.Start.Unix())
			if err := e.queueTo(ctx, u, tocsin.NotifyReminder, key, text, now); err != nil {
				return err
			}
		}
		if s.TeamID == 0 {
			continue
		}
		for _, g := range plan.Gaps {
			if g.Start.Sub(now) > gapNotice || g.End.Sub(g.Start) < 5*time.Minute {
				continue
			}
			team, err := db.Team(ctx, s.TeamID)
			if err != nil {
				continue
			}
			for _, m := range team.Members {
				u := byID[m.UserID]
				if u == nil {
					continue
				}
				// By its end: a gap already open starts "now" at every look.
				key := fmt.Sprintf("gap/%d/%d/u%d", s.ID, g.End.Unix(), u.ID)
				if err := e.queueTo(ctx, u, tocsin.NotifyGap, key, gapText(u, s, g.Start, g.End), now); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// queueTo queues a message to a person's first verified method that is not a
// phone call (rules order), or to their login address by e-mail.
func (e *Engine) queueTo(ctx context.Context, u *tocsin.User, kind tocsin.NotificationKind, key, text string, now time.Time) error {
	n := &tocsin.Notification{Key: key, Kind: kind, UserID: u.ID, Text: text, NextAttemptAt: now}
	rules, err := e.opts.DB.PagingRules(ctx, []int64{u.ID})
	if err != nil {
		return err
	}
	for _, r := range rules[u.ID] {
		if r.Contact.Type != tocsin.ContactVoice && e.opts.Senders.Offers(r.Contact.Type) {
			n.ContactMethodID, n.Type, n.Destination = r.Contact.ID, r.Contact.Type, r.Contact.Value
			break
		}
	}
	if n.Type == "" {
		if !e.opts.Senders.Offers(tocsin.ContactEmail) {
			return nil
		}
		n.Type, n.Destination = tocsin.ContactEmail, u.Email
	}
	_, err = e.opts.DB.Enqueue(ctx, n, now)
	return err
}

func localTime(u *tocsin.User, t time.Time) string {
	loc, err := time.LoadLocation(u.Timezone)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2 Jan 15:04 MST")
}

func reminderText(u *tocsin.User, s *tocsin.Schedule, start, end time.Time) string {
	if u.Locale == "fr" {
		return fmt.Sprintf("Tocsin : vous êtes d'astreinte sur %s du %s au %s.", s.Name, localTime(u, start), localTime(u, end))
	}
	return fmt.Sprintf("Tocsin: you are on call on %s from %s to %s.", s.Name, localTime(u, start), localTime(u, end))
}

func gapText(u *tocsin.User, s *tocsin.Schedule, start, end time.Time) string {
	if u.Locale == "fr" {
		return fmt.Sprintf("Tocsin : personne n'est d'astreinte sur %s du %s au %s. Ajoutez un remplacement.", s.Name, localTime(u, start), localTime(u, end))
	}
	return fmt.Sprintf("Tocsin: nobody is on call on %s from %s to %s. Add an override.", s.Name, localTime(u, start), localTime(u, end))
}
