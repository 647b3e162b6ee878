package statuspage

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
)

func TestIndexPage(t *testing.T) {
	b := render(t, fixture(), Options{})
	page := body(t, b, "index.html")
	for _, want := range []string{
		`<html lang="en">`, `<title>Acme</title>`,
		`<body class="ind-major">`, `<h1>Partial System Outage</h1>`,
		`<a href="incidents/inc0000open1.html">Elevated API errors</a>`,
		// Times in the page's zone (Paris, summer time).
		`<time datetime="2026-08-01T09:45:00Z">Aug 1, 2026, 11:45 CEST</time>`,
		`<li>API: Operational → Partial outage</li>`,
		`Maintenance in progress`, `Database upgrade`, `Scheduled maintenance`, `Network work`,
		`<span class="name">Platform</span> <span class="status s-partial_outage">Partial outage</span>`,
		`<span class="desc">REST and GraphQL</span>`,
		`<form method="post" action="subscribe">`, `name="email"`, `value="cmp00000api1"`,
		`<a class="follow" href="index.html#h-subscribe">Get updates</a>`, `<h2 id="h-subscribe">Get updates</h2>`,
		`href="history.rss"`, `href="history.atom"`, `href="api/v2/summary.json"`, `href="badge.svg"`,
		`<h3>July 29, 2026</h3>`, `Slow dashboard`, `No incidents reported.`,
		`href="theme.css"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	// Hidden components: not showcased, or operational and shown only when degraded.
	for _, hidden := range []string{"Legacy FTP", "Search"} {
		if strings.Contains(page, hidden) {
			t.Errorf("index.html shows %s", hidden)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, " style=") {
		t.Error("the page needs neither script nor inline style (CSP)")
	}
}

// TestUptimeBars: 90 bars per component, each coloured by the day's worst
// outage and labelled with its date, uptime and outage length.
func TestUptimeBars(t *testing.T) {
	b := render(t, fixture(), Options{})
	page := body(t, b, "index.html")
	bars := regexp.MustCompile(`<ol class="bars" aria-label="([^"]*)">(.*?)</ol>`).FindAllStringSubmatch(page, -1)
	if len(bars) != 3 {
		t.Fatalf("%d components with bars, want API, Dashboard, E-mail delivery", len(bars))
	}
	bar := regexp.MustCompile(`<li class="([a-z]+)"><span>([^<]*)</span></li>`)
	api := bar.FindAllStringSubmatch(bars[0][2], -1)
	if len(api) != tocsin.UptimeDays {
		t.Fatalf("API has %d bars", len(api))
	}
	if bars[0][1] != "API: 99.89% uptime" {
		t.Errorf("API label %q", bars[0][1])
	}
	// Five days ago: two hours of major outage (in Paris, 27 July 12:05–14:05).
	if d := api[84]; d[1] != "maj" || d[2] != "July 27, 2026: 91.67% uptime; Major outage: 2 h 0 min" {
		t.Errorf("27 July bar %v", d)
	}
	// Today: partial outage for the last hour of 12 h 05 min.
	if d := api[89]; d[1] != "part" || !strings.HasPrefix(d[2], "August 1, 2026: 97.52% uptime; Partial outage: 1 h 0 min") {
		t.Errorf("today's bar %v", d)
	}
	if d := api[0]; d[1] != "op" || d[2] != "May 4, 2026: 100% uptime" {
		t.Errorf("first bar %v", d)
	}
	dash := bar.FindAllStringSubmatch(bars[1][2], -1)
	if d := dash[86]; d[1] != "deg" || !strings.Contains(d[2], "Degraded performance: 2 h 0 min") || !strings.Contains(d[2], "100% uptime") {
		t.Errorf("dashboard's degraded day %v: degraded counts as up", d)
	}
	// E-mail delivery starts ten days ago: no data before.
	mail := bar.FindAllStringSubmatch(bars[2][2], -1)
	if mail[0][1] != "none" || !strings.HasSuffix(mail[0][2], "No data") || mail[89][1] != "op" || mail[78][1] != "none" || mail[79][1] != "op" {
		t.Errorf("e-mail bars: first %v, 79th %v, 80th %v", mail[0], mail[78], mail[79])
	}
}

