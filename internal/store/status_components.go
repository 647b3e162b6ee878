package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/tocsin/tocsin"
)

const componentColumns = `c.id, c.public_id, c.name, c.description, c.is_group, COALESCE(c.group_id, 0), c.position, c.status,
	c.only_show_if_degraded, c.showcase, c.start_date, c.auto_apply, c.created_at, c.updated_at`

// componentOrder lists groups and top-level components by position, each
// group followed by its components by position.
const componentOrder = ` ORDER BY COALESCE(g.position, c.position), COALESCE(c.group_id, c.id), CASE WHEN c.group_id IS NULL THEN 0 ELSE 1 END, c.position, c.id`

const componentFrom = ` FROM status_components c LEFT JOIN status_components g ON g.id = c.group_id`

func scanComponent(row interface{ Scan(...any) error }) (*tocsin.Component, error) {
	var c tocsin.Component
	var start, created, updated int64
	if err := row.Scan(&c.ID, &c.PublicID, &c.Name, &c.Description, &c.Group, &c.GroupID, &c.Position, &c.Status,
		&c.OnlyShowIfDegraded, &c.Showcase, &start, &c.AutoApply, &created, &updated); err != nil {
		return nil, err
	}
	c.StartDate, c.CreatedAt, c.UpdatedAt = fromMS(start), fromMS(created), fromMS(updated)
	return &c, nil
}

// queryer is a read path: the pool (db.read) or a snapshot's transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Components lists groups and components, each group followed by its own, by
// position, with their linked services.
func (db *DB) Components(ctx context.Context) ([]tocsin.Component, error) {
	return loadComponents(ctx, db.read)
}

func loadComponents(ctx context.Context, q queryer) ([]tocsin.Component, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+componentColumns+componentFrom+componentOrder)
	if err != nil {
		return nil, fmt.Errorf("list components: %w", err)
	}
	var list []tocsin.Component
	byID := map[int64]int{}
	for rows.Next() {
		c, err := scanComponent(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[c.ID] = len(list)
		list = append(list, *c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT component_id, service_id FROM status_component_services ORDER BY component_id, service_id`)
	if err != nil {
		return nil, fmt.Errorf("list component services: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid, sid int64
		if err := rows.Scan(&cid, &sid); err != nil {
			return nil, err
		}
		if i, ok := byID[cid]; ok {
			list[i].ServiceIDs = append(list[i].ServiceIDs, sid)
		}
	}
	return list, rows.Err()
}

// Component returns a component or group by id, with its linked services.
func (db *DB) Component(ctx context.Context, id int64) (*tocsin.Component, error) {
	c, err := scanComponent(db.read.QueryRowContext(ctx, `SELECT `+componentColumns+componentFrom+` WHERE c.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "component %d not found", id)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT service_id FROM status_component_services WHERE component_id = $1 ORDER BY service_id`, id)
	if err != nil {
		return nil, fmt.Errorf("component services: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid int64
		if err := rows.Scan(&sid); err != nil {
			return nil, err
		}
		c.ServiceIDs = append(c.ServiceIDs, sid)
	}
	return c, rows.Err()
}

func (tx *Tx) component(ctx context.Context, id int64) (*tocsin.Component, error) {
	c, err := scanComponent(tx.queryRow(ctx, `SELECT `+componentColumns+componentFrom+` WHERE c.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "component %d not found", id)
	}
	return c, nil
}

