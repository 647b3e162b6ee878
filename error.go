// Package tocsin holds the domain of the Tocsin incident-management platform:
// the nouns (alerts, services, teams, users, integrations, processing rules),
// their validation, and the error codes every transport maps to a status.
// It imports nothing from the project; read it first.
package tocsin

import (
	"errors"
	"fmt"
)

// Error codes. Each transport maps them to its own status in one function.
const (
	EINVALID      = "invalid"      // the input is wrong; the message says how
	ENOTFOUND     = "not_found"    // the thing named does not exist
	ECONFLICT     = "conflict"     // it exists already, or changed under us
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // valid credentials, not allowed
	ETOOLARGE     = "too_large"    // the body is over the limit
	ERATELIMITED  = "rate_limited" // too many requests for this key
	EINTERNAL     = "internal"     // our fault; logged, never detailed to clients
)

// Error is an error a user can act on: a code and a message written for them.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL otherwise.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the *Error's message,
// or a generic text for internal errors so that no detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
