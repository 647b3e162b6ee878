package tocsin

import (
	"testing"
	"time"
)

func TestRulesApplyInOrder(t *testing.T) {
	rules := CompileRules([]ProcessingRule{
		{Name: "checkout errors are P1", Enabled: true,
			Conditions: []Condition{{Field: "summary", Op: "regex", Value: `(?i)5\d\d`}, {Field: "label:app", Op: "equals", Value: "checkout"}},
			Actions:    RuleActions{SetPriority: P1, RewriteSummary: "[{{labels.app}}] {{summary}}", AddLabels: map[string]string{"owner": "{{labels.squad}}"}}},
		{Name: "disabled", Enabled: false, Actions: RuleActions{Drop: true}},
		{Name: "route", Enabled: true, Conditions: []Condition{{Field: "label:squad", Op: "exists"}}, Actions: RuleActions{RouteToService: "checkout", RemoveLabels: []string{"squad"}}, Stop: true},
		{Name: "never reached", Enabled: true, Actions: RuleActions{Suppress: true}},
	})
	e := &AlertEvent{Action: ActionTrigger, Summary: "HTTP 503 on /pay", Labels: map[string]string{"app": "checkout", "squad": "payments"}}
	out := rules.Apply(e, time.Now())
	if e.Priority != P1 || e.Summary != "[checkout] HTTP 503 on /pay" || e.Labels["owner"] != "payments" {
		t.Fatalf("event after rules: %+v", e)
	}
	if _, still := e.Labels["squad"]; still {
		t.Fatal("label squad was not removed")
	}
	if out.RouteTo != "checkout" || out.Suppress || out.Drop || len(out.Applied) != 2 {
		t.Fatalf("outcome: %+v", out)
	}
}

func TestRuleTemplateIsNotEvaluated(t *testing.T) {
	rules := CompileRules([]ProcessingRule{{Name: "r", Enabled: true, Actions: RuleActions{RewriteSummary: "{{labels.x}} {{ printf \"%s\" 1 }}"}}})
	e := &AlertEvent{Action: ActionTrigger, Summary: "s", Labels: map[string]string{"x": "{{summary}}\n<b>"}}
	rules.Apply(e, time.Now())
	// Label values are inserted literally (never expanded again), cut at the first line;
	// anything that is not a plain placeholder stays as typed.
	if e.Summary != "{{summary}}" {
		t.Fatalf("summary = %q", e.Summary)
	}
}

