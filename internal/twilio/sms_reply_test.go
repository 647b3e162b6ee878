package twilio_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	notifytwilio "github.com/tocsin/tocsin/internal/notify/twilio"
	"github.com/tocsin/tocsin/internal/testkit"
)

// oneSegment fails unless text goes in one SMS segment.
func oneSegment(t *testing.T, text string) {
	t.Helper()
	if n, _ := notifytwilio.Segments(text); n != 1 {
		t.Errorf("%q takes %d segments, want 1", text, n)
	}
}

func TestSMSReplyAcknowledgesResolvesEscalates(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPaging(t, engine)
		disk := p.alert("Disk full on db1", tocsin.P1, true)
		cpu := p.alert("CPU high", tocsin.P2, true)
		lonely := p.alert("Nobody's alert", tocsin.P3, false)
		p.sent(p.alice, tocsin.ContactSMS, aliceMobile, false, disk, cpu)

		// An explicit number, in any case and spacing: acknowledged as Alice, by SMS.
		reply := p.sms(aliceMobile, fmt.Sprintf("  ACK   #%d ", disk))
		if want := fmt.Sprintf("Alert %d acknowledged.", disk); reply != want {
			t.Errorf("reply %q, want %q", reply, want)
		}
		a := p.status(disk)
		if a.Status != tocsin.StatusAcknowledged || a.AckedBy != "Alice Martin" || a.AckChannel != tocsin.ChannelSMS {
			t.Errorf("after ack: %s by %q via %s", a.Status, a.AckedBy, a.AckChannel)
		}
		if l := p.line(disk, tocsin.TimelineAcknowledged, "Alice Martin"); l.Channel != tocsin.ChannelSMS {
			t.Errorf("timeline: %+v", l)
		}
		if reply := p.sms(aliceMobile, fmt.Sprintf("4 %d", disk)); reply != fmt.Sprintf("Alert %d is already acknowledged by Alice Martin.", disk) {
			t.Errorf("second ack: %q", reply)
		}

		// "4" alone: the last alert paged to this phone (cpu, sent after disk).
		if reply := p.sms(aliceMobile, "4"); reply != fmt.Sprintf("Alert %d acknowledged.", cpu) {
			t.Errorf("4 alone: %q", reply)
		}
		if a := p.status(cpu); a.Status != tocsin.StatusAcknowledged || a.AckChannel != tocsin.ChannelSMS {
			t.Errorf("4 alone left cpu %s", a.Status)
		}

		// Resolve, with the French word; then again.
		if reply := p.sms(aliceMobile, fmt.Sprintf("Résoudre %d.", disk)); reply != fmt.Sprintf("Alert %d resolved.", disk) {
			t.Errorf("resolve: %q", reply)
		}
		if a := p.status(disk); a.Status != tocsin.StatusResolved || a.ResolvedBy != "Alice Martin" || a.ResolveChannel != tocsin.ChannelSMS {
			t.Errorf("after resolve: %+v", a)
		}
		if reply := p.sms(aliceMobile, fmt.Sprintf("close %d", disk)); reply != fmt.Sprintf("Alert %d is already resolved by Alice Martin.", disk) {
			t.Errorf("resolve again: %q", reply)
		}
		if reply := p.sms(aliceMobile, fmt.Sprintf("ack %d", disk)); reply != fmt.Sprintf("Alert %d is already resolved by Alice Martin.", disk) {
			t.Errorf("ack of a resolved alert: %q", reply)
		}

		// Escalate: Bob, in French. A triggered alert on a service with a policy,
		// then one without a policy, then one that is no longer triggered.
		fresh := p.alert("Latency high", tocsin.P1, true)
		if reply := p.sms(bobMobile, fmt.Sprintf("esc %d", fresh)); reply != fmt.Sprintf("Alerte %d escaladée : son étape suivante est appelée maintenant.", fresh) {
			t.Errorf("escalate: %q", reply)
		}
		if l := p.line(fresh, tocsin.TimelineEscalated, "Bob Durand"); l.Channel != tocsin.ChannelSMS {
			t.Errorf("escalated line: %+v", l)
		}
		if reply := p.sms(bobMobile, fmt.Sprintf("5 %d", lonely)); reply != fmt.Sprintf("L'alerte %d n'a pas de politique d'escalade.", lonely) {
			t.Errorf("escalate without a policy: %q", reply)
		}
		if reply := p.sms(bobMobile, fmt.Sprintf("5 %d", disk)); reply != fmt.Sprintf("L'alerte %d est déjà résolue par Alice Martin.", disk) {
			t.Errorf("escalate a resolved alert: %q", reply)
		}
		if reply := p.sms(bobMobile, "acq 999999"); reply != "Alerte 999999 introuvable." {
			t.Errorf("unknown alert: %q", reply)
		}
		if reply := p.sms(aliceMobile, "6 999999"); reply != "Alert 999999 not found." {
			t.Errorf("unknown alert: %q", reply)
		}
	})
}

