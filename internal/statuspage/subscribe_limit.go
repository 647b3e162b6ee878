package statuspage

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// subscribeLimiter counts subscribe requests per client network over a
// sliding hour, so that the public form cannot be used to mail-bomb
// addresses with confirmation requests (the store already sends one
// address at most one a minute) nor to fill the table.
type subscribeLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	seen   map[string][]time.Time // oldest first
}

// maxLimiterClients bounds the limiter's memory: past it, clients whose
// window is over are dropped, and if all are recent, every new client is
// refused until some age out (an attack from many addresses meets a wall,
// not an out-of-memory).
const maxLimiterClients = 100_000

func newSubscribeLimiter(max int, window time.Duration) *subscribeLimiter {
	return &subscribeLimiter{max: max, window: window, seen: map[string][]time.Time{}}
}

// allow records a request from client at now and reports whether it is
// within the limit, and if not, how long until it would be.
func (l *subscribeLimiter) allow(client string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	since := now.Add(-l.window)
	times := l.seen[client]
	k := 0
	for k < len(times) && !times[k].After(since) {
		k++
	}
	times = times[k:]
	if len(times) >= l.max {
		l.seen[client] = times
		return false, times[0].Sub(since)
	}
	if len(times) == 0 && len(l.seen) >= maxLimiterClients {
		l.prune(since)
		if len(l.seen) >= maxLimiterClients {
			return false, l.window
		}
	}
	l.seen[client] = append(times, now)
	return true, 0
}

// refund gives back the place a request from client took at now: it was
// refused for its input, and reached nothing that costs.
func (l *subscribeLimiter) refund(client string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	times := l.seen[client]
	for k := len(times) - 1; k >= 0; k-- {
		if times[k].Equal(now) {
			times = append(times[:k], times[k+1:]...)
			break
		}
	}
	if len(times) == 0 {
		delete(l.seen, client)
		return
	}
	l.seen[client] = times
}

func (l *subscribeLimiter) prune(since time.Time) {
	for c, times := range l.seen {
		if !times[len(times)-1].After(since) {
			delete(l.seen, c)
		}
	}
}

// remoteNetwork is the client's address from the connection: an IPv6
// client is counted by its /64, which one subscriber usually holds whole.
func remoteNetwork(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
