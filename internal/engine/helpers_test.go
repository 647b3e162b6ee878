package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// slackSigningSecret is the Slack app's secret the fake signs clicks with.
const slackSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// pager is Tocsin with every outside service faked: Twilio and Slack speak
// their wire formats, e-mail goes to a real SMTP server.
type pager struct {
	t      *testing.T
	app    *testkit.App
	twilio *testkit.FakeTwilio
	smtp   *testkit.SMTPServer
	slack  *testkit.FakeSlack
	ctx    context.Context
	key    string // the PagerDuty integration key of service checkout
	svc    *tocsin.Service
}

func startPager(t *testing.T, engine string) *pager {
	t.Helper()
	p := &pager{t: t, twilio: testkit.StartFakeTwilio(t), smtp: testkit.StartSMTP(t), slack: testkit.StartFakeSlack(t), ctx: context.Background()}
	p.app = testkit.Start(t, engine, func(c *config.Config) {
		c.TwilioAuthToken = p.twilio.AuthToken
		c.Providers.TwilioAccountSID = p.twilio.AccountSID
		c.Providers.TwilioFrom = "+15005550006"
		c.Providers.TwilioAPIURL = p.twilio.URL
		c.Providers.SMTPHost, c.Providers.SMTPPort, c.Providers.SMTPTLS = p.smtp.Host, p.smtp.Port, "none"
		c.Providers.SMTPFrom = "Tocsin <tocsin@example.com>"
		c.Providers.SlackBotToken = p.slack.BotToken
		c.Providers.SlackAPIURL = p.slack.APIURL
		c.Providers.SlackSigningSecret = slackSigningSecret
	})
	p.svc = p.app.Service("payments", "checkout")
	_, p.key = p.app.Integration(tocsin.IntegrationPagerDuty, p.svc.ID)
	return p
}

// person creates a user with verified contact methods and rules: each rule is
// "type value delay urgency", e.g. "sms +33612345678 0m high".
func (p *pager) person(email, name string, rules ...string) *tocsin.User {
	p.t.Helper()
	u := p.app.CreateUser(email, name, tocsin.RoleMember, "correct horse battery")
	now := p.app.Clock.Now()
	methods := map[string]int64{}
	for i, r := range rules {
		f := strings.Fields(r)
		key := f[0] + " " + f[1]
		id, ok := methods[key]
		if !ok {
			c := &tocsin.ContactMethod{UserID: u.ID, Name: fmt.Sprintf("%s %d", f[0], i), Type: tocsin.ContactType(f[0]), Value: f[1]}
			if err := p.app.DB.CreateContactMethod(p.ctx, c, now); err != nil {
				p.t.Fatal(err)
			}
			if err := p.app.DB.MarkContactVerified(p.ctx, u.ID, c.ID, now); err != nil {
				p.t.Fatal(err)
			}
			id = c.ID
			methods[key] = id
		}
		delay, err := time.ParseDuration(f[2])
		if err != nil {
			p.t.Fatal(err)
		}
		if err := p.app.DB.AddNotificationRule(p.ctx, &tocsin.NotificationRule{UserID: u.ID, ContactMethodID: id, Urgency: tocsin.Urgency(f[3]), Delay: delay}); err != nil {
			p.t.Fatal(err)
		}
	}
	return u
}

// policy gives checkout a policy from "delay target,target" steps.
func (p *pager) policy(name string, repeat int, steps ...string) *tocsin.EscalationPolicy {
	p.t.Helper()
	pol := &tocsin.EscalationPolicy{Name: name, Repeat: repeat}
	for _, s := range steps {
		delay, targets, _ := strings.Cut(s, " ")
		d, err := time.ParseDuration(delay)
		if err != nil {
			p.t.Fatal(err)
		}
		step := tocsin.EscalationStep{Delay: d}
		for _, ref := range strings.Split(targets, ",") {
			target, err := tocsin.ParseTarget(ref)
			if err != nil {
				p.t.Fatal(err)
			}
			step.Targets = append(step.Targets, target)
		}
		pol.Steps = append(pol.Steps, step)
	}
	if err := p.app.DB.CreateEscalationPolicy(p.ctx, pol, p.app.Clock.Now()); err != nil {
		p.t.Fatal(err)
	}
	svc, err := p.app.DB.Service(p.ctx, p.svc.ID)
	if err != nil {
		p.t.Fatal(err)
	}
	svc.EscalationPolicyID = pol.ID
	if err := p.app.DB.UpdateService(p.ctx, svc); err != nil {
		p.t.Fatal(err)
	}
	return pol
}

// trigger sends a PagerDuty Events v2 trigger over HTTP and returns the alert.
func (p *pager) trigger(dedup, summary, severity string) *tocsin.Alert {
	p.t.Helper()
	body, _ := json.Marshal(map[string]any{"routing_key": p.key, "event_action": "trigger", "dedup_key": dedup,
		"payload": map[string]any{"summary": summary, "source": "db1", "severity": severity}})
	res, err := http.Post(p.app.URL+"/v2/enqueue", "application/json", bytes.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		p.t.Fatalf("trigger: HTTP %d", res.StatusCode)
	}
	alerts, _, err := p.app.DB.Alerts(p.ctx, tocsin.AlertFilter{Limit: 1})
	if err != nil || len(alerts) == 0 {
		p.t.Fatalf("no alert after trigger: %v", err)
	}
	return alerts[0]
}

// waitRows waits until the outbox holds n rows matching filter, and returns them.
func (p *pager) waitRows(f tocsin.NotificationFilter, n int) []*store.Outgoing {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, err := p.app.DB.Notifications(p.ctx, f)
		if err != nil {
			p.t.Fatal(err)
		}
		if len(rows) >= n {
			return rows
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("outbox has %d rows matching %+v, want %d", len(rows), f, n)
		}
		p.settle()
	}
}

// settle runs engine cycles until nothing is due at the clock's instant and
// nothing is being sent (the background engine may hold some rows).
func (p *pager) settle() {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := p.app.Engine.Cycle(p.ctx); err != nil {
			p.t.Fatal(err)
		}
		idle, err := p.app.DB.Idle(p.ctx, p.app.Clock.Now())
		if err != nil {
			p.t.Fatal(err)
		}
		if idle {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatal("the engine did not settle within 10 s")
		}
		runtime.Gosched()
	}
}

// advance moves the fake clock and runs what fell due.
func (p *pager) advance(d time.Duration) {
	p.t.Helper()
	p.app.Clock.Advance(d)
	p.settle()
}

// timeline returns an alert's timeline messages of a kind.
func (p *pager) timeline(alertID int64, kind tocsin.TimelineKind) []string {
	p.t.Helper()
	entries, err := p.app.DB.Timeline(p.ctx, alertID)
	if err != nil {
		p.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Kind == kind {
			out = append(out, e.Message)
		}
	}
	return out
}

// event sends a PagerDuty Events v2 action for a dedup key and returns the HTTP status.
func (p *pager) event(action, dedup string) int {
	p.t.Helper()
	body, _ := json.Marshal(map[string]any{"routing_key": p.key, "event_action": action, "dedup_key": dedup})
	res, err := http.Post(p.app.URL+"/v2/enqueue", "application/json", bytes.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
