package oncall

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
)

var planPeople = []Person{
	{ID: 1, Email: "alice@example.com", Name: "Alice Martin"},
	{ID: 2, Email: "bob@example.com", Name: "Bob Durand"},
	{ID: 3, Email: "zoe@example.com", Name: "Zoé Lefèvre"},
	{ID: 4, Email: "twin1@example.com", Name: "Sam Twin"},
	{ID: 5, Email: "twin2@example.com", Name: "Sam Twin"},
}

// rowsText writes rows as "date user note" lines.
func rowsText(rows []PlanRow) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %d %s|", r.Date.Format(time.DateOnly), r.UserID, r.Note)
	}
	return b.String()
}

func errorsText(errs []PlanError) string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return strings.Join(out, "\n")
}

func TestParsePlanCSV(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		rows   string
		errors []string // substrings, one per error, in order
	}{
		{
			name: "header, commas, ISO dates, e-mail and name",
			in:   "date,person,note\n2026-11-23,alice@example.com,\n2026-11-24,Bob Durand,congé Alice\n",
			rows: "2026-11-23 1 |2026-11-24 2 congé Alice|",
		},
		{
			name: "French Excel: BOM, semicolons, CRLF, DD/MM/YYYY, any case",
			in:   "\xef\xbb\xbfDate;Personne;Remarque\r\n23/11/2026;ALICE@example.com;\r\n24/11/2026;zoé lefèvre;\"congé; RTT\"\r\n",
			rows: "2026-11-23 1 |2026-11-24 3 congé; RTT|",
		},
		{
			name: "no header, tabs pasted from a spreadsheet, two columns, blank lines",
			in:   "\n2026-11-23\talice@example.com\n\n2026-11-24\t\n\t\t\n",
			rows: "2026-11-23 1 |2026-11-24 0 |",
		},
		{
			name: "quoted fields with a comma and a newline, out of order",
			in:   "2026-11-24,\"Durand, Bob\"\n2026-11-23,\"alice@example.com\",\"line one\nline two\"\n",
			rows: "2026-11-23 1 line one\nline two|",
			errors: []string{
				`line 1: nobody is called "Durand, Bob"`,
			},
		},
		{
			name: "a leap day exists in 2028, not in 2027",
			in:   "29/02/2028,alice@example.com\n29/02/2027,alice@example.com\n31/04/2028,bob@example.com\n",
			rows: "2028-02-29 1 |",
			errors: []string{
				`line 2: date "29/02/2027" is not a day`,
				`line 3: date "31/04/2028" is not a day`,
			},
		},
		{
			name: "every bad row reported with its line, good ones kept",
			in:   "date;person;note\n2026-11-23;alice@example.com;\n2026-11-23;bob@example.com;\nsoon;bob@example.com;\n2026-11-25;ghost@example.com;\n2026-11-26;Sam Twin;\n2026-11-27;bob@example.com;x;y\n",
			rows: "2026-11-23 1 |",
			errors: []string{
				"line 3: 2026-11-23 is already planned on line 2",
				`line 4: date "soon" is not a day`,
				`line 5: nobody is called "ghost@example.com"`,
				`line 6: several users are called "Sam Twin"`,
				"line 7: 4 columns",
			},
		},
		{
			name: "neutralised cells read back as written",
			in:   "2026-11-23,alice@example.com,'=1+1\n",
			rows: "2026-11-23 1 =1+1|",
		},
		{
			name:   "not UTF-8",
			in:     "2026-11-23,alice@example.com,cong\xe9\n",
			errors: []string{`line 1: the file is not UTF-8 text`},
		},
		{
			name:   "empty",
			in:     "date,person,note\r\n",
			errors: []string{"the file has no rows"},
		},
		{
			name:   "too long a span",
			in:     "2026-01-01,alice@example.com\n2027-12-31,bob@example.com\n",
			rows:   "2026-01-01 1 |2027-12-31 2 |",
			errors: []string{"the plan spans 730 days"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ParsePlanCSV([]byte(tc.in), planPeople)
			if got := rowsText(p.Rows); got != tc.rows {
				t.Errorf("rows:\n got %q\nwant %q", got, tc.rows)
			}
			if len(p.Errors) != len(tc.errors) {
				t.Fatalf("errors:\n%s\nwant %d: %q", errorsText(p.Errors), len(tc.errors), tc.errors)
			}
			for i, want := range tc.errors {
				if !strings.Contains(p.Errors[i].Error(), want) {
					t.Errorf("error %d = %q, want %q", i, p.Errors[i].Error(), want)
				}
			}
		})
	}
}

