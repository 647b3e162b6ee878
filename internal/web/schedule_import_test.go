package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
	"github.com/tocsin/tocsin/internal/testkit"
)

// postMultipart sends a multipart form, as a browser does for a form with a
// file input; file, when not empty, is uploaded as "file".
func (b *browser) postMultipart(path string, fields map[string]string, file string) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", "astreintes.csv")
	if err != nil {
		b.t.Fatal(err)
	}
	io.WriteString(fw, file)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.app.URL+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// hiddenCSV is the plan the preview carries to its Apply button.
func hiddenCSV(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `id="import-apply"`)
	if i < 0 {
		t.Fatalf("no Apply form:\n%s", excerpt(body))
	}
	rest := body[i:]
	const open = `name="csv" value="`
	j := strings.Index(rest, open)
	if j < 0 {
		t.Fatal("no hidden plan")
	}
	rest = rest[j+len(open):]
	value := rest[:strings.IndexByte(rest, '"')]
	r := strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#10;", "\n", "&#13;", "\r", "&#43;", "+")
	return r.Replace(value)
}

func TestSchedulePlanImportPreviewApply(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		s := f.weekly(t)
		ctx := context.Background()
		now := f.app.Clock.Now()
		// Max is at the dentist on the 24th; everyone is off for an hour on the 25th.
		off := []tocsin.TimeOff{
			{UserID: f.member.ID, Start: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC), Note: "dentist"},
			{UserID: f.member.ID, Start: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)},
			{UserID: f.admin.ID, Start: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)},
		}
		for i := range off {
			if err := f.app.DB.AddTimeOff(ctx, &off[i], now); err != nil {
				t.Fatal(err)
			}
		}
		layers := func() []tocsin.Layer {
			t.Helper()
			got, err := f.app.DB.Schedule(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Layers
		}
		path := fmt.Sprintf("/schedules/%d/import", s.ID)
		b := newBrowser(t, f.app)
		b.login(f.admin.Email)

		form := b.get(path)
		if form.Status != http.StatusOK {
			t.Fatalf("import form: %d", form.Status)
		}
		mustContain(t, form.Body, `enctype="multipart/form-data"`, `name="file" type="file"`, `<textarea id="imp-csv" name="csv"`, `value="imported"`, `value="09:00"`)

		// Members may not import (schedules are an admin's), nor viewers.
		m := newBrowser(t, f.app)
		m.login(f.member.Email)
		if got := m.get(path).Status; got != http.StatusForbidden {
			t.Errorf("member import form: %d", got)
		}
		if got := m.postMultipart(path, map[string]string{"csv": "2026-11-23;max@example.com", "apply": "1"}, "").Status; got != http.StatusForbidden {
			t.Errorf("member import: %d", got)
		}

		// The French team's spreadsheet, uploaded: a preview, nothing stored.
		plan := "\xef\xbb\xbfDate;Astreinte;Remarque\r\n23/11/2026;ada@example.com;\r\n24/11/2026;Max Member;congé Ada\r\n25/11/2026;;\r\n"
		p := b.postMultipart(path, map[string]string{"layer": "", "day_start": ""}, plan)
		if p.Status != http.StatusOK {
			t.Fatalf("preview: %d %s", p.Status, excerpt(p.Body))
		}
		mustContain(t, p.Body, `id="import-preview"`, "3 days, from 2026-11-23 08:00:00 UTC to 2026-11-26 08:00:00 UTC, into the layer imported.",
			"The layer is new", "2026-11-24 08:00:00 UTC", "congé Ada",
			"Max Member is off from 2026-11-24 12:00:00 UTC to 2026-11-24 14:00:00 UTC, during their shift.",
			"Nobody on call from 2026-11-25 10:00:00 UTC to 2026-11-25 11:00:00 UTC", `id="import-apply"`)
		mustNotContain(t, p.Body, `id="import-errors"`)
		if n := len(layers()); n != 1 {
			t.Fatalf("the preview wrote: %d layers", n)
		}

		// Apply re-posts the same plan from the hidden field.
		carried := hiddenCSV(t, p.Body)
		if strings.TrimPrefix(strings.ReplaceAll(carried, "\r\n", "\n"), "\ufeff") != strings.TrimPrefix(strings.ReplaceAll(plan, "\r\n", "\n"), "\xef\xbb\xbf") {
			t.Fatalf("carried plan %q", carried)
		}
		done := b.postMultipart(path, map[string]string{"csv": carried, "layer": "imported", "day_start": "09:00", "apply": "1"}, "")
		if done.Status != http.StatusSeeOther || done.Location != fmt.Sprintf("/schedules/%d", s.ID) {
			t.Fatalf("apply: %d %s", done.Status, excerpt(done.Body))
		}
		mustContain(t, b.follow(done).Body, "Plan imported: 2 shifts in the layer imported.")
		got := layers()
		if len(got) != 2 || got[1].Name != "imported" || got[1].Kind != tocsin.LayerFixed || len(got[1].Fixed) != 2 || got[1].Fixed[1].Note != "congé Ada" {
			t.Fatalf("layers: %+v", got)
		}
		stored, _ := f.app.DB.Schedule(ctx, s.ID)
		// The 23rd is in Max's week on the rotation: the imported layer on top gives it to Ada.
		if oc, _ := oncall.At(stored, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)); oc.Final.UserID != f.admin.ID {
			t.Errorf("on call on the 23rd: %+v", oc.Final)
		}

		// Wrong lines: all reported by line, 400, and nothing written even with Apply.
		bad := "date,person,note\n2026-11-30,nobody@example.com,\n2026-11-31,max@example.com,\n2026-11-30,ada@example.com,\n"
		r := b.postMultipart(path, map[string]string{"csv": bad, "apply": "1"}, "")
		if r.Status != http.StatusBadRequest {
			t.Fatalf("bad plan: %d", r.Status)
		}
		mustContain(t, r.Body, `id="import-errors"`, "3 problems", `line 2: nobody is called &#34;nobody@example.com&#34;`,
			`line 3: date &#34;2026-11-31&#34; is not a day`, "line 4: 2026-11-30 is already planned on line 2")
		mustNotContain(t, r.Body, `id="import-apply"`)
		if after := layers(); len(after) != 2 || len(after[1].Fixed) != 2 {
			t.Errorf("a refused plan wrote: %+v", after)
		}
		if r := b.postMultipart(path, map[string]string{"csv": "", "apply": "1"}, ""); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "choose a CSV file or paste the plan") {
			t.Errorf("no plan: %d", r.Status)
		}
		if r := b.postMultipart(path, map[string]string{"csv": plan, "layer": "weekly", "apply": "1"}, ""); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "is a rotation") {
			t.Errorf("into a rotation: %d", r.Status)
		}

		// Export, then import the export: the same final row, day by day.
		x := b.get(fmt.Sprintf("/schedules/%d/planning.csv?from=2026-11-16&weeks=2", s.ID))
		if x.Status != http.StatusOK || x.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			x.Header.Get("Content-Disposition") != `attachment; filename="payments-primary-2026-11-16.csv"` {
			t.Fatalf("export: %d %v", x.Status, x.Header)
		}
		mustContain(t, x.Body, "date,person,note\r\n2026-11-16,ada@example.com,\r\n", "2026-11-23,ada@example.com,\r\n",
			"2026-11-24,max@example.com,congé Ada · Max Member: dentist\r\n", "2026-11-25,max@example.com,Max Member: off · Ada Admin: off\r\n")
		if got := b.get(fmt.Sprintf("/schedules/%d/planning.csv?weeks=60", s.ID)).Status; got != http.StatusBadRequest {
			t.Errorf("60 weeks: %d", got)
		}
		rt := b.postMultipart(path, map[string]string{"csv": x.Body, "layer": "imported"}, "")
		if rt.Status != http.StatusOK {
			t.Fatalf("re-import preview: %d %s", rt.Status, excerpt(rt.Body))
		}
		mustContain(t, rt.Body, "14 days", "The layer&#39;s shifts in these days are replaced")
		if done := b.postMultipart(path, map[string]string{"csv": hiddenCSV(t, rt.Body), "layer": "imported", "apply": "1"}, ""); done.Status != http.StatusSeeOther {
			t.Fatalf("re-import: %d", done.Status)
		}
		again, _ := f.app.DB.Schedule(ctx, s.ID)
		loc, _ := time.LoadLocation("Europe/Paris")
		for d := 16; d < 30; d++ {
			start := time.Date(2026, 11, d, 9, 0, 0, 0, loc)
			a, _ := oncall.At(stored, start)
			b, _ := oncall.At(again, start)
			if a.Final.UserID != b.Final.UserID {
				t.Errorf("%d November: %d before the round trip, %d after", d, a.Final.UserID, b.Final.UserID)
			}
		}
		if x2 := b.get(fmt.Sprintf("/schedules/%d/planning.csv?from=2026-11-16&weeks=2", s.ID)); x2.Body != x.Body {
			t.Errorf("export after the round trip:\n%s\nbefore:\n%s", x2.Body, x.Body)
		}

		// A note that a spreadsheet would run as a formula is exported as text.
		evil := "2026-12-07,max@example.com,=cmd|' /C calc'!A0\n2026-12-08,ada@example.com,@SUM(1+1)\n"
		if done := b.postMultipart(path, map[string]string{"csv": evil, "apply": "1"}, ""); done.Status != http.StatusSeeOther {
			t.Fatalf("import a formula: %d", done.Status)
		}
		ex := b.get(fmt.Sprintf("/schedules/%d/planning.csv?from=2026-12-07&weeks=1", s.ID))
		mustContain(t, ex.Body, "2026-12-07,max@example.com,'=cmd|' /C calc'!A0\r\n", "2026-12-08,ada@example.com,'@SUM(1+1)\r\n")
		mustNotContain(t, ex.Body, ",=", ",@")
	})
}
