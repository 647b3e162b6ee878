package twilio_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// Numbers of the paging fixture.
const (
	aliceMobile = "+33612345678"
	aliceDesk   = "+33140000001"
	bobMobile   = "+33698765432"
	vicMobile   = "+33611111111"
	pagingFrom  = "+15005550006"
)

// paging is Tocsin with Twilio faked, a service with an escalation policy
// whose first step waits 30 minutes (nobody is paged unless a test says so),
// and three people: Alice (English), Bob (French), Vic (a viewer).
type paging struct {
	t                *testing.T
	ctx              context.Context
	app              *testkit.App
	twilio           *testkit.FakeTwilio
	integ            *tocsin.Integration
	alice, bob, vic  *tocsin.User
	policy           *tocsin.EscalationPolicy
	seq              int
	smsURL, callBase string
}

func startPaging(t *testing.T, engine string) *paging {
	t.Helper()
	p := &paging{t: t, ctx: context.Background(), twilio: testkit.StartFakeTwilio(t)}
	p.app = testkit.Start(t, engine, func(c *config.Config) {
		c.TwilioAuthToken = p.twilio.AuthToken
		c.Providers.TwilioAccountSID = p.twilio.AccountSID
		c.Providers.TwilioFrom = pagingFrom
		c.Providers.TwilioAPIURL = p.twilio.URL
	})
	p.smsURL = p.app.URL + "/twilio/sms/reply"
	p.callBase = p.app.URL + "/twilio/voice/page/"
	p.alice = p.person("alice@example.com", "Alice Martin", "", tocsin.RoleMember, "sms "+aliceMobile, "voice "+aliceDesk)
	p.bob = p.person("bob@example.com", "Bob Durand", "fr", tocsin.RoleMember, "sms "+bobMobile)
	p.vic = p.person("vic@example.com", "Vic Viewer", "", tocsin.RoleViewer, "sms "+vicMobile)

	p.policy = &tocsin.EscalationPolicy{Name: "checkout-default", Steps: []tocsin.EscalationStep{
		{Delay: 30 * time.Minute, Targets: []tocsin.Target{{Kind: tocsin.TargetUser, Ref: "alice@example.com"}}},
		{Delay: 30 * time.Minute, Targets: []tocsin.Target{{Kind: tocsin.TargetUser, Ref: "bob@example.com"}}},
	}}
	if err := p.app.DB.CreateEscalationPolicy(p.ctx, p.policy, p.app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	svc := p.app.Service("payments", "checkout")
	svc.EscalationPolicyID = p.policy.ID
	if err := p.app.DB.UpdateService(p.ctx, svc); err != nil {
		t.Fatal(err)
	}
	p.integ, _ = p.app.Integration(tocsin.IntegrationGeneric, svc.ID)
	return p
}

// person adds a user with verified contact methods, each "type value".
func (p *paging) person(email, name, locale string, role tocsin.Role, methods ...string) *tocsin.User {
	p.t.Helper()
	u := &tocsin.User{Email: email, Name: name, Locale: locale, Role: role}
	if err := p.app.DB.CreateUser(p.ctx, u, "correct horse battery", p.app.Clock.Now()); err != nil {
		p.t.Fatal(err)
	}
	for i, m := range methods {
		typ, value, _ := strings.Cut(m, " ")
		c := &tocsin.ContactMethod{UserID: u.ID, Name: fmt.Sprint(typ, i), Type: tocsin.ContactType(typ), Value: value}
		if err := p.app.DB.CreateContactMethod(p.ctx, c, p.app.Clock.Now()); err != nil {
			p.t.Fatal(err)
		}
		if err := p.app.DB.MarkContactVerified(p.ctx, u.ID, c.ID, p.app.Clock.Now()); err != nil {
			p.t.Fatal(err)
		}
	}
	return u
}

// alert triggers an alert on checkout (or on no service) and returns its id.
func (p *paging) alert(summary string, priority tocsin.Priority, routed bool) int64 {
	p.t.Helper()
	p.seq++
	integ := p.integ
	if !routed {
		integ, _ = p.app.Integration(tocsin.IntegrationGeneric, 0)
	}
	res, err := p.app.Pipeline.Submit(p.ctx, integ, []tocsin.AlertEvent{{Action: tocsin.ActionTrigger, DedupKey: fmt.Sprint("k", p.seq),
		Summary: summary, Priority: priority, Channel: tocsin.ChannelGeneric}})
	if err != nil {
		p.t.Fatal(err)
	}
	return res[0].AlertID
}

// sent records pages as the engine does once a provider took them, without
// sending anything: the rows are due a day from now, out of the running
// engine's reach, and claimed at that time. With bundle, they went as one
// message, carried by the first row, the others bundled into it. It returns
// the row of the last message.
func (p *paging) sent(u *tocsin.User, typ tocsin.ContactType, dest string, bundle bool, alertIDs ...int64) *tocsin.Notification {
	p.t.Helper()
	later := p.app.Clock.Now().Add(24 * time.Hour)
	var rows []*tocsin.Notification
	for _, id := range alertIDs {
		p.seq++
		n := &tocsin.Notification{Key: fmt.Sprintf("test/%d/%d", id, p.seq), Kind: tocsin.NotifyPage, AlertID: id, UserID: u.ID,
			Type: typ, Destination: dest, NextAttemptAt: later}
		if _, err := p.app.DB.Enqueue(p.ctx, n, p.app.Clock.Now()); err != nil {
			p.t.Fatal(err)
		}
		rows = append(rows, n)
	}
	claim, claimed, err := p.app.DB.ClaimDue(p.ctx, later, time.Minute, 1000)
	if err != nil {
		p.t.Fatal(err)
	}
	if len(claimed) != len(rows) {
		p.t.Fatalf("claimed %d rows, want %d: something else is in the outbox", len(claimed), len(rows))
	}
	var outcomes []store.Outcome
	for i, n := range rows {
		o := store.Outcome{ID: n.ID, Status: tocsin.NotificationSent, ProviderID: "SM" + fmt.Sprint(n.ID)}
		if bundle && i > 0 {
			o.Status, o.BundleID = tocsin.NotificationBundled, rows[0].ID
		}
		outcomes = append(outcomes, o)
	}
	if err := p.app.DB.Record(p.ctx, claim, outcomes, p.app.Clock.Now()); err != nil {
		p.t.Fatal(err)
	}
	if bundle {
		return rows[0]
	}
	return rows[len(rows)-1]
}

// storeAck is an acknowledgement from the web by actor.
func storeAck(actor string) store.AlertAction {
	return store.AlertAction{Action: tocsin.ActionAcknowledge, Actor: actor, Channel: tocsin.ChannelWeb}
}

// status returns an alert.
func (p *paging) status(id int64) *tocsin.Alert {
	p.t.Helper()
	a, err := p.app.DB.Alert(p.ctx, id)
	if err != nil {
		p.t.Fatal(err)
	}
	return a
}

// line returns the last timeline entry of a kind by an actor, failing when
// there is none (the engine adds lines of its own meanwhile).
func (p *paging) line(alertID int64, kind tocsin.TimelineKind, actor string) tocsin.TimelineEntry {
	p.t.Helper()
	entries, err := p.app.DB.Timeline(p.ctx, alertID)
	if err != nil {
		p.t.Fatal(err)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Kind == kind && entries[i].Actor == actor {
			return entries[i]
		}
	}
	p.t.Fatalf("alert %d has no %s line by %s: %+v", alertID, kind, actor, entries)
	return tocsin.TimelineEntry{}
}

// sms plays a person texting body to the paging number and returns the reply.
func (p *paging) sms(from, body string) string {
	p.t.Helper()
	res := p.twilio.SendSMS(p.t, p.smsURL, p.twilio.AuthToken, from, pagingFrom, body)
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		p.t.Fatalf("SMS %q from %s: HTTP %d %s", body, from, res.StatusCode, raw)
	}
	d := parseTwiML(p.t, raw)
	if d.names() != "Message" || d.Verbs[0].attr("to") != "" {
		p.t.Fatalf("SMS %q: the reply is not one message back: %s", body, raw)
	}
	return d.Verbs[0].Text
}

