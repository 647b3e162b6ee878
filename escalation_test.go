package tocsin

import (
	"testing"
	"time"
)

func TestPolicyAtFollowsBusinessHours(t *testing.T) {
	s := &Service{EscalationPolicyID: 1, OffHoursPolicyID: 2,
		BusinessHours: &TimeWindow{Timezone: "Europe/Paris", Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "18:00"}}
	for _, c := range []struct {
		at      string
		policy  int64
		offHour bool
	}{
		{"2026-11-23T09:30:00+01:00", 1, false}, // Monday morning in Paris
		{"2026-11-23T07:30:00Z", 2, true},       // 08:30 in Paris
		{"2026-11-28T12:00:00+01:00", 2, true},  // Saturday
		{"2026-11-27T17:59:00+01:00", 1, false},
	} {
		at, _ := time.Parse(time.RFC3339, c.at)
		if p, off := s.PolicyAt(at); p != c.policy || off != c.offHour {
			t.Errorf("PolicyAt(%s) = %d, %v; want %d, %v", c.at, p, off, c.policy, c.offHour)
		}
	}
	s.OffHoursPolicyID = 0
	if p, off := s.PolicyAt(time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)); p != 1 || off {
		t.Errorf("without an off-hours policy: %d, %v", p, off)
	}
}

func TestNextStepRepeatsThenStops(t *testing.T) {
	p := &EscalationPolicy{Name: "p", Repeat: 1, Steps: []EscalationStep{
		{Targets: []Target{{Kind: TargetUser, Ref: "a@example.com"}}},
		{Delay: 15 * time.Minute, Targets: []Target{{Kind: TargetTeam, Ref: "payments"}}},
	}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	type pos struct {
		step, loop int
		wait       time.Duration
		ok         bool
	}
	var got []pos
	step, loop := 0, 0
	for i := 0; i < 4; i++ {
		s, l, w, ok := p.NextStep(step, loop)
		got = append(got, pos{s, l, w, ok})
		if !ok {
			break
		}
		step, loop = s, l
	}
	want := []pos{{1, 0, 15 * time.Minute, true}, {0, 1, DefaultRepeatDelay, true}, {1, 1, 15 * time.Minute, true}, {0, 0, 0, false}}
	if len(got) != len(want) {
		t.Fatalf("steps = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	bad := *p
	bad.Steps = []EscalationStep{{Targets: []Target{{Kind: TargetPolicy, Ref: "other"}}}}
	if err := bad.Validate(); err == nil {
		t.Error("a step naming a policy was accepted")
	}
}