func TestIncidentPage(t *testing.T) {
	b := render(t, fixture(), Options{})
	page := body(t, b, "incidents/inc00resolvd.html")
	for _, want := range []string{
		`<title>Slow dashboard – Acme</title>`, `href="../status.css"`, `href="../index.html"`,
		`<a class="follow" href="../index.html#h-subscribe">Get updates</a>`,
		`<span class="tag">Resolved</span>`, `Affected components: Dashboard`,
		`<h2 id="h-postmortem">Post-mortem</h2>`, `<h2>What happened</h2>`,
		`Started: <time datetime="2026-07-29T10:05:00Z">Jul 29, 2026, 12:05 CEST</time> · Resolved:`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("incident page lacks %s", want)
		}
	}
	// Timeline newest first.
	if strings.Index(page, "Fixed.") > strings.Index(page, "The dashboard is slow.") {
		t.Error("timeline is not newest first")
	}
	mnt := body(t, b, "incidents/mnt00000next.html")
	if !strings.Contains(mnt, "Aug 3, 2026, 12:05 CEST – Aug 3, 2026, 13:05 CEST") || strings.Contains(mnt, "Post-mortem") {
		t.Error("maintenance page: window shown, no post-mortem")
	}
	// An open incident's post-mortem text is not published early.
	snap := fixture()
	snap.Incidents[1].Postmortem = "draft"
	if strings.Contains(body(t, render(t, snap, Options{}), "incidents/inc0000open1.html"), "draft") {
		t.Error("post-mortem shown before the incident is resolved")
	}
}

func TestFrenchPage(t *testing.T) {
	snap := fixture()
	snap.Page.Language = "fr"
	b := render(t, snap, Options{})
	page := body(t, b, "index.html")
	for _, want := range []string{
		`<html lang="fr">`, `<h1>Panne partielle</h1>`, `Incidents en cours`, `Composants`,
		`1 août 2026, 11:45 CEST`, "99,89\u202f% de disponibilité", `S’abonner`, `Incidents passés`,
		"API\u00a0: Opérationnel → Panne partielle", `il y a 90 jours`, `Aujourd’hui`,
		// French puts a (no-break) space before a colon, English none.
		"Dernière mise à jour\u00a0: <time", "Composants touchés\u00a0: API", "aria-label=\"API\u00a0: 99,89",
		"<span>1 août 2026\u00a0: 100\u202f% de disponibilité</span>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("French page lacks %s", want)
		}
	}
	for _, english := range []string{"Current incidents", "Operational", "uptime", "Subscribe", "Past incidents", "No incidents reported",
		"jour: ", "touchés: ", "API: "} {
		if strings.Contains(page, english) {
			t.Errorf("French page says %q", english)
		}
	}
	incident := body(t, b, "incidents/inc00resolvd.html")
	if !strings.Contains(incident, "Début\u00a0: <time") || !strings.Contains(incident, "Résolu\u00a0: <time") || strings.Contains(incident, "Début:") {
		t.Error("French incident page: no space before the colons")
	}
	// The embed banner reads "Incident : <name>" in French.
	if js := body(t, b, "embed.js"); !strings.Contains(js, "\"colon\":\"\u00a0: \"") || !strings.Contains(js, "words.incident) + words.colon + item.name") {
		t.Error("embed.js does not separate the banner's label as the language does")
	}
	if !strings.Contains(body(t, b, "badge.svg"), "statut: Panne partielle") || !strings.Contains(body(t, b, "embed.js"), `"details":"Voir le détail"`) {
		t.Error("badge or embed script not in French")
	}
	// The JSON stays Statuspage's, whatever the page's language.
	if !strings.Contains(body(t, b, "api/v2/status.json"), `"description":"Partial System Outage"`) {
		t.Error("status.json description translated")
	}
}

func TestTheme(t *testing.T) {
	snap := fixture()
	if got := body(t, render(t, snap, Options{}), "theme.css"); got != ":root{--accent:#112233;--on-accent:#ffeedd}\n" {
		t.Errorf("theme.css %q", got)
	}
	snap.Page.AccentColor = "red;} body{display:none"
	snap.Page.TextColor = "#12345"
	if got := body(t, render(t, snap, Options{}), "theme.css"); got != ":root{--accent:#1f4e8c;--on-accent:#ffffff}\n" {
		t.Errorf("invalid colours reach theme.css: %q", got)
	}
	for raw, want := range map[string]string{
		"https://cdn.acme.test/logo.png": "https://cdn.acme.test/logo.png", "/logo.svg": "/logo.svg",
		"javascript:alert(1)": "", "data:image/svg+xml,<svg onload=alert(1)>": "", "//evil.test/x.png": "", "": "",
	} {
		if got := logoURL(raw); got != want {
			t.Errorf("logoURL(%q) = %q, want %q", raw, got, want)
		}
	}
	snap.Page.LogoURL = "https://cdn.acme.test/logo.png?a=1&b=2"
	if !strings.Contains(body(t, render(t, snap, Options{}), "index.html"), `<img src="https://cdn.acme.test/logo.png?a=1&amp;b=2" alt="" height="32">`) {
		t.Error("logo not shown")
	}
}

