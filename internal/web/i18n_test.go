package web

import (
	"io/fs"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// catalogIDs reads the message ids of one locale file.
func catalogIDs(t *testing.T, lang string) map[string]bool {
	t.Helper()
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	f, err := b.LoadMessageFileFS(assets, "locales/"+lang+".toml")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range f.Messages {
		ids[m.ID] = true
	}
	return ids
}

func TestCatalogsHaveTheSameMessages(t *testing.T) {
	en, fr := catalogIDs(t, "en"), catalogIDs(t, "fr")
	if len(en) < 50 {
		t.Fatalf("only %d English messages: the catalog did not load", len(en))
	}
	for id := range en {
		if !fr[id] {
			t.Errorf("%q is in en.toml, not in fr.toml", id)
		}
	}
	for id := range fr {
		if !en[id] {
			t.Errorf("%q is in fr.toml, not in en.toml", id)
		}
	}
}

// TestEveryMessageUsedExists finds the ids that templates and handlers use
// and checks each is in the catalog, so a typo shows as a failing test rather
// than as a raw id on a page.
func TestEveryMessageUsedExists(t *testing.T) {
	en := catalogIDs(t, "en")
	used := map[string]bool{}
	literal := regexp.MustCompile(`\.[TN][ (]"([a-z0-9_.]+)"`)
	for _, glob := range []string{"templates/*.html", "templates/pages/*.html"} {
		files, _ := fs.Glob(assets, glob)
		for _, f := range files {
			b, _ := fs.ReadFile(assets, f)
			for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = true
			}
		}
	}
	goFiles, _ := fs.Glob(osDir("."), "*.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := fs.ReadFile(osDir("."), f)
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d message ids in use: the scan is broken", len(used))
	}
	// Ids built at run time from domain values.
	for _, s := range []tocsin.AlertStatus{tocsin.StatusTriggered, tocsin.StatusAcknowledged, tocsin.StatusResolved} {
		used["status."+string(s)] = true
	}
	for _, tab := range alertTabs() {
		used["tab."+tab] = true
	}
	for _, k := range []tocsin.TimelineKind{tocsin.TimelineCreated, tocsin.TimelineRepeated, tocsin.TimelineRuleApplied, tocsin.TimelineSuppressed, tocsin.TimelineAcknowledged,
		tocsin.TimelineUnacknowledged, tocsin.TimelineRetriggered, tocsin.TimelineResolved, tocsin.TimelineNote, tocsin.TimelineUpdated} {
		used["timeline."+string(k)] = true
	}
	for _, c := range []tocsin.Channel{tocsin.ChannelWeb, tocsin.ChannelAPI, tocsin.ChannelPagerDuty, tocsin.ChannelOpsgenie, tocsin.ChannelAlertmanager, tocsin.ChannelGrafana, tocsin.ChannelGeneric, tocsin.ChannelCLI} {
		used["channel."+string(c)] = true
	}
	for _, r := range []tocsin.Role{tocsin.RoleAdmin, tocsin.RoleMember, tocsin.RoleViewer} {
		used["role."+string(r)] = true
	}
	for _, a := range []string{"ack", "unack", "resolve", "note"} {
		used["alert.done."+a] = true
	}
	for _, a := range []string{"ack", "resolve"} {
		used["alert.bulk_done."+a] = true
	}
	for _, t := range tocsin.IntegrationTypes() {
		used["integration.type_"+string(t)] = true
	}
	primary, others := integrationSnippets("http://x", &tocsin.Integration{Type: tocsin.IntegrationGeneric}, "k", "")
	for _, s := range append(primary, others...) {
		used["snippet."+s.Key] = true
	}
	for _, op := range []string{"equals", "not_equals", "contains", "regex", "exists", "not_exists"} {
		used["rule.op_"+op] = true
	}
	for _, d := range weekdayNames() {
		used["day."+d] = true
	}
	for _, k := range []oncall.ConflictKind{oncall.ConflictOverlappingOverrides, oncall.ConflictOverrideTimeOff, oncall.ConflictFixedTimeOff, oncall.ConflictOverlappingFixed} {
		used["schedule.conflict."+string(k)] = true
	}
	used["schedule.conflict.overlapping_overrides_same"] = true
	// Ids handed to secretBox and Window as values.
	for _, id := range []string{"integration.key_created", "integration.key_rotated", "integration.key_hint", "user.password_title", "user.password_hint",
		"token.created_title", "token.created_hint", "rule.window_inside", "rule.window_outside"} {
		used[id] = true
	}
	var missing []string
	for id := range used {
		if !en[id] && !strings.HasSuffix(id, ".") {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("message ids used but not in the catalogs: %v", missing)
	}
}

func TestLanguagePick(t *testing.T) {
	c, err := loadCatalog(assets)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ pref, accept, want string }{
		{"", "", "en"},
		{"", "fr-FR,fr;q=0.9,en;q=0.8", "fr"},
		{"", "fr-CA", "fr"},
		{"", "de-DE,de;q=0.9", "en"},
		{"", "de;q=0.9,fr;q=0.5", "fr"},
		{"en", "fr-FR", "en"}, // the user's preference wins
		{"fr", "en-US", "fr"},
		{"", "garbage;;q=x", "en"},
	}
	for _, tc := range cases {
		if got := c.pick(tc.pref, tc.accept); got != tc.want {
			t.Errorf("pick(%q, %q) = %q, want %q", tc.pref, tc.accept, got, tc.want)
		}
	}
	if got := c.translate("fr", "ago.minutes", map[string]any{"Count": 3}, 3); got != "il y a 3 min" {
		t.Errorf("French plural: %q", got)
	}
	if got := c.translate("en", "ago.hours", map[string]any{"Count": 1}, 1); got != "1 hour ago" {
		t.Errorf("English singular: %q", got)
	}
	if !slices.Equal(tocsin.Locales(), []string{"en", "fr"}) {
		t.Errorf("tocsin.Locales changed: %v; add the catalog and the tag", tocsin.Locales())
	}
}

// osDir is the package's folder, to read its Go files.
func osDir(dir string) fs.FS { return os.DirFS(dir) }
