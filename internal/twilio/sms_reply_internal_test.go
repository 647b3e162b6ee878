package twilio

import "testing"

func TestParseReply(t *testing.T) {
	for _, c := range []struct {
		body string
		verb smsVerb
		id   int64
		ok   bool
	}{
		{"4 42", smsAck, 42, true},
		{"ack 42", smsAck, 42, true},
		{"  A   42  ", smsAck, 42, true},
		{"Acq #42", smsAck, 42, true},
		{"ACK 42.", smsAck, 42, true},
		{"4", smsAck, 0, true},
		{"ack", smsAck, 0, true},
		{"ack!", smsAck, 0, true},
		{"6 42", smsResolve, 42, true},
		{"resolve 42", smsResolve, 42, true},
		{"Close 42", smsResolve, 42, true},
		{"res 42", smsResolve, 42, true},
		{"RÉSOUDRE 42", smsResolve, 42, true},
		{"resoudre 42", smsResolve, 42, true},
		{"5 42", smsEscalate, 42, true},
		{"escalate 42", smsEscalate, 42, true},
		{"esc 42", smsEscalate, 42, true},
		{"6", smsResolve, 0, true},
		{"help", smsHelp, 0, true},
		{"Aide", smsHelp, 0, true},
		{"?", smsHelp, 0, true},
		{"\tack\n42\n", smsAck, 42, true},
		{"", 0, 0, false},
		{"help 42", 0, 0, false},
		{"4 42 43", 0, 0, false},
		{"42 4", 0, 0, false},
		{"ack forty-two", 0, 0, false},
		{"ack 0", 0, 0, false},
		{"ack #", 0, 0, false},
		{"ack 4.2", 0, 0, false},
		{"ack 99999999999999999999", 0, 0, false},
		{"ack42", 0, 0, false},
		{"7 42", 0, 0, false},
		{"??", 0, 0, false},
	} {
		verb, id, ok := parseReply(c.body)
		if ok != c.ok || (ok && (verb != c.verb || id != c.id)) {
			t.Errorf("parseReply(%q) = %v %d %v, want %v %d %v", c.body, verb, id, ok, c.verb, c.id, c.ok)
		}
	}
}
