package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin"
)

const alertsPerPage = 50

// alertQuery is the list's filters as they appear in the URL, so that every
// view of the list can be bookmarked and shared.
type alertQuery struct {
	Status   string // open (default), triggered, acknowledged, resolved, all
	Service  int64
	Team     int64
	Priority string
	Label    string
	Text     string
	Sort     string // newest (default), oldest, priority, updated
	Page     int    // from 1
}

// alertTabs are the status tabs, in order.
func alertTabs() []string { return []string{"open", "triggered", "acknowledged", "resolved", "all"} }

// parseAlertQuery reads the filters; a value that means nothing is an error
// that says which, rather than a silently different list.
func parseAlertQuery(q url.Values) (alertQuery, error) {
	a := alertQuery{
		Status:   strings.TrimSpace(q.Get("status")),
		Priority: strings.ToUpper(strings.TrimSpace(q.Get("priority"))),
		Label:    strings.TrimSpace(q.Get("label")),
		Text:     strings.TrimSpace(q.Get("q")),
		Sort:     strings.TrimSpace(q.Get("sort")),
		Page:     1,
	}
	if a.Status == "" {
		a.Status = "open"
	}
	valid := false
	for _, t := range alertTabs() {
		valid = valid || t == a.Status
	}
	if !valid {
		return a, tocsin.Errorf(tocsin.EINVALID, "status %q is not one of open, triggered, acknowledged, resolved, all", a.Status)
	}
	if a.Priority != "" && !tocsin.Priority(a.Priority).Valid() {
		return a, tocsin.Errorf(tocsin.EINVALID, "priority %q is not one of P1…P5", a.Priority)
	}
	switch a.Sort {
	case "", "newest", "oldest", "priority", "updated":
	default:
		return a, tocsin.Errorf(tocsin.EINVALID, "sort %q is not one of newest, oldest, priority, updated", a.Sort)
	}
	var err error
	if a.Service, err = optionalID(q.Get("service"), "service"); err != nil {
		return a, err
	}
	if a.Team, err = optionalID(q.Get("team"), "team"); err != nil {
		return a, err
	}
	if p := strings.TrimSpace(q.Get("page")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100000 {
			return a, tocsin.Errorf(tocsin.EINVALID, "page %q is not a page number", p)
		}
		a.Page = n
	}
	if len(a.Label) > 2*tocsin.MaxLabelLen+1 || len(a.Text) > 500 {
		return a, tocsin.Errorf(tocsin.EINVALID, "a filter is too long")
	}
	return a, nil
}

// optionalID reads an id from a select: "" is none.
func optionalID(s, what string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0, tocsin.Errorf(tocsin.EINVALID, "%s %q is not an id", what, s)
	}
	return id, nil
}

func (a alertQuery) filter() tocsin.AlertFilter {
	f := tocsin.AlertFilter{ServiceID: a.Service, TeamID: a.Team, Label: a.Label, Text: a.Text, Sort: a.Sort, Limit: alertsPerPage, Offset: (a.Page - 1) * alertsPerPage}
	switch a.Status {
	case "open":
		f.Statuses = []tocsin.AlertStatus{tocsin.StatusTriggered, tocsin.StatusAcknowledged}
	case "all":
	default:
		f.Statuses = []tocsin.AlertStatus{tocsin.AlertStatus(a.Status)}
	}
	if a.Priority != "" {
		f.Priorities = []tocsin.Priority{tocsin.Priority(a.Priority)}
	}
	return f
}

// values encodes the query, leaving defaults out so that URLs stay short.
func (a alertQuery) values() url.Values {
	q := url.Values{}
	if a.Status != "open" {
		q.Set("status", a.Status)
	}
	if a.Service != 0 {
		q.Set("service", strconv.FormatInt(a.Service, 10))
	}
	if a.Team != 0 {
		q.Set("team", strconv.FormatInt(a.Team, 10))
	}
	for k, v := range map[string]string{"priority": a.Priority, "label": a.Label, "q": a.Text} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if a.Sort != "" && a.Sort != "newest" {
		q.Set("sort", a.Sort)
	}
	if a.Page > 1 {
		q.Set("page", strconv.Itoa(a.Page))
	}
	return q
}

