package tocsin

import (
	"testing"
	"time"
)

func TestParseMoney(t *testing.T) {
	for in, want := range map[string]Money{"40": 4000, "40.5": 4050, "40,50": 4050, "0.07": 7, "": 0} {
		got, err := ParseMoney(in)
		if err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"-1", "1.234", "abc", "1.", ".5", "999999999"} {
		if _, err := ParseMoney(in); ErrorCode(err) != EINVALID {
			t.Errorf("ParseMoney(%q): err %v, want EINVALID", in, err)
		}
	}
	if s := Money(4005).String(); s != "40.05" {
		t.Errorf("String = %q", s)
	}
}

func TestCountryHolidays(t *testing.T) {
	// Easter 2026 is 5 April, 2027 is 28 March, 2024 is 31 March.
	for _, c := range []struct {
		country string
		date    string
		want    bool
	}{
		{"FR", "2026-04-06", true},  // Easter Monday
		{"FR", "2026-05-14", true},  // Ascension
		{"FR", "2026-05-25", true},  // Whit Monday
		{"FR", "2027-03-29", true},  // Easter Monday
		{"FR", "2024-04-01", true},  // Easter Monday
		{"FR", "2026-07-14", true},  // national day
		{"FR", "2026-04-03", false}, // Good Friday: only in Alsace-Moselle
		{"FR-ALSACE-MOSELLE", "2026-04-03", true},
		{"FR-ALSACE-MOSELLE", "2026-12-26", true},
		{"BE", "2026-07-21", true},
		{"DE", "2026-10-03", true},
		{"", "2026-12-25", false},
	} {
		d, _ := time.Parse(time.DateOnly, c.date)
		h := HolidayCalendar{Country: c.country}
		if got := h.IsHoliday(d.Year(), d.Month(), d.Day()); got != c.want {
			t.Errorf("%s %s: holiday %v, want %v", c.country, c.date, got, c.want)
		}
	}
	extra := HolidayCalendar{Dates: []string{"2026-12-24"}}
	if !extra.IsHoliday(2026, 12, 24) {
		t.Error("an extra date is not a holiday")
	}
	bad := HolidayCalendar{Country: "XX"}
	if ErrorCode(bad.Validate()) != EINVALID {
		t.Error("unknown country accepted")
	}
}
