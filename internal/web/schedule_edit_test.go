package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
	"github.com/tocsin/tocsin/internal/testkit"
)

var (
	formTag     = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)"[^>]*>(.*?)</form>`)
	inputTag    = regexp.MustCompile(`<input ([^>]*)>`)
	textareaTag = regexp.MustCompile(`(?s)<textarea ([^>]*)>(.*?)</textarea>`)
	selectTag   = regexp.MustCompile(`(?s)<select ([^>]*)>(.*?)</select>`)
	optionTag   = regexp.MustCompile(`<option value="([^"]*)"( selected)?>`)
	attrPattern = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
)

func attrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range attrPattern.FindAllStringSubmatch(s, -1) {
		out[m[1]] = html.UnescapeString(m[2])
		if m[2] == "" && !strings.Contains(m[0], "=") {
			out[m[1]] = "\x00" // present, without a value
		}
	}
	return out
}

// formOf reads what a browser would send from the page's form posted to
// action, as rendered: text fields, ticked boxes, selected options.
func formOf(t *testing.T, body, action string) url.Values {
	t.Helper()
	for _, f := range formTag.FindAllStringSubmatch(body, -1) {
		if html.UnescapeString(f[1]) != action {
			continue
		}
		v := url.Values{}
		for _, m := range inputTag.FindAllStringSubmatch(f[2], -1) {
			a := attrs(m[1])
			if a["name"] == "" {
				continue
			}
			if a["type"] == "checkbox" {
				if _, on := a["checked"]; !on {
					continue
				}
				if a["value"] == "" {
					a["value"] = "on"
				}
			}
			v.Add(a["name"], a["value"])
		}
		for _, m := range textareaTag.FindAllStringSubmatch(f[2], -1) {
			v.Add(attrs(m[1])["name"], html.UnescapeString(m[2]))
		}
		for _, m := range selectTag.FindAllStringSubmatch(f[2], -1) {
			opts := optionTag.FindAllStringSubmatch(m[2], -1)
			if len(opts) == 0 {
				continue
			}
			chosen := opts[0][1]
			for _, o := range opts {
				if o[2] != "" {
					chosen = o[1]
				}
			}
			v.Add(attrs(m[1])["name"], html.UnescapeString(chosen))
		}
		return v
	}
	t.Fatalf("no form posted to %s in:\n%s", action, excerpt(body))
	return nil
}

// blockOf finds the form block whose layer name is name: "l1".
func blockOf(t *testing.T, form url.Values, name string) string {
	t.Helper()
	for k, v := range form {
		if strings.HasSuffix(k, ".name") && len(v) == 1 && v[0] == name {
			return strings.TrimSuffix(k, ".name")
		}
	}
	t.Fatalf("no layer %q in the form: %v", name, form)
	return ""
}

