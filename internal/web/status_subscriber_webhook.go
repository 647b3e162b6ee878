package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// statusWebhookForm is the input of the add-a-webhook form.
type statusWebhookForm struct {
	URL    string
	Picked idSet
	Error  string
}

// statusSubscriberWebhook serves POST /statuspage/subscribers/webhook: a
// webhook subscriber, confirmed at once (a member vouches for it). The answer
// is the subscribers' page showing its signing secret, the one time it is
// shown: afterwards only the receiver knows it.
func (h *Handler) statusSubscriberWebhook(w http.ResponseWriter, r *http.Request, v *view) {
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	form := statusWebhookForm{URL: formValue(r, "url"), Picked: idSet{}}
	ids, err := formIDs(r, "component", "component")
	form.Picked = newIDSet(ids)
	s := &tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: form.URL, ComponentIDs: ids}
	if err == nil {
		// The URL alone first, to say what is wrong with it in the user's language.
		probe := tocsin.Subscriber{Kind: tocsin.SubscriberWebhook, Address: form.URL}
		if probe.Validate() != nil {
			err = tocsin.Errorf(tocsin.EINVALID, "%s", v.T("status_admin.add_subscribers.err_url", "URL", clip(form.URL, 200), "Max", tocsin.MaxSubscriberAddress))
		}
	}
	if err == nil {
		err = h.opts.DB.Subscribe(r.Context(), s, h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.ECONFLICT:
		form.Error = v.T("status_admin.add_subscribers.err_url_taken")
		h.renderStatusSubscribers(w, r, v, http.StatusConflict, &statusSubscribersPage{view: v, Webhook: form})
		return
	case code == tocsin.EINVALID:
		form.Error = tocsin.ErrorMessage(err)
		h.renderStatusSubscribers(w, r, v, http.StatusBadRequest, &statusSubscribersPage{view: v, Webhook: form})
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	secret := &secretBox{Title: v.T("status_admin.add_subscribers.secret_title", "Address", maskAddress(s.Kind, s.Address)),
		Hint: v.T("status_admin.add_subscribers.secret_hint"), Secret: s.Secret, Copy: v.T("common.copy"), Copied: v.T("common.copied")}
	h.renderStatusSubscribers(w, r, v, http.StatusOK, &statusSubscribersPage{view: v, NewSecret: secret})
}

// clip cuts what a user typed to n characters for quoting it in a message.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
