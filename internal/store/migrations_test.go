package store

import (
	"io/fs"
	"slices"
	"testing"
)

// Both engines must have the same migrations, so that a database can move from
// SQLite to PostgreSQL and the schema version means the same thing on each.
func TestMigrationVersionsMatch(t *testing.T) {
	list := func(dialect Dialect) []string {
		entries, err := fs.ReadDir(migrations, "migrations/"+string(dialect))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	sqlite, postgres := list(SQLite), list(Postgres)
	if len(sqlite) == 0 || !slices.Equal(sqlite, postgres) {
		t.Fatalf("migration files differ:\nsqlite:   %v\npostgres: %v", sqlite, postgres)
	}
}
