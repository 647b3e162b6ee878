package tocsin

import "testing"

// Masked addresses appear in lists many people read: never shown whole,
// however short.
func TestContactMasked(t *testing.T) {
	for _, tc := range []struct {
		typ   ContactType
		value string
		want  string
	}{
		{ContactEmail, "alice@example.com", "a•••@example.com"},
		{ContactEmail, "a@b.co", "a•••@b.co"},
		{ContactEmail, "élodie@example.fr", "é•••@example.fr"},
		{ContactEmail, "not-an-address", "•••"},
		{ContactEmail, "@example.com", "•••"},
		{ContactSMS, "+33612345678", "+336••••••78"},
		{ContactSMS, "+3361", "•••"},
		{ContactWebhook, "https://hooks.example.com/secret/path", "https://hooks.example.com/…"},
		{ContactWebPush, `{"endpoint":"https://push.example.com/x"}`, "browser"},
	} {
		c := ContactMethod{Type: tc.typ, Value: tc.value}
		if got := c.Masked(); got != tc.want {
			t.Errorf("Masked(%s %q) = %q, want %q", tc.typ, tc.value, got, tc.want)
		}
	}
}
