package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// ComponentProposal is the status the open alerts on a component's services
// suggest, when it differs from the component's.
type ComponentProposal struct {
	Component tocsin.Component
	Proposed  tocsin.ComponentStatus
	AlertIDs  []int64 // the open alerts behind it, oldest first; none: back to operational
}

// proposedStatus maps an open alert's priority to a component status.
func proposedStatus(p tocsin.Priority) tocsin.ComponentStatus {
	switch p {
	case tocsin.P1:
		return tocsin.ComponentMajor
	case tocsin.P2:
		return tocsin.ComponentPartial
	}
	return tocsin.ComponentDegraded
}

// ComponentProposals proposes, for each component linked to services, the
// status their open (triggered or acknowledged) alerts suggest: P1 → major
// outage, P2 → partial outage, P3–P5 → degraded performance, none open →
// operational; only where it differs from the current status. Suppressed
// alerts (kept by a rule without paging anyone) propose nothing, and a
// component under maintenance is left to its maintenance.
func (db *DB) ComponentProposals(ctx context.Context) ([]ComponentProposal, error) {
	all, err := db.allProposals(ctx)
	if err != nil {
		return nil, err
	}
	var out []ComponentProposal
	for _, p := range all {
		if p.Proposed != p.Component.Status {
			out = append(out, p)
		}
	}
	return out, nil
}

// allProposals is ComponentProposals including the components whose status
// is already the proposed one.
func (db *DB) allProposals(ctx context.Context) ([]ComponentProposal, error) {
	components, err := db.Components(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT cs.component_id, a.id, a.priority FROM status_component_services cs JOIN alerts a ON a.service_id = cs.service_id
		WHERE a.status IN ('triggered', 'acknowledged') AND NOT a.suppressed ORDER BY cs.component_id, a.id`)
	if err != nil {
		return nil, fmt.Errorf("open alerts of components: %w", err)
	}
	defer rows.Close()
	type open struct {
		ids   []int64
		worst tocsin.ComponentStatus
	}
	byComponent := map[int64]*open{}
	for rows.Next() {
		var cid, aid int64
		var p tocsin.Priority
		if err := rows.Scan(&cid, &aid, &p); err != nil {
			return nil, err
		}
		o := byComponent[cid]
		if o == nil {
			o = &open{worst: tocsin.ComponentOperational}
			byComponent[cid] = o
		}
		o.ids = append(o.ids, aid)
		if s := proposedStatus(p); s.Worse(o.worst) {
			o.worst = s
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []ComponentProposal
	for _, c := range components {
		if c.Group || len(c.ServiceIDs) == 0 || c.Status == tocsin.ComponentMaintenance {
			continue
		}
		p := ComponentProposal{Component: c, Proposed: tocsin.ComponentOperational}
		if o := byComponent[c.ID]; o != nil {
			p.Proposed, p.AlertIDs = o.worst, o.ids
		}
		out = append(out, p)
	}
	return out, nil
}

// ApplyComponentProposals applies the proposals of the components that take
// them without a person (AutoApply), as Tocsin (actor 0); each event says
// which alerts. A proposal applies once, when it changes: a status a person
// set afterwards stays until the alerts propose something else. A component
// whose status an open incident or maintenance set is left to it (the
// proposal applies once that is closed, if it changed meanwhile). A
// component changed since the proposal was read is left for the next call.
// It returns how many components moved.
func (db *DB) ApplyComponentProposals(ctx context.Context, now time.Time) (int, error) {
	proposals, err := db.allProposals(ctx)
	if err != nil {
		return 0, err
	}
	now = now.UTC().Truncate(time.Millisecond)
	applied := 0
	err = db.InTx(ctx, func(tx *Tx) error {
		applied = 0
		for _, p := range proposals {
			if !p.Component.AutoApply {
				continue
			}
			c, err := tx.component(ctx, p.Component.ID)
			if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
				continue // deleted meanwhile
			}
			if err != nil {
				return err
			}
			if c.Status != p.Component.Status || !c.AutoApply {
				continue
			}
			var last string
			var held int
			err = tx.queryRow(ctx, `SELECT c.auto_status, (SELECT COUNT(*) FROM status_incidents i WHERE i.id = c.status_incident_id AND NOT (`+closedSQL+`))
				FROM status_components c WHERE c.id = $1`, c.ID).Scan(&last, &held)
			if err != nil {
				return fmt.Errorf("last applied proposal: %w", err)
			}
			if last == string(p.Proposed) || held > 0 {
				continue
			}
			// Claimed first, conditionally: a second engine applies nothing.
			res, err := tx.exec(ctx, `UPDATE status_components SET auto_status = $1 WHERE id = $2 AND auto_status = $3`, p.Proposed, c.ID, last)
			if err != nil {
				return fmt.Errorf("record applied proposal: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			why := "no open alert on its services any more"
			if len(p.AlertIDs) > 0 {
				refs := make([]string, len(p.AlertIDs))
				for k, id := range p.AlertIDs {
					refs[k] = fmt.Sprintf("#%d", id)
				}
				why = "open alerts " + strings.Join(refs, ", ")
			}
			changed, err := tx.setComponentStatus(ctx, c, p.Proposed, 0, why, now)
			if err != nil {
				return err
			}
			if changed {
				applied++
			}
		}
		if applied == 0 {
			return nil
		}
		return tx.bump(ctx, CounterStatus)
	})
	if err != nil {
		return 0, statusRetry(err)
	}
	return applied, nil
}
