package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// The engine looks for due steps at every cycle: on SQLite the query must
// walk the due index, not every triggered alert, or a few thousand alerts
// left open cost the engine most of a core (measured by bench/statuspage).
func TestDueEscalationsUseTheDueIndex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`SELECT id FROM alerts a WHERE ` + dueEscalation + ` ORDER BY a.esc_next_at, a.id LIMIT 10`,
		`SELECT COUNT(*) FROM alerts a WHERE ` + dueEscalation,
	} {
		rows, err := db.read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, 1)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if got := strings.Join(plan, "; "); !strings.Contains(got, "alerts_escalation_due") {
			t.Errorf("%s\nplan: %s", q, got)
		}
	}
}
