package statuspage

import (
	"bytes"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// The HTML pages: index.html, incidents/<publicid>.html, history.html and the
// 404 page. Links are relative (Root is "" or "../") so that the same files
// work at a listener's root, under a prefix, and as a static export.

// pastDays is how many days the index lists past incidents for.
const pastDays = 14

type pageView struct {
	W         *words
	Root      string // the way back to the page's root from this file
	Title     string
	Name      string
	Logo      string
	Indicator tocsin.PageIndicator
	Banner    string
	Updated   timeView

	Incidents []*incidentView // unresolved
	Active    []*incidentView // maintenances in progress
	Upcoming  []*incidentView
	Rows      []*componentRow
	Past      []pastDay
	History   []monthView

	Subscribe       string // the form's action; empty: no e-mail, the feeds are offered instead
	SubscribeChoice []*componentRow

	Incident *incidentView // incidents/<id>.html
}

type timeView struct {
	Text string
	ISO  string
}

type incidentView struct {
	PublicID    string
	Name        string
	Link        string // from the root
	Status      tocsin.IncidentStatus
	StatusText  string
	Impact      tocsin.IncidentImpact
	ImpactText  string
	Maintenance bool
	Closed      bool
	Window      string
	Started     timeView
	Resolved    timeView
	Affected    []string
	Updates     []updateView
	Postmortem  template.HTML
}

type updateView struct {
	PublicID   string
	StatusText string
	Body       template.HTML
	At         timeView
	Changes    []string
}

type componentRow struct {
	PublicID    string
	Name        string
	Description string
	Status      tocsin.ComponentStatus
	StatusText  string
	Group       bool
	Children    []*componentRow
	Bars        []bar
	Uptime      string
}

type bar struct {
	Class string
	Label string
}

type pastDay struct {
	Date      string
	Incidents []*incidentView
}

type monthView struct {
	Month     string
	Incidents []*incidentView
}

func (m *model) at(t time.Time) timeView {
	if t.IsZero() {
		return timeView{}
	}
	return timeView{Text: m.w.dateTime(t.In(m.loc)), ISO: t.UTC().Format(time.RFC3339)}
}

func (m *model) incidentView(i *tocsin.StatusIncident, md *Markdown, full bool) *incidentView {
	v := &incidentView{
		PublicID: i.PublicID, Name: i.Name, Link: incidentPath(i),
		Status: i.Status, StatusText: m.w.IncidentStatus[i.Status],
		Impact: i.Impact, ImpactText: m.w.Impact[i.Impact],
		Maintenance: i.Maintenance, Closed: i.Status.Closed(),
		Started: m.at(began(i)), Resolved: m.at(i.ResolvedAt),
	}
	if i.Maintenance {
		v.Window = fill(m.w.ScheduledWindow, "from", m.w.dateTime(i.ScheduledFor.In(m.loc)), "until", m.w.dateTime(i.ScheduledUntil.In(m.loc)))
	}
	for _, c := range m.affected(i) {
		v.Affected = append(v.Affected, c.Name)
	}
	updates := i.Updates
	if !full && len(updates) > 1 {
		updates = updates[:1] // lists show the latest word; the incident's page the whole timeline
	}
	for _, u := range updates {
		uv := updateView{PublicID: u.PublicID, StatusText: m.w.IncidentStatus[u.Status], Body: md.HTML(u.Body, tocsin.MaxUpdateBody), At: m.at(displayAt(u))}
		if full {
			for _, ch := range u.Changes {
				name := ch.Name
				if c, ok := m.byID[ch.ComponentID]; ok {
					name = c.Name
				}
				uv.Changes = append(uv.Changes, fill(m.w.ComponentChange, "name", name, "old", m.w.ComponentStatus[ch.Old], "new", m.w.ComponentStatus[ch.New]))
			}
		}
		v.Updates = append(v.Updates, uv)
	}
	if full && v.Closed && !i.Maintenance && strings.TrimSpace(i.Postmortem) != "" {
		v.Postmortem = md.HTML(i.Postmortem, tocsin.MaxPostmortemBody)
	}
	return v
}

func (m *model) incidentViews(list []*tocsin.StatusIncident, md *Markdown, full bool) []*incidentView {
	out := make([]*incidentView, 0, len(list))
	for _, i := range list {
		out = append(out, m.incidentView(i, md, full))
	}
	return out
}

// rows builds the components section: visible top-level components and
// groups, a group holding its visible children (a group with none is left out).
func (m *model) rows() []*componentRow {
	var out []*componentRow
	for k := range m.components {
		c := &m.components[k]
		if c.GroupID != 0 {
			continue
		}
		if !c.Group {
			if visible(c) {
				out = append(out, m.row(c))
			}
			continue
		}
		if !c.Showcase {
			continue
		}
		g := m.row(c)
		for _, id := range m.children[c.ID] {
			if child := m.byID[id]; visible(child) {
				g.Children = append(g.Children, m.row(child))
			}
		}
		if len(g.Children) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func (m *model) row(c *tocsin.Component) *componentRow {
	r := &componentRow{PublicID: c.PublicID, Name: c.Name, Description: c.Description, Status: c.Status, StatusText: m.w.ComponentStatus[c.Status], Group: c.Group}
	if c.Group {
		return r
	}
	spans := m.spans(c)
	days, pct := tocsin.UptimeHistory(spans, tocsin.UptimeDays, m.now, m.loc)
	r.Uptime = fill(m.w.Uptime, "pct", m.w.percent(pct))
	r.Bars = make([]bar, len(days))
	for i, d := range days {
		r.Bars[i] = m.bar(d, spans)
	}
	return r
}

// spans is a component's status history as the bars read it: the stored
// spans, starting no earlier than its start date; a component with no
// history yet has been in its current status since it was created.
func (m *model) spans(c *tocsin.Component) []tocsin.ComponentStatusSpan {
	spans := m.snap.Spans[c.ID]
	if len(spans) == 0 {
		from := c.CreatedAt
		if from.IsZero() {
			return nil
		}
		spans = []tocsin.ComponentStatusSpan{{ComponentID: c.ID, Status: c.Status, From: from}}
	}
	if c.StartDate.IsZero() {
		return spans
	}
	s := c.StartDate.In(m.loc)
	start := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, m.loc)
	var out []tocsin.ComponentStatusSpan
	for j, sp := range spans {
		if j+1 < len(spans) && !spans[j+1].From.After(start) {
			continue // over before the start date
		}
		if sp.From.Before(start) {
			sp.From = start
		}
		out = append(out, sp)
	}
	return out
}

// bar is one day: coloured by its worst outage, labelled with the date, the
// uptime and how long each outage lasted.
func (m *model) bar(d tocsin.UptimeDay, spans []tocsin.ComponentStatusSpan) bar {
	date := m.w.date(d.Day)
	if !d.Known {
		return bar{Class: "none", Label: date + m.w.Colon + m.w.NoData}
	}
	// The day counts from midnight, or from when the component's history
	// starts, to the next midnight or now (as tocsin.UptimeHistory does).
	start, end := d.Day, d.Day.AddDate(0, 0, 1)
	if end.After(m.now) {
		end = m.now
	}
	if len(spans) > 0 && spans[0].From.After(start) {
		start = spans[0].From
	}
	b := bar{Class: "op", Label: date + m.w.Colon + fill(m.w.Uptime, "pct", m.w.percent(100*d.Uptime(end.Sub(start))))}
	for _, o := range []struct {
		d     time.Duration
		s     tocsin.ComponentStatus
		class string
	}{{d.Major, tocsin.ComponentMajor, "maj"}, {d.Partial, tocsin.ComponentPartial, "part"}, {d.Degraded, tocsin.ComponentDegraded, "deg"}} {
		if o.d <= 0 {
			continue
		}
		if b.Class == "op" {
			b.Class = o.class
		}
		b.Label += "; " + fill(m.w.DayOutage, "status", m.w.ComponentStatus[o.s], "duration", m.w.duration(o.d))
	}
	return b
}

// past lists the last pastDays days, today first, with the incidents and
// maintenances that started on each.
func (m *model) past(md *Markdown) []pastDay {
	local := m.now.In(m.loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, m.loc)
	out := make([]pastDay, pastDays)
	index := map[string]int{}
	for k := range out {
		day := today.AddDate(0, 0, -k)
		out[k].Date = m.w.date(day)
		index[day.Format("2006-01-02")] = k
	}
	for _, i := range m.started() {
		if k, ok := index[began(i).In(m.loc).Format("2006-01-02")]; ok {
			out[k].Incidents = append(out[k].Incidents, m.incidentView(i, md, false))
		}
	}
	return out
}

// started is every incident and every maintenance that has begun, newest
// first: what the past and history lists show.
func (m *model) started() []*tocsin.StatusIncident {
	var out []*tocsin.StatusIncident
	for k := range m.incidents {
		out = append(out, &m.incidents[k])
	}
	for k := range m.maintenances {
		i := &m.maintenances[k]
		if i.Status != tocsin.MaintenanceScheduled && !i.ScheduledFor.After(m.now) {
			out = append(out, i)
		}
	}
	slices.SortStableFunc(out, func(a, b *tocsin.StatusIncident) int { return began(b).Compare(began(a)) })
	return out
}

// began is when customers saw an incident start: a maintenance's window
// opens at ScheduledFor, whenever it was announced.
func began(i *tocsin.StatusIncident) time.Time {
	if i.Maintenance && !i.ScheduledFor.IsZero() {
		return i.ScheduledFor
	}
	return startedAt(i)
}

func (m *model) history(md *Markdown) []monthView {
	var out []monthView
	for _, i := range m.started() {
		t := began(i).In(m.loc)
		month := m.w.Months[t.Month()-1] + " " + strconv.Itoa(t.Year())
		if len(out) == 0 || out[len(out)-1].Month != month {
			out = append(out, monthView{Month: month})
		}
		out[len(out)-1].Incidents = append(out[len(out)-1].Incidents, m.incidentView(i, md, false))
	}
	return out
}

func (m *model) baseView(root, title string) *pageView {
	name := m.page.Name
	if name == "" {
		name = "Status"
	}
	if title == "" {
		title = name
	} else {
		title += " – " + name
	}
	return &pageView{
		W: m.w, Root: root, Title: title, Name: name, Logo: logoURL(m.page.LogoURL),
		Indicator: m.indicator, Banner: m.banner(), Updated: m.at(m.updatedAt),
	}
}

// htmlFiles renders every page of the bundle, and the 404 page for each
// depth of path (its links must lead back to the root from where it is shown).
func (m *model) htmlFiles(t *template.Template, md *Markdown) (map[string][]byte, map[int][]byte, error) {
	out := map[string][]byte{}
	render := func(path, name string, v *pageView) error {
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, v); err != nil {
			return err
		}
		out[path] = buf.Bytes()
		return nil
	}

	index := m.baseView("", "")
	index.Incidents = m.incidentViews(m.unresolved, md, true)
	index.Active = m.incidentViews(m.active, md, true)
	index.Upcoming = m.incidentViews(m.upcoming, md, false)
	index.Rows = m.rows()
	index.Past = m.past(md)
	if !m.snap.NoEmail {
		index.Subscribe = "subscribe"
		if m.opts.SubscribeURL != "" {
			index.Subscribe = m.opts.SubscribeURL
		}
		for _, r := range index.Rows {
			if r.Group {
				index.SubscribeChoice = append(index.SubscribeChoice, r.Children...)
			} else {
				index.SubscribeChoice = append(index.SubscribeChoice, r)
			}
		}
	}
	if err := render("index.html", "index", index); err != nil {
		return nil, nil, err
	}

	hist := m.baseView("", m.w.History)
	hist.History = m.history(md)
	if err := render("history.html", "history", hist); err != nil {
		return nil, nil, err
	}

	for _, list := range [][]tocsin.StatusIncident{m.incidents, m.maintenances} {
		for k := range list {
			i := &list[k]
			v := m.baseView("../", i.Name)
			v.Incident = m.incidentView(i, md, true)
			if err := render(incidentPath(i), "incident", v); err != nil {
				return nil, nil, err
			}
		}
	}

	notFound := map[int][]byte{}
	for depth := 0; depth <= maxNotFoundDepth; depth++ {
		v := m.baseView(strings.Repeat("../", depth), m.w.NotFound)
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "notfound", v); err != nil {
			return nil, nil, err
		}
		notFound[depth] = buf.Bytes()
	}
	out["404.html"] = notFound[0]
	return out, notFound, nil
}

// maxNotFoundDepth: deeper unknown paths get a 404 page whose stylesheet
// link misses; its text still reads.
const maxNotFoundDepth = 4
