package oncall

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tocsin/tocsin"
)

// A plan spreadsheet is what teams kept before Tocsin: one row per day with
// three columns, the date, the person on call and an optional note (leave,
// unavailability). ParsePlanCSV reads it as real exports write it, PlanImport
// turns it into the shifts of a fixed layer, and WritePlanCSV writes a
// schedule back in the same shape, so that export → import round-trips.

// Limits on an imported plan.
const (
	MaxPlanCSVBytes = 1 << 20 // the file
	MaxPlanCSVRows  = 5000    // its data rows
	MaxPlanCSVDays  = 53 * 7  // from its first to its last date, as many days as an export writes at most
	// DefaultImportLayer is the fixed layer an import writes when none is named.
	DefaultImportLayer = "imported"
	// defaultDayStart is when a plan's day starts when the schedule has no rotation to take it from: 09:00.
	defaultDayStart = 9 * 60
)

// Person is a user a plan may name, by e-mail address or by exact name.
type Person struct {
	ID    int64
	Email string
	Name  string
}

// PlanRow is one day of a plan.
type PlanRow struct {
	Line   int       // in the file, from 1
	Date   time.Time // the local date, as midnight UTC
	UserID int64     // 0: nobody that day
	Note   string
}

// PlanError is a problem with one line of the file, or with the whole file (Line 0).
type PlanError struct {
	Line    int
	Message string
}

// Error writes "line N: message".
func (e PlanError) Error() string {
	if e.Line == 0 {
		return e.Message
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Message)
}

// CSVPlan is a parsed plan: its valid rows, sorted by date, and every problem found.
type CSVPlan struct {
	Rows   []PlanRow
	Errors []PlanError
}

