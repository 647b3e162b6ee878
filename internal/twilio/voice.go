package twilio

import (
	"net/http"
	"strconv"
)

// voice serves POST /twilio/voice/oncall/{schedule} (by name or id): a call
// to the on-call number. It says who it connects to in the schedule's
// language and dials the person on call now; when they do not answer, Twilio
// posts the dial's result to voiceNext.
func (h *Handler) voice(w http.ResponseWriter, r *http.Request) {
	params, s, ok := h.accept(w, r)
	if !ok {
		return
	}
	who, err := whoToReach(r.Context(), h.opts.DB, s, h.opts.Clock.Now())
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	p := promptsFor(s.Language)
	resp := (&Response{}).Add(p.greeting(who))
	h.step(resp, p, s.ID, params.Get("From"), who, 0)
	resp.write(w)
}

// voiceNext serves POST /twilio/voice/oncall/{schedule}/next?attempt=N, the
// action of the N-th dial: an answered call ends there, otherwise the next
// person (or the fallback number) is dialled. Who is next is computed again
// now: a handoff during the call is followed.
func (h *Handler) voiceNext(w http.ResponseWriter, r *http.Request) {
	params, s, ok := h.accept(w, r)
	if !ok {
		return
	}
	attempt, ok := parseAttempt(r.URL.Query().Get("attempt"))
	if !ok {
		plain(w, http.StatusBadRequest, "attempt must be a number from 1 to "+strconv.Itoa(maxAttempts)+".")
		return
	}
	switch params.Get("DialCallStatus") {
	case "completed", "answered":
		(&Response{}).Add(Hangup{}).write(w)
		return
	}
	who, err := whoToReach(r.Context(), h.opts.DB, s, h.opts.Clock.Now())
	if err != nil {
		// Mid-call, a 503 would send Twilio to the fallback document, which
		// starts again with the person who just did not answer: go straight
		// to the fallback number instead, which needs no database.
		h.opts.Log.Error("twilio: on-call number", "path", r.URL.Path, "err", err)
		who = reach{}
	}
	resp := &Response{}
	h.step(resp, promptsFor(s.Language), s.ID, params.Get("From"), who, attempt)
	resp.write(w)
}

// parseAttempt reads ?attempt=: 1 to maxAttempts, digits only.
func parseAttempt(s string) (int, bool) {
	if len(s) == 0 || len(s) > 2 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1 && n <= maxAttempts
}

// step adds the i-th dial of the sequence (the people, then the fallback
// number) with what to say before it, or the goodbye once it is exhausted.
func (h *Handler) step(resp *Response, p prompts, scheduleID int64, from string, who reach, i int) {
	seq := sequence(who, h.opts.Fallback)
	if i >= len(seq) {
		resp.Add(p.goodbye(seq), Hangup{})
		return
	}
	if say, ok := p.beforeDial(who, i); ok {
		resp.Add(say)
	}
	resp.Add(Dial{
		CallerID: callerID(from),
		Timeout:  h.opts.Ring,
		// By id: the call goes on if the schedule is renamed meanwhile.
		Action:  h.opts.PublicURL + "/twilio/voice/oncall/" + strconv.FormatInt(scheduleID, 10) + "/next?attempt=" + strconv.Itoa(i+1),
		Method:  http.MethodPost,
		Numbers: []Number{{seq[i]}},
	})
}

// sequence is every number to dial in order: the people, then the fallback
// number unless one of them has it.
func sequence(who reach, fallback string) []string {
	seq := append([]string(nil), who.phones...)
	for _, p := range seq {
		if p == fallback {
			return seq
		}
	}
	if fallback != "" {
		seq = append(seq, fallback)
	}
	return seq
}
