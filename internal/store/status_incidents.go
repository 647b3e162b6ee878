package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// StatusIncidentFilter narrows the list of public incidents and maintenances.
type StatusIncidentFilter struct {
	Maintenance *bool // nil: both; true: maintenances only; false: incidents only
	OpenOnly    bool  // not resolved, post-mortem or completed
	Limit       int   // default 50, at most 500
}

// closedSQL holds when an incident or maintenance is over (IncidentStatus.Closed).
const closedSQL = `i.status IN ('resolved', 'postmortem', 'completed')`

const incidentColumns = `i.id, i.public_id, i.name, i.status, i.impact, i.maintenance, i.scheduled_for, i.scheduled_until, i.auto_transition, i.notify, i.reminded_at, i.postmortem,
	i.created_at, i.updated_at, i.started_at, i.monitoring_at, i.resolved_at, i.postmortem_at, COALESCE(i.created_by, 0), COALESCE(u.name, '')`
const incidentFrom = ` FROM status_incidents i LEFT JOIN users u ON u.id = i.created_by`

func scanIncident(row interface{ Scan(...any) error }) (*tocsin.StatusIncident, error) {
	var i tocsin.StatusIncident
	var sFor, sUntil, reminded, created, updated, started, monitoring, resolved, postmortem int64
	if err := row.Scan(&i.ID, &i.PublicID, &i.Name, &i.Status, &i.Impact, &i.Maintenance, &sFor, &sUntil, &i.AutoTransition, &i.Notify, &reminded, &i.Postmortem,
		&created, &updated, &started, &monitoring, &resolved, &postmortem, &i.CreatedBy, &i.CreatedByName); err != nil {
		return nil, err
	}
	i.ScheduledFor, i.ScheduledUntil, i.RemindedAt = fromMS(sFor), fromMS(sUntil), fromMS(reminded)
	i.CreatedAt, i.UpdatedAt, i.StartedAt, i.MonitoringAt, i.ResolvedAt, i.PostmortemAt = fromMS(created), fromMS(updated), fromMS(started), fromMS(monitoring), fromMS(resolved), fromMS(postmortem)
	return &i, nil
}

const updateColumns = `id, public_id, incident_id, status, body, display_at, changes, notify, COALESCE(author_id, 0), author_name, created_at, updated_at`

func scanUpdate(row interface{ Scan(...any) error }) (*tocsin.StatusUpdate, error) {
	var u tocsin.StatusUpdate
	var changes string
	var display, created, updated int64
	if err := row.Scan(&u.ID, &u.PublicID, &u.IncidentID, &u.Status, &u.Body, &display, &changes, &u.Notify, &u.AuthorID, &u.AuthorName, &created, &updated); err != nil {
		return nil, err
	}
	u.DisplayAt, u.CreatedAt, u.UpdatedAt = fromMS(display), fromMS(created), fromMS(updated)
	if err := json.Unmarshal([]byte(changes), &u.Changes); err != nil {
		return nil, fmt.Errorf("update %d changes: %w", u.ID, err)
	}
	return &u, nil
}

// loadIncidents runs an incident query and fills each one's components and
// updates (newest first), in two more queries whatever the number.
func loadIncidents(ctx context.Context, d Dialect, q queryer, query string, args ...any) ([]tocsin.StatusIncident, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list status incidents: %w", err)
	}
	var list []tocsin.StatusIncident
	byID := map[int64]int{}
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[i.ID] = len(list)
		list = append(list, *i)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(list) == 0 {
		return list, err
	}
	ids := make([]int64, len(list))
	for k, i := range list {
		ids[k] = i.ID
	}
	in, idList := inIDs(d, "incident_id", 1, ids)
	rows, err = q.QueryContext(ctx, `SELECT incident_id, component_id FROM status_incident_components WHERE `+in+` ORDER BY incident_id, component_id`, idList)
	if err != nil {
		return nil, fmt.Errorf("incident components: %w", err)
	}
	for rows.Next() {
		var iid, cid int64
		if err := rows.Scan(&iid, &cid); err != nil {
			rows.Close()
			return nil, err
		}
		list[byID[iid]].ComponentIDs = append(list[byID[iid]].ComponentIDs, cid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT `+updateColumns+` FROM status_updates WHERE `+in+` ORDER BY display_at DESC, id DESC`, idList)
	if err != nil {
		return nil, fmt.Errorf("incident updates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUpdate(rows)
		if err != nil {
			return nil, err
		}
		k := byID[u.IncidentID]
		list[k].Updates = append(list[k].Updates, *u)
	}
	return list, rows.Err()
}

// StatusIncident returns a public incident or maintenance with its updates,
// newest first, and its affected components.
func (db *DB) StatusIncident(ctx context.Context, id int64) (*tocsin.StatusIncident, error) {
	list, err := loadIncidents(ctx, db.dialect, db.read, `SELECT `+incidentColumns+incidentFrom+` WHERE i.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "status incident %d not found", id)
	}
	return &list[0], nil
}

