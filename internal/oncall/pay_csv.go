package oncall

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/tocsin/tocsin"
)

// PayCSVHeader names the columns of WritePayCSV. kind is "row" (one person on
// one schedule), "total" (one person, one currency) or "grand_total" (one
// currency, everyone). Numbers use a dot and two decimals; amounts are empty
// when no rate is configured.
func PayCSVHeader() []string {
	return []string{"month", "kind", "name", "email", "schedule", "currency",
		"weekday_days", "weekday_hours", "weekend_days", "weekend_hours", "holiday_days", "holiday_hours",
		"pages", "intervention_hours", "amount"}
}

// PayFileName is the name the report downloads as.
func PayFileName(m Month) string { return "oncall-pay-" + m.String() + ".csv" }

// WritePayCSV writes the report as CSV (RFC 4180, CRLF). Cells a spreadsheet
// would read as a formula are neutralised with a leading quote.
func WritePayCSV(w io.Writer, rep PayReport) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(PayCSVHeader()); err != nil {
		return err
	}
	emails := map[int64]string{}
	for _, r := range rep.Rows {
		emails[r.UserID] = r.Email
	}
	record := func(kind, name, email, schedule, currency string, weekday, weekend, holiday time.Duration, pages int, intervention time.Duration, rated bool, amount tocsin.Money) []string {
		rec := []string{rep.Month.String(), kind, neutralise(name), neutralise(email), neutralise(schedule), currency}
		for _, d := range []time.Duration{weekday, weekend, holiday} {
			rec = append(rec, Fixed2(Days(d)), Fixed2(d.Hours()))
		}
		rec = append(rec, strconv.Itoa(pages), Fixed2(intervention.Hours()), "")
		if rated {
			rec[len(rec)-1] = amount.String()
		}
		return rec
	}
	for _, r := range rep.Rows {
		if err := cw.Write(record("row", r.Name, r.Email, r.Schedule, r.Currency, r.Weekday, r.Weekend, r.Holiday, r.Pages, r.Intervention, r.Rated, r.Amount)); err != nil {
			return err
		}
	}
	for _, t := range rep.Totals {
		if err := cw.Write(record("total", t.Name, emails[t.UserID], "", t.Currency, t.Weekday, t.Weekend, t.Holiday, t.Pages, t.Intervention, t.Rated, t.Amount)); err != nil {
			return err
		}
	}
	for _, t := range rep.Grand {
		if err := cw.Write(record("grand_total", "", "", "", t.Currency, t.Weekday, t.Weekend, t.Holiday, t.Pages, t.Intervention, t.Rated, t.Amount)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Fixed2 writes f with two decimals, rounded half away from zero (10.625 days
// is 10.63, as in the API), where FormatFloat alone would round half to even.
func Fixed2(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', 2, 64) }
