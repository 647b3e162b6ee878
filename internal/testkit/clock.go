package testkit

import (
	"sync"
	"time"
)

// Clock is a fake clock that moves only when told to.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	moved func() // called after each move: the engine looks at what fell due
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t.UTC()} }

// Now returns the clock's instant.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	moved := c.moved
	c.mu.Unlock()
	if moved != nil {
		moved()
	}
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC()
	moved := c.moved
	c.mu.Unlock()
	if moved != nil {
		moved()
	}
}

// OnMove sets what to call after each move of the clock.
func (c *Clock) OnMove(f func()) {
	c.mu.Lock()
	c.moved = f
	c.mu.Unlock()
}