// StatusIncidentOfUpdate returns the incident or maintenance an update
// belongs to, with all its updates: what a subscriber's message tells.
func (db *DB) StatusIncidentOfUpdate(ctx context.Context, updateID int64) (*tocsin.StatusIncident, error) {
	list, err := loadIncidents(ctx, db.dialect, db.read, `SELECT `+incidentColumns+incidentFrom+` WHERE i.id = (SELECT incident_id FROM status_updates WHERE id = $1)`, updateID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "status update %d not found", updateID)
	}
	return &list[0], nil
}

// StatusIncidents lists public incidents and maintenances, newest first
// (maintenances by their start), with their updates and components.
func (db *DB) StatusIncidents(ctx context.Context, f StatusIncidentFilter) ([]tocsin.StatusIncident, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var conds []string
	var args []any
	if f.Maintenance != nil {
		args = append(args, *f.Maintenance)
		conds = append(conds, fmt.Sprintf("i.maintenance = $%d", len(args)))
	}
	if f.OpenOnly {
		conds = append(conds, "NOT ("+closedSQL+")")
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	args = append(args, f.Limit)
	return loadIncidents(ctx, db.dialect, db.read, `SELECT `+incidentColumns+incidentFrom+where+
		fmt.Sprintf(` ORDER BY CASE WHEN i.maintenance THEN i.scheduled_for ELSE i.created_at END DESC, i.id DESC LIMIT $%d`, len(args)), args...)
}

// incidentComponents resolves the components a person picked: a group stands
// for its components. Unknown ids are refused.
func (tx *Tx) incidentComponents(ctx context.Context, ids []int64) ([]*tocsin.Component, error) {
	if len(ids) > 500 {
		return nil, tocsin.Errorf(tocsin.EINVALID, "An incident affects at most 500 components.")
	}
	var out []*tocsin.Component
	seen := map[int64]bool{}
	add := func(c *tocsin.Component) {
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	for _, id := range ids {
		c, err := tx.component(ctx, id)
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			return nil, tocsin.Errorf(tocsin.EINVALID, "Component %d does not exist (any more).", id)
		}
		if err != nil {
			return nil, err
		}
		if !c.Group {
			add(c)
			continue
		}
		children, err := tx.groupComponents(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, k := range children {
			add(k)
		}
	}
	return out, nil
}

func (tx *Tx) groupComponents(ctx context.Context, groupID int64) ([]*tocsin.Component, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT `+componentColumns+componentFrom+` WHERE c.group_id = $1 ORDER BY c.position, c.id`, groupID)
	if err != nil {
		return nil, fmt.Errorf("group components: %w", err)
	}
	defer rows.Close()
	var out []*tocsin.Component
	for rows.Next() {
		c, err := scanComponent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// pendingChange is a checked component change, before it is applied.
type pendingChange struct {
	c   *tocsin.Component
	new tocsin.ComponentStatus
	// holder is the open incident the new status belongs to when it is not
	// the update's own (a maintenance giving a component back to an
	// outage): alert proposals leave a component an open incident holds.
	holder int64
}

// checkChanges resolves the component changes a person asked for (a group's
// applies to each of its components; a later change to the same component
// wins), refusing unknown components and statuses.
func (tx *Tx) checkChanges(ctx context.Context, changes []tocsin.ComponentChange) ([]pendingChange, error) {
	var out []pendingChange
	at := map[int64]int{}
	for _, ch := range changes {
		if !ch.New.Valid() {
			return nil, tocsin.Errorf(tocsin.EINVALID, "Unknown component status %q: use one of operational, degraded_performance, partial_outage, major_outage, under_maintenance.", ch.New)
		}
		cs, err := tx.incidentComponents(ctx, []int64{ch.ComponentID})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if k, ok := at[c.ID]; ok {
				out[k].new = ch.New
				continue
			}
			at[c.ID] = len(out)
			out = append(out, pendingChange{c: c, new: ch.New})
		}
	}
	return out, nil
}

// applyChanges applies checked changes (spans, events, groups) and returns
// them as published, with each component's old status and name; changes to
// the status a component has already are left out.
func (tx *Tx) applyChanges(ctx context.Context, changes []pendingChange, incidentID, actorID int64, why string, now time.Time) ([]tocsin.ComponentChange, error) {
	var out []tocsin.ComponentChange
	for _, p := range changes {
		// Read again: an earlier change may have moved its group, not it, but be exact.
		c, err := tx.component(ctx, p.c.ID)
		if err != nil {
			return nil, err
		}
		old := c.Status
		changed, err := tx.setComponentStatusFor(ctx, c, p.new, incidentID, actorID, why, now)
		if err != nil {
			return nil, err
		}
		if changed && p.holder != 0 {
			if _, err := tx.exec(ctx, `UPDATE status_components SET status_incident_id = $1 WHERE id = $2`, p.holder, c.ID); err != nil {
				return nil, fmt.Errorf("component's holder: %w", err)
			}
			if _, err := tx.exec(ctx, `UPDATE status_component_spans SET incident_id = $1
				WHERE id = (SELECT MAX(id) FROM status_component_spans WHERE component_id = $2)`, p.holder, c.ID); err != nil {
				return nil, fmt.Errorf("span's incident: %w", err)
			}
		}
		if changed {
			out = append(out, tocsin.ComponentChange{ComponentID: c.ID, PublicID: c.PublicID, Name: c.Name, Old: old, New: p.new})
		}
	}
	return out, nil
}

func (tx *Tx) linkIncidentComponents(ctx context.Context, incidentID int64, ids []int64) error {
	for _, cid := range ids {
		if _, err := tx.exec(ctx, `INSERT INTO status_incident_components (incident_id, component_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, incidentID, cid); err != nil {
			return fmt.Errorf("link incident component: %w", err)
		}
	}
	return nil
}

// insertUpdate stores an update whose changes are applied; u holds it as stored.
func (tx *Tx) insertUpdate(ctx context.Context, u *tocsin.StatusUpdate, actorID int64, now time.Time) error {
	name := ""
	if actorID != 0 {
		var err error
		if name, err = tx.actorName(ctx, actorID); err != nil {
			return err
		}
	}
	if u.DisplayAt.IsZero() {
		u.DisplayAt = now
	}
	u.DisplayAt = u.DisplayAt.UTC().Truncate(time.Millisecond)
	if u.Changes == nil {
		u.Changes = []tocsin.ComponentChange{}
	}
	changes, err := json.Marshal(u.Changes)
	if err != nil {
		return err
	}
	u.PublicID, u.AuthorID, u.AuthorName, u.CreatedAt, u.UpdatedAt = newPublicID(), actorID, name, now, now
	u.ID, err = tx.insertID(ctx, `INSERT INTO status_updates (public_id, incident_id, status, body, display_at, changes, notify, author_id, author_name, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
		u.PublicID, u.IncidentID, u.Status, u.Body, ms(u.DisplayAt), string(changes), u.Notify, nullID(actorID), name, ms(now))
	if err != nil {
		return fmt.Errorf("store update: %w", err)
	}
	return tx.statusEvent(ctx, u.IncidentID, actorID, "update.published", fmt.Sprintf("Update (%s): %s", u.Status, u.Body), now)
}

// CreateStatusIncident opens a public incident, or schedules a maintenance,
// with its first update: the update's component changes are applied (a group
// stands for its components) and subscribers are told when first.Notify —
// all in one transaction. A maintenance's window must not have ended; its
// Notify says whether its automatic moves and reminder tell subscribers.
// inc and first hold them as stored afterwards.
func (db *DB) CreateStatusIncident(ctx context.Context, inc *tocsin.StatusIncident, first *tocsin.StatusUpdate, actorID int64, now time.Time) error {
	if first == nil {
		return tocsin.Errorf(tocsin.EINVALID, "An incident needs a first update.")
	}
	inc.ID = 0
	if inc.Status == "" {
		inc.Status = first.Status
	}
	if err := inc.Validate(); err != nil {
		return err
	}
	if first.Status != "" && first.Status != inc.Status {
		return tocsin.Errorf(tocsin.EINVALID, "The first update's status is the incident's.")
	}
	first.Status = inc.Status
	if err := tocsin.ValidateUpdateBody(first.Body); err != nil {
		return err
	}
	if inc.Postmortem != "" && !inc.Status.Closed() {
		return tocsin.Errorf(tocsin.EINVALID, "A post-mortem is published once the incident is resolved.")
	}
	now = now.UTC().Truncate(time.Millisecond)
	inc.ScheduledFor, inc.ScheduledUntil = inc.ScheduledFor.UTC().Truncate(time.Millisecond), inc.ScheduledUntil.UTC().Truncate(time.Millisecond)
	if inc.Maintenance {
		if err := windowAhead(inc, now); err != nil {
			return err
		}
	} else {
		inc.Notify = false // an incident's messages are its updates'
	}
	return db.InTx(ctx, func(tx *Tx) error {
		name, err := tx.actorName(ctx, actorID)
		if err != nil {
			return err
		}
		affected, err := tx.incidentComponents(ctx, inc.ComponentIDs)
		if err != nil {
			return err
		}
		changes, err := tx.checkChanges(ctx, first.Changes)
		if err != nil {
			return err
		}
		inc.ComponentIDs = affectedIDs(affected, changes)
		inc.PublicID, inc.CreatedAt, inc.UpdatedAt, inc.CreatedBy, inc.CreatedByName = newPublicID(), now, now, actorID, name
		if actorID == 0 {
			inc.CreatedByName = ""
		}
		inc.StartedAt, inc.MonitoringAt, inc.ResolvedAt, inc.PostmortemAt, inc.RemindedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
		stampStatus(inc, "", now)
		if inc.Maintenance {
			inc.Impact = tocsin.ImpactMaintenance
		}
		inc.ID, err = tx.insertID(ctx, `INSERT INTO status_incidents (public_id, name, status, impact, maintenance, scheduled_for, scheduled_until, auto_transition, notify, postmortem,
			created_at, updated_at, started_at, monitoring_at, resolved_at, postmortem_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16)`,
			inc.PublicID, inc.Name, inc.Status, inc.Impact, inc.Maintenance, ms(inc.ScheduledFor), ms(inc.ScheduledUntil), inc.AutoTransition, inc.Notify, inc.Postmortem,
			ms(now), ms(inc.StartedAt), ms(inc.MonitoringAt), ms(inc.ResolvedAt), ms(inc.PostmortemAt), nullID(actorID))
		if err != nil {
			return fmt.Errorf("create status incident: %w", err)
		}
		if err := tx.linkIncidentComponents(ctx, inc.ID, inc.ComponentIDs); err != nil {
			return err
		}
		action, text := "incident.created", fmt.Sprintf("Incident %q opened, impact %s.", inc.Name, inc.Impact)
		if inc.Maintenance {
			action, text = "maintenance.scheduled", fmt.Sprintf("Maintenance %q scheduled from %s to %s.", inc.Name, inc.ScheduledFor.Format(time.RFC3339), inc.ScheduledUntil.Format(time.RFC3339))
		}
		if err := tx.statusEvent(ctx, inc.ID, actorID, action, text, now); err != nil {
			return err
		}
		first.IncidentID = inc.ID
		if first.Changes, err = tx.applyChanges(ctx, changes, inc.ID, actorID, "", now); err != nil {
			return err
		}
		if err := tx.insertUpdate(ctx, first, actorID, now); err != nil {
			return err
		}
		inc.Updates = []tocsin.StatusUpdate{*first}
		if first.Notify {
			if _, err := tx.fanOutUpdate(ctx, inc.ID, first.ID, now); err != nil {
				return err
			}
		}
		return tx.bump(ctx, CounterStatus)
	})
}

// windowAhead refuses a maintenance window that has already ended: the
// maintenance would complete at once, telling subscribers of work long done.
func windowAhead(inc *tocsin.StatusIncident, now time.Time) error {
	if inc.ScheduledUntil.After(now) {
		return nil
	}
	return tocsin.Errorf(tocsin.EINVALID, "This maintenance's window has already ended (it ends %s, it is now %s): give an end still to come.",
		inc.ScheduledUntil.Format("2006-01-02 15:04 MST"), now.Format("2006-01-02 15:04 MST"))
}

// affectedIDs is the picked components plus the ones the changes touch.
func affectedIDs(picked []*tocsin.Component, changes []pendingChange) []int64 {
	var ids []int64
	for _, c := range picked {
		ids = append(ids, c.ID)
	}
	for _, p := range changes {
		ids = append(ids, p.c.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// stampStatus records when an incident reached its new status (from was
// its status before; "" when it is new).
func stampStatus(inc *tocsin.StatusIncident, from tocsin.IncidentStatus, now time.Time) {
	s := inc.Status
	if !inc.Maintenance && inc.StartedAt.IsZero() {
		inc.StartedAt = now
	}
	if inc.Maintenance && inc.StartedAt.IsZero() && (s == tocsin.MaintenanceInProgress || s == tocsin.MaintenanceVerifying || s == tocsin.MaintenanceCompleted) {
		inc.StartedAt = now
	}
	if s == tocsin.IncidentMonitoring && inc.MonitoringAt.IsZero() {
		inc.MonitoringAt = now
	}
	switch {
	case s.Closed() && (from == "" || !from.Closed()):
		inc.ResolvedAt = now
	case !s.Closed():
		inc.ResolvedAt = time.Time{} // reopened
	}
	if s == tocsin.IncidentPostmortem && inc.PostmortemAt.IsZero() {
		inc.PostmortemAt = now
	}
}

// lockIncident reads an incident in tx after touching its row, so that two
// updates to one incident queue up on PostgreSQL instead of racing.
func (tx *Tx) lockIncident(ctx context.Context, id int64, now time.Time) (*tocsin.StatusIncident, error) {
	res, err := tx.exec(ctx, `UPDATE status_incidents SET updated_at = $1 WHERE id = $2`, ms(now), id)
	if err != nil {
		return nil, fmt.Errorf("lock status incident: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "status incident %d not found", id)
	}
	inc, err := scanIncident(tx.queryRow(ctx, `SELECT `+incidentColumns+incidentFrom+` WHERE i.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "status incident %d not found", id)
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT component_id FROM status_incident_components WHERE incident_id = $1 ORDER BY component_id`, id)
	if err != nil {
		return nil, fmt.Errorf("incident components: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid int64
		if err := rows.Scan(&cid); err != nil {
			return nil, err
		}
		inc.ComponentIDs = append(inc.ComponentIDs, cid)
	}
	return inc, rows.Err()
}

// PostStatusUpdate adds an update to an incident or maintenance: it moves its
// status (u.Status; empty keeps it), applies u.Changes, records events and
// tells subscribers when u.Notify, in one transaction. Resolving an incident,
// or completing a maintenance, without changes puts its affected components
// back to operational, as changes of the update — except those another open
// incident or running maintenance still holds; starting a maintenance
// without changes puts them under maintenance. u holds the update as stored.
func (db *DB) PostStatusUpdate(ctx context.Context, incidentID int64, u *tocsin.StatusUpdate, actorID int64, now time.Time) error {
	if err := tocsin.ValidateUpdateBody(u.Body); err != nil {
		return err
	}
	now = now.UTC().Truncate(time.Millisecond)
	return db.InTx(ctx, func(tx *Tx) error {
		inc, err := tx.lockIncident(ctx, incidentID, now)
		if err != nil {
			return err
		}
		return tx.postUpdate(ctx, inc, u, actorID, "", now)
	})
}

// postUpdate is PostStatusUpdate in tx, for an incident read by lockIncident.
func (tx *Tx) postUpdate(ctx context.Context, inc *tocsin.StatusIncident, u *tocsin.StatusUpdate, actorID int64, why string, now time.Time) error {
	if u.Status == "" {
		u.Status = inc.Status
	}
	if !u.Status.ValidFor(inc.Maintenance) {
		if inc.Maintenance {
			return tocsin.Errorf(tocsin.EINVALID, "Unknown maintenance status %q: use one of scheduled, in_progress, verifying, completed.", u.Status)
		}
		return tocsin.Errorf(tocsin.EINVALID, "Unknown incident status %q: use one of investigating, identified, monitoring, resolved, postmortem.", u.Status)
	}
	changes, err := tx.checkChanges(ctx, u.Changes)
	if err != nil {
		return err
	}
	switch {
	case len(changes) > 0:
	case u.Status.Closed() && !inc.Status.Closed():
		if changes, err = tx.restoreChanges(ctx, inc); err != nil {
			return err
		}
	case inc.Status == tocsin.MaintenanceScheduled && u.Status == tocsin.MaintenanceInProgress:
		// A maintenance starting puts its components under maintenance.
		for _, cid := range inc.ComponentIDs {
			c, err := tx.component(ctx, cid)
			if err != nil {
				return err
			}
			changes = append(changes, pendingChange{c: c, new: tocsin.ComponentMaintenance})
		}
	}
	from := inc.Status
	inc.Status = u.Status
	stampStatus(inc, from, now)
	_, err = tx.exec(ctx, `UPDATE status_incidents SET status = $1, started_at = $2, monitoring_at = $3, resolved_at = $4, postmortem_at = $5, updated_at = $6 WHERE id = $7`,
		inc.Status, ms(inc.StartedAt), ms(inc.MonitoringAt), ms(inc.ResolvedAt), ms(inc.PostmortemAt), ms(now), inc.ID)
	if err != nil {
		return fmt.Errorf("move status incident: %w", err)
	}
	ids := affectedIDs(nil, changes)
	if err := tx.linkIncidentComponents(ctx, inc.ID, ids); err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.Contains(inc.ComponentIDs, id) {
			inc.ComponentIDs = append(inc.ComponentIDs, id)
		}
	}
	slices.Sort(inc.ComponentIDs)
	u.IncidentID = inc.ID
	if u.Changes, err = tx.applyChanges(ctx, changes, inc.ID, actorID, why, now); err != nil {
		return err
	}
	if err := tx.insertUpdate(ctx, u, actorID, now); err != nil {
		return err
	}
	if u.Notify {
		if _, err := tx.fanOutUpdate(ctx, inc.ID, u.ID, now); err != nil {
			return err
		}
	}
	return tx.bump(ctx, CounterStatus)
}

// restoreChanges are the changes a resolve without changes makes: each
// affected component back to operational, unless another open incident or a
// running maintenance still holds it. A maintenance gives back only the
// components still under maintenance (others were changed meanwhile) that
// no other running maintenance holds (afterMaintenance says to what).
func (tx *Tx) restoreChanges(ctx context.Context, inc *tocsin.StatusIncident) ([]pendingChange, error) {
	var out []pendingChange
	for _, cid := range inc.ComponentIDs {
		c, err := tx.component(ctx, cid)
		if err != nil {
			return nil, err
		}
		if c.Status == tocsin.ComponentOperational || (inc.Maintenance && c.Status != tocsin.ComponentMaintenance) {
			continue
		}
		// What else holds it: for an incident, any open incident or running
		// maintenance; for a maintenance, another running maintenance.
		holders := `NOT (` + closedSQL + `) AND i.status <> 'scheduled'`
		if inc.Maintenance {
			holders = `i.maintenance AND i.status IN ('in_progress', 'verifying')`
		}
		var held int
		err = tx.queryRow(ctx, `SELECT COUNT(*) FROM status_incident_components ic JOIN status_incidents i ON i.id = ic.incident_id
			WHERE ic.component_id = $1 AND i.id <> $2 AND `+holders, cid, inc.ID).Scan(&held)
		if err != nil {
			return nil, fmt.Errorf("component held elsewhere: %w", err)
		}
		if held > 0 {
			continue
		}
		change := pendingChange{c: c, new: tocsin.ComponentOperational}
		if inc.Maintenance {
			if change, err = tx.afterMaintenance(ctx, c); err != nil {
				return nil, err
			}
		}
		out = append(out, change)
	}
	return out, nil
}

// afterMaintenance is what a maintenance gives a component back to: the
// latest status it had before it went under maintenance that still stands —
// one an incident set while that incident is open, held again by it; one a
// person set while an incident still open lists the component — else
// operational. An outage set by an incident resolved since is passed over.
func (tx *Tx) afterMaintenance(ctx context.Context, c *tocsin.Component) (pendingChange, error) {
	back := pendingChange{c: c, new: tocsin.ComponentOperational}
	// Its history says what it was, however it went under maintenance
	// (this maintenance's start, an overlapping one's, a person). Read whole
	// first: one transaction runs one query at a time.
	type span struct {
		status tocsin.ComponentStatus
		setBy  int64
	}
	var history []span
	rows, err := tx.tx.QueryContext(ctx, `SELECT status, COALESCE(incident_id, 0) FROM status_component_spans
		WHERE component_id = $1 AND status <> $2 ORDER BY id DESC LIMIT 20`, c.ID, tocsin.ComponentMaintenance)
	if err != nil {
		return back, fmt.Errorf("status before the maintenance: %w", err)
	}
	for rows.Next() {
		var s span
		if err := rows.Scan(&s.status, &s.setBy); err != nil {
			rows.Close()
			return back, err
		}
		history = append(history, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return back, err
	}
	for _, s := range history {
		if s.status == tocsin.ComponentOperational {
			return back, nil
		}
		var incident, open bool
		if s.setBy != 0 {
			err := tx.queryRow(ctx, `SELECT NOT i.maintenance, NOT (`+closedSQL+`) FROM status_incidents i WHERE i.id = $1`, s.setBy).Scan(&incident, &open)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return back, fmt.Errorf("incident that set the status: %w", err)
			}
		}
		switch {
		case incident && open:
			back.new, back.holder = s.status, s.setBy
			return back, nil
		case incident: // its incident is over, and its outage with it: look further back
			continue
		}
		// A person's (or a maintenance's own change).
		var listed int
		err := tx.queryRow(ctx, `SELECT COUNT(*) FROM status_incident_components ic JOIN status_incidents i ON i.id = ic.incident_id
			WHERE ic.component_id = $1 AND NOT i.maintenance AND NOT (`+closedSQL+`)`, c.ID).Scan(&listed)
		if err != nil {
			return back, fmt.Errorf("open incidents on the component: %w", err)
		}
		if listed > 0 {
			back.new = s.status
		}
		return back, nil
	}
	return back, nil
}

// EditStatusIncident changes what was published about an incident or
// maintenance: title, impact, affected components, post-mortem (once it is
// resolved), a maintenance's window (not to one already ended, unless it is
// completed) and whether it moves by itself. Its status moves only through
// updates; its Notify stays as scheduled. inc holds it as stored afterwards.
func (db *DB) EditStatusIncident(ctx context.Context, inc *tocsin.StatusIncident, actorID int64, now time.Time) error {
	now = now.UTC().Truncate(time.Millisecond)
	return db.InTx(ctx, func(tx *Tx) error {
		old, err := tx.lockIncident(ctx, inc.ID, now)
		if err != nil {
			return err
		}
		next := *old
		next.Name, next.Impact, next.Postmortem = inc.Name, inc.Impact, inc.Postmortem
		next.ScheduledFor, next.ScheduledUntil, next.AutoTransition = inc.ScheduledFor.UTC().Truncate(time.Millisecond), inc.ScheduledUntil.UTC().Truncate(time.Millisecond), inc.AutoTransition
		if !old.Maintenance {
			next.ScheduledFor, next.ScheduledUntil, next.AutoTransition = time.Time{}, time.Time{}, false
		}
		if err := next.Validate(); err != nil {
			return err
		}
		moved := !next.ScheduledFor.Equal(old.ScheduledFor) || !next.ScheduledUntil.Equal(old.ScheduledUntil)
		if old.Maintenance && moved && !old.Status.Closed() {
			// A completed one's window may be corrected to what happened.
			if err := windowAhead(&next, now); err != nil {
				return err
			}
		}
		if next.Postmortem != "" && old.Maintenance {
			return tocsin.Errorf(tocsin.EINVALID, "A maintenance has no post-mortem: say what was done in its last update.")
		}
		// One kept from before the incident was reopened is no new one.
		if next.Postmortem != "" && next.Postmortem != old.Postmortem && !next.Status.Closed() {
			return tocsin.Errorf(tocsin.EINVALID, "A post-mortem is published once the incident is resolved.")
		}
		affected, err := tx.incidentComponents(ctx, inc.ComponentIDs)
		if err != nil {
			return err
		}
		next.ComponentIDs = affectedIDs(affected, nil)
		if next.Postmortem != "" && next.PostmortemAt.IsZero() {
			next.PostmortemAt = now
		}
		if !next.ScheduledFor.Equal(old.ScheduledFor) {
			next.RemindedAt = time.Time{} // a new start, a new reminder (its key still sends it once)
		}
		_, err = tx.exec(ctx, `UPDATE status_incidents SET name = $1, impact = $2, postmortem = $3, postmortem_at = $4, scheduled_for = $5, scheduled_until = $6, auto_transition = $7, reminded_at = $8 WHERE id = $9`,
			next.Name, next.Impact, next.Postmortem, ms(next.PostmortemAt), ms(next.ScheduledFor), ms(next.ScheduledUntil), next.AutoTransition, ms(next.RemindedAt), next.ID)
		if err != nil {
			return fmt.Errorf("edit status incident: %w", err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM status_incident_components WHERE incident_id = $1`, next.ID); err != nil {
			return fmt.Errorf("edit incident components: %w", err)
		}
		if err := tx.linkIncidentComponents(ctx, next.ID, next.ComponentIDs); err != nil {
			return err
		}
		var said []string
		if next.Name != old.Name {
			said = append(said, fmt.Sprintf("title %q (was %q)", next.Name, old.Name))
		}
		if next.Impact != old.Impact {
			said = append(said, fmt.Sprintf("impact %s (was %s)", next.Impact, old.Impact))
		}
		if !slices.Equal(next.ComponentIDs, old.ComponentIDs) {
			said = append(said, fmt.Sprintf("%d affected components", len(next.ComponentIDs)))
		}
		if !next.ScheduledFor.Equal(old.ScheduledFor) || !next.ScheduledUntil.Equal(old.ScheduledUntil) {
			said = append(said, fmt.Sprintf("window %s to %s", next.ScheduledFor.Format(time.RFC3339), next.ScheduledUntil.Format(time.RFC3339)))
		}
		if next.AutoTransition != old.AutoTransition {
			said = append(said, fmt.Sprintf("moves by itself: %t", next.AutoTransition))
		}
		if next.Postmortem != old.Postmortem {
			said = append(said, "post-mortem: "+next.Postmortem)
		}
		if len(said) > 0 {
			if err := tx.statusEvent(ctx, next.ID, actorID, "incident.edited", "Edited: "+strings.Join(said, "; ")+".", now); err != nil {
				return err
			}
		}
		list, err := loadIncidents(ctx, tx.dialect, tx.tx, `SELECT `+incidentColumns+incidentFrom+` WHERE i.id = $1`, next.ID)
		if err != nil {
			return err
		}
		*inc = list[0]
		return tx.bump(ctx, CounterStatus)
	})
}

// DeleteStatusIncident removes a public incident or maintenance and its
// updates; component statuses stay as they are, and messages not yet sent
// about it are cancelled. The internal timeline keeps its events.
func (db *DB) DeleteStatusIncident(ctx context.Context, id int64, actorID int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		inc, err := tx.lockIncident(ctx, id, now)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE notifications SET status = 'cancelled', error = 'the status incident was deleted'
			WHERE kind = $1 AND status = 'pending' AND subscriber_id IS NOT NULL
			AND (ref = $2 OR ref IN (SELECT 'update:' || id FROM status_updates WHERE incident_id = $3))`,
			tocsin.NotifySubscriber, fmt.Sprintf("remind:%d", id), id)
		if err != nil {
			return fmt.Errorf("cancel subscriber messages: %w", err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM status_incidents WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete status incident: %w", err)
		}
		what := "Incident"
		if inc.Maintenance {
			what = "Maintenance"
		}
		if err := tx.statusEvent(ctx, 0, actorID, "incident.deleted", fmt.Sprintf("%s %q deleted.", what, inc.Name), now); err != nil {
			return err
		}
		return tx.bump(ctx, CounterStatus)
	})
}
