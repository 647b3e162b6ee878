package tocsin

import "strings"

// Priority is an alert's urgency, P1 (critical) to P5 (informational), as in Opsgenie.
type Priority string

const (
	P1 Priority = "P1"
	P2 Priority = "P2"
	P3 Priority = "P3"
	P4 Priority = "P4"
	P5 Priority = "P5"
)

// DefaultPriority is what an alert gets when its sender says nothing usable (Opsgenie's default).
const DefaultPriority = P3

// Priorities lists every priority, most urgent first.
func Priorities() []Priority { return []Priority{P1, P2, P3, P4, P5} }

// Valid reports whether p is one of P1…P5.
func (p Priority) Valid() bool {
	switch p {
	case P1, P2, P3, P4, P5:
		return true
	}
	return false
}

// ParsePriority accepts "P1"…"P5" (any case) and the severity words monitoring tools
// send, mapped as documented in docs/ingest.md:
//
//	critical, page, emergency, fatal, sev1      → P1
//	error, high, major, sev2                    → P2
//	warning, warn, medium, minor, moderate, sev3 → P3
//	low, sev4                                   → P4
//	info, informational, none, debug, sev5      → P5
//
// ok is false when the word is not known; callers then use their format's default.
func ParsePriority(s string) (p Priority, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "p1", "1", "critical", "page", "emergency", "fatal", "sev1", "disaster":
		return P1, true
	case "p2", "2", "error", "high", "major", "sev2":
		return P2, true
	case "p3", "3", "warning", "warn", "medium", "minor", "moderate", "average", "sev3":
		return P3, true
	case "p4", "4", "low", "sev4":
		return P4, true
	case "p5", "5", "info", "informational", "information", "none", "debug", "ok", "sev5":
		return P5, true
	}
	return "", false
}