// call plays the call of a page row being answered (again: its second play).
func (p *paging) call(rowID int64, query string) twiml {
	p.t.Helper()
	raw := p.twilio.FetchCallTwiML(p.t, testkit.TwilioCall{SID: "CA" + fmt.Sprint(rowID), URL: p.callBase + fmt.Sprint(rowID) + query}, p.twilio.AuthToken)
	return parseTwiML(p.t, []byte(raw))
}

// press plays keys pressed during a page call, at the action of its <Gather>.
func (p *paging) press(d twiml, digits string) twiml {
	p.t.Helper()
	g, ok := d.find("Gather")
	if !ok {
		p.t.Fatalf("no <Gather> to press %s in: %s", digits, d.raw)
	}
	res := p.twilio.PressKeys(p.t, g.attr("action"), p.twilio.AuthToken, "CA0", digits)
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		p.t.Fatalf("keys %s: HTTP %d %s", digits, res.StatusCode, raw)
	}
	return parseTwiML(p.t, raw)
}

// twiml is a TwiML document read back with nested verbs (<Say> in <Gather>).
type twiml struct {
	XMLName xml.Name `xml:"Response"`
	Verbs   []node   `xml:",any"`
	raw     string
}

type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Verbs   []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func parseTwiML(t *testing.T, raw []byte) twiml {
	t.Helper()
	var d twiml
	if err := xml.Unmarshal(raw, &d); err != nil {
		t.Fatalf("not TwiML: %v\n%s", err, raw)
	}
	d.raw = string(raw)
	return d
}

// names lists the top-level verbs, e.g. "Gather Redirect".
func (d twiml) names() string {
	var n []string
	for _, v := range d.Verbs {
		n = append(n, v.XMLName.Local)
	}
	return strings.Join(n, " ")
}

// says joins every <Say>, nested or not, in order.
func (d twiml) says() string {
	var out []string
	var walk func([]node)
	walk = func(nodes []node) {
		for _, v := range nodes {
			if v.XMLName.Local == "Say" {
				out = append(out, v.Text)
			}
			walk(v.Verbs)
		}
	}
	walk(d.Verbs)
	return strings.Join(out, " | ")
}

// find returns the first top-level verb named name.
func (d twiml) find(name string) (node, bool) {
	for _, v := range d.Verbs {
		if v.XMLName.Local == name {
			return v, true
		}
	}
	return node{}, false
}