func TestScheduleCreateAndEditFromTheForm(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		b := newBrowser(t, f.app)
		b.login(f.admin.Email)

		list := b.get("/schedules")
		mustContain(t, list.Body, `href="/schedules/new"`)
		blank := b.get("/schedules/new")
		if blank.Status != http.StatusOK {
			t.Fatalf("new form: %d", blank.Status)
		}
		form := formOf(t, blank.Body, "/schedules")
		if form.Get("layers") != "1" || form.Get("l0.handoff") != "mon 09:00" {
			t.Fatalf("the blank form has one weekly 'add a layer' block: %v", form)
		}
		// The "add" button gives a second layer block once the first is filled.
		form.Set("name", "payments-primary")
		form.Set("team", itoa(f.service.TeamID))
		form.Set("timezone", "Europe/Paris")
		form.Set("language", "fr")
		form.Set("country", "FR")
		form.Set("dates", "2026-12-24\n\n2026-12-31\n")
		form.Set("currency", "eur")
		form.Set("pay_weekday", "40")
		form.Set("pay_weekend", "60,50")
		form.Set("l0.name", "weekly")
		form.Set("l0.participants", "ada@example.com\nMAX@example.com\n")
		form.Set("l0.start", "2026-11-02")
		form.Set("action", "add")
		more := b.post("/schedules", form)
		if more.Status != http.StatusOK {
			t.Fatalf("add rows: %d %s", more.Status, excerpt(more.Body))
		}
		if n, _ := f.app.DB.Schedules(ctx, 0); len(n) != 0 {
			t.Fatalf("adding rows saved the schedule")
		}
		form = formOf(t, more.Body, "/schedules")
		if form.Get("layers") != "2" || form.Get("l0.name") != "weekly" || form.Get("l1.name") != "" {
			t.Fatalf("after 'add', the form has the filled layer and a new block: %v", form)
		}
		form.Set("l1.name", "nights")
		form.Set("l1.participants", "vic@example.com")
		form.Set("l1.length", "1d")
		form.Set("l1.handoff", "19:00")
		form.Set("l1.start", "2026-11-02")
		form["l1.r0.days"] = []string{"mon", "tue", "wed", "thu", "fri"}
		form.Set("l1.r0.start", "19:00")
		form.Set("l1.r0.end", "08:00")
		form.Set("action", "save")
		created := b.post("/schedules", form)
		if created.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", created.Status, excerpt(created.Body))
		}
		shown := b.follow(created)
		mustContain(t, shown.Body, "Schedule payments-primary saved.", "Europe/Paris")
		all, err := f.app.DB.Schedules(ctx, 0)
		if err != nil || len(all) != 1 {
			t.Fatalf("schedules: %v %v", all, err)
		}
		s := all[0]
		if created.Location != fmt.Sprintf("/schedules/%d", s.ID) {
			t.Errorf("redirect to %q", created.Location)
		}
		if s.TeamID != f.service.TeamID || s.Language != "fr" || s.Holidays.Country != "FR" || strings.Join(s.Holidays.Dates, ",") != "2026-12-24,2026-12-31" ||
			s.Pay.Currency != "EUR" || s.Pay.Weekday != 4000 || s.Pay.Weekend != 6050 || s.Pay.Hourly != 0 {
			t.Errorf("stored options: %+v %+v %+v", s, s.Holidays, s.Pay)
		}
		if len(s.Layers) != 2 || s.Layers[0].Name != "weekly" || s.Layers[1].Name != "nights" ||
			fmt.Sprint(s.Layers[0].Participants) != fmt.Sprint([]int64{f.admin.ID, f.member.ID}) || len(s.Layers[1].Restrictions) != 1 {
			t.Fatalf("stored layers: %+v", s.Layers)
		}
		if w := s.Layers[1].Restrictions[0]; w.Timezone != "Europe/Paris" || strings.Join(w.Days, ",") != "mon,tue,wed,thu,fri" || w.Start != "19:00" || w.End != "08:00" {
			t.Errorf("restriction: %+v", w)
		}
		// Nights (higher) win on a weekday night; the weekly rotation by day.
		onCall := func(at time.Time) int64 {
			t.Helper()
			stored, err := f.app.DB.Schedule(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			oc, err := oncall.At(stored, at)
			if err != nil {
				t.Fatal(err)
			}
			return oc.Final.UserID
		}
		tuesdayNight, tuesdayNoon := time.Date(2026, 11, 3, 21, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 11, 0, 0, 0, time.UTC)
		if got := onCall(tuesdayNight); got != f.viewer.ID {
			t.Errorf("Tuesday night: %d, want Vic", got)
		}
		if got := onCall(tuesdayNoon); got != f.admin.ID {
			t.Errorf("Tuesday noon: %d, want Ada", got)
		}
		mustContain(t, finalRow(t, shown.Body), fmt.Sprintf(`data-user="%d"`, f.viewer.ID))

		// The edit form shows what is stored, with an empty restriction row and an empty layer block.
		editPath := fmt.Sprintf("/schedules/%d/edit", s.ID)
		mustContain(t, shown.Body, `href="`+editPath+`"`)
		edit := b.get(editPath)
		form = formOf(t, edit.Body, editPath)
		if form.Get("layers") != "3" || form.Get("l0.participants") != "ada@example.com\nmax@example.com" || form.Get("l1.r0.end") != "08:00" ||
			form.Get("l1.restrictions") != "2" || form.Get("pay_weekend") != "60.50" || form.Get("language") != "fr" || form.Get("team") != itoa(f.service.TeamID) {
			t.Fatalf("edit form: %v", form)
		}

		// Moving a layer shows the form again in the new order, unsaved.
		form.Set("action", "down:0")
		moved := b.post(editPath, form)
		if moved.Status != http.StatusOK {
			t.Fatalf("move: %d %s", moved.Status, excerpt(moved.Body))
		}
		form = formOf(t, moved.Body, editPath)
		if form.Get("l0.name") != "nights" || form.Get("l1.name") != "weekly" {
			t.Fatalf("moved form: %v", form)
		}
		if onCall(tuesdayNight) != f.viewer.ID {
			t.Fatal("moving a layer saved the schedule")
		}
		// Saved in that order, the weekly rotation is on top: Vic is never on call.
		form.Set("action", "save")
		reordered := b.follow(b.post(editPath, form))
		if got := onCall(tuesdayNight); got != f.admin.ID {
			t.Errorf("after the reorder, Tuesday night: %d, want Ada", got)
		}
		mustNotContain(t, finalRow(t, reordered.Body), fmt.Sprintf(`data-user="%d"`, f.viewer.ID))

		// Remove the nights and hand off on Tuesdays at 10:00 (09:00 UTC).
		form = formOf(t, b.get(editPath).Body, editPath)
		form.Set(blockOf(t, form, "nights")+".remove", "on")
		form.Set(blockOf(t, form, "weekly")+".handoff", "tue 10:00")
		form.Set("action", "save")
		before := finalRow(t, b.get(fmt.Sprintf("/schedules/%d", s.ID)).Body)
		mustContain(t, before, "→ 2026-11-09 08:00:00 UTC")
		after := b.follow(b.post(editPath, form))
		mustContain(t, after.Body, "Schedule payments-primary saved.")
		row := finalRow(t, after.Body)
		mustContain(t, row, "→ 2026-11-10 09:00:00 UTC")
		mustNotContain(t, row, "2026-11-09 08:00:00 UTC")
		stored, _ := f.app.DB.Schedule(ctx, s.ID)
		if len(stored.Layers) != 1 || stored.Layers[0].Handoff != "tue 10:00" {
			t.Errorf("after the edit: %+v", stored.Layers)
		}
	})
}

