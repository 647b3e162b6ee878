package tocsin

import (
	"strings"
	"testing"
)

// An e-mail subscriber's address is checked once, as typed, and stored in
// a form that passes the same check again.
func TestSubscriberEmailAddress(t *testing.T) {
	for _, tc := range []struct {
		typed, stored string // stored "": refused
	}{
		{" Ada@Example.COM ", "ada@example.com"},
		{"<ada@example.com>", "ada@example.com"},
		{`"a b"@example.com`, ""},
		{`"ada"@example.com`, "ada@example.com"}, // the same address, needlessly quoted
		{"Ada <ada@example.com>", ""},
		{"ada", ""},
		{"ada@", ""},
		{strings.Repeat("a", 250) + "@example.com", ""},
	} {
		s := &Subscriber{Kind: SubscriberEmail, Address: tc.typed}
		err := s.Validate()
		switch {
		case tc.stored == "" && ErrorCode(err) != EINVALID:
			t.Errorf("%q: accepted as %q, want refused", tc.typed, s.Address)
		case tc.stored != "" && (err != nil || s.Address != tc.stored):
			t.Errorf("%q: %q, %v; want %q", tc.typed, s.Address, err, tc.stored)
		case tc.stored != "":
			again := &Subscriber{Kind: SubscriberEmail, Address: s.Address}
			if err := again.Validate(); err != nil || again.Address != s.Address {
				t.Errorf("%q stored as %q, which fails its own check: %v", tc.typed, s.Address, err)
			}
		}
	}
}
