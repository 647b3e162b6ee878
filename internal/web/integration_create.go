package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// integrationKeyPage shows a new key once, with the configuration that uses it.
type integrationKeyPage struct {
	*view
	Integration *tocsin.Integration
	Secret      *secretBox
	Primary     []snippet
	Others      []snippet
}

// integrationCreate serves POST /integrations: a key for a service (or a
// global one, service 0). The answer is the page that shows the key, once;
// it is not stored anywhere but as a hash.
func (h *Handler) integrationCreate(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	form := integrationForm{Name: formValue(r, "name"), Type: formValue(r, "type"), HMAC: formValue(r, "hmac_secret")}
	serviceID, err := optionalID(r.PostFormValue("service"), "service")
	if err == nil && serviceID != 0 {
		if _, serr := h.opts.DB.Service(ctx, serviceID); serr != nil {
			err = serr
			if tocsin.ErrorCode(serr) == tocsin.ENOTFOUND {
				err = tocsin.Errorf(tocsin.EINVALID, "service %d does not exist", serviceID)
			}
		}
	}
	integ := &tocsin.Integration{Name: form.Name, Type: tocsin.IntegrationType(form.Type), ServiceID: serviceID, HMACSecret: form.HMAC}
	var key string
	if err == nil {
		key, err = h.opts.DB.CreateIntegration(ctx, integ, "", h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		// The form comes back where it was filled in: a service's page, or the list.
		form.Error = tocsin.ErrorMessage(err)
		if serviceID != 0 {
			if _, serr := h.opts.DB.Service(ctx, serviceID); serr == nil {
				h.renderService(w, r, v, serviceID, statusOf(err), nil, form)
				return
			}
		}
		h.renderServiceList(w, r, v, statusOf(err), serviceForm{}, form)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	if integ, err = h.opts.DB.Integration(ctx, integ.ID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.showKey(w, r, v, integ, key, "integration.key_created")
}

// showKey renders the once-only key page (after creating or rotating).
func (h *Handler) showKey(w http.ResponseWriter, r *http.Request, v *view, integ *tocsin.Integration, key, titleID string) {
	p := &integrationKeyPage{view: v, Integration: integ, Secret: v.secretBox(titleID, "integration.key_hint", key)}
	p.Primary, p.Others = integrationSnippets(h.opts.PublicURL, integ, key, integ.HMACSecret)
	h.render(w, r, http.StatusOK, "integration_key", p)
}
