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

// statusSubscribersPage lists the page's subscribers.
type statusSubscribersPage struct {
	*view
	Subscribers []statusSubscriberRow
	Confirmed   int
}

// statusSubscriberList serves GET /statuspage/subscribers.
func (h *Handler) statusSubscriberList(w http.ResponseWriter, r *http.Request, v *view) {
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
	names := map[int64]string{}
	for _, c := range components {
		names[c.ID] = c.Name
	}
	p := &statusSubscribersPage{view: v}
	for _, s := range list {
		row := statusSubscriberRow{ID: s.ID, Kind: s.Kind, Masked: maskAddress(s.Kind, s.Address), Confirmed: !s.ConfirmedAt.IsZero(), Since: s.CreatedAt}
		for _, id := range s.ComponentIDs {
			if n, ok := names[id]; ok {
				row.Components = append(row.Components, n)
			}
		}
		if row.Confirmed {
			p.Confirmed++
		}
		p.Subscribers = append(p.Subscribers, row)
	}
	h.render(w, r, http.StatusOK, "status_subscribers", p)
}
