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

// A voice method is verified by a call that reads its code digit by digit,
// twice, in the person's language; "send me a test" calls it too. Without a
// script for these calls, Twilio was never asked to call, and voice paging
// could not be set up at all.
func TestVoiceMethodIsVerifiedByACall(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPaging(t, engine)
		c := &tocsin.ContactMethod{UserID: p.bob.ID, Name: "bureau", Type: tocsin.ContactVoice, Value: "+33140000002"}
		if err := p.app.DB.CreateContactMethod(p.ctx, c, p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		var code string
		text := func(c string) string { code = c; return "Tocsin : votre code est " + c + "." }
		if err := p.app.DB.StartVerification(p.ctx, p.bob.ID, c.ID, text, p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := p.app.Engine.Cycle(p.ctx); err != nil {
			t.Fatal(err)
		}
		call := p.twilio.WaitCalls(t, 1)[0]
		if call.To != "+33140000002" || !strings.HasPrefix(call.URL, p.app.URL+"/twilio/voice/message/") {
			t.Fatalf("verification call: %+v", call)
		}
		d := parseTwiML(t, []byte(p.twilio.FetchCallTwiML(t, call, p.twilio.AuthToken)))
		spelled := strings.Join(strings.Split(code, ""), ", ")
		said := "Tocsin : votre code est " + spelled + "."
		if d.names() != "Say Pause Say Hangup" || d.says() != said+" | "+said || !strings.Contains(d.raw, `language="fr-FR"`) {
			t.Fatalf("the call says %s", d.raw)
		}
		if err := p.app.DB.Verify(p.ctx, p.bob.ID, c.ID, code, p.app.Clock.Now()); err != nil {
			t.Fatalf("the code heard does not verify the method: %v", err)
		}

		p.app.Clock.Advance(time.Minute)
		if err := p.app.DB.SendTest(p.ctx, p.bob.ID, c.ID, "Tocsin : ceci est un message de test.", p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := p.app.Engine.Cycle(p.ctx); err != nil {
			t.Fatal(err)
		}
		test := p.twilio.WaitCalls(t, 2)[1]
		if d := parseTwiML(t, []byte(p.twilio.FetchCallTwiML(t, test, p.twilio.AuthToken))); !strings.HasPrefix(d.says(), "Tocsin : ceci est un message de test.") {
			t.Fatalf("the test call says %s", d.raw)
		}

		// A page's row has a script of its own, with keys: not this one; nor
		// has an unknown row; an SMS's code is not read out; and Twilio's
		// signature is required.
		page := p.sent(p.alice, tocsin.ContactVoice, aliceDesk, false, p.alert("Disk full on db1", tocsin.P1, true))
		mobile := &tocsin.ContactMethod{UserID: p.bob.ID, Name: "portable", Type: tocsin.ContactSMS, Value: "+33698000000"}
		if err := p.app.DB.CreateContactMethod(p.ctx, mobile, p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := p.app.DB.StartVerification(p.ctx, p.bob.ID, mobile.ID, text, p.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		codes, err := p.app.DB.Notifications(p.ctx, tocsin.NotificationFilter{Kind: tocsin.NotifyVerify, UserID: p.bob.ID, Limit: 10})
		if err != nil || len(codes) != 2 || codes[0].Type != tocsin.ContactSMS {
			t.Fatalf("verification rows: %+v %v", codes, err)
		}
		for _, u := range []string{fmt.Sprintf("%s/twilio/voice/message/%d", p.app.URL, page.ID), fmt.Sprintf("%s/twilio/voice/message/%d", p.app.URL, codes[0].ID), p.app.URL + "/twilio/voice/message/999999", p.app.URL + "/twilio/voice/message/x"} {
			res := p.twilio.PressKeys(t, u, p.twilio.AuthToken, call.SID, "")
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", u, res.StatusCode)
			}
		}
		if res, err := http.Post(call.URL, "application/x-www-form-urlencoded", nil); err != nil || res.StatusCode != http.StatusForbidden {
			t.Errorf("unsigned: %v %v", res.StatusCode, err)
		}
	})
}
