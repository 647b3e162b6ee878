package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

func parisTime(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// payCell is the text of one cell of the report's table, tags removed.
func payCell(t *testing.T, body, row, col string) string {
	t.Helper()
	tr := regexp.MustCompile(`(?s)<tr class="pay-row" ` + regexp.QuoteMeta(row) + `>(.*?)</tr>`).FindStringSubmatch(body)
	if tr == nil {
		t.Fatalf("no row %s in:\n%s", row, excerpt(body))
	}
	td := regexp.MustCompile(`(?s)<td class="num" data-col="` + col + `">(.*?)</td>`).FindStringSubmatch(tr[1])
	if td == nil {
		t.Fatalf("row %s has no %s cell", row, col)
	}
	return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(td[1], " ")), " ")
}

// TestOnCallPayPage: November on a weekly Paris rotation with French holidays
// and rates. Bob is paged twice during his week and works on the two alerts
// from 17:00 to 21:00 on a Tuesday: 3 hours out of his 09:00-18:00. Carol is
// alone on another team's schedule, without rates.
func TestOnCallPayPage(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		f := newFixture(t, engine)
		db := f.app.DB
		bob := f.app.CreateUser("bob@example.com", "Bob Durand", tocsin.RoleMember, testPassword)
		bob.Timezone, bob.Locale = "Europe/Paris", "fr"
		if err := db.UpdateUser(ctx, bob, ""); err != nil {
			t.Fatal(err)
		}
		carol := f.app.CreateUser("carol@example.com", "=Carol", tocsin.RoleMember, testPassword)
		weekly := func(start string, users ...int64) []tocsin.Layer {
			return []tocsin.Layer{{Name: "weekly", Participants: users, Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "mon 09:00", Start: start}}
		}
		primary := &tocsin.Schedule{Name: "payments-primary", TeamID: f.service.TeamID, Timezone: "Europe/Paris",
			Holidays: tocsin.HolidayCalendar{Country: "FR"},
			Pay:      tocsin.PayRates{Currency: "EUR", Weekday: 4000, Weekend: 6000, Holiday: 10000, Hourly: 2500},
			Layers:   weekly("2026-10-26", f.member.ID, bob.ID)}
		infra := &tocsin.Team{Name: "infra"}
		if err := db.CreateTeam(ctx, infra, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		other := &tocsin.Schedule{Name: "infra-primary", TeamID: infra.ID, Timezone: "UTC", Layers: weekly("2026-10-26", carol.ID)}
		for _, s := range []*tocsin.Schedule{primary, other} {
			if err := db.CreateSchedule(ctx, s, f.app.Clock.Now()); err != nil {
				t.Fatal(err)
			}
		}

		at := func(s string) { f.app.Clock.Set(parisTime(t, s)) }
		bobs := newBrowser(t, f.app)
		bobs.login("bob@example.com")
		act := func(id int64, action string) {
			if p := bobs.post("/alerts/"+itoa(id)+"/"+action, nil); p.Status != http.StatusSeeOther {
				t.Fatalf("%s alert %d: %d", action, id, p.Status)
			}
		}
		at("2026-11-03 17:00")
		first := f.trigger(t, tocsin.AlertEvent{Summary: "Database slow", DedupKey: "db"})
		act(first, "ack")
		at("2026-11-03 19:00")
		second := f.trigger(t, tocsin.AlertEvent{Summary: "Disk full", DedupKey: "disk"})
		at("2026-11-03 19:30")
		act(second, "ack")
		at("2026-11-03 20:00")
		act(first, "resolve")
		at("2026-11-03 21:00")
		act(second, "resolve")
		at("2026-11-21 12:00")

		admin := newBrowser(t, f.app)
		admin.login("ada@example.com")
		p := admin.get("/reports/oncall-pay") // this month by default
		if p.Status != http.StatusOK {
			t.Fatalf("report: %d %s", p.Status, excerpt(p.Body))
		}
		mustContain(t, p.Body, "On-call pay · November 2026", `href="/reports/oncall-pay" aria-current="page"`,
			`href="/reports/oncall-pay?month=2026-10"`, `href="/reports/oncall-pay?month=2026-12"`, `href="/reports/oncall-pay.csv?month=2026-11"`,
			"Max Member", "Bob Durand", "=Carol", "This month is not over")
		bobRow := `data-user="` + itoa(bob.ID) + `" data-schedule="` + itoa(primary.ID) + `"`
		maxRow := `data-user="` + itoa(f.member.ID) + `" data-schedule="` + itoa(primary.ID) + `"`
		carolRow := `data-user="` + itoa(carol.ID) + `" data-schedule="` + itoa(other.ID) + `"`
		for _, c := range []struct{ row, col, want string }{
			// Bob: 255 weekday hours, 4 week-end days, 2 pages, 3 h → 10.625×40 + 4×60 + 3×25.
			{bobRow, "weekday", "10.63 d 255.00 h"}, {bobRow, "weekend", "4.00 d 96.00 h"}, {bobRow, "holiday", "0.00 d 0.00 h"},
			{bobRow, "pages", "2"}, {bobRow, "intervention", "3.00 h"}, {bobRow, "amount", "740.00 EUR"},
			// Max: All Saints' Day and Armistice Day fall in his weeks.
			{maxRow, "weekday", "9.38 d 225.00 h"}, {maxRow, "holiday", "2.00 d 48.00 h"}, {maxRow, "pages", "0"}, {maxRow, "amount", "815.00 EUR"},
			{carolRow, "weekday", "21.00 d 504.00 h"}, {carolRow, "weekend", "9.00 d 216.00 h"}, {carolRow, "amount", "no rates"},
		} {
			if got := payCell(t, p.Body, c.row, c.col); got != c.want {
				t.Errorf("%s %s = %q, want %q", c.row, c.col, got, c.want)
			}
		}
		mustContain(t, p.Body, "1555.00 EUR") // everyone's total

		// One team only.
		p = admin.get("/reports/oncall-pay?month=2026-11&team=" + itoa(infra.ID))
		mustContain(t, p.Body, "=Carol")
		mustNotContain(t, p.Body, "Bob Durand")

		// The CSV: the same figures, formulas neutralised.
		p = admin.get("/reports/oncall-pay.csv?month=2026-11")
		if p.Status != http.StatusOK || p.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			p.Header.Get("Content-Disposition") != `attachment; filename="oncall-pay-2026-11.csv"` {
			t.Fatalf("CSV: %d %v", p.Status, p.Header)
		}
		body, bom := strings.CutPrefix(p.Body, "\ufeff") // for Excel
		if !bom {
			t.Error("the CSV does not start with a UTF-8 byte order mark")
		}
		records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string][]string{}
		for _, r := range records[1:] {
			if r[1] == "row" {
				byName[r[2]] = r
			}
		}
		wantCSV := map[string]string{
			"Bob Durand": "2026-11,row,Bob Durand,bob@example.com,payments-primary,EUR,10.63,255.00,4.00,96.00,0.00,0.00,2,3.00,740.00",
			"Max Member": "2026-11,row,Max Member,max@example.com,payments-primary,EUR,9.38,225.00,4.00,96.00,2.00,48.00,0,0.00,815.00",
			"'=Carol":    "2026-11,row,'=Carol,carol@example.com,infra-primary,,21.00,504.00,9.00,216.00,0.00,0.00,0,0.00,",
		}
		if len(byName) != len(wantCSV) || strings.Join(records[0], ",") != "month,kind,name,email,schedule,currency,weekday_days,weekday_hours,weekend_days,weekend_hours,holiday_days,holiday_hours,pages,intervention_hours,amount" {
			t.Fatalf("CSV:\n%s", p.Body)
		}
		for name, want := range wantCSV {
			if got := strings.Join(byName[name], ","); got != want {
				t.Errorf("CSV row %s:\n got %s\nwant %s", name, got, want)
			}
		}

		// Pay is personal: Bob sees his own row, in French.
		p = bobs.get("/reports/oncall-pay?month=2026-11")
		mustContain(t, p.Body, "novembre 2026", "10,63 j", "740,00 EUR", "Vous ne voyez que vos propres lignes")
		mustNotContain(t, p.Body, "Max Member", "=Carol", "1555")
		p = bobs.get("/reports/oncall-pay.csv?month=2026-11")
		if !strings.Contains(p.Body, "Bob Durand") || strings.Contains(p.Body, "Max Member") || strings.Contains(p.Body, "Carol") {
			t.Errorf("Bob's CSV:\n%s", p.Body)
		}
		viewer := newBrowser(t, f.app)
		viewer.login("vic@example.com")
		p = viewer.get("/reports/oncall-pay?month=2026-11")
		mustContain(t, p.Body, "You were not on call this month.")
		mustNotContain(t, p.Body, "Bob Durand")

		// Bad input: 400 with a message.
		for _, path := range []string{"/reports/oncall-pay?month=2026-13", "/reports/oncall-pay.csv?month=nov", "/reports/oncall-pay?month=2026-11&team=x", "/reports/oncall-pay?team=999"} {
			p = admin.get(path)
			if p.Status != http.StatusBadRequest {
				t.Errorf("%s: %d", path, p.Status)
			}
		}
		mustContain(t, admin.get("/reports/oncall-pay?month=2026-13").Body, "YYYY-MM")
		if p = newBrowser(t, f.app).get("/reports/oncall-pay.csv?month=2026-11"); p.Status == http.StatusOK {
			t.Errorf("signed out: %d", p.Status)
		}
	})
}