func TestSMSReplyHelpsAndRefuses(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPaging(t, engine)
		disk := p.alert("Disk full on db1", tocsin.P1, true)

		// Nothing paged to Bob lately: "4" alone says so; help shows 42.
		if reply := p.sms(bobMobile, "4"); !strings.HasPrefix(reply, "Aucune alerte ne vous a été envoyée") {
			t.Errorf("4 alone, nothing paged: %q", reply)
		}
		if p.status(disk).Status != tocsin.StatusTriggered {
			t.Fatal("4 alone acknowledged an alert that was never paged to Bob")
		}
		want := "Not understood. Reply 4 42 to acknowledge alert 42, 6 42 to resolve, 5 42 to escalate."
		for _, body := range []string{"hello", "", "4 42 43", "ack forty-two", "ack -3", "ack 0", "yes please", strings.Repeat("4", 5000)} {
			if reply := p.sms(aliceMobile, body); reply != want {
				t.Errorf("%.30q: %q", body, reply)
			}
		}
		// Once paged, the examples show the alert they would act on.
		p.sent(p.alice, tocsin.ContactSMS, aliceMobile, false, disk)
		if reply := p.sms(aliceMobile, "what?"); !strings.Contains(reply, fmt.Sprintf("Reply 4 %d to acknowledge alert %d", disk, disk)) {
			t.Errorf("not understood, once paged: %q", reply)
		}
		help := p.sms(aliceMobile, "HELP")
		if !strings.Contains(help, fmt.Sprintf("6 %d to resolve", disk)) || !strings.Contains(help, "4 alone") {
			t.Errorf("help: %q", help)
		}
		aide := p.sms(bobMobile, "aide")
		if !strings.HasPrefix(aide, "Répondez 4 42 pour acquitter l'alerte 42") {
			t.Errorf("aide: %q", aide)
		}
		for _, text := range []string{help, aide, want, p.sms(bobMobile, "n'importe quoi"), p.sms(bobMobile, "4")} {
			oneSegment(t, text)
		}

		// A viewer may not act; a stranger learns nothing.
		if reply := p.sms(vicMobile, fmt.Sprintf("ack %d", disk)); reply != "Your Tocsin account may not acknowledge or resolve alerts." {
			t.Errorf("viewer: %q", reply)
		}
		for _, from := range []string{"+15559876543", "anonymous", "", "+33 1 40 00 00 01"} {
			if reply := p.sms(from, fmt.Sprintf("ack %d", disk)); reply != "This number is not linked to a Tocsin account." {
				t.Errorf("from %q: %q", from, reply)
			}
		}
		if a := p.status(disk); a.Status != tocsin.StatusTriggered {
			t.Errorf("refused replies changed the alert: %s by %s", a.Status, a.AckedBy)
		}

		// Unsigned, or signed for another URL: 403, no TwiML.
		form := url.Values{"From": {aliceMobile}, "To": {pagingFrom}, "Body": {fmt.Sprint("ack ", disk)}, "MessageSid": {"SM1"}}
		for _, c := range []struct{ name, sign, token string }{
			{"unsigned", p.smsURL, ""},
			{"another URL", p.app.URL + "/twilio/sms/oncall/1", p.twilio.AuthToken},
			{"another token", p.smsURL, "not-the-token"},
		} {
			status, body := twilioPost(t, p.smsURL, c.sign, c.token, form)
			if status != http.StatusForbidden || strings.Contains(string(body), "<Response") {
				t.Errorf("%s: %d %s", c.name, status, body)
			}
		}
		if a := p.status(disk); a.Status != tocsin.StatusTriggered {
			t.Errorf("an unsigned reply changed the alert: %s", a.Status)
		}
	})
}