func TestRuleValidate(t *testing.T) {
	bad := []ProcessingRule{
		{Name: "", Actions: RuleActions{Suppress: true}},
		{Name: "no action"},
		{Name: "bad regex", Conditions: []Condition{{Field: "summary", Op: "regex", Value: "("}}, Actions: RuleActions{Suppress: true}},
		{Name: "bad field", Conditions: []Condition{{Field: "colour", Op: "equals"}}, Actions: RuleActions{Suppress: true}},
		{Name: "bad op", Conditions: []Condition{{Field: "summary", Op: "like"}}, Actions: RuleActions{Suppress: true}},
		{Name: "bad priority", Actions: RuleActions{SetPriority: "P9"}},
		{Name: "drop and more", Actions: RuleActions{Drop: true, SetPriority: P1}},
		{Name: "bad zone", When: &TimeWindow{Timezone: "Mars/Olympus", Start: "09:00", End: "18:00"}, Actions: RuleActions{Suppress: true}},
		{Name: "bad day", When: &TimeWindow{Days: []string{"funday"}, Start: "09:00", End: "18:00"}, Actions: RuleActions{Suppress: true}},
		{Name: "bad hour", When: &TimeWindow{Start: "9h", End: "18:00"}, Actions: RuleActions{Suppress: true}},
	}
	for _, r := range bad {
		if err := r.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("rule %q: Validate() = %v, want an invalid error", r.Name, err)
		}
	}
	good := ProcessingRule{Name: "ok", Conditions: []Condition{{Field: "label:team", Op: "exists"}}, When: &TimeWindow{Timezone: "Europe/Paris", Start: "09:00", End: "18:00"}, Actions: RuleActions{SetPriority: P2}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestTimeWindowBusinessHoursAcrossDST(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	business := &TimeWindow{Timezone: "Europe/Paris", Start: "09:00", End: "18:00"}
	nights := &TimeWindow{Timezone: "Europe/Paris", Start: "09:00", End: "18:00", Outside: true}
	cases := []struct {
		at   time.Time
		open bool
	}{
		{time.Date(2026, 3, 27, 9, 0, 0, 0, paris), true},    // Friday before the spring change, 09:00 CET
		{time.Date(2026, 3, 30, 8, 59, 0, 0, paris), false},  // Monday after it, 08:59 CEST
		{time.Date(2026, 3, 30, 9, 0, 0, 0, paris), true},    // 09:00 CEST
		{time.Date(2026, 10, 26, 17, 59, 0, 0, paris), true}, // Monday after the autumn change
		{time.Date(2026, 10, 26, 18, 0, 0, 0, paris), false},
		{time.Date(2026, 10, 24, 12, 0, 0, 0, paris), false}, // Saturday
	}
	for _, c := range cases {
		if got := business.Contains(c.at); got != c.open {
			t.Errorf("business hours at %s: %v, want %v", c.at, got, c.open)
		}
		if got := nights.Contains(c.at); got == c.open {
			t.Errorf("nights and week-ends at %s: %v, want %v", c.at, got, !c.open)
		}
	}
}

func TestTimeWindowAcrossMidnight(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	night := &TimeWindow{Timezone: "Europe/Paris", Days: []string{"fri"}, Start: "22:00", End: "06:00"}
	if !night.Contains(time.Date(2026, 11, 6, 23, 0, 0, 0, paris)) {
		t.Error("Friday 23:00 should be in Friday's night shift")
	}
	if !night.Contains(time.Date(2026, 11, 7, 5, 0, 0, 0, paris)) {
		t.Error("Saturday 05:00 belongs to the shift that began on Friday")
	}
	if night.Contains(time.Date(2026, 11, 6, 5, 0, 0, 0, paris)) {
		t.Error("Friday 05:00 belongs to Thursday's night, not listed")
	}
}

func TestNamingConvention(t *testing.T) {
	cases := []struct {
		summary, app, squad, description string
		ok                               bool
	}{
		{"checkout / payments / HTTP 5xx above 2%", "checkout", "payments", "HTTP 5xx above 2%", true},
		{"Search-API | Discovery | latency p99 > 1s", "search-api", "discovery", "latency p99 > 1s", true},
		{"[billing][finance] invoices stuck in queue", "billing", "finance", "invoices stuck in queue", true},
		{"GET /api/v1/users is slow", "", "", "", false},
		{"Disk full on db1", "", "", "", false},
		{"a / b", "", "", "", false},
	}
	for _, c := range cases {
		app, squad, description, ok := ParseNamingConvention(c.summary)
		if ok != c.ok || app != c.app || squad != c.squad || description != c.description {
			t.Errorf("ParseNamingConvention(%q) = %q %q %q %v", c.summary, app, squad, description, ok)
		}
	}
	e := &AlertEvent{Summary: "checkout / payments / down", Labels: map[string]string{"squad": "explicit"}}
	ApplyNamingConvention(e)
	if e.Labels["app"] != "checkout" || e.Labels["squad"] != "explicit" {
		t.Errorf("labels = %v: the sender's own labels win", e.Labels)
	}
}

func TestParsePriority(t *testing.T) {
	cases := map[string]Priority{"critical": P1, "P1": P1, "p2": P2, "error": P2, "warning": P3, "low": P4, "info": P5, " Info ": P5}
	for in, want := range cases {
		if got, ok := ParsePriority(in); !ok || got != want {
			t.Errorf("ParsePriority(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	if _, ok := ParsePriority("whatever"); ok {
		t.Error("unknown words must not map")
	}
}

func TestEventNormalizeBoundsEverything(t *testing.T) {
	long := make([]byte, 5000)
	for i := range long {
		long[i] = 'é' & 0x7f
	}
	labels := map[string]string{}
	for i := 0; i < 100; i++ {
		labels[string(rune('a'+i%26))+string(rune('A'+i/26))] = "v"
	}
	e := &AlertEvent{Action: ActionTrigger, Summary: "line one\nline two" + string(long), DedupKey: string(long), Labels: labels, Links: []Link{{Href: " https://x "}, {Href: ""}}}
	e.Normalize()
	if e.Summary != "line one" || len(e.DedupKey) != MaxDedupKeyLen || len(e.Labels) != MaxLabels || len(e.Links) != 1 || e.Links[0].Href != "https://x" {
		t.Fatalf("normalized: summary %q, key %d, labels %d, links %v", e.Summary, len(e.DedupKey), len(e.Labels), e.Links)
	}
	if got := truncate("ééé", 3); got != "é" {
		t.Errorf("truncate cut a character in half: %q", got)
	}
}
