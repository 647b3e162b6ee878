package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// contactCreate serves POST /profile/contacts: a new contact method for the
// signed-in user, and its verification code sent at once. The push script
// posts here too, with type webpush and the browser's subscription as value.
// A webhook's signing secret is shown in the answer, this once in full.
func (h *Handler) contactCreate(w http.ResponseWriter, r *http.Request, v *view) {
	form := contactForm{Name: formValue(r, "name"), Type: formValue(r, "type"), Value: formValue(r, "value")}
	refuse := func(status int, msg string) {
		form.Error = msg
		h.renderProfile(w, r, v, status, &profilePage{pagingPanel: pagingPanel{ContactForm: form}})
	}
	typ := tocsin.ContactType(form.Type)
	if !typ.Valid() {
		refuse(http.StatusBadRequest, v.T("contacts.type_unknown"))
		return
	}
	if !h.offers(typ) {
		refuse(http.StatusBadRequest, v.T("contacts.not_offered_error", "Type", v.ContactTypeText(typ)))
		return
	}
	if typ == tocsin.ContactWebPush {
		// The same browser subscribing again (another click, a reinstall
		// that kept the subscription) is not a second method.
		existing, err := h.opts.DB.ContactMethods(r.Context(), v.User.ID)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		if ep := pushEndpoint(form.Value); ep != "" {
			for _, c := range existing {
				if c.Type == tocsin.ContactWebPush && pushEndpoint(c.Value) == ep {
					h.setFlash(w, false, v.T("contacts.push_known", "Name", c.Name))
					redirect(w, r, "/profile#contacts")
					return
				}
			}
		}
	}
	c := &tocsin.ContactMethod{UserID: v.User.ID, Name: form.Name, Type: typ, Value: form.Value}
	if err := h.opts.DB.CreateContactMethod(r.Context(), c, h.opts.Clock.Now()); err != nil {
		if code := tocsin.ErrorCode(err); code == tocsin.EINVALID || code == tocsin.ECONFLICT {
			refuse(statusOf(err), tocsin.ErrorMessage(err))
			return
		}
		h.fail(w, r, v, err)
		return
	}
	if err := h.sendCode(r, v, c.ID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	added := v.T("contacts.added", "Name", c.Name)
	if c.Type == tocsin.ContactWebhook {
		v.Flash = &flash{Message: added}
		h.renderProfile(w, r, v, http.StatusOK, &profilePage{pagingPanel: pagingPanel{
			NewSecret: v.secretBox("contacts.secret_title", "contacts.secret_hint", c.Secret)}})
		return
	}
	h.setFlash(w, false, added)
	redirect(w, r, "/profile#contacts")
}
