package slack_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify/slack"
)

// Slack's worked example (docs.slack.dev, "Verifying requests from Slack").
const (
	docSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	docTimestamp = "1531420618"
	docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	docBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)

func headers(ts, sig string) http.Header {
	h := http.Header{}
	if ts != "" {
		h.Set(slack.HeaderTimestamp, ts)
	}
	if sig != "" {
		h.Set(slack.HeaderSignature, sig)
	}
	return h
}

func TestVerifyRequest(t *testing.T) {
	sent := time.Unix(1531420618, 0)
	for _, tc := range []struct {
		name   string
		secret string
		h      http.Header
		body   string
		now    time.Time
		ok     bool
	}{
		{"Slack's documented example", docSecret, headers(docTimestamp, docSignature), docBody, sent, true},
		{"received 4 minutes later", docSecret, headers(docTimestamp, docSignature), docBody, sent.Add(4 * time.Minute), true},
		{"our clock 4 minutes late", docSecret, headers(docTimestamp, docSignature), docBody, sent.Add(-4 * time.Minute), true},
		{"replayed 6 minutes later", docSecret, headers(docTimestamp, docSignature), docBody, sent.Add(6 * time.Minute), false},
		{"from 6 minutes in the future", docSecret, headers(docTimestamp, docSignature), docBody, sent.Add(-6 * time.Minute), false},
		{"body changed", docSecret, headers(docTimestamp, docSignature), strings.Replace(docBody, "roadrunner", "coyote", 1), sent, false},
		{"another secret", docSecret + "x", headers(docTimestamp, docSignature), docBody, sent, false},
		{"no secret configured", "", headers(docTimestamp, docSignature), docBody, sent, false},
		{"timestamp changed", docSecret, headers("1531420619", docSignature), docBody, sent, false},
		{"no signature", docSecret, headers(docTimestamp, ""), docBody, sent, false},
		{"no timestamp", docSecret, headers("", docSignature), docBody, sent, false},
		{"not a v0 signature", docSecret, headers(docTimestamp, "v1="+docSignature[3:]), docBody, sent, false},
		{"not hex", docSecret, headers(docTimestamp, "v0=zz"), docBody, sent, false},
		{"timestamp not a number", docSecret, headers("1531420618.5", docSignature), docBody, sent, false},
		{"negative timestamp", docSecret, headers("-1", docSignature), docBody, time.Unix(0, 0), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := slack.VerifyRequest(tc.secret, tc.h, []byte(tc.body), tc.now)
			if (err == nil) != tc.ok {
				t.Fatalf("VerifyRequest = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && tocsin.ErrorCode(err) != tocsin.EUNAUTHORIZED {
				t.Errorf("code %s, want unauthorized", tocsin.ErrorCode(err))
			}
		})
	}
}

// clickPayload is a block_actions payload shaped as Slack's reference shows it.
const clickPayload = `{"type":"block_actions","user":{"id":"U0123ABCD","username":"alice","name":"alice","team_id":"T9TK3CUKW"},
"api_app_id":"A0123","token":"x","container":{"type":"message","message_ts":"1700000001.000001","channel_id":"C0123CHAN","is_ephemeral":false},
"trigger_id":"1.2.3","team":{"id":"T9TK3CUKW","domain":"example"},"enterprise":null,"is_enterprise_install":false,
"channel":{"id":"C0123CHAN","name":"ops"},"message":{"type":"message","ts":"1700000001.000001","text":"P1 #42"},
"state":{"values":{}},"response_url":"https://hooks.slack.com/actions/T9TK3CUKW/1/abc",
"actions":[{"action_id":"ack","block_id":"alert-42","text":{"type":"plain_text","text":"Acknowledge","emoji":true},
"value":"42","style":"primary","type":"button","action_ts":"1700000010.000200"}]}`

func form(payload string) []byte { return []byte(url.Values{"payload": {payload}}.Encode()) }

func TestParseInteraction(t *testing.T) {
	i, err := slack.ParseInteraction(form(clickPayload))
	if err != nil {
		t.Fatal(err)
	}
	want := slack.Interaction{UserID: "U0123ABCD", UserName: "alice", TeamID: "T9TK3CUKW", ActionID: "ack", BlockID: "alert-42",
		Value: "42", ChannelID: "C0123CHAN", MessageTS: "1700000001.000001", ResponseURL: "https://hooks.slack.com/actions/T9TK3CUKW/1/abc"}
	if i != want {
		t.Errorf("got  %+v\nwant %+v", i, want)
	}
	if id, err := i.AlertID(); err != nil || id != 42 {
		t.Errorf("AlertID = %d, %v", id, err)
	}
	for _, v := range []string{"", "x", "-3", "0", "99999999999999999999"} {
		if _, err := (slack.Interaction{Value: v}).AlertID(); tocsin.ErrorCode(err) != tocsin.EINVALID {
			t.Errorf("AlertID of %q: %v", v, err)
		}
	}
}

func TestParseInteractionRefuses(t *testing.T) {
	big := form(strings.Replace(clickPayload, `"text":"P1 #42"`, `"text":"`+strings.Repeat("x", slack.MaxInteractionBytes)+`"`, 1))
	for _, tc := range []struct {
		name string
		body []byte
		code string
	}{
		{"too large", big, tocsin.ETOOLARGE},
		{"not a form", []byte("%zz"), tocsin.EINVALID},
		{"no payload", []byte("token=x&user_id=U1"), tocsin.EINVALID},
		{"payload not JSON", form("{"), tocsin.EINVALID},
		{"a modal submission", form(`{"type":"view_submission","user":{"id":"U1"}}`), tocsin.EINVALID},
		{"no action", form(`{"type":"block_actions","user":{"id":"U1"},"actions":[]}`), tocsin.EINVALID},
		{"no user", form(`{"type":"block_actions","actions":[{"action_id":"ack","value":"1"}]}`), tocsin.EINVALID},
	} {
		_, err := slack.ParseInteraction(tc.body)
		if tocsin.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
}

func FuzzParseInteraction(f *testing.F) {
	f.Add(form(clickPayload))
	f.Add(form(`{"type":"block_actions","actions":[{}]}`))
	f.Add([]byte("payload=%7B%7D"))
	f.Fuzz(func(t *testing.T, body []byte) {
		i, err := slack.ParseInteraction(body)
		if err == nil && (i.UserID == "" || i.ActionID == "") {
			t.Fatalf("accepted without a user or an action: %+v", i)
		}
	})
}