func TestParsePlanCSVBounds(t *testing.T) {
	big := bytes.Repeat([]byte("x"), MaxPlanCSVBytes+1)
	if p := ParsePlanCSV(big, planPeople); len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "larger than 1024 KiB") {
		t.Errorf("big file: %v", p.Errors)
	}
	var b strings.Builder
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i <= MaxPlanCSVRows; i++ {
		fmt.Fprintf(&b, "%s,\n", d.AddDate(0, 0, i%300).Format(time.DateOnly))
	}
	p := ParsePlanCSV([]byte(b.String()), planPeople)
	if last := p.Errors[len(p.Errors)-1]; last.Line != MaxPlanCSVRows+1 || !strings.Contains(last.Message, "more than 5000 rows") {
		t.Errorf("too many rows: %v", last)
	}
}

// TestFixedShiftsAcrossDST pins the instants of plan days: each runs from the
// day start to the same local time the next day, so the days the clocks
// change last 23 or 25 hours, and consecutive days of one person (with the
// same note) make one shift.
func TestFixedShiftsAcrossDST(t *testing.T) {
	day := func(s string) time.Time { d, _ := parsePlanDate(s); return d }
	at := func(s string) time.Time { x, _ := time.Parse("2006-01-02 15:04", s); return x }
	for _, tc := range []struct {
		name     string
		zone     string
		dayStart int
		rows     []PlanRow
		want     []tocsin.FixedShift
	}{
		{
			name: "Paris spring forward: 23 hours", zone: "Europe/Paris", dayStart: 9 * 60,
			rows: []PlanRow{{Date: day("2026-03-28"), UserID: 1}, {Date: day("2026-03-29"), UserID: 2}},
			want: []tocsin.FixedShift{
				{Start: at("2026-03-28 08:00"), End: at("2026-03-29 07:00"), UserID: 1},
				{Start: at("2026-03-29 07:00"), End: at("2026-03-30 07:00"), UserID: 2},
			},
		},
		{
			name: "Paris fall back: 25 hours, merged days", zone: "Europe/Paris", dayStart: 9 * 60,
			rows: []PlanRow{{Date: day("2026-10-24"), UserID: 1}, {Date: day("2026-10-25"), UserID: 1}, {Date: day("2026-10-26"), UserID: 2}},
			want: []tocsin.FixedShift{
				{Start: at("2026-10-24 07:00"), End: at("2026-10-26 08:00"), UserID: 1},
				{Start: at("2026-10-26 08:00"), End: at("2026-10-27 08:00"), UserID: 2},
			},
		},
		{
			name: "New York, day start inside the missing hour", zone: "America/New_York", dayStart: 2*60 + 30,
			rows: []PlanRow{{Date: day("2026-03-07"), UserID: 1}, {Date: day("2026-03-08"), UserID: 1, Note: "congé Bob"}},
			want: []tocsin.FixedShift{
				{Start: at("2026-03-07 07:30"), End: at("2026-03-08 07:00"), UserID: 1},
				{Start: at("2026-03-08 07:00"), End: at("2026-03-09 06:30"), UserID: 1, Note: "congé Bob"},
			},
		},
		{
			name: "leap day, a gap day splits a person's shifts", zone: "UTC", dayStart: 0,
			rows: []PlanRow{{Date: day("2028-02-28"), UserID: 1}, {Date: day("2028-02-29"), UserID: 1}, {Date: day("2028-03-01")}, {Date: day("2028-03-02"), UserID: 1}},
			want: []tocsin.FixedShift{
				{Start: at("2028-02-28 00:00"), End: at("2028-03-01 00:00"), UserID: 1},
				{Start: at("2028-03-02 00:00"), End: at("2028-03-03 00:00"), UserID: 1},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FixedShifts(tc.rows, tc.dayStart, zone(t, tc.zone))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got\n%v\nwant\n%v", got, tc.want)
			}
		})
	}
}

