package twilio_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

func TestPageCallReadsTheAlertAndOffersKeys(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPaging(t, engine)
		summary := `Disk full on db1 <Say>press 4</Say> & "more" <Hangup/>` + strings.Repeat(" very long", 100)
		disk := p.alert(summary, tocsin.P1, true)
		row := p.sent(p.alice, tocsin.ContactVoice, aliceDesk, false, disk)
		url := fmt.Sprintf("%s%d", p.callBase, row.ID)

		d := p.call(row.ID, "")
		if d.names() != "Gather Redirect" {
			t.Fatalf("verbs %q: %s", d.names(), d.raw)
		}
		g, _ := d.find("Gather")
		for attr, want := range map[string]string{"input": "dtmf", "numDigits": "1", "timeout": "10", "action": url + "/keys", "method": "POST"} {
			if got := g.attr(attr); got != want {
				t.Errorf("Gather %s=%q, want %q", attr, got, want)
			}
		}
		// The summary is text: escaped in the document, never a verb of its own.
		if len(g.Verbs) != 2 || g.Verbs[0].XMLName.Local != "Say" || g.Verbs[1].XMLName.Local != "Say" || len(g.Verbs[0].Verbs) != 0 {
			t.Fatalf("Gather holds %+v", g.Verbs)
		}
		if !strings.Contains(d.raw, "&lt;Say&gt;press 4&lt;/Say&gt; &amp;") || strings.Count(d.raw, "<Say") != 2 || strings.Contains(d.raw, "<Hangup") {
			t.Errorf("the summary was not escaped: %s", d.raw)
		}
		said := g.Verbs[0].Text
		want := fmt.Sprintf(`This is Tocsin. Priority P1 alert %d on checkout: Disk full on db1 <Say>press 4</Say> & "more" <Hangup/> very long`, disk)
		if !strings.HasPrefix(said, want) || len([]rune(said)) > 400 {
			t.Errorf("said %q (%d characters), want it to start %q and be bounded", said, len([]rune(said)), want)
		}
		if g.Verbs[1].Text != "Press 4 to acknowledge, 5 to escalate, 6 to resolve, 1 to hear it again." || g.Verbs[0].attr("language") != "en-US" {
			t.Errorf("menu %+v", g.Verbs[1])
		}
		if r, _ := d.find("Redirect"); r.Text != url+"?again=1" || r.attr("method") != "POST" {
			t.Errorf("redirect %+v", r)
		}
		// The second time without a key: goodbye, not a loop.
		again := p.call(row.ID, "?again=1")
		if again.names() != "Gather Say Hangup" || !strings.Contains(again.says(), "No key was pressed") {
			t.Errorf("again: %s", again.raw)
		}

		// A key not on the menu, then 1: the message again.
		bad := p.press(d, "9")
		if bad.names() != "Say Gather Redirect" || !strings.HasPrefix(bad.says(), "Sorry, I did not understand. | This is Tocsin.") {
			t.Errorf("key 9: %s", bad.raw)
		}
		if rep := p.press(d, "1"); rep.names() != "Gather Redirect" || !strings.Contains(rep.says(), "Disk full on db1") {
			t.Errorf("key 1: %s", rep.raw)
		}
		if p.status(disk).Status != tocsin.StatusTriggered {
			t.Fatal("keys 9 and 1 changed the alert")
		}

		// 5 escalates now, as Alice by voice; the alert stays triggered.
		esc := p.press(d, "5")
		if esc.names() != "Say Hangup" || esc.says() != fmt.Sprintf("Alert %d escalated: its next step is paged now. Goodbye.", disk) {
			t.Errorf("key 5: %s", esc.raw)
		}
		if l := p.line(disk, tocsin.TimelineEscalated, "Alice Martin"); l.Channel != tocsin.ChannelVoice || !strings.Contains(l.Message, "escalated now") {
			t.Errorf("escalated line %+v", l)
		}
		// 4 acknowledges.
		ack := p.press(d, "4")
		if ack.names() != "Say Hangup" || ack.says() != fmt.Sprintf("Alert %d acknowledged. Goodbye.", disk) {
			t.Errorf("key 4: %s", ack.raw)
		}
		if a := p.status(disk); a.Status != tocsin.StatusAcknowledged || a.AckedBy != "Alice Martin" || a.AckChannel != tocsin.ChannelVoice {
			t.Errorf("after key 4: %s by %q via %s", a.Status, a.AckedBy, a.AckChannel)
		}
		// Answered again now: already acknowledged, said, hung up.
		if d := p.call(row.ID, ""); d.names() != "Say Hangup" || d.says() != fmt.Sprintf("Alert %d was already acknowledged by Alice Martin. Goodbye.", disk) {
			t.Errorf("call after the ack: %s", d.raw)
		}
		// 6 resolves an acknowledged alert.
		if res := p.press(d, "6"); res.says() != fmt.Sprintf("Alert %d resolved. Goodbye.", disk) {
			t.Errorf("key 6: %s", res.raw)
		}
		if a := p.status(disk); a.Status != tocsin.StatusResolved || a.ResolveChannel != tocsin.ChannelVoice || a.ResolvedBy != "Alice Martin" {
			t.Errorf("after key 6: %+v", a)
		}
		if again := p.press(d, "4"); again.says() != fmt.Sprintf("Alert %d was already resolved by Alice Martin. Goodbye.", disk) {
			t.Errorf("key 4 on a resolved alert: %s", again.raw)
		}
	})
}

