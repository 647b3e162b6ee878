package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// payPage is the on-call pay report of a month.
type payPage struct {
	*view
	Month    oncall.Month
	TeamID   int64
	Teams    []*tocsin.Team
	Report   oncall.PayReport
	Personal bool // the viewer sees only their own rows
	Current  bool // the month is not over: its end is the planning, not history
}

// payRequest reads ?month= (default: the viewer's current month) and ?team=,
// and what the viewer may see: admins everyone, others their own rows.
func (h *Handler) payRequest(r *http.Request, v *view) (oncall.PayQuery, error) {
	q := oncall.PayQuery{Now: v.now, Month: oncall.MonthOf(v.now, v.tz)}
	if s := r.URL.Query().Get("month"); s != "" {
		m, err := oncall.ParseMonth(s)
		if err != nil {
			return q, err
		}
		q.Month = m
	}
	team, err := optionalID(r.URL.Query().Get("team"), "team")
	if err != nil {
		return q, err
	}
	if team != 0 {
		if _, err := h.opts.DB.Team(r.Context(), team); err != nil {
			return q, tocsin.Errorf(tocsin.EINVALID, "team %d does not exist", team)
		}
	}
	q.TeamID = team
	if !v.CanConfigure() {
		q.UserID = v.User.ID
	}
	return q, nil
}

// reportPay serves GET /reports/oncall-pay.
func (h *Handler) reportPay(w http.ResponseWriter, r *http.Request, v *view) {
	q, err := h.payRequest(r, v)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &payPage{view: v, Month: q.Month, TeamID: q.TeamID, Personal: q.UserID != 0}
	from, to := q.Month.Window(v.tz)
	p.Current = v.now.Before(to) && !v.now.Before(from)
	if p.Teams, err = h.opts.DB.Teams(r.Context()); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if p.Report, err = oncall.LoadPay(r.Context(), h.opts.DB, q); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, http.StatusOK, "report_pay", p)
}

// reportPayCSV serves GET /reports/oncall-pay.csv: the same rows, to download.
func (h *Handler) reportPayCSV(w http.ResponseWriter, r *http.Request, v *view) {
	q, err := h.payRequest(r, v)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	rep, err := oncall.LoadPay(r.Context(), h.opts.DB, q)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	var buf bytes.Buffer
	if err := oncall.WritePayCSV(&buf, rep); err != nil {
		h.fail(w, r, v, err)
		return
	}
	sendCSV(w, oncall.PayFileName(q.Month), buf.Bytes())
}

// MonthName is "November 2026" in the viewer's language.
func (p *payPage) MonthName(m oncall.Month) string {
	ids := [...]string{"report_pay.month_1", "report_pay.month_2", "report_pay.month_3", "report_pay.month_4", "report_pay.month_5", "report_pay.month_6",
		"report_pay.month_7", "report_pay.month_8", "report_pay.month_9", "report_pay.month_10", "report_pay.month_11", "report_pay.month_12"}
	return p.T(ids[m.Month-1], "Year", m.Year)
}

// Link is the report's address for another month (and the same team).
func (p *payPage) Link(path string, m oncall.Month) string {
	q := url.Values{"month": {m.String()}}
	if p.TeamID != 0 {
		q.Set("team", strconv.FormatInt(p.TeamID, 10))
	}
	return path + "?" + q.Encode()
}

// Num writes a number with two decimals, with the viewer's decimal mark.
func (p *payPage) Num(f float64) string {
	s := oncall.Fixed2(f)
	if p.Lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Days writes time on call as days of 24 hours.
func (p *payPage) Days(d time.Duration) string { return p.Num(oncall.Days(d)) }

// Hours writes a duration in hours.
func (p *payPage) Hours(d time.Duration) string { return p.Num(d.Hours()) }

// Amount writes an amount with its currency.
func (p *payPage) Amount(m tocsin.Money, currency string) string {
	s := m.String()
	if p.Lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + currency
}
