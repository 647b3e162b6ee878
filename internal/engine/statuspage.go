package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/statuspage"
	"github.com/tocsin/tocsin/internal/store"
)

// The status page's part of the engine: maintenances that move by
// themselves, component statuses taken from open alerts, and the messages
// that tell subscribers (kind subscriber: a confirmation, an update, a
// maintenance reminder). Subscriber messages go one by one, never bundled
// nor throttled with pages, retried with the same back-off, and each
// subscriber's in the order they were queued (send.go).

const (
	// statusEvery is how often maintenances and component proposals are
	// looked at: a maintenance starts within seconds of its time.
	statusEvery = 5 * time.Second
	// maintenanceReminder is how long before a maintenance starts its
	// subscribers are reminded.
	maintenanceReminder = time.Hour
)

// advanceStatus moves due maintenances (queuing their reminders and
// updates) and applies the component statuses open alerts propose where a
// component takes them by itself. A failure is logged and tried again next
// cycle: the status page must not hold up paging. It reports whether it ran
// to the end.
func (e *Engine) advanceStatus(ctx context.Context, now time.Time) bool {
	moved, err := e.opts.DB.AdvanceMaintenances(ctx, now, maintenanceReminder)
	if err != nil {
		e.statusFailed("maintenances", err)
	}
	applied, err2 := e.opts.DB.ApplyComponentProposals(ctx, now)
	if err2 != nil {
		e.statusFailed("component proposals", err2)
	}
	if moved > 0 || applied > 0 {
		e.opts.StatusChanged()
	}
	return err == nil && err2 == nil
}

func (e *Engine) statusFailed(what string, err error) {
	if tocsin.ErrorCode(err) == tocsin.ECONFLICT {
		// Another engine moved it first (PostgreSQL); the next look agrees.
		e.opts.Log.Debug("engine: status page "+what+" changed concurrently", "err", err)
		return
	}
	e.opts.Log.Warn("engine: status page "+what, "err", err)
}

// statusURL is the public page's address without a trailing slash.
func (e *Engine) statusURL() string {
	if e.opts.StatusURL != "" {
		return strings.TrimRight(e.opts.StatusURL, "/")
	}
	return strings.TrimRight(e.opts.PublicURL, "/") + "/status"
}

// notNeeded is a message that lost its point before it left (the
// maintenance it reminds of started, the incident was deleted): it is
// cancelled, not retried.
type notNeeded struct{ why string }

func (n *notNeeded) Error() string { return "not needed: " + n.why }

// statusReads is what one send pass read for subscriber messages, each
// thing once.
type statusReads struct {
	page       *tocsin.StatusPage
	components []tocsin.Component
	snapshot   *tocsin.StatusSnapshot
	incidents  map[string]*tocsin.StatusIncident // by the row's ref
}

func (m *composer) statusPage(ctx context.Context) (*tocsin.StatusPage, error) {
	if m.status.page == nil {
		p, err := m.e.opts.DB.StatusPage(ctx)
		if err != nil {
			return nil, err
		}
		if p.Name == "" {
			p.Name = "Status"
		}
		m.status.page = p
	}
	return m.status.page, nil
}

func (m *composer) statusComponents(ctx context.Context) ([]tocsin.Component, error) {
	if m.status.components == nil {
		list, err := m.e.opts.DB.Components(ctx)
		if err != nil {
			return nil, err
		}
		m.status.components = append([]tocsin.Component{}, list...)
	}
	return m.status.components, nil
}

func (m *composer) statusSnapshot(ctx context.Context) (*tocsin.StatusSnapshot, error) {
	if m.status.snapshot == nil {
		s, err := m.e.opts.DB.StatusSnapshot(ctx, m.e.opts.Clock.Now())
		if err != nil {
			return nil, err
		}
		m.status.snapshot = s
	}
	return m.status.snapshot, nil
}

// statusIncident reads what an update or reminder row is about: the
// incident or maintenance, and for an update, the update.
func (m *composer) statusIncident(ctx context.Context, ref string) (*tocsin.StatusIncident, *tocsin.StatusUpdate, error) {
	what, idText, _ := strings.Cut(ref, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || (what != "update" && what != "remind") {
		return nil, nil, notify.Permanentf("unknown subscriber message %q", ref)
	}
	if m.status.incidents == nil {
		m.status.incidents = map[string]*tocsin.StatusIncident{}
	}
	inc, ok := m.status.incidents[ref]
	if !ok {
		if what == "update" {
			inc, err = m.e.opts.DB.StatusIncidentOfUpdate(ctx, id)
		} else {
			inc, err = m.e.opts.DB.StatusIncident(ctx, id)
		}
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			return nil, nil, &notNeeded{"the incident was deleted"}
		}
		if err != nil {
			return nil, nil, err
		}
		m.status.incidents[ref] = inc
	}
	if what == "remind" {
		if inc.Status != tocsin.MaintenanceScheduled {
			return nil, nil, &notNeeded{"the maintenance is " + string(inc.Status) + " already"}
		}
		return inc, nil, nil
	}
	for k := range inc.Updates {
		if inc.Updates[k].ID == id {
			return inc, &inc.Updates[k], nil
		}
	}
	return nil, nil, &notNeeded{"the update was deleted"}
}

