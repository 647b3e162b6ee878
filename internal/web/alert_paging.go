package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// alertNotice is one message sent (or to send) about an alert, as its page lists it.
type alertNotice struct {
	*store.Outgoing
	Who string // the person, or the channel for a chat post; never a webhook's full URL
}

// maxAlertNotices bounds the alert page's list of messages: the newest ones.
const maxAlertNotices = 100

// loadAlertPaging adds where an alert's escalation stands and the messages
// sent about it; the full page also gets whom it may be reassigned to.
func (h *Handler) loadAlertPaging(r *http.Request, p *alertPage) error {
	ctx := r.Context()
	a := p.Alert
	var policy *tocsin.EscalationPolicy
	if a.Escalation.PolicyID != 0 {
		var err error
		if policy, err = h.opts.DB.EscalationPolicy(ctx, a.Escalation.PolicyID); err != nil && tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			return err
		}
	}
	reassignedTo := ""
	if a.Escalation.UserID != 0 {
		u, err := h.opts.DB.User(ctx, a.Escalation.UserID)
		switch {
		case err == nil:
			reassignedTo = u.Name
		case tocsin.ErrorCode(err) == tocsin.ENOTFOUND:
			reassignedTo = fmt.Sprintf("#%d", a.Escalation.UserID)
		default:
			return err
		}
	}
	p.EscalationState = p.escalationState(policy, reassignedTo)
	p.CanEscalate = a.Status == tocsin.StatusTriggered && a.Escalation.PolicyID != 0
	rows, err := h.opts.DB.Notifications(ctx, tocsin.NotificationFilter{AlertID: a.ID, Limit: maxAlertNotices})
	if err != nil {
		return err
	}
	slices.Reverse(rows)
	for _, o := range rows {
		p.Notices = append(p.Notices, alertNotice{Outgoing: o, Who: noticeWho(o)})
	}
	// A live refresh does not redraw the reassignment form: no need for its lists.
	if p.CanRespond() && a.Status != tocsin.StatusResolved && r.URL.Query().Get("fragment") != "1" {
		if p.ReassignUsers, err = h.opts.DB.Users(ctx); err != nil {
			return err
		}
		if p.ReassignPolicies, err = h.opts.DB.EscalationPolicies(ctx); err != nil {
			return err
		}
	}
	return nil
}

// noticeWho names a message's recipient without showing an address that is a
// credential (a Teams or Discord webhook URL, a push subscription).
func noticeWho(o *store.Outgoing) string {
	if o.UserName != "" {
		return o.UserName
	}
	if o.Type == tocsin.ContactSlack || o.Type == tocsin.ContactTelegram {
		return o.Destination
	}
	if u, err := url.Parse(o.Destination); err == nil && u.Host != "" {
		return u.Host
	}
	return string(o.Type)
}

// escalationState says in one sentence where the alert's escalation stands.
func (p *alertPage) escalationState(policy *tocsin.EscalationPolicy, reassignedTo string) string {
	a := p.Alert
	e := a.Escalation
	switch {
	case a.Status == tocsin.StatusResolved:
		return p.T("alert_escalation.ended_resolved")
	case a.Status == tocsin.StatusAcknowledged:
		return p.T("alert_escalation.stopped_acknowledged")
	case a.Suppressed:
		return p.T("alert_escalation.stopped_suppressed")
	case e.UserID != 0 && !e.NextAt.IsZero():
		return p.T("alert_escalation.reassigned", "Name", reassignedTo, "Time", p.clock(e.NextAt))
	case e.PolicyID == 0:
		return p.T("alert_escalation.stopped_no_policy")
	case e.NextAt.IsZero():
		return p.T("alert_escalation.stopped_exhausted")
	}
	name, passes := fmt.Sprintf("#%d", e.PolicyID), e.Loop+1
	if policy != nil {
		name, passes = policy.Name, policy.Repeat+1
	}
	return p.T("alert_escalation.step", "Step", e.Step+1, "Policy", name, "Time", p.clock(e.NextAt), "Pass", e.Loop+1, "Passes", passes)
}

// clock shows an instant in the viewer's zone, the date only when it is not today.
func (p *alertPage) clock(t time.Time) string {
	local, now := t.In(p.tz), p.now.In(p.tz)
	if local.Year() == now.Year() && local.YearDay() == now.YearDay() {
		return local.Format("15:04")
	}
	return local.Format("2006-01-02 15:04")
}

// translated is a message for a value, or the value itself when the catalog
// has none (a kind or type added later still shows).
func (p *alertPage) translated(prefix, value string) string {
	id := prefix + value
	if s := p.T(id); s != id {
		return s
	}
	return value
}

// NoticeHow says through what a message went: "SMS", "e-mail"…
func (p *alertPage) NoticeHow(n alertNotice) string {
	return p.translated("alert_escalation.type_", string(n.Type))
}

// NoticeKind says why a message went: a page, a status update…
func (p *alertPage) NoticeKind(n alertNotice) string {
	return p.translated("alert_escalation.kind_", string(n.Kind))
}

// NoticeStatus says where a message is: sent, failed, waiting…
func (p *alertPage) NoticeStatus(n alertNotice) string {
	return p.translated("alert_escalation.status_", string(n.Status))
}