func TestScheduleFormRefusesBadInput(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		s := f.weekly(t)
		b := newBrowser(t, f.app)
		b.login(f.admin.Email)
		editPath := fmt.Sprintf("/schedules/%d/edit", s.ID)
		good := formOf(t, b.get(editPath).Body, editPath)
		stored := func() string {
			t.Helper()
			x, err := f.app.DB.Schedule(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%s %s %s %+v %+v", x.Name, x.Timezone, x.Language, x.Pay, x.Layers)
		}
		was := stored()
		for _, c := range []struct {
			name, field, value string
			want               []string
		}{
			{"unknown participant", "l0.participants", "ada@example.com\nnobody@example.com", []string{`no user has the e-mail address &#34;nobody@example.com&#34;`, "nobody@example.com</textarea>"}},
			{"no participants", "l0.participants", "", []string{"a rotation needs at least one participant"}},
			{"bad handoff", "l0.handoff", "9am", []string{`handoff &#34;9am&#34; is not HH:MM or DAY HH:MM`, `value="9am"`}},
			{"day handoff on a daily rotation", "l0.length", "1d", []string{"only weekly rotations hand off on a given day"}},
			{"bad length", "l0.length", "3m", []string{"shift length"}},
			{"bad zone", "timezone", "Mars/Olympus", []string{`time zone &#34;Mars/Olympus&#34; is unknown`, `value="Mars/Olympus"`}},
			{"bad amount", "pay_hourly", "12.345", []string{`pay per hour of intervention: &#34;12.345&#34; is not an amount`, `value="12.345"`}},
			{"bad holiday", "dates", "24/12/2026", []string{`holidays: &#34;24/12/2026&#34; is not a date`}},
			{"bad restriction", "l0.r0.start", "25:00", []string{"restriction 1"}},
			{"unknown team", "team", "999999", []string{"team 999999 not found"}},
			{"no name", "name", "", []string{"form-error"}},
			{"too many blocks", "layers", "999", []string{"too many blocks"}},
		} {
			form := url.Values{}
			for k, v := range good {
				form[k] = append([]string(nil), v...)
			}
			form.Set(c.field, c.value)
			if c.field == "l0.r0.start" {
				form.Set("l0.r0.end", "08:00")
			}
			p := b.post(editPath, form)
			if p.Status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400: %s", c.name, p.Status, excerpt(p.Body))
				continue
			}
			mustContain(t, p.Body, append([]string{`class="form-error"`}, c.want...)...)
			if now := stored(); now != was {
				t.Errorf("%s changed the schedule:\n%s\n%s", c.name, was, now)
			}
		}
		// Creating with a bad participant creates nothing.
		form := formOf(t, b.get("/schedules/new").Body, "/schedules")
		form.Set("name", "other")
		form.Set("l0.name", "weekly")
		form.Set("l0.participants", "ghost@example.com")
		if p := b.post("/schedules", form); p.Status != http.StatusBadRequest {
			t.Errorf("create with a ghost: %d", p.Status)
		}
		// A name taken already: the store's conflict, shown on the form.
		form.Set("name", s.Name)
		form.Set("l0.participants", "ada@example.com")
		taken := b.post("/schedules", form)
		if taken.Status != http.StatusConflict {
			t.Errorf("taken name: %d", taken.Status)
		}
		mustContain(t, taken.Body, "exists already")
		if all, _ := f.app.DB.Schedules(ctx, 0); len(all) != 1 {
			t.Errorf("refused creations stored %d schedules", len(all))
		}

		// A layer that overrides name cannot go: the store says why.
		if err := f.app.DB.AddOverrides(ctx, s.ID, []tocsin.Override{{UserID: f.viewer.ID, Layer: "weekly",
			Start: testkit.Epoch.Add(24 * time.Hour), End: testkit.Epoch.Add(48 * time.Hour)}}, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		form = url.Values{}
		for k, v := range good {
			form[k] = v
		}
		form.Set("l0.remove", "on")
		p := b.post(editPath, form)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("removing a layer with overrides: %d", p.Status)
		}
		mustContain(t, p.Body, "layer &#34;weekly&#34; has overrides")
		if x, _ := f.app.DB.Schedule(ctx, s.ID); len(x.Layers) != 1 {
			t.Errorf("the layer went: %+v", x.Layers)
		}
	})
}

