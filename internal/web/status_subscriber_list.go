package web

import (
	"net/http"
	"time"

	"github.com/tocsin/tocsin"
)

// statusSubscriberRow is a subscriber as members see them: the address
// masked (it is personal data, and a webhook's URL may hold a secret); never
// their token or signing secret.
type statusSubscriberRow struct {
	ID         int64
	Kind       tocsin.SubscriberKind
	Masked     string
	Components []string // names; none: the whole page
	Confirmed  bool
	Since      time.Time
}

// statusSubscribersPage lists the page's subscribers, with the forms that
// add a webhook or e-mail addresses (kept as typed when refused).
type statusSubscribersPage struct {
	*view
	Subscribers []statusSubscriberRow
	Confirmed   int
	Components  []tocsin.Component // for the forms' pickers
	Webhook     statusWebhookForm
	Emails      statusEmailsForm
	NewSecret   *secretBox // a webhook's signing secret, right after adding it: the only time it is shown
	// NoEmail: this server has no SMTP relay, so e-mail subscribers receive
	// nothing and the public page offers its feeds instead of the form.
	NoEmail bool
}

// WebhookPicker and EmailPicker are the forms' component pickers: a tick
// per component, none for the whole page.
func (p *statusSubscribersPage) WebhookPicker() statusPicker {
	return statusPicker{View: p.view, Components: p.Components, Name: "component", Picked: p.Webhook.Picked}
}

func (p *statusSubscribersPage) EmailPicker() statusPicker {
	return statusPicker{View: p.view, Components: p.Components, Name: "component", Picked: p.Emails.Picked}
}

// statusSubscriberList serves GET /statuspage/subscribers.
func (h *Handler) statusSubscriberList(w http.ResponseWriter, r *http.Request, v *view) {
	h.renderStatusSubscribers(w, r, v, http.StatusOK, &statusSubscribersPage{view: v})
}

// renderStatusSubscribers fills p's list and components and renders it.
func (h *Handler) renderStatusSubscribers(w http.ResponseWriter, r *http.Request, v *view, status int, p *statusSubscribersPage) {
	ctx := r.Context()
	list, err := h.opts.DB.Subscribers(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	components, err := h.opts.DB.Components(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	componentNames := namesByID(components, func(c tocsin.Component) (int64, string) { return c.ID, c.Name })
	p.Components = components
	p.NoEmail = !h.offers(tocsin.ContactEmail)
	for _, s := range list {
		row := statusSubscriberRow{ID: s.ID, Kind: s.Kind, Masked: maskAddress(s.Kind, s.Address), Confirmed: !s.ConfirmedAt.IsZero(), Since: s.CreatedAt}
		row.Components = componentNames.Of(s.ComponentIDs)
		if row.Confirmed {
			p.Confirmed++
		}
		p.Subscribers = append(p.Subscribers, row)
	}
	h.render(w, r, status, "status_subscribers", p)
}

// MaxEmails is how many addresses the e-mail form takes at once.
func (p *statusSubscribersPage) MaxEmails() int { return maxEmailLines }
