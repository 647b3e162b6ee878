package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// statusComponentForm is the input of the component forms, kept as typed
// when refused.
type statusComponentForm struct {
	Name, Description  string
	Group              bool // create only: a group stays a group
	GroupID            int64
	Status             string // create only: the list changes it afterwards
	OnlyShowIfDegraded bool
	Showcase           bool
	AutoApply          bool
	Services           idSet
	Error              string
}

// readStatusComponentForm reads a posted component form (already parsed).
func readStatusComponentForm(r *http.Request) (statusComponentForm, *tocsin.Component, error) {
	f := statusComponentForm{
		Name: formValue(r, "name"), Description: strings.TrimSpace(r.PostFormValue("description")),
		Group: checked(r, "group"), Status: formValue(r, "status"),
		OnlyShowIfDegraded: checked(r, "only_show_if_degraded"), Showcase: checked(r, "showcase"), AutoApply: checked(r, "auto_apply"),
		Services: idSet{},
	}
	c := &tocsin.Component{Name: f.Name, Description: f.Description, Group: f.Group, Status: tocsin.ComponentStatus(f.Status),
		OnlyShowIfDegraded: f.OnlyShowIfDegraded, Showcase: f.Showcase, AutoApply: f.AutoApply}
	var err error
	if f.GroupID, err = optionalID(r.PostFormValue("group_id"), "group"); err != nil {
		return f, c, err
	}
	c.GroupID = f.GroupID
	if c.ServiceIDs, err = formIDs(r, "service", "service"); err != nil {
		return f, c, err
	}
	f.Services = newIDSet(c.ServiceIDs)
	return f, c, nil
}

// statusComponentRow is a component or group in page order, with what its row shows.
type statusComponentRow struct {
	tocsin.Component
	Services    []string // the linked services' names
	First, Last bool     // among its siblings: it cannot move up, down
	Children    int      // a group's components
}

// statusProposalRow is what open alerts suggest for a component.
type statusProposalRow struct {
	store.ComponentProposal
	Services []string
}

// statusComponentsPage is the status page's components, in page order, with
// the proposals on top and the form that adds one.
type statusComponentsPage struct {
	*view
	Page       *tocsin.StatusPage
	Components []statusComponentRow
	Groups     []tocsin.Component
	Services   []*tocsin.Service
	Proposals  []statusProposalRow
	Statuses   []tocsin.ComponentStatus
	Form       statusComponentForm
	Error      string // a refused action on a row, shown above the list
}

// statusComponentList serves GET /statuspage.
func (h *Handler) statusComponentList(w http.ResponseWriter, r *http.Request, v *view) {
	h.renderStatusComponents(w, r, v, http.StatusOK, statusComponentForm{Showcase: true, Status: string(tocsin.ComponentOperational), Services: idSet{}}, "")
}

func (h *Handler) renderStatusComponents(w http.ResponseWriter, r *http.Request, v *view, status int, form statusComponentForm, rowError string) {
	page, components, ok := h.statusPageAndComponents(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	services, err := h.opts.DB.Services(ctx, 0)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	proposals, err := h.opts.DB.ComponentProposals(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	serviceNames := namesByID(services, func(s *tocsin.Service) (int64, string) { return s.ID, s.Name })
	p := &statusComponentsPage{view: v, Page: page, Services: services, Statuses: tocsin.ComponentStatuses(), Form: form, Error: rowError}
	siblings := map[int64][]int{} // group id (0: top level) → row indexes
	rowOf := map[int64]int{}
	for _, c := range components {
		if c.Group {
			p.Groups = append(p.Groups, c)
		}
		siblings[c.GroupID] = append(siblings[c.GroupID], len(p.Components))
		rowOf[c.ID] = len(p.Components)
		p.Components = append(p.Components, statusComponentRow{Component: c, Services: serviceNames.Of(c.ServiceIDs)})
	}
	for groupID, rows := range siblings {
		p.Components[rows[0]].First = true
		p.Components[rows[len(rows)-1]].Last = true
		if k, ok := rowOf[groupID]; ok && groupID != 0 {
			p.Components[k].Children = len(rows)
		}
	}
	for _, pr := range proposals {
		p.Proposals = append(p.Proposals, statusProposalRow{ComponentProposal: pr, Services: serviceNames.Of(pr.Component.ServiceIDs)})
	}
	h.render(w, r, status, "status_components", p)
}

// AlertRefs writes alert numbers as "#12, #15".
func (p statusProposalRow) AlertRefs() string {
	refs := make([]string, len(p.AlertIDs))
	for k, id := range p.AlertIDs {
		refs[k] = "#" + strconv.FormatInt(id, 10)
	}
	return strings.Join(refs, ", ")
}
