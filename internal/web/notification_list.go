package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// notificationsPerPage is how many messages the admin list shows at once.
const notificationsPerPage = 100

// notificationQuery is the admin message list's filter, from the URL.
type notificationQuery struct {
	Status, Type, Kind string
	UserID, AlertID    int64
	Before             int64
}

// notificationRow is one outbox row as listed.
type notificationRow struct {
	*store.Outgoing
	Masked string // the destination, partly hidden
}

// notificationListPage lists every message Tocsin sent or will send, for admins.
type notificationListPage struct {
	*view
	Query    notificationQuery
	Rows     []notificationRow
	Users    []*tocsin.User
	Statuses []tocsin.NotificationStatus
	Kinds    []tocsin.NotificationKind
	Types    []tocsin.ContactType
	OlderURL string // "" on the last page
}

func notificationStatuses() []tocsin.NotificationStatus {
	return []tocsin.NotificationStatus{tocsin.NotificationPending, tocsin.NotificationSending, tocsin.NotificationSent,
		tocsin.NotificationFailed, tocsin.NotificationCancelled, tocsin.NotificationBundled}
}

func notificationKinds() []tocsin.NotificationKind {
	return []tocsin.NotificationKind{tocsin.NotifyPage, tocsin.NotifyBundle, tocsin.NotifyChat, tocsin.NotifyStatus,
		tocsin.NotifyVerify, tocsin.NotifyTest, tocsin.NotifyReminder, tocsin.NotifyGap, tocsin.NotifySubscriber}
}

// queryID reads a positive id from the URL ("#42" too); 0 when absent or not one.
func queryID(q url.Values, name string) int64 {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(q.Get(name)), "#"), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// notificationList serves GET /notifications?status=&type=&kind=&user=&alert=&before=.
// Values it does not know are ignored, as if not given.
func (h *Handler) notificationList(w http.ResponseWriter, r *http.Request, v *view) {
	q := r.URL.Query()
	p := &notificationListPage{view: v, Statuses: notificationStatuses(), Kinds: notificationKinds(), Types: tocsin.ContactTypes()}
	p.Query = notificationQuery{UserID: queryID(q, "user"), AlertID: queryID(q, "alert"), Before: queryID(q, "before")}
	if s := tocsin.NotificationStatus(q.Get("status")); slices.Contains(p.Statuses, s) {
		p.Query.Status = string(s)
	}
	if k := tocsin.NotificationKind(q.Get("kind")); slices.Contains(p.Kinds, k) {
		p.Query.Kind = string(k)
	}
	if t := tocsin.ContactType(q.Get("type")); t.Valid() {
		p.Query.Type = string(t)
	}
	rows, err := h.opts.DB.Notifications(r.Context(), tocsin.NotificationFilter{
		Status: tocsin.NotificationStatus(p.Query.Status), Type: tocsin.ContactType(p.Query.Type), Kind: tocsin.NotificationKind(p.Query.Kind),
		UserID: p.Query.UserID, AlertID: p.Query.AlertID, Before: p.Query.Before, Limit: notificationsPerPage,
	})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	for _, o := range rows {
		c := tocsin.ContactMethod{Type: o.Type, Value: o.Destination}
		p.Rows = append(p.Rows, notificationRow{Outgoing: o, Masked: c.Masked()})
	}
	if len(rows) == notificationsPerPage {
		p.OlderURL = p.Query.url(rows[len(rows)-1].ID)
	}
	if p.Users, err = h.opts.DB.Users(r.Context()); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, http.StatusOK, "notification_list", p)
}

// url is the list's address with the same filter, before a message id.
func (q notificationQuery) url(before int64) string {
	vals := url.Values{}
	for k, s := range map[string]string{"status": q.Status, "type": q.Type, "kind": q.Kind} {
		if s != "" {
			vals.Set(k, s)
		}
	}
	for k, id := range map[string]int64{"user": q.UserID, "alert": q.AlertID, "before": before} {
		if id > 0 {
			vals.Set(k, strconv.FormatInt(id, 10))
		}
	}
	return "/notifications?" + vals.Encode()
}

// Filtered tells whether any filter is set, to keep the filter form open.
func (q notificationQuery) Filtered() bool {
	return q.Status != "" || q.Type != "" || q.Kind != "" || q.UserID != 0 || q.AlertID != 0
}
