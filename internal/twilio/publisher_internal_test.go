package twilio

import (
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

func TestNextChange(t *testing.T) {
	s := &tocsin.Schedule{Name: "weekly", Timezone: "Europe/Paris", Layers: []tocsin.Layer{
		{Name: "primary", Participants: []int64{1, 2}, Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "mon 09:00", Start: "2026-11-02"},
		{Name: "nights", Participants: []int64{3}, Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Days}, Handoff: "20:00", Start: "2026-11-02"},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := oncall.Compile(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	// The nights layer starts on 2 November at 20:00: the first change after 09:00.
	if got, ok := nextChange(c, time.Date(2026, 11, 2, 9, 0, 0, 0, paris)); !ok || !got.Equal(time.Date(2026, 11, 2, 20, 0, 0, 0, paris)) {
		t.Errorf("first change: %v %v", got, ok)
	}
	// One hour before the weekly handoff.
	if got, ok := nextChange(c, time.Date(2026, 11, 9, 8, 0, 0, 0, paris)); !ok || !got.Equal(time.Date(2026, 11, 9, 9, 0, 0, 0, paris)) {
		t.Errorf("weekly handoff: %v %v", got, ok)
	}
	// Nothing changes within a day: the caller falls back to its refresh.
	s.Layers = s.Layers[:1]
	c, _ = oncall.Compile(s, nil)
	if got, ok := nextChange(c, time.Date(2026, 11, 3, 9, 0, 0, 0, paris)); ok {
		t.Errorf("a change within a day of a weekly rotation: %v", got)
	}
}
