package tocsin

import (
	"strings"
	"testing"
	"time"
)

func TestParsePingPath(t *testing.T) {
	cases := []struct {
		suffix string
		kind   PingKind
		exit   int
		bad    bool
	}{
		{"", PingSuccess, -1, false},
		{"start", PingStart, -1, false},
		{"fail", PingFail, -1, false},
		{"log", PingLog, -1, false},
		{"0", PingSuccess, 0, false},
		{"000", PingSuccess, 0, false},
		{"3", PingFail, 3, false},
		{"255", PingFail, 255, false},
		{"256", "", 0, true},
		{"0255", "", 0, true},
		{"-1", "", 0, true},
		{"+3", "", 0, true},
		{" 3", "", 0, true},
		{"Start", "", 0, true},
		{"abc", "", 0, true},
	}
	for _, c := range cases {
		p, err := ParsePingPath(c.suffix)
		if c.bad {
			if ErrorCode(err) != EINVALID {
				t.Errorf("%q: %+v, %v; want EINVALID", c.suffix, p, err)
			}
			continue
		}
		if err != nil || p.Kind != c.kind || p.ExitStatus != c.exit {
			t.Errorf("%q: %+v, %v; want %s exit %d", c.suffix, p, err, c.kind, c.exit)
		}
	}
}

func TestHeartbeatValidate(t *testing.T) {
	ok := Heartbeat{Name: "nightly-backup", ServiceID: 1, Period: 24 * time.Hour}
	if err := ok.Validate(); err != nil || ok.Priority != P2 {
		t.Fatalf("valid heartbeat: %v, priority %q", err, ok.Priority)
	}
	ok.UUID = "0f3c2a9e-5b1d-4c8e-9a7f-2d6b1e4c8a01"
	if err := ok.Validate(); err != nil {
		t.Fatalf("with a ping id: %v", err)
	}
	edits := map[string]func(h *Heartbeat){
		"no service":        func(h *Heartbeat) { h.ServiceID = 0 },
		"upper case name":   func(h *Heartbeat) { h.Name = "Backup" },
		"long name":         func(h *Heartbeat) { h.Name = strings.Repeat("a", MaxHeartbeatName+1) },
		"period too short":  func(h *Heartbeat) { h.Period = 30 * time.Second },
		"period too long":   func(h *Heartbeat) { h.Period = 31 * 24 * time.Hour },
		"period in seconds": func(h *Heartbeat) { h.Period = 90 * time.Second },
		"negative grace":    func(h *Heartbeat) { h.Grace = -time.Minute },
		"grace too long":    func(h *Heartbeat) { h.Grace = 8 * 24 * time.Hour },
		"grace in seconds":  func(h *Heartbeat) { h.Grace = 30 * time.Second },
		"priority":          func(h *Heartbeat) { h.Priority = "P9" },
		"ping id":           func(h *Heartbeat) { h.UUID = "not-a-uuid" },
		"upper-case id":     func(h *Heartbeat) { h.UUID = "0F3C2A9E-5B1D-4C8E-9A7F-2D6B1E4C8A01" },
		"id without dashes": func(h *Heartbeat) { h.UUID = "0f3c2a9e05b1d04c8e09a7f02d6b1e4c8a01" },
	}
	for name, edit := range edits {
		h := Heartbeat{Name: "nightly-backup", ServiceID: 1, Period: 24 * time.Hour}
		edit(&h)
		if err := h.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

func TestHeartbeatNextDue(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	h := Heartbeat{State: HeartbeatNew, Period: time.Hour, Grace: 10 * time.Minute, CreatedAt: t0}
	if got := h.NextDue(); !got.Equal(t0.Add(70 * time.Minute)) {
		t.Fatalf("never pinged: %v", got)
	}
	h.State, h.LastSuccessAt = HeartbeatUp, t0.Add(time.Hour)
	if got := h.NextDue(); !got.Equal(t0.Add(130 * time.Minute)) {
		t.Fatalf("after a success: %v", got)
	}
	// A run that started must end within the grace, even before the period is over.
	h.LastStartAt = t0.Add(90 * time.Minute)
	if !h.Running() || !h.NextDue().Equal(t0.Add(100*time.Minute)) {
		t.Fatalf("started: running %v, due %v", h.Running(), h.NextDue())
	}
	// Without grace a start only shows the run.
	h.Grace = 0
	if !h.NextDue().Equal(t0.Add(120 * time.Minute)) {
		t.Fatalf("started without grace: %v", h.NextDue())
	}
	// A failure after the start ends the run.
	h.LastFailAt = t0.Add(95 * time.Minute)
	if h.Started() {
		t.Fatal("still started after a failure")
	}
}

func TestFormatMinutes(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                             "0m",
		5 * time.Minute:               "5m",
		90 * time.Minute:              "1h 30m",
		24 * time.Hour:                "1d",
		7*24*time.Hour + 2*time.Hour:  "7d 2h",
		30*24*time.Hour + time.Minute: "30d 1m",
	} {
		if got := FormatMinutes(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

func TestPingNormalizeBoundsTheBody(t *testing.T) {
	p := Ping{Body: strings.Repeat("é", MaxPingBody) + "\x00"}
	p.Normalize()
	if len(p.Body) > MaxPingBody || strings.ContainsRune(p.Body, 0) || !strings.HasPrefix(p.Body, "éé") || strings.ContainsRune(p.Body, '\uFFFD') {
		t.Fatalf("body of %d bytes", len(p.Body))
	}
}