func TestPageCallInFrenchAndRefusals(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPaging(t, engine)
		lonely := p.alert("Sauvegarde en retard", tocsin.P2, false)
		disk := p.alert("Disk full", tocsin.P1, true)
		forBob := p.sent(p.bob, tocsin.ContactVoice, bobMobile, false, lonely)
		forVic := p.sent(p.vic, tocsin.ContactVoice, vicMobile, false, disk)

		d := p.call(forBob.ID, "")
		g, _ := d.find("Gather")
		if g.Verbs[0].attr("language") != "fr-FR" || g.Verbs[0].Text != fmt.Sprintf("Ici Tocsin. Alerte %d de priorité P2 : Sauvegarde en retard.", lonely) {
			t.Errorf("French call: %s", d.raw)
		}
		if !strings.HasPrefix(g.Verbs[1].Text, "Tapez 4 pour acquitter") {
			t.Errorf("French menu: %s", d.raw)
		}
		// No policy to escalate to: said, and the menu again.
		if esc := p.press(d, "5"); !strings.HasPrefix(esc.says(), fmt.Sprintf("L'alerte %d n'a pas de politique d'escalade. | Ici Tocsin.", lonely)) || esc.names() != "Say Gather Redirect" {
			t.Errorf("escalate without a policy: %s", esc.raw)
		}
		if ack := p.press(d, "4"); ack.says() != fmt.Sprintf("Alerte %d acquittée. Au revoir.", lonely) {
			t.Errorf("French ack: %s", ack.raw)
		}

		// A viewer hears the alert but may not act.
		v := p.call(forVic.ID, "")
		if refused := p.press(v, "4"); refused.names() != "Say Hangup" || !strings.Contains(refused.says(), "may not acknowledge") {
			t.Errorf("viewer: %s", refused.raw)
		}
		if p.status(disk).Status != tocsin.StatusTriggered {
			t.Error("a viewer acknowledged by phone")
		}

		// Unsigned, or signed for another page: 403. Unknown row: goodbye. Not a page: 404.
		target := fmt.Sprintf("%s%d/keys", p.callBase, forVic.ID)
		for _, c := range []struct{ name, sign, token string }{
			{"unsigned", target, ""},
			{"another page", fmt.Sprintf("%s%d/keys", p.callBase, forBob.ID), p.twilio.AuthToken},
		} {
			status, body := twilioPost(t, target, c.sign, c.token, callParams("Digits", "4"))
			if status != http.StatusForbidden || strings.Contains(string(body), "<Response") {
				t.Errorf("%s: %d %s", c.name, status, body)
			}
		}
		if p.status(disk).Status != tocsin.StatusTriggered {
			t.Error("an unsigned keypress acknowledged")
		}
		if gone := p.call(999999, ""); gone.names() != "Say Hangup" || !strings.Contains(gone.says(), "no longer exists") {
			t.Errorf("unknown page: %s", gone.raw)
		}
		verify := &tocsin.Notification{Key: "verify/x", Kind: tocsin.NotifyVerify, UserID: p.alice.ID, Type: tocsin.ContactVoice, Destination: aliceDesk, Text: "123456", NextAttemptAt: p.app.Clock.Now().AddDate(1, 0, 0)}
		if _, err := p.app.DB.Enqueue(p.ctx, verify, p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{fmt.Sprint(verify.ID), "abc", "-1", "0", strings.Repeat("9", 30)} {
			target := p.callBase + ref
			if status, body := twilioPost(t, target, target, p.twilio.AuthToken, callParams()); status != http.StatusNotFound {
				t.Errorf("page %q: %d %s", ref, status, body)
			}
		}
	})
}