// Encode is the query string (without "?").
func (a alertQuery) Encode() string { return a.values().Encode() }

// URL is the list's URL for this query.
func (a alertQuery) URL() string {
	if s := a.Encode(); s != "" {
		return "/alerts?" + s
	}
	return "/alerts"
}

// WithStatus is the URL of another tab, back on page 1.
func (a alertQuery) WithStatus(s string) string {
	a.Status, a.Page = s, 1
	return a.URL()
}

// ClearURL is the current tab without any other filter.
func (a alertQuery) ClearURL() string {
	return alertQuery{Status: a.Status, Page: 1}.URL()
}

// WithPage is the URL of another page of the same list.
func (a alertQuery) WithPage(p int) string {
	a.Page = p
	return a.URL()
}

// FragmentURL is what the live script fetches to refresh the list.
func (a alertQuery) FragmentURL() string {
	q := a.values()
	q.Set("fragment", "1")
	return "/alerts?" + q.Encode()
}

// alertListPage is the alert list.
type alertListPage struct {
	*view
	Query      alertQuery
	Tabs       []alertTab
	Alerts     []*tocsin.Alert
	Total      int
	From, To   int
	Prev, Next string
	Services   []*tocsin.Service
	Teams      []*tocsin.Team
	services   map[int64]string
	Priorities []tocsin.Priority
}

type alertTab struct {
	Status  string
	URL     string
	Count   int
	Counted bool // resolved and all are not counted
	Active  bool
}

// ServiceName names an alert's service ("" when unrouted).
func (p *alertListPage) ServiceName(id int64) string { return p.services[id] }

// alertList serves GET /alerts, and with fragment=1 only the live part of it.
func (h *Handler) alertList(w http.ResponseWriter, r *http.Request, v *view) {
	q, err := parseAlertQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	fragment := r.URL.Query().Get("fragment") == "1"
	p, err := h.loadAlertList(r, v, q, fragment)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if fragment {
		h.renderFragment(w, r, "alert_list", "alert_list_live", p)
		return
	}
	h.render(w, r, http.StatusOK, "alert_list", p)
}

// loadAlertList reads what the list shows; a live refresh (fragment) skips the
// filter form's choices, which it does not redraw.
func (h *Handler) loadAlertList(r *http.Request, v *view, q alertQuery, fragment bool) (*alertListPage, error) {
	ctx := r.Context()
	alerts, total, err := h.opts.DB.Alerts(ctx, q.filter())
	if err != nil {
		return nil, err
	}
	services, err := h.opts.DB.Services(ctx, 0)
	if err != nil {
		return nil, err
	}
	var teams []*tocsin.Team
	if !fragment {
		if teams, err = h.opts.DB.Teams(ctx); err != nil {
			return nil, err
		}
	}
	p := &alertListPage{view: v, Query: q, Alerts: alerts, Total: total, Services: services, Teams: teams, services: map[int64]string{}, Priorities: tocsin.Priorities()}
	for _, s := range services {
		p.services[s.ID] = s.Name
	}
	// Open tabs show how many alerts want attention; resolved ones are not
	// counted (they pile up, and nobody acts on their number).
	for _, t := range alertTabs() {
		tab := alertTab{Status: t, URL: q.WithStatus(t), Active: t == q.Status}
		switch t {
		case "open":
			tab.Count, tab.Counted = v.OpenCount, true
		case string(tocsin.StatusTriggered), string(tocsin.StatusAcknowledged):
			tab.Count, tab.Counted = v.counts[tocsin.AlertStatus(t)], true
		}
		p.Tabs = append(p.Tabs, tab)
	}
	if len(alerts) > 0 {
		p.From = (q.Page-1)*alertsPerPage + 1
		p.To = p.From + len(alerts) - 1
	}
	if q.Page > 1 {
		p.Prev = q.WithPage(q.Page - 1)
	}
	if q.Page*alertsPerPage < total {
		p.Next = q.WithPage(q.Page + 1)
	}
	return p, nil
}
