package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/testkit"
)

const oncallConfig = `users:
  - {email: alice@example.com, name: Alice Martin, role: admin}
  - {email: bob@example.com, name: Bob Smith}
schedules:
  - name: payments-primary
    timezone: Europe/Paris
    layers:
      - name: weekly
        participants: [alice@example.com, bob@example.com]
        rotation: {length: 1w, handoff: "Mon 09:00", start: 2026-11-02}
  - name: later
    layers:
      - name: daily
        participants: [bob@example.com]
        rotation: {length: 1d, handoff: "08:00", start: 2027-01-01}
`

func TestOncallCommand(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		tg := newTarget(t, engine)
		file := filepath.Join(t.TempDir(), "oncall.yaml")
		if err := os.WriteFile(file, []byte(oncallConfig), 0o600); err != nil {
			t.Fatal(err)
		}
		tocsinCmd(t, tg, "", "apply", "-f", file).ok(t)

		// A local time in the schedule's zone: Monday 23 Nov 09:00 Paris starts shift 3, Bob's.
		r := tocsinCmd(t, tg, "", "oncall", "payments-primary", "--at", "2026-11-23 09:00").ok(t)
		want := "payments-primary (Europe/Paris): Bob Smith <bob@example.com> is on call at 2026-11-23 09:00 CET (rotation, layer weekly)\n" +
			"  next handoff: 2026-11-30 09:00 CET → Alice Martin <alice@example.com>\n"
		if r.out != want {
			t.Errorf("oncall --at local:\n%s\nwant:\n%s", r.out, want)
		}
		// One minute earlier, in RFC 3339, it is still Alice's shift, handing off at 09:00.
		r = tocsinCmd(t, tg, "", "oncall", "payments-primary", "--at", "2026-11-23T07:59:00Z").ok(t)
		if !strings.Contains(r.out, "Alice Martin <alice@example.com> is on call at 2026-11-23 08:59 CET") || !strings.Contains(r.out, "next handoff: 2026-11-23 09:00 CET → Bob Smith") {
			t.Errorf("oncall --at RFC 3339:\n%s", r.out)
		}

		// Now from the clock, every schedule: nobody on the one that has not started yet.
		var out, errOut bytes.Buffer
		clock := testkit.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
		code := runAt(context.Background(), clock, append([]string{"oncall"}, tg.flag...), &stdin{Reader: strings.NewReader("")}, &out, &errOut)
		if code != 0 {
			t.Fatalf("oncall: exit %d: %s", code, errOut.String())
		}
		want = "later (UTC): nobody is on call at 2026-12-01 12:00 UTC\n" +
			"  next handoff: 2027-01-01 08:00 UTC → Bob Smith <bob@example.com>\n" +
			"payments-primary (Europe/Paris): Alice Martin <alice@example.com> is on call at 2026-12-01 13:00 CET (rotation, layer weekly)\n" +
			"  next handoff: 2026-12-07 09:00 CET → Bob Smith <bob@example.com>\n"
		if out.String() != want {
			t.Errorf("oncall now:\n%s\nwant:\n%s", out.String(), want)
		}

		tocsinCmd(t, tg, "", "oncall", "nope").fails(t, `tocsin: schedule "nope" not found`)
		tocsinCmd(t, tg, "", "oncall", "later", "--at", "tomorrow").fails(t, `--at "tomorrow" is not RFC 3339`)
		// A time the clocks skip is refused, as the web's forms refuse it,
		// rather than read as an hour later.
		tocsinCmd(t, tg, "", "oncall", "payments-primary", "--at", "2027-03-28 02:30").fails(t, `--at "2027-03-28 02:30" does not exist in Europe/Paris`)
	})
}