// A number verified by two people acts as neither.
func TestSMSReplySharedNumber(t *testing.T) {
	p := startPaging(t, "sqlite")
	p.person("desk@example.com", "Desk", "", tocsin.RoleMember, "sms "+aliceMobile)
	disk := p.alert("Disk full on db1", tocsin.P1, true)
	if reply := p.sms(aliceMobile, fmt.Sprint("ack ", disk)); !strings.Contains(reply, "several Tocsin accounts") {
		t.Errorf("shared number: %q", reply)
	}
	if p.status(disk).Status != tocsin.StatusTriggered {
		t.Error("a shared number acknowledged")
	}
}

// A bundle's SMS names its first alert: "reply 4 42 to acknowledge all".
func TestSMSReplyToABundle(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPaging(t, engine)
		var first, second []int64
		for i := range 3 {
			first = append(first, p.alert(fmt.Sprint("Disk full on db", i), tocsin.P1, true))
		}
		p.sent(p.alice, tocsin.ContactSMS, aliceMobile, true, first...)
		// 6 and an alert of the bundle act on that alert alone, and so does 4
		// with an alert the message did not name.
		if reply := p.sms(aliceMobile, fmt.Sprint("6 ", first[0])); reply != fmt.Sprintf("Alert %d resolved.", first[0]) {
			t.Errorf("resolve the first: %q", reply)
		}
		if reply := p.sms(aliceMobile, fmt.Sprint("4 ", first[1])); reply != fmt.Sprintf("Alert %d acknowledged.", first[1]) {
			t.Errorf("ack the second: %q", reply)
		}
		if a := p.status(first[2]); a.Status != tocsin.StatusTriggered {
			t.Fatalf("the third is %s", a.Status)
		}
		// 4 with the named alert: the rest of the bundle.
		if reply := p.sms(aliceMobile, fmt.Sprint("ack ", first[0])); reply != fmt.Sprintf("Alert %d acknowledged.", first[2]) {
			t.Errorf("ack the bundle: %q", reply)
		}

		for i := range 3 {
			second = append(second, p.alert(fmt.Sprint("Latency high on api", i), tocsin.P1, true))
		}
		p.sent(p.alice, tocsin.ContactSMS, aliceMobile, true, second...)
		if reply := p.sms(aliceMobile, "4"); reply != "3 alerts acknowledged." {
			t.Errorf("4 alone after a bundle: %q", reply)
		}
		for _, id := range append(first[1:], second...) {
			if a := p.status(id); a.Status != tocsin.StatusAcknowledged || a.AckedBy != "Alice Martin" || a.AckChannel != tocsin.ChannelSMS {
				t.Errorf("alert %d: %s by %q via %s", id, a.Status, a.AckedBy, a.AckChannel)
			}
		}
		if reply := p.sms(aliceMobile, fmt.Sprint("4 ", second[0])); reply != "These alerts are already acknowledged or resolved." {
			t.Errorf("the bundle again: %q", reply)
		}
	})
}