func TestScheduleEditKeepsFixedLayers(t *testing.T) {
	f := newFixture(t, "sqlite")
	ctx := context.Background()
	s := f.weekly(t)
	start := testkit.Epoch.Add(24 * time.Hour)
	s.Layers = append(s.Layers, tocsin.Layer{Name: "imported", Kind: tocsin.LayerFixed, Fixed: []tocsin.FixedShift{
		{Start: start, End: start.Add(12 * time.Hour), UserID: f.viewer.ID, Note: "from the spreadsheet"}}})
	if err := f.app.DB.UpdateSchedule(ctx, s, f.app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, f.app)
	b.login(f.admin.Email)
	editPath := fmt.Sprintf("/schedules/%d/edit", s.ID)
	edit := b.get(editPath)
	mustContain(t, edit.Body, "<strong>imported</strong>", "1 fixed shift")
	form := formOf(t, edit.Body, editPath)
	if form.Get("l1.fixed") != "imported" || form.Has("l1.participants") {
		t.Fatalf("the fixed layer is read-only: %v", form)
	}
	// Move it below the rotation and save: its shifts stay as they were.
	form.Set("action", "up:1")
	form = formOf(t, b.post(editPath, form).Body, editPath)
	form.Set("action", "save")
	if p := b.post(editPath, form); p.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", p.Status, excerpt(p.Body))
	}
	stored, _ := f.app.DB.Schedule(ctx, s.ID)
	if len(stored.Layers) != 2 || stored.Layers[0].Name != "imported" || len(stored.Layers[0].Fixed) != 1 ||
		stored.Layers[0].Fixed[0].UserID != f.viewer.ID || stored.Layers[0].Fixed[0].Note != "from the spreadsheet" {
		t.Errorf("fixed layer after the edit: %+v", stored.Layers)
	}
}