// statusWords are the sentences of subscribers' messages, by language.
type statusWords struct {
	confirmSubject, confirmText, confirmAction string
	affected, viewIncident, viewMaintenance    string
	reminderSubject, reminderText, window      string
}

func statusWordsFor(locale string) statusWords {
	if locale == "fr" {
		return statusWords{
			confirmSubject: "[%s] Confirmez votre abonnement",
			// The page's name is quoted, not elided: "de Acme" is wrong French.
			confirmText: "Quelqu’un, sans doute vous, a demandé à recevoir à cette adresse les mises à jour de la page «\u00a0%s\u00a0»\u00a0: un e-mail quand un incident est ouvert, mis à jour ou résolu, et avant une maintenance.\n\n" +
				"Pour confirmer, ouvrez le lien ci-dessous et appuyez sur le bouton. Si ce n’était pas vous, ignorez ce message\u00a0: rien d’autre ne vous sera envoyé.",
			confirmAction: "Confirmer mon abonnement",
			affected:      "Composants touchés\u00a0:",
			viewIncident:  "Voir l’incident", viewMaintenance: "Voir la maintenance",
			reminderSubject: "[%s] Rappel : %s — %s", // a subject is one line: spaces are plain
			reminderText:    "Une maintenance programmée commence bientôt.",
			window:          "Du %s au %s",
		}
	}
	return statusWords{
		confirmSubject: "[%s] Confirm your subscription",
		confirmText: "Someone, probably you, asked to receive the status updates of %s at this address: an e-mail when an incident is opened, updated or resolved, and before a maintenance.\n\n" +
			"To confirm, open the link below and press the button. If it was not you, ignore this message: nothing else will be sent to you.",
		confirmAction: "Confirm my subscription",
		affected:      "Affected components:",
		viewIncident:  "View the incident", viewMaintenance: "View the maintenance",
		reminderSubject: "[%s] Reminder: %s — %s",
		reminderText:    "A scheduled maintenance starts soon.",
		window:          "From %s to %s",
	}
}

// subscriberMessage writes a status page subscriber's message: an e-mail in
// their language, or a webhook's Statuspage-shaped JSON.
func (m *composer) subscriberMessage(ctx context.Context, o *store.Outgoing) (notify.Message, error) {
	e := m.e
	msg := notify.Message{ID: o.ID, Kind: o.Kind, To: o.Destination, Secret: o.Secret, Locale: o.Locale}
	if msg.Locale != "fr" {
		msg.Locale = "en"
	}
	w := statusWordsFor(msg.Locale)
	page, err := m.statusPage(ctx)
	if err != nil {
		return msg, err
	}
	msg.FromName = page.Name
	base := e.statusURL()
	if o.Ref == "confirm" {
		if o.Type != tocsin.ContactEmail {
			return msg, &notNeeded{"only e-mail addresses are confirmed"}
		}
		msg.Subject = fmt.Sprintf(w.confirmSubject, page.Name)
		msg.Text = fmt.Sprintf(w.confirmText, page.Name)
		msg.URL, msg.Action = base+"/confirm/"+o.Token, w.confirmAction
		return msg, nil
	}
	msg.Unsubscribe = base + "/unsubscribe/" + o.Token
	if id, ok := strings.CutPrefix(o.Ref, "component:"); ok {
		return m.componentUpdateMessage(ctx, msg, o, id)
	}
	inc, u, err := m.statusIncident(ctx, o.Ref)
	if err != nil {
		return msg, err
	}
	// As the update left it: a message sent late (after retries) still
	// tells what this update said, not what came after.
	told := *inc
	if u != nil {
		told.Status = u.Status
		told.Updates = slices.DeleteFunc(slices.Clone(inc.Updates), func(x tocsin.StatusUpdate) bool { return x.ID > u.ID })
	}
	msg.URL = base + "/incidents/" + inc.PublicID + ".html"
	if o.Type == tocsin.ContactWebhook {
		snap, err := m.statusSnapshot(ctx)
		if err != nil {
			return msg, err
		}
		if msg.Body, err = statuspage.WebhookBody(snap, &told, msg.Unsubscribe); err != nil {
			return msg, notify.Permanentf("subscriber webhook body: %v", err)
		}
	}
	components, err := m.statusComponents(ctx)
	if err != nil {
		return msg, err
	}
	msg.Action = w.viewIncident
	if inc.Maintenance {
		msg.Action = w.viewMaintenance
	}
	var text []string
	if u == nil {
		start := statuspage.DateTimeText(msg.Locale, inc.ScheduledFor, page.TimeZone)
		msg.Subject = fmt.Sprintf(w.reminderSubject, page.Name, inc.Name, start)
		text = append(text, w.reminderText)
		if len(inc.Updates) > 0 {
			text = append(text, statuspage.UpdateText(msg.Locale, &inc.Updates[0])) // newest first: the latest word
		}
	} else {
		msg.Subject = fmt.Sprintf("[%s] %s — %s", page.Name, inc.Name, statuspage.IncidentStatusText(msg.Locale, u.Status))
		// Tocsin's own words (a maintenance that moved by itself) in the reader's language.
		text = append(text, statuspage.UpdateText(msg.Locale, u))
	}
	if inc.Maintenance {
		text = append(text, fmt.Sprintf(w.window, statuspage.DateTimeText(msg.Locale, inc.ScheduledFor, page.TimeZone),
			statuspage.DateTimeText(msg.Locale, inc.ScheduledUntil, page.TimeZone)))
	}
	if lines := affectedLines(&told, components, msg.Locale); len(lines) > 0 {
		text = append(text, w.affected+"\n"+strings.Join(lines, "\n"))
	}
	msg.Text = strings.Join(text, "\n\n")
	return msg, nil
}

