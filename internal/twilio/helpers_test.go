package twilio_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

const (
	authToken  = "test-auth-token-0123456789"
	fallback   = "+33140000000"
	alicePhone = "+33612345678"
	bobPhone   = "+33698765432"
	caller     = "+15550100"
)

// doc is a TwiML document read back generically: each verb with its
// attributes, text and nested <Number>s.
type doc struct {
	XMLName xml.Name `xml:"Response"`
	Verbs   []verb   `xml:",any"`
}

type verb struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Numbers []string   `xml:"Number"`
}

func (v verb) attr(name string) string {
	for _, a := range v.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func parseDoc(t *testing.T, body []byte) doc {
	t.Helper()
	var d doc
	if err := xml.Unmarshal(body, &d); err != nil {
		t.Fatalf("not TwiML: %v\n%s", err, body)
	}
	return d
}

// names lists the verbs in order, e.g. "Say Dial".
func (d doc) names() string {
	var n []string
	for _, v := range d.Verbs {
		n = append(n, v.XMLName.Local)
	}
	return strings.Join(n, " ")
}

// only returns the verbs named name.
func (d doc) only(name string) []verb {
	var out []verb
	for _, v := range d.Verbs {
		if v.XMLName.Local == name {
			out = append(out, v)
		}
	}
	return out
}

// dialled lists the numbers of every <Dial>, in order.
func (d doc) dialled() []string {
	var out []string
	for _, v := range d.only("Dial") {
		out = append(out, v.Numbers...)
	}
	return out
}

// says joins what every <Say> says.
func (d doc) says() string {
	var out []string
	for _, v := range d.only("Say") {
		out = append(out, v.Text)
	}
	return strings.Join(out, " | ")
}

// twilioPost posts a form as Twilio does: signed with token over signURL
// (the URL Twilio was configured with), sent to sendURL (where the server is
// reached). An empty token sends no signature.
func twilioPost(t *testing.T, sendURL, signURL, token string, params url.Values) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, sendURL, strings.NewReader(params.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		m := map[string]string{}
		for k := range params {
			m[k] = params.Get(k)
		}
		req.Header.Set("X-Twilio-Signature", specSignature(token, signURL, m))
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

// callParams are what Twilio posts for an incoming call.
func callParams(extra ...string) url.Values {
	v := url.Values{
		"CallSid": {"CA0123456789abcdef0123456789abcdef"}, "AccountSid": {"AC0123456789abcdef0123456789abcdef"},
		"From": {caller}, "To": {"+33180000000"}, "CallStatus": {"ringing"}, "ApiVersion": {"2010-04-01"}, "Direction": {"inbound"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

// people are the users of the fixture schedules.
type people struct{ alice, bob, carol *tocsin.User }

func addPeople(t *testing.T, a *testkit.App) people {
	t.Helper()
	return addPeopleTo(t, a.DB, a.Clock.Now())
}

func addPeopleTo(t *testing.T, db *store.DB, now time.Time) people {
	t.Helper()
	add := func(email, name, phone string) *tocsin.User {
		u := &tocsin.User{Email: email, Name: name, Phone: phone}
		if err := db.CreateUser(context.Background(), u, "a-long-password", now); err != nil {
			t.Fatal(err)
		}
		return u
	}
	return people{
		alice: add("alice@example.com", "Alice", "+33 6 12 34 56 78"),
		bob:   add("bob@example.com", "Bob", bobPhone),
		carol: add("carol@example.com", "Carol", ""),
	}
}

// addSchedule stores a weekly schedule in Paris with a primary layer (on top)
// and a secondary layer, each handing off on Mondays at 09:00 from
// 2026-11-02 (testkit.Epoch): alice then bob on primary, bob then alice on
// secondary.
func addSchedule(t *testing.T, db *store.DB, name, language, start string, ppl people, now time.Time) *tocsin.Schedule {
	t.Helper()
	rotation := func(layer string, ids ...int64) tocsin.Layer {
		return tocsin.Layer{Name: layer, Participants: ids, Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "mon 09:00", Start: start}
	}
	s := &tocsin.Schedule{
		Name: name, Timezone: "Europe/Paris", Language: language,
		Layers: []tocsin.Layer{rotation("secondary", ppl.bob.ID, ppl.alice.ID), rotation("primary", ppl.alice.ID, ppl.bob.ID)},
	}
	if err := db.CreateSchedule(context.Background(), s, now); err != nil {
		t.Fatal(err)
	}
	return s
}