// Two admins edit one schedule: the second save does not silently undo the
// first one's change; it is refused with a 409 saying why.
func TestScheduleEditNoticesAChangeMadeMeanwhile(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		s := f.weekly(t)
		b := newBrowser(t, f.app)
		b.login(f.admin.Email)
		editPath := fmt.Sprintf("/schedules/%d/edit", s.ID)
		form := formOf(t, b.get(editPath).Body, editPath)

		// Meanwhile, rates are set elsewhere (the API, apply, another tab).
		f.app.Clock.Advance(time.Minute)
		s.Pay = tocsin.PayRates{Weekday: 2000}
		if err := f.app.DB.UpdateSchedule(ctx, s, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		form.Set("name", "renamed")
		form.Set("action", "save")
		p := b.post(editPath, form)
		if p.Status != http.StatusConflict {
			t.Fatalf("save over a newer version: %d %s", p.Status, excerpt(p.Body))
		}
		mustContain(t, p.Body, "since you opened this form")
		if stored, _ := f.app.DB.Schedule(ctx, s.ID); stored.Name != s.Name || stored.Pay.Weekday != 2000 {
			t.Errorf("after a refused save: name %q, weekday rate %s", stored.Name, stored.Pay.Weekday)
		}
		// Opened again, the form saves.
		form = formOf(t, b.get(editPath).Body, editPath)
		form.Set("name", "renamed")
		form.Set("action", "save")
		if p := b.post(editPath, form); p.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.Status, excerpt(p.Body))
		}
	})
}

func TestScheduleEditingRoles(t *testing.T) {
	f := newFixture(t, "sqlite")
	s := f.weekly(t)
	id := itoa(s.ID)
	for _, u := range []*tocsin.User{f.member, f.viewer} {
		b := newBrowser(t, f.app)
		b.login(u.Email)
		mustNotContain(t, b.get("/schedules").Body, `href="/schedules/new"`)
		mustNotContain(t, b.get("/schedules/"+id).Body, `href="/schedules/`+id+`/edit"`)
		for _, p := range []page{
			b.get("/schedules/new"),
			b.post("/schedules", url.Values{"name": {"x"}}),
			b.get("/schedules/" + id + "/edit"),
			b.post("/schedules/"+id+"/edit", url.Values{"name": {"x"}}),
			b.get("/schedules/" + id + "/delete"),
			b.post("/schedules/"+id+"/delete", url.Values{"confirm": {"yes"}}),
		} {
			if p.Status != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", u.Email, p.Status)
			}
		}
	}
	if x, err := f.app.DB.Schedule(context.Background(), s.ID); err != nil || x.Name != "payments-primary" {
		t.Errorf("the schedule changed: %v %v", x, err)
	}
}

func TestScheduleDelete(t *testing.T) {
	f := newFixture(t, "sqlite")
	s := f.weekly(t)
	b := newBrowser(t, f.app)
	b.login(f.admin.Email)
	path := fmt.Sprintf("/schedules/%d/delete", s.ID)
	mustContain(t, b.get(fmt.Sprintf("/schedules/%d/edit", s.ID)).Body, `href="`+path+`"`)
	confirm := b.get(path)
	mustContain(t, confirm.Body, "Delete the schedule payments-primary?", `name="confirm" value="yes"`)
	// Without the confirmation, the form asks first.
	if p := b.post(path, url.Values{}); p.Status != http.StatusSeeOther || p.Location != path {
		t.Fatalf("unconfirmed delete: %d → %q", p.Status, p.Location)
	}
	if _, err := f.app.DB.Schedule(context.Background(), s.ID); err != nil {
		t.Fatalf("deleted without confirmation: %v", err)
	}
	done := b.post(path, formOf(t, confirm.Body, path))
	mustContain(t, b.follow(done).Body, "Schedule payments-primary deleted.")
	if _, err := f.app.DB.Schedule(context.Background(), s.ID); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
		t.Errorf("after delete: %v", err)
	}
	if p := b.get(fmt.Sprintf("/schedules/%d", s.ID)); p.Status != http.StatusNotFound {
		t.Errorf("deleted schedule page: %d", p.Status)
	}
}

