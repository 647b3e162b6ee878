package web_test

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// profileForm is the profile form as the page sends it, with edits.
func profileForm(edits ...string) url.Values {
	f := url.Values{"name": {"Max Member"}, "timezone": {"Europe/Paris"}, "locale": {"en"}, "phone": {""},
		"days": {"mon", "tue", "wed", "thu", "fri"}, "work_start": {"09:00"}, "work_end": {"18:00"}}
	for i := 0; i+1 < len(edits); i += 2 {
		if edits[i+1] == "" && edits[i] == "days" {
			f.Del("days")
			continue
		}
		f[edits[i]] = strings.Split(edits[i+1], ",")
	}
	return f
}

func TestProfilePhoneAndWorkingHours(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		m := newBrowser(t, f.app)
		m.login(f.member.Email)
		stored := func() *tocsin.User {
			u, err := f.app.DB.User(t.Context(), f.member.ID)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}

		// Never set: the default hours are shown, checked.
		p := m.get("/profile")
		mustContain(t, p.Body, `name="phone"`, `id="wd-mon" name="days" value="mon" checked`, `id="wd-fri" name="days" value="fri" checked`,
			`name="work_start" type="time" value="09:00"`, `name="work_end" type="time" value="18:00"`)
		mustNotContain(t, p.Body, `value="sat" checked`)

		// A phone number as people write it is stored in E.164; saving the default hours stores none.
		p = m.follow(m.post("/profile", profileForm("phone", "+33 6 12 34 56 78")))
		if u := stored(); u.Phone != "+33612345678" || u.WorkingHours != nil {
			t.Errorf("stored phone %q, hours %+v", u.Phone, u.WorkingHours)
		}
		mustContain(t, p.Body, "Profile saved.", `value="&#43;33612345678"`)

		// Other hours: a four-day week, 08:30 to 16:00, in the person's zone.
		m.follow(m.post("/profile", profileForm("phone", "+33612345678", "days", "mon,tue,thu,fri", "work_start", "08:30", "work_end", "16:00")))
		u := stored()
		if u.WorkingHours == nil || !slices.Equal(u.WorkingHours.Days, []string{"mon", "tue", "thu", "fri"}) ||
			u.WorkingHours.Start != "08:30" || u.WorkingHours.End != "16:00" || u.WorkingHours.Timezone != "Europe/Paris" {
			t.Fatalf("stored hours %+v", u.WorkingHours)
		}
		p = m.get("/profile")
		mustContain(t, p.Body, `value="mon" checked`, `id="wd-wed" name="days" value="wed">`, `value="08:30"`, `value="16:00"`)
		// Moving to another zone moves the hours with the person.
		m.follow(m.post("/profile", profileForm("timezone", "America/New_York", "phone", "+33612345678", "days", "mon,tue,thu,fri", "work_start", "08:30", "work_end", "16:00")))
		if u := stored(); u.WorkingHours == nil || u.WorkingHours.Timezone != "America/New_York" {
			t.Errorf("hours after a move: %+v", u.WorkingHours)
		}

		// Refused with a 400 and a message; nothing changes, the input stays.
		before := stored()
		for _, c := range []struct {
			form url.Values
			want string
		}{
			{profileForm("phone", "06 12 34 56 78"), "not an international phone number"},
			{profileForm("phone", "+33 6 12 34 56 78 <script>"), "not an international phone number"},
			{profileForm("phone", strings.Repeat("1", 50)), "longer than 40"},
			{profileForm("days", ""), "at least one working day"},
			{profileForm("days", "funday"), "at least one working day"},
			{profileForm("work_start", "25:00"), "times like 09:00"},
			{profileForm("work_end", "6pm"), "times like 09:00"},
			{profileForm("work_start", "10:00", "work_end", "10:00"), "same time"},
		} {
			p := m.post("/profile", c.form)
			if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, c.want) {
				t.Errorf("%v: %d, want 400 with %q: %s", c.form, p.Status, c.want, excerpt(p.Body))
			}
			if strings.Contains(p.Body, "<script>") {
				t.Errorf("input not escaped: %v", c.form)
			}
		}
		if after := stored(); after.Phone != before.Phone || !reflect.DeepEqual(after.WorkingHours, before.WorkingHours) {
			t.Errorf("a refused form changed the user: %+v → %+v", before, after)
		}
		p = m.post("/profile", profileForm("phone", "06 12 34 56 78", "days", "sat,sun"))
		mustContain(t, p.Body, `value="06 12 34 56 78"`, `value="sat" checked`, `value="sun" checked`)

		// In French, the messages are French.
		m.follow(m.post("/profile", profileForm("locale", "fr", "phone", "")))
		p = m.post("/profile", profileForm("locale", "fr", "phone", "0612"))
		mustContain(t, p.Body, "numéro international", "Horaires de travail")

		// A form without the new fields (a script) leaves them as they are.
		m.follow(m.post("/profile", profileForm("phone", "+1 555 010 0000")))
		m.follow(m.post("/profile", url.Values{"name": {"Max"}, "timezone": {"UTC"}}))
		if u := stored(); u.Phone != "+15550100000" || u.Name != "Max" {
			t.Errorf("a form without phone: %+v", u)
		}
	})
}