func TestBundleCallActsOnEveryAlert(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPaging(t, engine)
		ids := []int64{p.alert("Disk full on db1", tocsin.P1, true), p.alert("Disk full on db2", tocsin.P1, true), p.alert("Disk full on db3", tocsin.P2, true)}
		bundle := p.sent(p.alice, tocsin.ContactVoice, aliceDesk, true, ids...)
		// Bob acknowledged the first meanwhile: two are left.
		if _, err := p.app.DB.ActOnAlerts(p.ctx, ids[:1], storeAck("Bob Durand"), p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}

		d := p.call(bundle.ID, "")
		if want := "This is Tocsin. 2 new alerts, the first on checkout: Disk full on db2. | Press 4 to acknowledge all of them, 5 to escalate all of them, 1 to hear it again."; d.says() != want {
			t.Errorf("bundle call says %q, want %q", d.says(), want)
		}
		// 6 is not offered for a bundle: nobody resolves alerts unheard.
		if res := p.press(d, "6"); !strings.HasPrefix(res.says(), "Sorry, I did not understand.") {
			t.Errorf("key 6 on a bundle: %s", res.raw)
		}
		if ack := p.press(d, "4"); ack.says() != "2 alerts acknowledged. Goodbye." {
			t.Errorf("key 4 on a bundle: %s", ack.raw)
		}
		for i, id := range ids {
			a := p.status(id)
			want := "Alice Martin"
			if i == 0 {
				want = "Bob Durand"
			}
			if a.Status != tocsin.StatusAcknowledged || a.AckedBy != want {
				t.Errorf("alert %d: %s by %q, want acknowledged by %s", id, a.Status, a.AckedBy, want)
			}
		}
		if again := p.call(bundle.ID, ""); again.names() != "Say Hangup" || !strings.Contains(again.says(), "already acknowledged or resolved") {
			t.Errorf("bundle call once all are acknowledged: %s", again.raw)
		}
		if again := p.press(d, "4"); !strings.Contains(again.says(), "already acknowledged or resolved") {
			t.Errorf("key 4 again: %s", again.raw)
		}
	})
}

func TestBundleCallEscalatesEveryAlert(t *testing.T) {
	p := startPaging(t, "sqlite")
	ids := []int64{p.alert("Disk full on db1", tocsin.P1, true), p.alert("Disk full on db2", tocsin.P1, true)}
	bundle := p.sent(p.alice, tocsin.ContactVoice, aliceDesk, true, ids...)
	if esc := p.press(p.call(bundle.ID, ""), "5"); esc.says() != "2 alerts escalated: their next step is paged now. Goodbye." {
		t.Errorf("key 5 on a bundle: %s", esc.raw)
	}
	for _, id := range ids {
		if l := p.line(id, tocsin.TimelineEscalated, "Alice Martin"); l.Channel != tocsin.ChannelVoice {
			t.Errorf("alert %d: %+v", id, l)
		}
	}
}

// The whole path: the engine pages Alice by SMS and by phone through Twilio;
// the call she answers reads the alert, her SMS reply acknowledges it, and
// the keys she presses then hear that it already is.
func TestEnginePagesAreAnsweredBySMSAndKeys(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPaging(t, engine)
		methods, err := p.app.DB.ContactMethods(p.ctx, p.alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range methods {
			if err := p.app.DB.AddNotificationRule(p.ctx, &tocsin.NotificationRule{UserID: p.alice.ID, ContactMethodID: m.ID, Urgency: tocsin.UrgencyHigh}); err != nil {
				t.Fatal(err)
			}
		}
		disk := p.alert("Disk full on db1", tocsin.P1, true)
		p.app.Clock.Advance(30 * time.Minute) // the policy's first step
		for range 2 {
			if err := p.app.Engine.Cycle(p.ctx); err != nil {
				t.Fatal(err)
			}
		}
		sms := p.twilio.WaitMessages(t, 1)[0]
		call := p.twilio.WaitCalls(t, 1)[0]
		if sms.To != aliceMobile || !strings.Contains(sms.Body, fmt.Sprintf("4 %d", disk)) || call.To != aliceDesk || !strings.HasPrefix(call.URL, p.callBase) {
			t.Fatalf("pages: %+v %+v", sms, call)
		}

		d := parseTwiML(t, []byte(p.twilio.FetchCallTwiML(t, call, p.twilio.AuthToken)))
		if !strings.Contains(d.says(), fmt.Sprintf("Priority P1 alert %d on checkout: Disk full on db1.", disk)) {
			t.Errorf("the call says %q", d.says())
		}
		if reply := p.sms(aliceMobile, fmt.Sprintf("4 %d", disk)); reply != fmt.Sprintf("Alert %d acknowledged.", disk) {
			t.Errorf("reply %q", reply)
		}
		if a := p.status(disk); a.Status != tocsin.StatusAcknowledged || a.AckChannel != tocsin.ChannelSMS || a.AckedBy != "Alice Martin" {
			t.Errorf("after the reply: %s by %q via %s", a.Status, a.AckedBy, a.AckChannel)
		}
		if keys := p.press(d, "4"); keys.says() != fmt.Sprintf("Alert %d was already acknowledged by Alice Martin. Goodbye.", disk) {
			t.Errorf("keys after the reply: %s", keys.raw)
		}
	})
}