// checkComponentLinks checks a component's group and services before it is stored.
func (tx *Tx) checkComponentLinks(ctx context.Context, c *tocsin.Component) error {
	if c.GroupID != 0 {
		if c.GroupID == c.ID {
			return tocsin.Errorf(tocsin.EINVALID, "A component cannot be inside itself.")
		}
		g, err := tx.component(ctx, c.GroupID)
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			return tocsin.Errorf(tocsin.EINVALID, "Group %d does not exist.", c.GroupID)
		}
		if err != nil {
			return err
		}
		if !g.Group {
			return tocsin.Errorf(tocsin.EINVALID, "%q is a component, not a group.", g.Name)
		}
	}
	slices.Sort(c.ServiceIDs)
	c.ServiceIDs = slices.Compact(c.ServiceIDs)
	if len(c.ServiceIDs) == 0 {
		return nil
	}
	if c.Group {
		return tocsin.Errorf(tocsin.EINVALID, "A group's status comes from its components: link services to them instead.")
	}
	if len(c.ServiceIDs) > 100 {
		return tocsin.Errorf(tocsin.EINVALID, "A component is linked to at most 100 services.")
	}
	in, arg := inIDs(tx.dialect, "id", 1, c.ServiceIDs)
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM services WHERE `+in, arg).Scan(&n); err != nil {
		return fmt.Errorf("check services: %w", err)
	}
	if n != len(c.ServiceIDs) {
		return tocsin.Errorf(tocsin.EINVALID, "A linked service does not exist (any more).")
	}
	return nil
}

// componentServices lists the services linked to a component, in id order.
func (tx *Tx) componentServices(ctx context.Context, id int64) ([]int64, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT service_id FROM status_component_services WHERE component_id = $1 ORDER BY service_id`, id)
	if err != nil {
		return nil, fmt.Errorf("component services: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var sid int64
		if err := rows.Scan(&sid); err != nil {
			return nil, err
		}
		ids = append(ids, sid)
	}
	return ids, rows.Err()
}

func (tx *Tx) saveComponentServices(ctx context.Context, c *tocsin.Component) error {
	if _, err := tx.exec(ctx, `DELETE FROM status_component_services WHERE component_id = $1`, c.ID); err != nil {
		return fmt.Errorf("unlink services: %w", err)
	}
	for _, sid := range c.ServiceIDs {
		if _, err := tx.exec(ctx, `INSERT INTO status_component_services (component_id, service_id) VALUES ($1, $2)`, c.ID, sid); err != nil {
			return fmt.Errorf("link service: %w", err)
		}
	}
	return nil
}

// nextPosition is the position after the last of a group's components (0: top level).
func (tx *Tx) nextPosition(ctx context.Context, groupID int64) (int, error) {
	var p int
	err := tx.queryRow(ctx, `SELECT COALESCE(MAX(position), -1) + 1 FROM status_components WHERE COALESCE(group_id, 0) = $1`, groupID).Scan(&p)
	if err != nil {
		return 0, fmt.Errorf("next position: %w", err)
	}
	return p, nil
}