// TestEmptyPage: a brand-new page with nothing configured renders.
func TestEmptyPage(t *testing.T) {
	b := render(t, emptySnapshot(), Options{})
	page := body(t, b, "index.html")
	if !strings.Contains(page, "All Systems Operational") || strings.Contains(page, `id="h-components"`) {
		t.Error("empty page")
	}
	if got := body(t, b, "api/waiting.json"); got != `{"outage":false,"status":"none","message":"","incident_url":null,"updated_at":"2026-08-01T10:05:00.000Z"}` {
		t.Errorf("waiting.json %s", got)
	}
}

// TestWaitingDocument: an application switches to its waiting page during a
// major outage or a full maintenance, not for a minor incident.
func TestWaitingDocument(t *testing.T) {
	snap := emptySnapshot()
	snap.Page.URL = "https://status.acme.test/"
	snap.Components = []tocsin.Component{{ID: 1, PublicID: "aaaaaaaaaaaa", Name: "App", Status: tocsin.ComponentDegraded}}
	minor := tocsin.StatusIncident{ID: 1, PublicID: "iiiiiiiiiiii", Name: "Slow pages", Status: tocsin.IncidentInvestigating, Impact: tocsin.ImpactMinor, CreatedAt: at}
	snap.Incidents = []tocsin.StatusIncident{minor}
	if got := body(t, render(t, snap, Options{}), "api/waiting.json"); !strings.HasPrefix(got, `{"outage":false,"status":"minor","message":"Slow pages","incident_url":"https://status.acme.test/incidents/iiiiiiiiiiii.html"`) {
		t.Errorf("minor: %s", got)
	}
	snap.Components[0].Status = tocsin.ComponentMajor
	critical := tocsin.StatusIncident{ID: 2, PublicID: "jjjjjjjjjjjj", Name: "Down", Status: tocsin.IncidentIdentified, Impact: tocsin.ImpactCritical, CreatedAt: at.Add(-1)}
	snap.Incidents = append(snap.Incidents, critical)
	if got := body(t, render(t, snap, Options{}), "api/waiting.json"); !strings.HasPrefix(got, `{"outage":true,"status":"critical","message":"Down",`) {
		t.Errorf("critical: %s", got)
	}
	snap.Incidents = nil
	snap.Components[0].Status = tocsin.ComponentMaintenance
	snap.Maintenances = []tocsin.StatusIncident{{ID: 3, PublicID: "kkkkkkkkkkkk", Name: "Upgrade", Maintenance: true, Status: tocsin.MaintenanceInProgress, Impact: tocsin.ImpactMaintenance, ScheduledFor: at, ScheduledUntil: at.Add(1)}}
	if got := body(t, render(t, snap, Options{}), "api/waiting.json"); !strings.HasPrefix(got, `{"outage":true,"status":"maintenance","message":"Upgrade",`) {
		t.Errorf("maintenance: %s", got)
	}
}

// TestUnsafeIDsLeftOut: an id that could not be a file name never becomes one.
func TestUnsafeIDsLeftOut(t *testing.T) {
	snap := fixture()
	snap.Incidents[0].PublicID = "../../etc/x"
	snap.Components[3].PublicID = "a/b"
	b := render(t, snap, Options{})
	for _, p := range b.Paths() {
		if strings.Contains(p, "..") || strings.Contains(p, "a/b") {
			t.Errorf("bundle path %s", p)
		}
	}
}

func TestWordsComplete(t *testing.T) {
	for _, w := range []*words{english(), french()} {
		for _, s := range tocsin.ComponentStatuses() {
			if w.ComponentStatus[s] == "" {
				t.Errorf("%s: no word for %s", w.Lang, s)
			}
		}
		for _, s := range []tocsin.IncidentStatus{tocsin.IncidentInvestigating, tocsin.IncidentIdentified, tocsin.IncidentMonitoring, tocsin.IncidentResolved, tocsin.IncidentPostmortem, tocsin.MaintenanceScheduled, tocsin.MaintenanceInProgress, tocsin.MaintenanceVerifying, tocsin.MaintenanceCompleted} {
			if w.IncidentStatus[s] == "" {
				t.Errorf("%s: no word for %s", w.Lang, s)
			}
		}
		for _, p := range []tocsin.PageIndicator{tocsin.IndicatorNone, tocsin.IndicatorMinor, tocsin.IndicatorMajor, tocsin.IndicatorCritical, tocsin.IndicatorMaintenance} {
			if w.Indicator[p] == "" {
				t.Errorf("%s: no word for %s", w.Lang, p)
			}
		}
		for _, i := range []tocsin.IncidentImpact{tocsin.ImpactNone, tocsin.ImpactMinor, tocsin.ImpactMajor, tocsin.ImpactCritical, tocsin.ImpactMaintenance} {
			if w.Impact[i] == "" {
				t.Errorf("%s: no word for %s", w.Lang, i)
			}
		}
	}
	if english().percent(99.999) != "99.99%" || english().percent(100) != "100%" || french().percent(99.5) != "99,50\u202f%" {
		t.Error("percent")
	}
}

