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

// LoadZone loads an IANA time zone by name ("" is UTC). It refuses "Local":
// Go reads that as the process's own zone, so the same schedule or page would
// mean different instants on two machines, or after a restart with another TZ.
func LoadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, Errorf(EINVALID, "time zone %q is unknown: use an IANA name such as Europe/Paris or UTC", name)
	}
	return loc, nil
}