// componentUpdateMessage is a webhook subscriber's message about a
// component whose status changed outside an incident (span id).
func (m *composer) componentUpdateMessage(ctx context.Context, msg notify.Message, o *store.Outgoing, id string) (notify.Message, error) {
	span, err := strconv.ParseInt(id, 10, 64)
	if err != nil || o.Type != tocsin.ContactWebhook {
		return msg, notify.Permanentf("unknown subscriber message %q", o.Ref)
	}
	u, err := m.e.opts.DB.ComponentUpdate(ctx, span)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		return msg, &notNeeded{"the component was deleted"}
	}
	if err != nil {
		return msg, err
	}
	snap, err := m.statusSnapshot(ctx)
	if err != nil {
		return msg, err
	}
	change := tocsin.ComponentChange{ComponentID: u.ComponentID, Old: u.Old, New: u.New}
	if msg.Body, err = statuspage.ComponentWebhookBody(snap, change, u.ID, u.At, msg.Unsubscribe); err != nil {
		return msg, notify.Permanentf("subscriber webhook body: %v", err)
	}
	return msg, nil
}

// affectedLines lists an incident's components, each with the status its
// updates gave it, or when they never changed it, its status now:
// "- API: Partial outage".
func affectedLines(inc *tocsin.StatusIncident, components []tocsin.Component, locale string) []string {
	updates := slices.Clone(inc.Updates)
	slices.SortFunc(updates, func(a, b tocsin.StatusUpdate) int { return cmp.Compare(a.ID, b.ID) })
	status := map[int64]tocsin.ComponentStatus{}
	names := map[int64]string{}
	ids := slices.Clone(inc.ComponentIDs)
	for _, x := range updates {
		for _, ch := range x.Changes {
			status[ch.ComponentID], names[ch.ComponentID] = ch.New, ch.Name
			if !slices.Contains(ids, ch.ComponentID) {
				ids = append(ids, ch.ComponentID)
			}
		}
	}
	current := map[int64]tocsin.ComponentStatus{}
	for _, c := range components {
		current[c.ID] = c.Status
	}
	colon := ": "
	if locale == "fr" {
		colon = "\u00a0: "
	}
	var out []string
	seen := map[int64]bool{}
	line := func(id int64, name string) {
		seen[id] = true
		s, ok := status[id]
		if !ok {
			s, ok = current[id]
		}
		if ok {
			out = append(out, "- "+name+colon+statuspage.ComponentStatusText(locale, s))
			return
		}
		out = append(out, "- "+name)
	}
	// In the page's order; a component deleted since keeps the name its change recorded.
	for _, c := range components {
		if slices.Contains(ids, c.ID) && !c.Group {
			line(c.ID, c.Name)
		}
	}
	for _, id := range ids {
		if !seen[id] && names[id] != "" {
			line(id, names[id])
		}
	}
	return out
}