// TestDegradedOnly: degraded performance alone reads "Partially Degraded
// Service" as on Statuspage; a minor incident or an outage reads as before.
func TestDegradedOnly(t *testing.T) {
	snap := emptySnapshot()
	snap.Components = []tocsin.Component{
		{ID: 1, PublicID: "aaaaaaaaaaaa", Name: "App", Status: tocsin.ComponentDegraded, Showcase: true, CreatedAt: at},
		{ID: 2, PublicID: "bbbbbbbbbbbb", Name: "API", Status: tocsin.ComponentOperational, Showcase: true, CreatedAt: at},
	}
	// An open incident without impact does not make it an outage.
	snap.Incidents = []tocsin.StatusIncident{{ID: 1, PublicID: "iiiiiiiiiiii", Name: "Slow pages", Status: tocsin.IncidentInvestigating, Impact: tocsin.ImpactNone, CreatedAt: at}}
	check := func(lang, indicator, description, banner string) {
		t.Helper()
		snap.Page.Language = lang
		b := render(t, snap, Options{})
		want := `{"indicator":"` + indicator + `","description":"` + description + `"}`
		if got := body(t, b, "api/v2/status.json"); !strings.Contains(got, want) {
			t.Errorf("%s: status.json %s, want %s", lang, got, want)
		}
		if page := body(t, b, "index.html"); !strings.Contains(page, "<h1>"+banner+"</h1>") {
			t.Errorf("%s: the banner is not %q", lang, banner)
		}
		if !strings.Contains(body(t, b, "badge.svg"), banner) {
			t.Errorf("%s: the badge does not say %q", lang, banner)
		}
	}
	check("en", "minor", "Partially Degraded Service", "Partially Degraded Service")
	check("fr", "minor", "Partially Degraded Service", "Service partiellement dégradé")

	snap.Incidents[0].Impact = tocsin.ImpactMinor
	check("en", "minor", "Minor Service Outage", "Minor Service Outage")
	snap.Incidents = nil
	snap.Components[1].Status = tocsin.ComponentPartial
	check("en", "major", "Partial System Outage", "Partial System Outage")
}

// TestAutomaticUpdatesInPageLanguage: the words Tocsin wrote when a
// maintenance moved by itself follow the page's language, wherever it was
// then; a person's words are left as they are.
func TestAutomaticUpdatesInPageLanguage(t *testing.T) {
	snap := fixture()
	m := &snap.Maintenances[0] // in progress
	m.Updates = append(m.Updates,
		tocsin.StatusUpdate{ID: 201, PublicID: "upd00000201a", IncidentID: m.ID, Status: tocsin.MaintenanceInProgress,
			Body: "La maintenance programmée est en cours. Nous donnerons des nouvelles si nécessaire.", DisplayAt: at.Add(-30 * time.Minute), CreatedAt: at.Add(-30 * time.Minute)},
		tocsin.StatusUpdate{ID: 202, PublicID: "upd00000202a", IncidentID: m.ID, Status: tocsin.MaintenanceInProgress, AuthorID: 7, AuthorName: "Ada",
			Body: "La maintenance programmée est terminée.", DisplayAt: at.Add(-10 * time.Minute), CreatedAt: at.Add(-10 * time.Minute)})
	b := render(t, snap, Options{})
	english := "The scheduled maintenance is in progress. We will provide updates as necessary."
	for _, p := range []string{"incidents/mnt000active.html", "api/v2/summary.json", "history.atom"} {
		got := body(t, b, p)
		if !strings.Contains(got, english) || strings.Contains(got, "est en cours") {
			t.Errorf("%s: the automatic update is not in the page's language (English)", p)
		}
		if !strings.Contains(got, "La maintenance programmée est terminée.") {
			t.Errorf("%s: a person's words were changed", p)
		}
	}
	if UpdateText("fr", &snap.Maintenances[0].Updates[1]) != "La maintenance programmée est en cours. Nous donnerons des nouvelles si nécessaire." ||
		UpdateText("en", &snap.Maintenances[0].Updates[1]) != english {
		t.Error("UpdateText does not give the reader's language")
	}
}
