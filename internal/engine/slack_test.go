package engine_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// TestSlackPageAcknowledgedFromItsButton: a policy posts the alert to a
// Slack channel and pages a person by Slack DM; the person clicks
// "Acknowledge" on the channel's message; the alert is acknowledged by them
// via Slack, and both messages are rewritten in place to say so.
func TestSlackPageAcknowledgedFromItsButton(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		p := startPager(t, engine)
		alice := p.person("alice@example.com", "Alice Martin", "slack U0ALICE01 0m high")
		p.policy("payments-default", 0, "0m slack:C0OPS,user:alice@example.com")

		a := p.trigger("disk-db1", "Disk full on db1", "critical")
		inChannel := p.slack.WaitPost(t, func(s testkit.SlackPost) bool { return s.Channel == "C0OPS" })
		p.slack.WaitPost(t, func(s testkit.SlackPost) bool { return s.Channel == "D0ALICE01" })
		if !strings.Contains(inChannel.AllText(), "Disk full on db1") || !strings.Contains(inChannel.AllText(), fmt.Sprintf("#%d", a.ID)) {
			t.Fatalf("channel message = %q", inChannel.AllText())
		}
		value, _, _, ok := inChannel.Button("ack")
		if !ok {
			t.Fatalf("no acknowledge button: %v", inChannel.ActionIDs())
		}

		res := p.slack.ClickButton(t, p.app.URL+"/slack/interactions", slackSigningSecret, "U0ALICE01", inChannel.Channel, inChannel.TS, "ack", value, p.app.Clock.Now())
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("click: HTTP %d", res.StatusCode)
		}
		got, err := p.app.DB.Alert(p.ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != tocsin.StatusAcknowledged || got.AckedBy != alice.Name || got.AckChannel != tocsin.ChannelSlack {
			t.Fatalf("after the click: %s by %q via %q", got.Status, got.AckedBy, got.AckChannel)
		}
		for _, channel := range []string{"C0OPS", "D0ALICE01"} {
			updated := p.slack.WaitPost(t, func(s testkit.SlackPost) bool {
				return s.Channel == channel && s.Updated && strings.Contains(s.AllText(), "Acknowledged by Alice Martin")
			})
			if slices.Contains(updated.ActionIDs(), "ack") {
				t.Errorf("%s: the rewritten message still offers to acknowledge: %v", channel, updated.ActionIDs())
			}
		}
		if posts := p.slack.Posts(); len(posts) != 2 {
			t.Errorf("Slack holds %d messages, want the 2 first ones, rewritten: %+v", len(posts), posts)
		}
	})
}
