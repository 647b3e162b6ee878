package ingest

import (
	"math"
	"sync"
	"time"
)

// rateLimiter is a token bucket per integration, on the injected clock, so that
// one noisy sender cannot starve the others.
type rateLimiter struct {
	rate  float64 // tokens per second; 0: unlimited
	burst float64
	mu    sync.Mutex
	keys  map[int64]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate float64, burst int) *rateLimiter {
	if burst <= 0 {
		burst = int(math.Max(1, 2*rate))
	}
	return &rateLimiter{rate: rate, burst: float64(burst), keys: map[int64]*bucket{}}
}

func (l *rateLimiter) allow(id int64, now time.Time) (bool, time.Duration) {
	if l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.keys[id]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.keys[id] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, max(wait, time.Second)
}
