package twilio

// The static documents answer for Tocsin when it is down: Twilio fetches them
// from the number's fallback URL, on a host that does not depend on this
// instance. They hold what was true when they were published, and cannot
// branch: no callback to Tocsin, no caller id, no SMS text.

// staticVoice dials the people on call one after the other, then the
// fallback number. Without a dial action, Twilio goes on to the next verb
// when a dialled call ends, answered or not (see docs/twilio.md).
func staticVoice(p prompts, who reach, fallback string, ring int) *Response {
	resp := (&Response{}).Add(p.greeting(who))
	seq := sequence(who, fallback)
	for i, number := range seq {
		if say, ok := p.beforeDial(who, i); ok {
			resp.Add(say)
		}
		resp.Add(Dial{Timeout: ring, Numbers: []Number{{number}}})
	}
	return resp.Add(p.goodbye(seq), Hangup{})
}

// staticSMS tells the person on call (or the fallback number) that an SMS
// came in: a static document cannot carry the sender's text.
func staticSMS(p prompts, who reach, fallback string) *Response {
	if to := firstOf(sequence(who, fallback)); to != "" {
		return (&Response{}).Add(Message{To: to, Body: p.smsOffline})
	}
	return (&Response{}).Add(Message{Body: p.smsNobody})
}