func planSchedule() *tocsin.Schedule {
	return &tocsin.Schedule{Name: "ops", Timezone: "Europe/Paris", Layers: []tocsin.Layer{{
		Name: "weekly", Participants: []int64{1, 2}, Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "mon 09:00", Start: "2026-10-19",
	}}}
}

func TestPlanImport(t *testing.T) {
	s := planSchedule()
	if got := DayStart(s); got != 9*60 {
		t.Fatalf("day start from the rotation: %d", got)
	}
	csv := "date;person;note\n24/10/2026;zoe@example.com;\n25/10/2026;zoe@example.com;\n26/10/2026;;\n27/10/2026;bob@example.com;congé Alice\n"
	p := ParsePlanCSV([]byte(csv), planPeople)
	if len(p.Errors) > 0 {
		t.Fatal(errorsText(p.Errors))
	}
	if got := fmt.Sprint(p.Users()); got != "[2 3]" {
		t.Errorf("users: %s", got)
	}
	s.TimeOff = []tocsin.TimeOff{{UserID: 3, Start: time.Date(2026, 10, 25, 12, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 25, 14, 0, 0, 0, time.UTC), Note: "dentist"}}
	imp, err := PlanImport(s, p, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Layers) != 1 {
		t.Fatalf("PlanImport changed its input: %d layers", len(s.Layers))
	}
	l := imp.Schedule.Layers[1]
	if !imp.Created || l.Name != "imported" || l.Kind != tocsin.LayerFixed || len(l.Fixed) != 2 {
		t.Fatalf("layer: %+v", l)
	}
	// 24 Oct 09:00 CEST (07:00 UTC) to 28 Oct 09:00 CET (08:00 UTC), across the 25-hour day.
	if want := time.Date(2026, 10, 24, 7, 0, 0, 0, time.UTC); !imp.From.Equal(want) || !imp.To.Equal(time.Date(2026, 10, 28, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("range %s → %s", imp.From, imp.To)
	}
	// The 26th is nobody's on the import: the rotation below shows through.
	// Zoé's two hours at the dentist are a conflict, and Alice covers them.
	final := describe(imp.Plan.Final)
	want := "3 10-24 07:00→10-25 12:00 fixed\n1 10-25 12:00→10-25 14:00 rotation\n3 10-25 14:00→10-26 08:00 fixed\n2 10-26 08:00→10-27 08:00 rotation\n2 10-27 08:00→10-28 08:00 fixed\n"
	if final != want {
		t.Errorf("final:\n%s\nwant\n%s", final, want)
	}
	if len(imp.Plan.Conflicts) != 1 || imp.Plan.Conflicts[0].Kind != ConflictFixedTimeOff || imp.Plan.Conflicts[0].UserID != 3 {
		t.Errorf("conflicts: %+v", imp.Plan.Conflicts)
	}

	// A second import into the same layer replaces its days and keeps the others, cut at the edges.
	s2 := imp.Schedule
	p2 := ParsePlanCSV([]byte("2026-10-25,alice@example.com\n"), planPeople)
	imp2, err := PlanImport(s2, p2, ImportOptions{Layer: "imported"})
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, f := range imp2.Schedule.Layers[1].Fixed {
		got += fmt.Sprintf("%d %s→%s %s|", f.UserID, f.Start.Format("01-02 15:04"), f.End.Format("01-02 15:04"), f.Note)
	}
	if want := "3 10-24 07:00→10-25 08:00 |1 10-25 08:00→10-26 08:00 |2 10-27 08:00→10-28 08:00 congé Alice|"; got != want || imp2.Created {
		t.Errorf("re-import: %s (created %v)\nwant %s", got, imp2.Created, want)
	}

	// Bad options are refused.
	if _, err := PlanImport(s, p, ImportOptions{Layer: "weekly"}); err == nil || !strings.Contains(err.Error(), "is a rotation") {
		t.Errorf("rotation layer: %v", err)
	}
	if _, err := PlanImport(s, p, ImportOptions{DayStart: "mon 09:00"}); err == nil || !strings.Contains(err.Error(), "day start") {
		t.Errorf("bad day start: %v", err)
	}
	if _, err := PlanImport(s, &CSVPlan{}, ImportOptions{}); err == nil {
		t.Error("an empty plan was imported")
	}
}

// TestPlanCSVRoundTrip writes a schedule as a plan and imports it back: the
// imported layer, alone on top, gives the same final row at every day start,
// and writing it again gives the same bytes.
func TestPlanCSVRoundTrip(t *testing.T) {
	s := planSchedule()
	s.Overrides = []tocsin.Override{{UserID: 3, Start: time.Date(2026, 10, 21, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 23, 8, 0, 0, 0, time.UTC), Note: "=HYPERLINK(\"x\")"}}
	s.TimeOff = []tocsin.TimeOff{{UserID: 2, Start: time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Note: "congé"}}
	from := time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	if err := WritePlanCSV(&out, s, planPeople, from, 21, DayStart(s)); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	lines := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
	if len(lines) != 22 || lines[0] != "date,person,note" {
		t.Fatalf("export:\n%s", text)
	}
	for _, want := range []string{
		"2026-10-19,alice@example.com,\r\n",
		"2026-10-22,zoe@example.com,\"'=HYPERLINK(\"\"x\"\")\"\r\n", // neutralised, quotes escaped
		"2026-10-26,bob@example.com,\r\n",
		"2026-10-21,alice@example.com,\r\n",                  // the override starts after 09:00 Paris
		"2026-10-30,alice@example.com,Bob Durand: congé\r\n", // Bob is off: Alice covers
	} {
		if !strings.Contains(text, want) {
			t.Errorf("export lacks %q:\n%s", want, text)
		}
	}

	p := ParsePlanCSV(out.Bytes(), planPeople)
	if len(p.Errors) > 0 {
		t.Fatal(errorsText(p.Errors))
	}
	if p.Rows[3].Note != "=HYPERLINK(\"x\")" {
		t.Errorf("note read back: %q", p.Rows[3].Note)
	}
	imp, err := PlanImport(&tocsin.Schedule{Name: "copy", Timezone: "Europe/Paris", TimeOff: s.TimeOff}, p, ImportOptions{DayStart: "09:00"})
	if err != nil {
		t.Fatal(err)
	}
	loc := zone(t, "Europe/Paris")
	for i := 0; i < 21; i++ {
		start, _ := planDay(from.AddDate(0, 0, i), 9*60, loc)
		a, _ := At(s, start)
		b, _ := At(imp.Schedule, start)
		if a.Final.UserID != b.Final.UserID {
			t.Errorf("day %d: %d before, %d after the round trip", i, a.Final.UserID, b.Final.UserID)
		}
	}
	var again bytes.Buffer
	if err := WritePlanCSV(&again, imp.Schedule, planPeople, from, 21, 9*60); err != nil {
		t.Fatal(err)
	}
	if again.String() != text {
		t.Errorf("second export differs:\n%s\nfirst:\n%s", again.String(), text)
	}
}

// FuzzParsePlanCSV feeds the parser what uploads may hold: it never panics,
// keeps rows sorted with one row per date, and what it keeps imports.
func FuzzParsePlanCSV(f *testing.F) {
	f.Add([]byte("date;person;note\r\n23/11/2026;alice@example.com;\"congé; RTT\"\r\n"))
	f.Add([]byte("\xef\xbb\xbf2026-11-23,Bob Durand,'=1\n2026-11-24,,\n"))
	f.Add([]byte("2026-11-23\t\"zoé lefèvre\n\"\t\n29/02/2028;x"))
	s := planSchedule()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := ParsePlanCSV(data, planPeople)
		for i, r := range p.Rows {
			if r.Line < 1 || (i > 0 && !p.Rows[i-1].Date.Before(r.Date)) {
				t.Fatalf("rows out of order or without a line: %+v", p.Rows)
			}
		}
		for _, e := range p.Errors {
			if e.Line < 0 || e.Message == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
		if len(p.Rows) > 0 && len(p.Errors) == 0 {
			if _, err := PlanImport(s, p, ImportOptions{}); err != nil {
				t.Fatalf("a clean plan does not import: %v", err)
			}
		}
	})
}
