package statuspage

import (
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// words are every word the public page, its feeds, badges and embed script
// show, in the page's language. The page is rendered for one language (its
// settings), not per visitor, so it can be served from memory and exported
// as static files; this small table keeps the package free of the web UI's
// catalogs.
type words struct {
	Lang string // the html lang attribute

	Indicator       map[tocsin.PageIndicator]string
	ComponentStatus map[tocsin.ComponentStatus]string
	IncidentStatus  map[tocsin.IncidentStatus]string
	Impact          map[tocsin.IncidentImpact]string

	// DegradedOnly is the banner when degraded performance alone sets the
	// indicator (Statuspage's "Partially Degraded Service").
	DegradedOnly string
	// Colon separates a label from its value: ": ", or " : " in French
	// (a no-break space before the colon).
	Colon string

	Months      [12]string // long, for dates
	MonthsShort [12]string // in times

	CurrentIncidents      string
	MaintenanceNow        string
	MaintenanceUpcoming   string
	Components            string
	Uptime                string // "{pct} uptime"
	NoData                string
	DaysAgo               string // "{n} days ago"
	Today                 string
	PastIncidents         string
	NoIncidents           string
	History               string
	HistoryIntro          string
	NoHistory             string
	Subscribe             string
	SubscribeIntro        string
	FollowFeeds           string // instead of SubscribeIntro and the form, when the page sends no e-mail
	Email                 string
	SubscribeButton       string
	SomeComponents        string
	Feeds                 string
	RSS                   string
	Atom                  string
	JSON                  string
	Badge                 string
	AffectedComponents    string
	Updates               string
	Postmortem            string
	ScheduledWindow       string // "{from} – {until}"
	Started               string
	Resolved              string
	BackToStatus          string
	NotFound              string
	NotFoundText          string
	LastUpdated           string
	PoweredBy             string
	ViewDetails           string
	Dismiss               string
	BadgeLabel            string
	FeedTitle             string // "{name} – history"
	FeedDescription       string
	ComponentChange       string // "{name}: {old} → {new}"
	DayOutage             string // "{status} {duration}"
	MinutesShort          string // "{n} min"
	HoursShort            string // "{n} h {m} min"
	SkipToContent         string
	EmbedOpenIncident     string
	EmbedMaintenance      string
	DecimalSeparator      string
	PercentSign           string
	DateOrderDayFirst     bool
	SubscribeComponentTip string
}

// wordsFor returns the table of a page language; anything but "fr" is English.
func wordsFor(lang string) *words {
	if lang == "fr" {
		return french()
	}
	return english()
}

func english() *words {
	return &words{
		Lang: "en",
		Indicator: map[tocsin.PageIndicator]string{
			tocsin.IndicatorNone:        "All Systems Operational",
			tocsin.IndicatorMinor:       "Minor Service Outage",
			tocsin.IndicatorMajor:       "Partial System Outage",
			tocsin.IndicatorCritical:    "Major System Outage",
			tocsin.IndicatorMaintenance: "Service Under Maintenance",
		},
		DegradedOnly: "Partially Degraded Service",
		Colon:        ": ",
		ComponentStatus: map[tocsin.ComponentStatus]string{
			tocsin.ComponentOperational: "Operational",
			tocsin.ComponentDegraded:    "Degraded performance",
			tocsin.ComponentPartial:     "Partial outage",
			tocsin.ComponentMajor:       "Major outage",
			tocsin.ComponentMaintenance: "Under maintenance",
		},
		IncidentStatus: map[tocsin.IncidentStatus]string{
			tocsin.IncidentInvestigating: "Investigating",
			tocsin.IncidentIdentified:    "Identified",
			tocsin.IncidentMonitoring:    "Monitoring",
			tocsin.IncidentResolved:      "Resolved",
			tocsin.IncidentPostmortem:    "Post-mortem",
			tocsin.MaintenanceScheduled:  "Scheduled",
			tocsin.MaintenanceInProgress: "In progress",
			tocsin.MaintenanceVerifying:  "Verifying",
			tocsin.MaintenanceCompleted:  "Completed",
		},
		Impact: map[tocsin.IncidentImpact]string{
			tocsin.ImpactNone:        "No impact",
			tocsin.ImpactMinor:       "Minor",
			tocsin.ImpactMajor:       "Major",
			tocsin.ImpactCritical:    "Critical",
			tocsin.ImpactMaintenance: "Maintenance",
		},
		Months:                [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		MonthsShort:           [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		CurrentIncidents:      "Current incidents",
		MaintenanceNow:        "Maintenance in progress",
		MaintenanceUpcoming:   "Scheduled maintenance",
		Components:            "Components",
		Uptime:                "{pct} uptime",
		NoData:                "No data",
		DaysAgo:               "{n} days ago",
		Today:                 "Today",
		PastIncidents:         "Past incidents",
		NoIncidents:           "No incidents reported.",
		History:               "Incident history",
		HistoryIntro:          "The most recent incidents and maintenances.",
		NoHistory:             "Nothing to report yet.",
		Subscribe:             "Get updates",
		SubscribeIntro:        "Receive an e-mail when an incident is opened, updated or resolved, and before a maintenance. You will be asked to confirm your address.",
		FollowFeeds:           "Follow this page in a feed reader: its RSS and Atom feeds carry every incident, update and maintenance as it is published.",
		Email:                 "E-mail address",
		SubscribeButton:       "Subscribe",
		SomeComponents:        "Only about some components (optional)",
		SubscribeComponentTip: "Leave all unticked to hear about the whole page.",
		Feeds:                 "Feeds and API",
		RSS:                   "RSS feed",
		Atom:                  "Atom feed",
		JSON:                  "JSON API",
		Badge:                 "Status badge",
		AffectedComponents:    "Affected components",
		Updates:               "Updates",
		Postmortem:            "Post-mortem",
		ScheduledWindow:       "{from} – {until}",
		Started:               "Started",
		Resolved:              "Resolved",
		BackToStatus:          "Current status",
		NotFound:              "Page not found",
		NotFoundText:          "There is nothing at this address.",
		LastUpdated:           "Last updated",
		PoweredBy:             "Powered by Tocsin",
		ViewDetails:           "View details",
		Dismiss:               "Dismiss",
		BadgeLabel:            "status",
		FeedTitle:             "{name} – history",
		FeedDescription:       "Incidents and maintenances of {name}, each update as it is published.",
		ComponentChange:       "{name}: {old} → {new}",
		DayOutage:             "{status}: {duration}",
		MinutesShort:          "{n} min",
		HoursShort:            "{h} h {m} min",
		SkipToContent:         "Skip to content",
		EmbedOpenIncident:     "Incident",
		EmbedMaintenance:      "Maintenance",
		DecimalSeparator:      ".",
		PercentSign:           "%",
		DateOrderDayFirst:     false,
	}
}

func french() *words {
	return &words{
		Lang: "fr",
		Indicator: map[tocsin.PageIndicator]string{
			tocsin.IndicatorNone:        "Tous les systèmes sont opérationnels",
			tocsin.IndicatorMinor:       "Panne mineure",
			tocsin.IndicatorMajor:       "Panne partielle",
			tocsin.IndicatorCritical:    "Panne majeure",
			tocsin.IndicatorMaintenance: "Service en maintenance",
		},
		DegradedOnly: "Service partiellement dégradé",
		Colon:        "\u00a0: ",
		ComponentStatus: map[tocsin.ComponentStatus]string{
			tocsin.ComponentOperational: "Opérationnel",
			tocsin.ComponentDegraded:    "Performances dégradées",
			tocsin.ComponentPartial:     "Panne partielle",
			tocsin.ComponentMajor:       "Panne majeure",
			tocsin.ComponentMaintenance: "En maintenance",
		},
		IncidentStatus: map[tocsin.IncidentStatus]string{
			tocsin.IncidentInvestigating: "Analyse en cours",
			tocsin.IncidentIdentified:    "Cause identifiée",
			tocsin.IncidentMonitoring:    "Sous surveillance",
			tocsin.IncidentResolved:      "Résolu",
			tocsin.IncidentPostmortem:    "Post-mortem",
			tocsin.MaintenanceScheduled:  "Planifiée",
			tocsin.MaintenanceInProgress: "En cours",
			tocsin.MaintenanceVerifying:  "Vérification",
			tocsin.MaintenanceCompleted:  "Terminée",
		},
		Impact: map[tocsin.IncidentImpact]string{
			tocsin.ImpactNone:        "Sans impact",
			tocsin.ImpactMinor:       "Mineur",
			tocsin.ImpactMajor:       "Majeur",
			tocsin.ImpactCritical:    "Critique",
			tocsin.ImpactMaintenance: "Maintenance",
		},
		Months:                [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		MonthsShort:           [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
		CurrentIncidents:      "Incidents en cours",
		MaintenanceNow:        "Maintenance en cours",
		MaintenanceUpcoming:   "Maintenances planifiées",
		Components:            "Composants",
		Uptime:                "{pct} de disponibilité",
		NoData:                "Pas de données",
		DaysAgo:               "il y a {n} jours",
		Today:                 "Aujourd’hui",
		PastIncidents:         "Incidents passés",
		NoIncidents:           "Aucun incident signalé.",
		History:               "Historique des incidents",
		HistoryIntro:          "Les incidents et maintenances les plus récents.",
		NoHistory:             "Rien à signaler pour l’instant.",
		Subscribe:             "Recevoir les mises à jour",
		SubscribeIntro:        "Recevez un e-mail quand un incident est ouvert, mis à jour ou résolu, et avant une maintenance. Il vous sera demandé de confirmer votre adresse.",
		FollowFeeds:           "Suivez cette page dans un lecteur de flux\u00a0: ses flux RSS et Atom portent chaque incident, mise à jour et maintenance dès sa publication.",
		Email:                 "Adresse e-mail",
		SubscribeButton:       "S’abonner",
		SomeComponents:        "Seulement certains composants (facultatif)",
		SubscribeComponentTip: "Ne cochez rien pour suivre toute la page.",
		Feeds:                 "Flux et API",
		RSS:                   "Flux RSS",
		Atom:                  "Flux Atom",
		JSON:                  "API JSON",
		Badge:                 "Badge de statut",
		AffectedComponents:    "Composants touchés",
		Updates:               "Mises à jour",
		Postmortem:            "Post-mortem",
		ScheduledWindow:       "du {from} au {until}",
		Started:               "Début",
		Resolved:              "Résolu",
		BackToStatus:          "État actuel",
		NotFound:              "Page introuvable",
		NotFoundText:          "Il n’y a rien à cette adresse.",
		LastUpdated:           "Dernière mise à jour",
		PoweredBy:             "Propulsé par Tocsin",
		ViewDetails:           "Voir le détail",
		Dismiss:               "Fermer",
		BadgeLabel:            "statut",
		FeedTitle:             "{name} – historique",
		FeedDescription:       "Incidents et maintenances de {name}, chaque mise à jour dès sa publication.",
		ComponentChange:       "{name}\u00a0: {old} → {new}",
		DayOutage:             "{status}\u00a0: {duration}",
		MinutesShort:          "{n} min",
		HoursShort:            "{h} h {m} min",
		SkipToContent:         "Aller au contenu",
		EmbedOpenIncident:     "Incident",
		EmbedMaintenance:      "Maintenance",
		DecimalSeparator:      ",",
		PercentSign:           "\u202f%",
		DateOrderDayFirst:     true,
	}
}

// automatic is what a maintenance that moves by itself says when it starts
// and ends, as the store writes it in the page's language; "" for other
// statuses.
func automatic(lang string, s tocsin.IncidentStatus) string {
	fr := lang == "fr"
	switch {
	case s == tocsin.MaintenanceInProgress && fr:
		return "La maintenance programmée est en cours. Nous donnerons des nouvelles si nécessaire."
	case s == tocsin.MaintenanceInProgress:
		return "The scheduled maintenance is in progress. We will provide updates as necessary."
	case s == tocsin.MaintenanceCompleted && fr:
		return "La maintenance programmée est terminée."
	case s == tocsin.MaintenanceCompleted:
		return "The scheduled maintenance has been completed."
	}
	return ""
}

// UpdateText is what an update says to a reader of lang ("en" or "fr"): its
// body, except that the words Tocsin wrote itself when a maintenance moved
// by itself (no author, the body exactly as written) are given in the
// reader's language, whatever the page's language was then.
func UpdateText(lang string, u *tocsin.StatusUpdate) string {
	if u.AuthorID != 0 || u.AuthorName != "" {
		return u.Body
	}
	for _, written := range []string{"en", "fr"} {
		if t := automatic(written, u.Status); t != "" && u.Body == t {
			return automatic(lang, u.Status)
		}
	}
	return u.Body
}

// localizeUpdates gives the automatic updates of incidents (copies: see
// sortedIncidents) in the page's language.
func (m *model) localizeUpdates(list []tocsin.StatusIncident) {
	for i := range list {
		for k := range list[i].Updates {
			list[i].Updates[k].Body = UpdateText(m.w.Lang, &list[i].Updates[k])
		}
	}
}

// fill replaces {key} placeholders in a sentence of the table.
func fill(s string, kv ...string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}

// percent writes an uptime percentage as the language does: 99.98% or 99,98 %.
// It never rounds up to 100 while there was downtime.
func (w *words) percent(p float64) string {
	if p < 100 && p > 99.99 {
		p = 99.99
	}
	s := strconv.FormatFloat(p, 'f', 2, 64)
	if p >= 100 {
		s = "100"
	}
	return strings.Replace(s, ".", w.DecimalSeparator, 1) + w.PercentSign
}

// date writes a day: "August 1, 2026" or "1 août 2026".
func (w *words) date(t time.Time) string {
	m := w.Months[t.Month()-1]
	if w.DateOrderDayFirst {
		return strconv.Itoa(t.Day()) + " " + m + " " + strconv.Itoa(t.Year())
	}
	return m + " " + strconv.Itoa(t.Day()) + ", " + strconv.Itoa(t.Year())
}

// dateTime writes an instant with its zone: "Aug 1, 2026, 10:05 CEST" or
// "1 août 2026, 10:05 CEST".
func (w *words) dateTime(t time.Time) string {
	m := w.MonthsShort[t.Month()-1]
	var d string
	if w.DateOrderDayFirst {
		d = strconv.Itoa(t.Day()) + " " + m + " " + strconv.Itoa(t.Year())
	} else {
		d = m + " " + strconv.Itoa(t.Day()) + ", " + strconv.Itoa(t.Year())
	}
	return d + ", " + t.Format("15:04 MST")
}

// duration writes a day's outage length: "12 min", "2 h 5 min".
func (w *words) duration(d time.Duration) string {
	m := int((d + 30*time.Second) / time.Minute)
	if m < 1 {
		m = 1
	}
	if m < 60 {
		return fill(w.MinutesShort, "n", strconv.Itoa(m))
	}
	return fill(w.HoursShort, "h", strconv.Itoa(m/60), "m", strconv.Itoa(m%60))
}