// Users lists the users the plan puts on call, each once.
func (p *CSVPlan) Users() []int64 {
	var ids []int64
	for _, r := range p.Rows {
		if r.UserID != 0 {
			ids = append(ids, r.UserID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// ParsePlanCSV reads a plan: an optional header row, ',' ';' or tab between
// fields (French Excel writes ';', a paste from a spreadsheet gives tabs),
// dates as 2026-11-23 or 23/11/2026, a UTF-8 byte order mark, CRLF, quoted
// fields. The person is matched against people by e-mail address or by exact
// name, ignoring case; an empty person means nobody that day. Every bad row
// is reported with its line number; the good ones are kept.
func ParsePlanCSV(data []byte, people []Person) *CSVPlan {
	p := &CSVPlan{}
	fail := func(line int, format string, args ...any) {
		p.Errors = append(p.Errors, PlanError{Line: line, Message: fmt.Sprintf(format, args...)})
	}
	if len(data) > MaxPlanCSVBytes {
		fail(0, "the file is larger than %d KiB", MaxPlanCSVBytes>>10)
		return p
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte("\n"))
		fail(line, "the file is not UTF-8 text: save it as \"CSV UTF-8\"")
		return p
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separatorOf(data)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.TrimLeadingSpace = true
	who := newPersonIndex(people)
	seen := map[time.Time]int{} // date → line
	first := true
	count := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				fail(pe.Line, "%s", pe.Err)
			} else {
				fail(0, "%s", err)
			}
			break
		}
		line, _ := r.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if allEmpty(rec) {
			continue
		}
		if first {
			first = false
			if !strings.ContainsAny(rec[0], "0123456789") {
				continue // a header: "date;personne;note"
			}
		}
		if count++; count > MaxPlanCSVRows {
			fail(line, "the file has more than %d rows: split it", MaxPlanCSVRows)
			break
		}
		if extra := rec[min(len(rec), 3):]; !allEmpty(extra) {
			fail(line, "%d columns, but a plan has three: date, person, note", len(rec))
			continue
		}
		date, ok := parsePlanDate(rec[0])
		if !ok {
			fail(line, "date %q is not a day (write 2026-11-23 or 23/11/2026)", rec[0])
			continue
		}
		row := PlanRow{Line: line, Date: date}
		if prev, dup := seen[date]; dup {
			fail(line, "%s is already planned on line %d", date.Format(time.DateOnly), prev)
			continue
		}
		seen[date] = line
		if len(rec) > 1 {
			name := unneutralise(rec[1])
			if name != "" {
				id, err := who.find(name)
				if err != nil {
					fail(line, "%s", err)
					continue
				}
				row.UserID = id
			}
		}
		if len(rec) > 2 {
			row.Note = strings.TrimSpace(tocsin.CleanText(unneutralise(rec[2])))
			if len(row.Note) > tocsin.MaxScheduleNoteLen {
				fail(line, "the note is longer than %d characters", tocsin.MaxScheduleNoteLen)
				continue
			}
		}
		p.Rows = append(p.Rows, row)
	}
	slices.SortFunc(p.Rows, func(a, b PlanRow) int { return a.Date.Compare(b.Date) })
	if n := len(p.Rows); n > 0 {
		if days := int(p.Rows[n-1].Date.Sub(p.Rows[0].Date)/(24*time.Hour)) + 1; days > MaxPlanCSVDays {
			fail(0, "the plan spans %d days, from %s to %s; import at most %d days at once", days,
				p.Rows[0].Date.Format(time.DateOnly), p.Rows[n-1].Date.Format(time.DateOnly), MaxPlanCSVDays)
		}
	}
	if len(p.Rows) == 0 && len(p.Errors) == 0 {
		fail(0, "the file has no rows: one line per day, with the date, the person on call and an optional note")
	}
	return p
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// separatorOf picks the field separator from the first line: the most
// frequent of ';', tab and ',' outside quotes; ',' when none appears.
func separatorOf(data []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, c := range data {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if !quoted && (c == '\n' || c == '\r') {
			if counts[','] > 0 || counts[';'] > 0 || counts['\t'] > 0 {
				break
			}
			continue // an empty first line
		}
		if !quoted {
			counts[c]++
		}
	}
	best, n := ',', counts[',']
	for _, c := range []byte{';', '\t'} {
		if counts[c] > n {
			best, n = rune(c), counts[c]
		}
	}
	return best
}

func allEmpty(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// parsePlanDate reads 2026-11-23 (or 2026-1-5) and 23/11/2026 (or 23.11.2026),
// refusing days that do not exist (31/02, 29/02 outside leap years).
func parsePlanDate(s string) (time.Time, bool) {
	var y, m, d int
	var err error
	switch {
	case strings.Count(s, "-") == 2:
		parts := strings.Split(s, "-")
		y, err = atoiDigits(parts[0], 4, 4)
		if err == nil {
			m, err = atoiDigits(parts[1], 1, 2)
		}
		if err == nil {
			d, err = atoiDigits(parts[2], 1, 2)
		}
	case strings.Count(s, "/") == 2 || strings.Count(s, ".") == 2:
		parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '.' })
		if len(parts) != 3 {
			return time.Time{}, false
		}
		d, err = atoiDigits(parts[0], 1, 2)
		if err == nil {
			m, err = atoiDigits(parts[1], 1, 2)
		}
		if err == nil {
			y, err = atoiDigits(parts[2], 4, 4)
		}
	default:
		return time.Time{}, false
	}
	if err != nil || y < 1900 || y > 9999 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

func atoiDigits(s string, minLen, maxLen int) (int, error) {
	if len(s) < minLen || len(s) > maxLen || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("not %d to %d digits", minLen, maxLen)
	}
	return strconv.Atoi(s)
}

// formulaLead are the first characters that make a spreadsheet read a cell as
// a formula: WritePlanCSV prefixes such cells with a quote, which the
// spreadsheet shows as text and ParsePlanCSV removes.
const formulaLead = "=+-@\t\r"

func neutralise(s string) string {
	if s != "" && strings.IndexByte(formulaLead, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

func unneutralise(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.IndexByte(formulaLead, s[1]) >= 0 {
		return s[1:]
	}
	return s
}

// personIndex finds users by lower-cased e-mail address and name.
type personIndex struct {
	byEmail map[string]int64
	byName  map[string][]int64
}

func newPersonIndex(people []Person) personIndex {
	x := personIndex{byEmail: map[string]int64{}, byName: map[string][]int64{}}
	for _, p := range people {
		x.byEmail[strings.ToLower(strings.TrimSpace(p.Email))] = p.ID
		n := strings.ToLower(strings.TrimSpace(p.Name))
		x.byName[n] = append(x.byName[n], p.ID)
	}
	return x
}

func (x personIndex) find(s string) (int64, error) {
	key := strings.ToLower(s)
	if id, ok := x.byEmail[key]; ok {
		return id, nil
	}
	switch ids := x.byName[key]; len(ids) {
	case 1:
		return ids[0], nil
	case 0:
		return 0, fmt.Errorf("nobody is called %q: give a user's e-mail address or exact name", s)
	}
	return 0, fmt.Errorf("several users are called %q: give their e-mail address", s)
}

// DayStart is when a schedule's plan day starts, in minutes after local
// midnight: the handoff time of its first rotation, else 09:00.
func DayStart(s *tocsin.Schedule) int {
	for _, l := range s.Layers {
		if l.Kind == tocsin.LayerFixed {
			continue
		}
		if h, err := tocsin.ParseHandoff(l.Handoff); err == nil {
			return h.Minute
		}
	}
	return defaultDayStart
}

// ParseDayStart reads "HH:MM"; "" is DayStart(s).
func ParseDayStart(s *tocsin.Schedule, text string) (int, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return DayStart(s), nil
	}
	h, err := tocsin.ParseHandoff(text)
	if err != nil || h.HasDay {
		return 0, tocsin.Errorf(tocsin.EINVALID, "day start %q is not a time of day (HH:MM, e.g. 09:00)", text)
	}
	return h.Minute, nil
}

// FormatDayStart writes minutes after midnight as HH:MM.
func FormatDayStart(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

// planDay returns the instants a plan day starts and ends in loc: dayStart on
// that date to dayStart on the next, 23 or 25 hours on the days clocks change.
func planDay(date time.Time, dayStart int, loc *time.Location) (time.Time, time.Time) {
	w := date.Unix() + int64(dayStart)*60 // a date as midnight UTC is its own wall clock
	return resolve(w, loc), resolve(w+day, loc)
}

// FixedShifts turns a plan's rows into fixed shifts: each row's day runs from
// dayStart to dayStart the next day in loc, and consecutive days of the same
// person with the same note make one shift (at most MaxOverrideLength long).
func FixedShifts(rows []PlanRow, dayStart int, loc *time.Location) []tocsin.FixedShift {
	var out []tocsin.FixedShift
	var prev PlanRow
	for i, r := range rows {
		start, end := planDay(r.Date, dayStart, loc)
		if r.UserID == 0 {
			prev = r
			continue
		}
		if n := len(out); n > 0 && i > 0 && prev.UserID == r.UserID && prev.Note == r.Note &&
			r.Date.Sub(prev.Date) == 24*time.Hour && end.Sub(out[n-1].Start) <= tocsin.MaxOverrideLength {
			out[n-1].End = end
		} else {
			out = append(out, tocsin.FixedShift{Start: start, End: end, UserID: r.UserID, Note: r.Note})
		}
		prev = r
	}
	return out
}

// ImportOptions are the choices of an import.
type ImportOptions struct {
	Layer    string // the fixed layer to write; empty: DefaultImportLayer
	DayStart string // HH:MM; empty: DayStart(schedule)
}

// Import is what applying a plan would make of a schedule.
type Import struct {
	Layer    string
	DayStart int                 // minutes after local midnight
	From, To time.Time           // the imported days, as instants
	Shifts   []tocsin.FixedShift // the new shifts of the layer
	Schedule *tocsin.Schedule    // a copy of the schedule with the layer written
	Plan     Plan                // Schedule computed over [From, To)
	Created  bool                // the layer is new, on top of the others
}

// PlanImport applies the plan's rows to a copy of s, leaving s as it is: the
// fixed layer named by opts (created on top when missing) loses its shifts
// inside the plan's days and gains the plan's; its shifts outside are kept
// (cut at the edges). The copy is validated and computed over the imported
// days, for the gaps and conflicts it would have. For a preview that shows
// time-off conflicts, s.TimeOff should hold the time off of p.Users().
func PlanImport(s *tocsin.Schedule, p *CSVPlan, opts ImportOptions) (*Import, error) {
	if len(p.Rows) == 0 {
		return nil, tocsin.Errorf(tocsin.EINVALID, "the plan has no valid rows")
	}
	loc, err := Zones(nil).Load(s.Timezone)
	if err != nil {
		return nil, err
	}
	imp := &Import{Layer: strings.TrimSpace(tocsin.CleanText(opts.Layer))}
	if imp.Layer == "" {
		imp.Layer = DefaultImportLayer
	}
	if imp.DayStart, err = ParseDayStart(s, opts.DayStart); err != nil {
		return nil, err
	}
	imp.From, _ = planDay(p.Rows[0].Date, imp.DayStart, loc)
	_, imp.To = planDay(p.Rows[len(p.Rows)-1].Date, imp.DayStart, loc)
	imp.Shifts = FixedShifts(p.Rows, imp.DayStart, loc)

	out := *s
	out.Layers = slices.Clone(s.Layers)
	at := slices.IndexFunc(out.Layers, func(l tocsin.Layer) bool { return l.Name == imp.Layer })
	if at < 0 {
		imp.Created = true
		out.Layers = append(out.Layers, tocsin.Layer{Name: imp.Layer, Kind: tocsin.LayerFixed})
		at = len(out.Layers) - 1
	}
	l := &out.Layers[at]
	if l.Kind != tocsin.LayerFixed {
		return nil, tocsin.Errorf(tocsin.EINVALID, "layer %q is a rotation: import into a fixed layer (give another layer name)", imp.Layer)
	}
	var kept []tocsin.FixedShift
	for _, f := range l.Fixed {
		if !f.End.After(imp.From) || !f.Start.Before(imp.To) {
			kept = append(kept, f)
			continue
		}
		if f.Start.Before(imp.From) {
			g := f
			g.End = imp.From
			kept = append(kept, g)
		}
		if f.End.After(imp.To) {
			g := f
			g.Start = imp.To
			kept = append(kept, g)
		}
	}
	kept = append(kept, imp.Shifts...)
	slices.SortStableFunc(kept, func(a, b tocsin.FixedShift) int { return a.Start.Compare(b.Start) })
	l.Fixed = kept
	if err := out.Validate(); err != nil {
		return nil, err
	}
	imp.Schedule = &out
	if imp.Plan, err = Shifts(&out, imp.From, imp.To); err != nil {
		return nil, err
	}
	return imp, nil
}

// MaxExportDays is the longest window WritePlanCSV writes: 53 weeks.
const MaxExportDays = 53 * 7

// WritePlanCSV writes s as a plan, one row per local day from the date from
// (midnight UTC, as ParsePlanCSV gives dates) for days days: the person on
// the final row at the day's start (dayStart minutes after local midnight),
// by e-mail address, and a note — the fixed shift's or override's that puts
// them there, and the time off of anyone in the schedule that day. A header
// comes first; cells a spreadsheet would run as formulas are neutralised.
func WritePlanCSV(w io.Writer, s *tocsin.Schedule, people []Person, from time.Time, days, dayStart int) error {
	if days < 1 || days > MaxExportDays {
		return tocsin.Errorf(tocsin.EINVALID, "an export covers 1 to %d days", MaxExportDays)
	}
	c, err := Compile(s, nil)
	if err != nil {
		return err
	}
	byID := make(map[int64]Person, len(people))
	for _, p := range people {
		byID[p.ID] = p
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write([]string{"date", "person", "note"})
	from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	slots := make([]slot, len(c.layers))
	for i := 0; i < days; i++ {
		date := from.AddDate(0, 0, i)
		start, end := planDay(date, dayStart, c.loc)
		final := c.finalAt(start, slots)
		person, note := "", ""
		if id := final.a.UserID; id != 0 {
			if p, ok := byID[id]; ok && p.Email != "" {
				person = p.Email
			} else {
				person = "user " + strconv.FormatInt(id, 10)
			}
			note = sourceNote(s, final)
		}
		for _, t := range s.TimeOff {
			if !t.Start.Before(end) || !t.End.After(start) {
				continue
			}
			name := byID[t.UserID].Name
			if name == "" {
				name = "user " + strconv.FormatInt(t.UserID, 10)
			}
			what := t.Note
			if what == "" {
				what = "off"
			}
			part := name + ": " + what
			if strings.Contains(note, part) {
				continue // an imported note that already says it
			}
			if note != "" {
				note += " · "
			}
			note += part
		}
		cw.Write([]string{date.Format(time.DateOnly), neutralise(person), neutralise(note)})
	}
	cw.Flush()
	return cw.Error()
}

// sourceNote is the note of the fixed shift or override behind a slot.
func sourceNote(s *tocsin.Schedule, x slot) string {
	switch x.a.Reason {
	case ReasonFixed:
		if l := x.a.Layer; l >= 0 && l < len(s.Layers) && x.src >= 0 && int(x.src) < len(s.Layers[l].Fixed) {
			return s.Layers[l].Fixed[x.src].Note
		}
	case ReasonOverride:
		if x.src >= 0 && int(x.src) < len(s.Overrides) {
			return s.Overrides[x.src].Note
		}
	}
	return ""
}

// ExportWindow reads an export's from (YYYY-MM-DD; empty: today in the
// schedule's zone), weeks (empty: 8; at most 53) and day start (HH:MM; empty:
// the schedule's). The web page and the API read them alike.
func ExportWindow(s *tocsin.Schedule, fromText, weeksText, dayStartText string, now time.Time) (from time.Time, days, dayStart int, err error) {
	if fromText = strings.TrimSpace(fromText); fromText == "" {
		loc, err := Zones(nil).Load(s.Timezone)
		if err != nil {
			return from, 0, 0, err
		}
		n := now.In(loc)
		from = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	} else if from, err = time.Parse(time.DateOnly, fromText); err != nil {
		return from, 0, 0, tocsin.Errorf(tocsin.EINVALID, "from %q is not a date (YYYY-MM-DD)", fromText)
	}
	weeks := 8
	if weeksText = strings.TrimSpace(weeksText); weeksText != "" {
		weeks, err = strconv.Atoi(weeksText)
		if err != nil || weeks < 1 || weeks > MaxExportDays/7 {
			return from, 0, 0, tocsin.Errorf(tocsin.EINVALID, "weeks %q is not a number from 1 to %d", weeksText, MaxExportDays/7)
		}
	}
	dayStart, err = ParseDayStart(s, dayStartText)
	return from, weeks * 7, dayStart, err
}

// PlanFileName is an exported plan's file name: "<schedule>-<from>.csv".
func PlanFileName(s *tocsin.Schedule, from time.Time) string {
	// Only characters a Content-Disposition header and every file system take.
	name := strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '-'
	}, s.Name), "-.")
	if name == "" {
		name = fmt.Sprintf("schedule-%d", s.ID)
	}
	return name + "-" + from.Format(time.DateOnly) + ".csv"
}