func TestOverrideListAndDelete(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		s := f.weekly(t)
		past := tocsin.Override{UserID: f.viewer.ID, Start: testkit.Epoch.Add(-48 * time.Hour), End: testkit.Epoch.Add(-24 * time.Hour), Note: "long gone"}
		next := tocsin.Override{UserID: f.viewer.ID, Start: testkit.Epoch.Add(24 * time.Hour), End: testkit.Epoch.Add(36 * time.Hour), Note: "dentist <b>swap</b>"}
		onLayer := tocsin.Override{UserID: f.member.ID, Layer: "weekly", Start: testkit.Epoch.Add(72 * time.Hour), End: testkit.Epoch.Add(80 * time.Hour)}
		if err := f.app.DB.AddOverrides(ctx, s.ID, []tocsin.Override{past, onLayer, next}, f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		stored, _ := f.app.DB.Schedule(ctx, s.ID)
		var nextID int64
		for _, o := range stored.Overrides {
			if o.Note == next.Note {
				nextID = o.ID
			}
		}
		path := fmt.Sprintf("/schedules/%d", s.ID)
		del := fmt.Sprintf("/schedules/%d/overrides/%d/delete", s.ID, nextID)

		viewer := newBrowser(t, f.app)
		viewer.login(f.viewer.Email)
		vp := viewer.get(path)
		mustContain(t, vp.Body, "Upcoming overrides", "dentist &lt;b&gt;swap&lt;/b&gt;", "2026-11-03 08:00:00 UTC → 2026-11-03 20:00:00 UTC")
		mustNotContain(t, vp.Body, "long gone", `action="`+del+`"`)
		if p := viewer.post(del, url.Values{}); p.Status != http.StatusForbidden {
			t.Errorf("viewer deletes an override: %d", p.Status)
		}

		b := newBrowser(t, f.app)
		b.login(f.member.Email)
		p := b.get(path + "?weeks=2")
		mustContain(t, p.Body, `action="`+del+`"`)
		// Soonest first: the final-row override, then the one on the weekly layer.
		body := p.Body
		if i, j := strings.Index(body, "dentist"), strings.Index(body, "<td>weekly</td>"); i < 0 || j < 0 || i > j {
			t.Errorf("overrides not listed soonest first (%d, %d)", i, j)
		}
		gone := b.post(del, formOf(t, body, del))
		if gone.Status != http.StatusSeeOther || gone.Location != path+"?from=2026-11-02&weeks=2#overrides" {
			t.Fatalf("delete: %d → %q", gone.Status, gone.Location)
		}
		after := b.follow(gone)
		mustContain(t, after.Body, "Override deleted.", "<td>weekly</td>")
		mustNotContain(t, after.Body, "dentist")
		stored, _ = f.app.DB.Schedule(ctx, s.ID)
		if len(stored.Overrides) != 2 {
			t.Errorf("overrides left: %+v", stored.Overrides)
		}
		if oc, _ := oncall.At(stored, testkit.Epoch.Add(30*time.Hour)); oc.Final.UserID != f.admin.ID {
			t.Errorf("the rotation did not take the window back: %+v", oc.Final)
		}
		// Again: it is gone.
		if p := b.post(del, url.Values{}); p.Status != http.StatusNotFound {
			t.Errorf("deleting twice: %d", p.Status)
		}
	})
}

