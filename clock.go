package tocsin

import "time"

// Clock gives the current instant. Every time-dependent piece takes one, so that
// tests move time instead of sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current instant in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