// startDay keeps the day of a start date, at midnight UTC.
func startDay(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// CreateComponent adds a component or group at the end of its siblings,
// records its first status span and an event; c holds it as stored.
func (db *DB) CreateComponent(ctx context.Context, c *tocsin.Component, actorID int64, now time.Time) error {
	c.ID = 0
	if err := c.Validate(); err != nil {
		return err
	}
	now = now.UTC().Truncate(time.Millisecond)
	if c.Group {
		c.Status = tocsin.ComponentOperational // its children's, and it has none yet
	}
	c.StartDate = startDay(c.StartDate)
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.checkComponentLinks(ctx, c); err != nil {
			return err
		}
		pos, err := tx.nextPosition(ctx, c.GroupID)
		if err != nil {
			return err
		}
		c.PublicID, c.Position, c.CreatedAt, c.UpdatedAt = newPublicID(), pos, now, now
		c.ID, err = tx.insertID(ctx, `INSERT INTO status_components (public_id, name, description, is_group, group_id, position, status, only_show_if_degraded, showcase, start_date, auto_apply, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
			c.PublicID, c.Name, c.Description, c.Group, nullID(c.GroupID), c.Position, c.Status, c.OnlyShowIfDegraded, c.Showcase, ms(c.StartDate), c.AutoApply, ms(now))
		if err != nil {
			return fmt.Errorf("create component: %w", err)
		}
		if err := tx.saveComponentServices(ctx, c); err != nil {
			return err
		}
		if _, err := tx.addSpan(ctx, c.ID, c.Status, 0, now); err != nil {
			return err
		}
		what := "component"
		if c.Group {
			what = "group"
		}
		if err := tx.statusEvent(ctx, 0, actorID, "component.created", fmt.Sprintf("New %s %q, %s.", what, c.Name, c.Status), now); err != nil {
			return err
		}
		if c.GroupID != 0 {
			if err := tx.refreshGroup(ctx, c.GroupID, now); err != nil {
				return err
			}
		}
		return tx.bump(ctx, CounterStatus)
	})
}

// UpdateComponent changes a component's settings, group and status (a group's
// status stays its components'); a status change records a span and an
// event. A group stays a group and a component a component. c holds it as
// stored afterwards.
func (db *DB) UpdateComponent(ctx context.Context, c *tocsin.Component, actorID int64, now time.Time) error {
	if err := c.Validate(); err != nil {
		return err
	}
	now = now.UTC().Truncate(time.Millisecond)
	c.StartDate = startDay(c.StartDate)
	return db.InTx(ctx, func(tx *Tx) error {
		old, err := tx.component(ctx, c.ID)
		if err != nil {
			return err
		}
		if old.Group != c.Group {
			return tocsin.Errorf(tocsin.EINVALID, "A group cannot become a component, nor a component a group: create a new one.")
		}
		if err := tx.checkComponentLinks(ctx, c); err != nil {
			return err
		}
		pos := old.Position
		if c.GroupID != old.GroupID {
			if pos, err = tx.nextPosition(ctx, c.GroupID); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, `UPDATE status_components SET name = $1, description = $2, group_id = $3, position = $4, only_show_if_degraded = $5, showcase = $6, start_date = $7, auto_apply = $8, updated_at = $9 WHERE id = $10`,
			c.Name, c.Description, nullID(c.GroupID), pos, c.OnlyShowIfDegraded, c.Showcase, ms(c.StartDate), c.AutoApply, ms(now), c.ID)
		if err != nil {
			return fmt.Errorf("update component: %w", err)
		}
		oldServices, err := tx.componentServices(ctx, c.ID)
		if err != nil {
			return err
		}
		if (c.AutoApply && !old.AutoApply) || !slices.Equal(oldServices, c.ServiceIDs) {
			// Following other alerts, or again: their next proposal applies.
			if _, err := tx.exec(ctx, `UPDATE status_components SET auto_status = '' WHERE id = $1`, c.ID); err != nil {
				return fmt.Errorf("forget applied proposal: %w", err)
			}
		}
		if err := tx.saveComponentServices(ctx, c); err != nil {
			return err
		}
		if old.Name != c.Name || old.Description != c.Description || old.GroupID != c.GroupID {
			if err := tx.statusEvent(ctx, 0, actorID, "component.updated", fmt.Sprintf("Component %q saved (was %q).", c.Name, old.Name), now); err != nil {
				return err
			}
		}
		stored, err := tx.component(ctx, c.ID)
		if err != nil {
			return err
		}
		if !c.Group {
			if _, err := tx.setComponentStatus(ctx, stored, c.Status, actorID, "", now); err != nil {
				return err
			}
		}
		for _, g := range []int64{old.GroupID, c.GroupID} {
			if g != 0 {
				if err := tx.refreshGroup(ctx, g, now); err != nil {
					return err
				}
			}
		}
		if stored, err = tx.component(ctx, c.ID); err != nil {
			return err
		}
		stored.ServiceIDs = c.ServiceIDs
		*c = *stored
		return tx.bump(ctx, CounterStatus)
	})
}

// SetComponentStatus sets a component's status (a group's is its components').
func (db *DB) SetComponentStatus(ctx context.Context, id int64, s tocsin.ComponentStatus, actorID int64, now time.Time) error {
	if !s.Valid() {
		return tocsin.Errorf(tocsin.EINVALID, "Unknown component status %q: use one of operational, degraded_performance, partial_outage, major_outage, under_maintenance.", s)
	}
	return db.InTx(ctx, func(tx *Tx) error {
		c, err := tx.component(ctx, id)
		if err != nil {
			return err
		}
		if c.Group {
			return tocsin.Errorf(tocsin.EINVALID, "A group's status is its components' worst: set theirs.")
		}
		changed, err := tx.setComponentStatus(ctx, c, s, actorID, "", now)
		if err != nil || !changed {
			return err
		}
		return tx.bump(ctx, CounterStatus)
	})
}

// setComponentStatus moves a component (not a group) to s: its status, a span,
// an event (why ends its text), and its group's status. It reports whether
// anything changed; c.Status is s afterwards.
func (tx *Tx) setComponentStatus(ctx context.Context, c *tocsin.Component, s tocsin.ComponentStatus, actorID int64, why string, now time.Time) (bool, error) {
	return tx.setComponentStatusFor(ctx, c, s, 0, actorID, why, now)
}

// setComponentStatusFor is setComponentStatus on behalf of a public incident,
// whose internal timeline gets the event.
func (tx *Tx) setComponentStatusFor(ctx context.Context, c *tocsin.Component, s tocsin.ComponentStatus, incidentID, actorID int64, why string, now time.Time) (bool, error) {
	if c.Status == s {
		return false, nil
	}
	// Conditional on the status read: the event and span say what it was.
	res, err := tx.exec(ctx, `UPDATE status_components SET status = $1, updated_at = $2, status_incident_id = $3 WHERE id = $4 AND status = $5`,
		s, ms(now), nullID(incidentID), c.ID, c.Status)
	if err != nil {
		return false, fmt.Errorf("set component status: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, tocsin.Errorf(tocsin.ECONFLICT, "The status of %q changed meanwhile: reload and try again.", c.Name)
	}
	span, err := tx.addSpan(ctx, c.ID, s, incidentID, now)
	if err != nil {
		return false, err
	}
	if incidentID == 0 {
		// An incident's updates tell its component changes; one made on its
		// own is told to webhook subscribers as Statuspage does.
		if err := tx.fanOutComponentUpdate(ctx, c, span, now); err != nil {
			return false, err
		}
	}
	text := fmt.Sprintf("%s: %s → %s.", c.Name, c.Status, s)
	if why != "" {
		text = fmt.Sprintf("%s: %s → %s (%s).", c.Name, c.Status, s, why)
	}
	if err := tx.statusEvent(ctx, incidentID, actorID, "component.status", text, now); err != nil {
		return false, err
	}
	c.Status, c.UpdatedAt = s, now
	if c.GroupID != 0 {
		if err := tx.refreshGroup(ctx, c.GroupID, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// addSpan records that a component has status s from now, set by an
// incident's update (0: by a person, a proposal, its creation); it returns
// the span's id.
func (tx *Tx) addSpan(ctx context.Context, componentID int64, s tocsin.ComponentStatus, incidentID int64, now time.Time) (int64, error) {
	id, err := tx.insertID(ctx, `INSERT INTO status_component_spans (component_id, status, incident_id, from_at) VALUES ($1, $2, $3, $4)`,
		componentID, s, nullID(incidentID), ms(now))
	if err != nil {
		return 0, fmt.Errorf("record status span: %w", err)
	}
	return id, nil
}

// ComponentUpdate is one change of a component's status, from the span it
// began (its ID); Old is the status before.
type ComponentUpdate struct {
	ID          int64
	ComponentID int64
	Old, New    tocsin.ComponentStatus
	At          time.Time
}

// ComponentUpdate reads the change that began span id.
func (db *DB) ComponentUpdate(ctx context.Context, id int64) (*ComponentUpdate, error) {
	u := &ComponentUpdate{ID: id}
	var at int64
	var old sql.NullString
	err := db.read.QueryRowContext(ctx, `SELECT s.component_id, s.status, s.from_at,
		(SELECT p.status FROM status_component_spans p WHERE p.component_id = s.component_id AND p.id < s.id ORDER BY p.id DESC LIMIT 1)
		FROM status_component_spans s WHERE s.id = $1`, id).Scan(&u.ComponentID, &u.New, &at, &old)
	if err != nil {
		return nil, notFound(err, "component update %d not found", id)
	}
	u.Old, u.At = tocsin.ComponentOperational, fromMS(at)
	if old.Valid {
		u.Old = tocsin.ComponentStatus(old.String)
	}
	return u, nil
}

// refreshGroup sets a group's status to its components' worst, with a span
// when it moves, so that groups have an uptime history too.
func (tx *Tx) refreshGroup(ctx context.Context, groupID int64, now time.Time) error {
	// Lock the group first: two children changing at once on PostgreSQL
	// then compute it one after the other, the second seeing the first.
	if _, err := tx.exec(ctx, `UPDATE status_components SET updated_at = updated_at WHERE id = $1`, groupID); err != nil {
		return fmt.Errorf("lock group: %w", err)
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT status FROM status_components WHERE group_id = $1`, groupID)
	if err != nil {
		return fmt.Errorf("group status: %w", err)
	}
	var children []tocsin.Component
	for rows.Next() {
		var c tocsin.Component
		if err := rows.Scan(&c.Status); err != nil {
			rows.Close()
			return err
		}
		children = append(children, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	s := tocsin.GroupStatus(children)
	res, err := tx.exec(ctx, `UPDATE status_components SET status = $1, updated_at = $2 WHERE id = $3 AND status <> $1`, s, ms(now), groupID)
	if err != nil {
		return fmt.Errorf("set group status: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		_, err := tx.addSpan(ctx, groupID, s, 0, now)
		return err
	}
	return nil
}

// MoveComponent moves a component or group up (delta < 0) or down among its
// siblings; past either end it stays there.
func (db *DB) MoveComponent(ctx context.Context, id int64, delta int, actorID int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c, err := tx.component(ctx, id)
		if err != nil {
			return err
		}
		rows, err := tx.tx.QueryContext(ctx, `SELECT id FROM status_components WHERE COALESCE(group_id, 0) = $1 ORDER BY position, id`, c.GroupID)
		if err != nil {
			return fmt.Errorf("list siblings: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var sid int64
			if err := rows.Scan(&sid); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, sid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		from := slices.Index(ids, id)
		to := max(0, min(len(ids)-1, from+delta))
		if from == to {
			return nil
		}
		ids = slices.Delete(ids, from, from+1)
		ids = slices.Insert(ids, to, id)
		for pos, sid := range ids {
			if _, err := tx.exec(ctx, `UPDATE status_components SET position = $1 WHERE id = $2 AND position <> $1`, pos, sid); err != nil {
				return fmt.Errorf("move component: %w", err)
			}
		}
		dir := "down"
		if to < from {
			dir = "up"
		}
		if err := tx.statusEvent(ctx, 0, actorID, "component.moved", fmt.Sprintf("%q moved %s to position %d.", c.Name, dir, to+1), now); err != nil {
			return err
		}
		return tx.bump(ctx, CounterStatus)
	})
}

// DeleteComponent removes a component, or a group without components, with
// its history. Published updates keep the name it had.
func (db *DB) DeleteComponent(ctx context.Context, id int64, actorID int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c, err := tx.component(ctx, id)
		if err != nil {
			return err
		}
		var children int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM status_components WHERE group_id = $1`, id).Scan(&children); err != nil {
			return fmt.Errorf("count group components: %w", err)
		}
		if children > 0 {
			return tocsin.Errorf(tocsin.EINVALID, "The group %q holds %d components: move or delete its components first.", c.Name, children)
		}
		if _, err := tx.exec(ctx, `DELETE FROM status_components WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete component: %w", err)
		}
		if c.GroupID != 0 {
			if err := tx.refreshGroup(ctx, c.GroupID, now); err != nil {
				return err
			}
		}
		if err := tx.statusEvent(ctx, 0, actorID, "component.deleted", fmt.Sprintf("Component %q deleted.", c.Name), now); err != nil {
			return err
		}
		return tx.bump(ctx, CounterStatus)
	})
}