func TestPlanningNavigation(t *testing.T) {
	f := newFixture(t, "sqlite")
	s := f.weekly(t)
	b := newBrowser(t, f.app)
	b.login(f.viewer.Email)
	path := fmt.Sprintf("/schedules/%d", s.ID)

	def := b.get(path)
	mustContain(t, def.Body, "Planning, 2026-11-02 00:00:00 UTC → 2026-12-28 00:00:00 UTC", `class="today"`,
		`href="`+path+`/planning.csv?from=2026-11-02&amp;weeks=8"`, `href="/calendars"`,
		`href="`+path+`?from=2026-12-28" rel="next"`, `href="`+path+`?from=2026-09-07" rel="prev"`)

	two := b.get(path + "?weeks=2")
	mustContain(t, two.Body, "Planning, 2026-11-02 00:00:00 UTC → 2026-11-16 00:00:00 UTC", `class="today"`,
		`<option value="2" selected>`, `planning.csv?from=2026-11-02&amp;weeks=2`)
	next := `href="` + path + `?from=2026-11-16&amp;weeks=2" rel="next"`
	mustContain(t, two.Body, next)

	later := b.get(path + "?from=2026-11-16&weeks=2")
	mustContain(t, later.Body, "Planning, 2026-11-16 00:00:00 UTC → 2026-11-30 00:00:00 UTC",
		`href="`+path+`?from=2026-11-02&amp;weeks=2" rel="prev"`, `href="`+path+`?weeks=2">Today`)
	mustNotContain(t, later.Body, `class="today"`)
	// Ada holds the week from 16 November, cut by the window's edges on each side.
	mustContain(t, finalRow(t, later.Body), "Max Member: 2026-11-16 00:00:00 UTC → 2026-11-16 08:00:00 UTC",
		"Ada Admin: 2026-11-16 08:00:00 UTC → 2026-11-23 08:00:00 UTC", "Max Member: 2026-11-23 08:00:00 UTC → 2026-11-30 00:00:00 UTC")

	earlier := b.get(path + "?from=2026-10-19&weeks=1")
	mustContain(t, earlier.Body, "Planning, 2026-10-19 00:00:00 UTC → 2026-10-26 00:00:00 UTC", "Nobody on call from 2026-10-19 00:00:00 UTC to 2026-10-26 00:00:00 UTC")

	long := b.get(path + "?weeks=13")
	if long.Status != http.StatusOK {
		t.Errorf("13 weeks: %d", long.Status)
	}
	mustContain(t, long.Body, "→ 2027-02-01 00:00:00 UTC")

	for q, want := range map[string]string{
		"weeks=0":         "is not a number of weeks from 1 to 13",
		"weeks=14":        "is not a number of weeks from 1 to 13",
		"weeks=many":      "is not a number of weeks from 1 to 13",
		"from=2026-13-01": "is not a date (YYYY-MM-DD)",
		"from=yesterday":  "is not a date (YYYY-MM-DD)",
		"from=3026-01-01": "more than 10 years away",
	} {
		p := b.get(path + "?" + q)
		if p.Status != http.StatusBadRequest {
			t.Errorf("%s: status %d", q, p.Status)
		}
		mustContain(t, p.Body, want)
	}
}

// A layer made from the form's defaults (a name and participants typed, nothing
// else) has its first participant on call from the moment it is saved, on any
// day of the week, not from next Monday.
func TestScheduleFormDefaultsCoverNow(t *testing.T) {
	f := newFixture(t, "sqlite")
	ctx := context.Background()
	b := newBrowser(t, f.app)
	b.login(f.admin.Email)
	for i, at := range []time.Time{
		time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC), // a Sunday: this week's Monday
		time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC), // a Monday before 09:00: last week's
		time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),  // a Monday at 09:00: today
	} {
		f.app.Clock.Set(at)
		form := formOf(t, b.get("/schedules/new").Body, "/schedules")
		form.Set("name", fmt.Sprintf("defaults-%d", i))
		form.Set("l0.name", "weekly")
		form.Set("l0.participants", "ada@example.com\nmax@example.com")
		form.Set("action", "save")
		if p := b.post("/schedules", form); p.Status != http.StatusSeeOther {
			t.Fatalf("create at %s: %d %s", at, p.Status, excerpt(p.Body))
		}
		s, err := f.app.DB.ScheduleByName(ctx, fmt.Sprintf("defaults-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		c, err := oncall.Compile(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		ada, _ := f.app.DB.UserByEmail(ctx, "ada@example.com")
		if got := c.At(at).Final.UserID; got != ada.ID {
			t.Errorf("at %s, start %s: on call %d, want Ada (%d)", at, s.Layers[0].Start, got, ada.ID)
		}
	}
}
