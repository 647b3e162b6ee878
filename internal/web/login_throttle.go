package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Failed sign-ins allowed in loginWindow before further tries are refused: per
// address, against guessing one person's password, and per client, against
// trying many addresses. The client limit is higher because a proxy may put
// many people behind one IP.
const (
	loginWindow          = 15 * time.Minute
	maxFailuresPerEmail  = 10
	maxFailuresPerClient = 50
	maxThrottledKeys     = 10000 // memory bound under a distributed attack
)

// loginThrottle counts recent failed sign-ins, on the injected clock. It is per
// process: with several processes an attacker gets a few more tries, not more
// than argon2id lets them do anyway.
type loginThrottle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

func newLoginThrottle() *loginThrottle {
	return &loginThrottle{failures: map[string][]time.Time{}}
}

// loginKeys names who is signing in: the address and the client.
func loginKeys(r *http.Request, email string) (byEmail, byClient string) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "email:" + strings.ToLower(email), "client:" + host
}

// wait says how long a sign-in must wait before it is tried; 0: go ahead.
func (t *loginThrottle) wait(byEmail, byClient string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return max(t.waitFor(byEmail, maxFailuresPerEmail, now), t.waitFor(byClient, maxFailuresPerClient, now))
}

func (t *loginThrottle) waitFor(key string, limit int, now time.Time) time.Duration {
	recent := t.recent(key, now)
	if len(recent) < limit {
		return 0
	}
	return recent[len(recent)-limit].Add(loginWindow).Sub(now)
}

// recent drops failures older than the window and returns the rest, oldest first.
func (t *loginThrottle) recent(key string, now time.Time) []time.Time {
	list := t.failures[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= loginWindow {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(t.failures, key)
	} else {
		t.failures[key] = list
	}
	return list
}

// failed records a failed sign-in.
func (t *loginThrottle) failed(byEmail, byClient string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.failures) > maxThrottledKeys {
		for key := range t.failures {
			t.recent(key, now)
		}
	}
	for _, key := range []string{byEmail, byClient} {
		if len(t.failures) <= maxThrottledKeys || t.failures[key] != nil {
			t.failures[key] = append(t.recent(key, now), now)
		}
	}
}

// succeeded forgets an address's failures once its owner signs in.
func (t *loginThrottle) succeeded(byEmail string) {
	t.mu.Lock()
	delete(t.failures, byEmail)
	t.mu.Unlock()
}
