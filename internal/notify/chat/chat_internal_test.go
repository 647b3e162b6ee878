package chat

import (
	"testing"

	"github.com/tocsin/tocsin/internal/notify"
)

// The title is left out of the body only as its whole first line.
func TestChatBodyLeavesOutTheTitleLine(t *testing.T) {
	for _, c := range []struct{ subject, text, want string }{
		{"P1 alert #7: disk", "P1 alert #7: disk\n\nfree: 1%", "free: 1%"},
		{"P1 alert #7: disk", "P1 alert #7: disk", ""},
		{"Alert #7", "Alert #70 on db2", "Alert #70 on db2"},
		{"", "just text", "just text"},
	} {
		if got := chatBody(notify.Message{Subject: c.subject, Text: c.text}); got != c.want {
			t.Errorf("chatBody(%q, %q) = %q, want %q", c.subject, c.text, got, c.want)
		}
	}
}
