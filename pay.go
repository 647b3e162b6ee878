package tocsin

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Money is an amount in hundredths of a currency unit (cents), so that rates
// add up exactly. It reads "40", "40.5", "40.50" or "40,50" and writes "40.50".
type Money int64

// MaxMoney bounds a rate: ten million units.
const MaxMoney Money = 10_000_000_00

// ParseMoney reads a non-negative amount with at most two decimals.
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(strings.Replace(s, ",", ".", 1))
	if s == "" {
		return 0, nil
	}
	units, frac, hasFrac := strings.Cut(s, ".")
	if units == "" || len(units) > 8 || (hasFrac && (len(frac) == 0 || len(frac) > 2)) {
		return 0, Errorf(EINVALID, "%q is not an amount like 40 or 12.50", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseUint(units+frac, 10, 64)
	if err != nil || Money(n) > MaxMoney {
		return 0, Errorf(EINVALID, "%q is not an amount like 40 or 12.50", s)
	}
	return Money(n), nil
}

func (m Money) String() string {
	return strconv.FormatInt(int64(m)/100, 10) + "." + strconv.FormatInt(100+int64(m)%100, 10)[1:]
}

// MarshalText writes "40.50".
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads what ParseMoney reads.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	*m = v
	return err
}

// MarshalJSON writes a JSON number with two decimals.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON reads a JSON number or a string.
func (m *Money) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		s = string(b)
	}
	return m.UnmarshalText([]byte(s))
}

// PayRates are what a schedule pays its people: a flat amount per day on call
// (by kind of day) and an hourly rate for intervening out of working hours.
// Zero rates are not configured: reports then show days and hours only.
type PayRates struct {
	Currency string `json:"currency,omitempty" yaml:"currency,omitempty"` // ISO 4217, e.g. EUR; default EUR when a rate is set
	Weekday  Money  `json:"weekday,omitempty" yaml:"weekday,omitempty"`   // per weekday on call
	Weekend  Money  `json:"weekend,omitempty" yaml:"weekend,omitempty"`   // per Saturday or Sunday on call
	Holiday  Money  `json:"holiday,omitempty" yaml:"holiday,omitempty"`   // per public holiday on call (wins over weekend)
	Hourly   Money  `json:"hourly,omitempty" yaml:"hourly,omitempty"`     // per hour of intervention out of working hours
}

// Configured reports whether any rate is set.
func (p PayRates) Configured() bool { return p.Weekday|p.Weekend|p.Holiday|p.Hourly != 0 }

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// Validate checks the rates and fills the currency.
func (p *PayRates) Validate() error {
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	for _, m := range []Money{p.Weekday, p.Weekend, p.Holiday, p.Hourly} {
		if m < 0 || m > MaxMoney {
			return Errorf(EINVALID, "pay: rates are between 0 and %s", MaxMoney)
		}
	}
	if p.Currency == "" && p.Configured() {
		p.Currency = "EUR"
	}
	if p.Currency != "" && !currencyCode.MatchString(p.Currency) {
		return Errorf(EINVALID, "pay: currency %q is not a three-letter code like EUR", p.Currency)
	}
	return nil
}

// HolidayCalendar is the public holidays a schedule observes: a built-in
// country calendar and extra local dates (a company day off, a bridge day).
type HolidayCalendar struct {
	Country string   `json:"country,omitempty" yaml:"country,omitempty"` // one of HolidayCountries(); empty: none
	Dates   []string `json:"dates,omitempty" yaml:"dates,omitempty"`     // YYYY-MM-DD, local dates
}

// MaxHolidayDates bounds a calendar's extra dates.
const MaxHolidayDates = 1000

// HolidayCountries lists the built-in calendars.
func HolidayCountries() []string { return []string{"FR", "FR-ALSACE-MOSELLE", "BE", "LU", "DE", "CH"} }

// Validate checks the calendar.
func (h *HolidayCalendar) Validate() error {
	h.Country = strings.ToUpper(strings.TrimSpace(h.Country))
	if h.Country != "" && !slices.Contains(HolidayCountries(), h.Country) {
		return Errorf(EINVALID, "holidays: country %q is not one of %s", h.Country, strings.Join(HolidayCountries(), ", "))
	}
	if len(h.Dates) > MaxHolidayDates {
		return Errorf(EINVALID, "holidays: at most %d extra dates", MaxHolidayDates)
	}
	for i, d := range h.Dates {
		d = strings.TrimSpace(d)
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return Errorf(EINVALID, "holidays: %q is not a date like 2026-12-24", d)
		}
		h.Dates[i] = d
	}
	return nil
}

// IsHoliday reports whether the local date (year, month, day) is a holiday.
func (h HolidayCalendar) IsHoliday(year int, month time.Month, day int) bool {
	date := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	if slices.Contains(h.Dates, date.Format(time.DateOnly)) {
		return true
	}
	for _, d := range CountryHolidays(h.Country, year) {
		if d.Equal(date) {
			return true
		}
	}
	return false
}

// CountryHolidays returns a built-in calendar's public holidays in year, as
// midnight UTC of each local date, in date order. Unknown country: none.
func CountryHolidays(country string, year int) []time.Time {
	d := func(m time.Month, day int) time.Time { return time.Date(year, m, day, 0, 0, 0, 0, time.UTC) }
	easter := easterSunday(year)
	rel := func(days int) time.Time { return easter.AddDate(0, 0, days) }
	var out []time.Time
	switch country {
	case "FR", "FR-ALSACE-MOSELLE":
		out = []time.Time{d(1, 1), rel(1), d(5, 1), d(5, 8), rel(39), rel(50), d(7, 14), d(8, 15), d(11, 1), d(11, 11), d(12, 25)}
		if country == "FR-ALSACE-MOSELLE" {
			out = append(out, rel(-2), d(12, 26))
		}
	case "BE":
		out = []time.Time{d(1, 1), rel(1), d(5, 1), rel(39), rel(50), d(7, 21), d(8, 15), d(11, 1), d(11, 11), d(12, 25)}
	case "LU":
		out = []time.Time{d(1, 1), rel(1), d(5, 1), d(5, 9), rel(39), rel(50), d(6, 23), d(8, 15), d(11, 1), d(12, 25), d(12, 26)}
	case "DE":
		out = []time.Time{d(1, 1), rel(-2), rel(1), d(5, 1), rel(39), rel(50), d(10, 3), d(12, 25), d(12, 26)}
	case "CH":
		out = []time.Time{d(1, 1), rel(39), d(8, 1), d(12, 25)}
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// easterSunday is the Gregorian Easter date (anonymous Gregorian algorithm).
func easterSunday(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// MarshalYAML writes a YAML number (20.5), which is what people type in files.
func (m Money) MarshalYAML() (any, error) { return float64(m) / 100, nil }
