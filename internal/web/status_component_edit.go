package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// statusComponentPage is one component's or group's edit form.
type statusComponentPage struct {
	*view
	Component *tocsin.Component
	Groups    []tocsin.Component // where it may go (none for a group)
	Services  []*tocsin.Service
	Form      statusComponentForm
}

// statusComponentEdit serves GET /statuspage/components/{id}.
func (h *Handler) statusComponentEdit(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	h.renderStatusComponent(w, r, v, id, http.StatusOK, nil)
}

// renderStatusComponent shows the form; form, when given, is a refused save.
func (h *Handler) renderStatusComponent(w http.ResponseWriter, r *http.Request, v *view, id int64, status int, form *statusComponentForm) {
	ctx := r.Context()
	c, err := h.opts.DB.Component(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &statusComponentPage{view: v, Component: c}
	if form != nil {
		p.Form = *form
	} else {
		p.Form = statusComponentForm{Name: c.Name, Description: c.Description, Group: c.Group, GroupID: c.GroupID, Status: string(c.Status),
			OnlyShowIfDegraded: c.OnlyShowIfDegraded, Showcase: c.Showcase, AutoApply: c.AutoApply, Services: newIDSet(c.ServiceIDs)}
	}
	p.Form.Group = c.Group
	if !c.Group {
		all, err := h.opts.DB.Components(ctx)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		for _, g := range all {
			if g.Group {
				p.Groups = append(p.Groups, g)
			}
		}
		if p.Services, err = h.opts.DB.Services(ctx, 0); err != nil {
			h.fail(w, r, v, err)
			return
		}
	}
	h.render(w, r, status, "status_component_edit", p)
}
