package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// notificationJSON is one outbox message: never its text (verification codes
// travel in it), the destination masked.
type notificationJSON struct {
	ID            int64                     `json:"id"`
	Kind          tocsin.NotificationKind   `json:"kind"`
	AlertID       *int64                    `json:"alert_id"`
	UserID        *int64                    `json:"user_id"`
	User          *string                   `json:"user"`
	Type          tocsin.ContactType        `json:"type"`
	Destination   string                    `json:"destination"`
	Status        tocsin.NotificationStatus `json:"status"`
	Attempts      int                       `json:"attempts"`
	NextAttemptAt *time.Time                `json:"next_attempt_at"`
	ProviderID    string                    `json:"provider_id"`
	Error         string                    `json:"error"`
	Step          *int                      `json:"step"` // the escalation step of a page, from 1
	BundleID      *int64                    `json:"bundle_id"`
	CreatedAt     time.Time                 `json:"created_at"`
	SentAt        *time.Time                `json:"sent_at"`
}

func notificationToJSON(o *store.Outgoing) notificationJSON {
	n := o.Notification
	dest := tocsin.ContactMethod{Type: n.Type, Value: n.Destination}
	out := notificationJSON{ID: n.ID, Kind: n.Kind, AlertID: idOrNull(n.AlertID), UserID: idOrNull(n.UserID), User: nameOrNull(n.UserName),
		Type: n.Type, Destination: dest.Masked(), Status: n.Status, Attempts: n.Attempts, ProviderID: n.ProviderID, Error: n.Error,
		BundleID: idOrNull(n.BundleID), CreatedAt: n.CreatedAt.UTC(), SentAt: when(n.SentAt)}
	if n.Status == tocsin.NotificationPending {
		out.NextAttemptAt = when(n.NextAttemptAt)
	}
	if n.Kind == tocsin.NotifyPage || n.Kind == tocsin.NotifyChat {
		step := n.Step + 1
		out.Step = &step
	}
	return out
}

// notificationList is the reply of the message lists: NextBefore pages on.
type notificationList struct {
	Notifications []notificationJSON `json:"notifications"`
	NextBefore    *int64             `json:"next_before"`
}

func listReply(rows []*store.Outgoing, limit int) notificationList {
	out := notificationList{Notifications: make([]notificationJSON, len(rows))}
	for i, o := range rows {
		out.Notifications[i] = notificationToJSON(o)
	}
	if len(rows) == limit && limit > 0 {
		out.NextBefore = &rows[len(rows)-1].ID
	}
	return out
}

// listNotifications is the admin's view of every message, newest first.
func (h *Handler) listNotifications(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "status", "type", "kind", "user", "alert", "before", "limit"); err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	f := tocsin.NotificationFilter{
		Status: tocsin.NotificationStatus(strings.ToLower(strings.TrimSpace(q.Get("status")))),
		Type:   tocsin.ContactType(strings.ToLower(strings.TrimSpace(q.Get("type")))),
		Kind:   tocsin.NotificationKind(strings.ToLower(strings.TrimSpace(q.Get("kind")))),
	}
	switch f.Status {
	case "", tocsin.NotificationPending, tocsin.NotificationSending, tocsin.NotificationSent, tocsin.NotificationFailed,
		tocsin.NotificationCancelled, tocsin.NotificationBundled:
	default:
		return tocsin.Errorf(tocsin.EINVALID, "status %q is not one of pending, sending, sent, failed, cancelled, bundled", f.Status)
	}
	if f.Type != "" && !f.Type.Valid() {
		return tocsin.Errorf(tocsin.EINVALID, "type %q is not a contact type (email, sms, voice, slack, …)", f.Type)
	}
	switch f.Kind {
	case "", tocsin.NotifyPage, tocsin.NotifyBundle, tocsin.NotifyChat, tocsin.NotifyStatus, tocsin.NotifyVerify,
		tocsin.NotifyTest, tocsin.NotifyReminder, tocsin.NotifyGap:
	default:
		return tocsin.Errorf(tocsin.EINVALID, "kind %q is not one of page, bundle, chat, status, verify, test, reminder, gap", f.Kind)
	}
	if v := strings.TrimSpace(q.Get("user")); v != "" {
		var err error
		if id, ok := isID(v); ok {
			_, err = h.opts.DB.User(ctx, id)
			f.UserID = id
		} else {
			var x *tocsin.User
			if x, err = h.opts.DB.UserByEmail(ctx, v); err == nil {
				f.UserID = x.ID
			}
		}
		if err != nil {
			return asInvalid(err)
		}
	}
	var err error
	if f.AlertID, err = queryID(r, "alert"); err != nil {
		return err
	}
	if f.Before, err = queryID(r, "before"); err != nil {
		return err
	}
	if f.Limit, err = queryInt(r, "limit", 100, 1, 500); err != nil {
		return err
	}
	rows, err := h.opts.DB.Notifications(ctx, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listReply(rows, f.Limit))
	return nil
}

// alertNotifications lists the messages sent (or to be sent) about one alert.
func (h *Handler) alertNotifications(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "before", "limit"); err != nil {
		return err
	}
	id, err := pathID(r, "alert")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := h.opts.DB.Alert(ctx, id); err != nil {
		return err
	}
	f := tocsin.NotificationFilter{AlertID: id}
	if f.Limit, err = queryInt(r, "limit", 100, 1, 500); err != nil {
		return err
	}
	if f.Before, err = queryID(r, "before"); err != nil {
		return err
	}
	rows, err := h.opts.DB.Notifications(ctx, f)
	if err != nil {
		return err
	}
	reply := listReply(rows, f.Limit)
	writeJSON(w, http.StatusOK, map[string]any{"alert_id": id, "notifications": reply.Notifications, "next_before": reply.NextBefore})
	return nil
}

// queryID reads an optional positive id from the query (0 when absent).
func queryID(r *http.Request, name string) (int64, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, tocsin.Errorf(tocsin.EINVALID, "query parameter %s=%q must be a positive id", name, v)
	}
	return n, nil
}
