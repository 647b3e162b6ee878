package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// keptDB opens a SQLite file through the statement-keeping connector, on one
// connection, with a table t of the integers 1…5.
func keptDB(t *testing.T) *sql.DB {
	t.Helper()
	conns, err := openSQLiteConnector("file:" + filepath.Join(t.TempDir(), "kept.db") + "?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conns)
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (x INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for x := 1; x <= 5; x++ {
		if _, err := db.Exec(`INSERT INTO t (x) VALUES ($1)`, x); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// ints runs a query of one integer column on q (a DB or a Tx).
func ints(t *testing.T, q interface {
	Query(string, ...any) (*sql.Rows, error)
}, query string, args ...any) []int {
	t.Helper()
	rows, err := q.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var x int
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func keptCount(t *testing.T, db *sql.DB) int {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.Raw(func(dc any) error { n = len(dc.(*keepingConn).kept); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// A statement run while its own rows are still being read, on the same
// connection (a transaction reading a list and asking the same question per
// item), must not reset the outer reading.
func TestKeptStatementRunAgainWhileItsRowsAreRead(t *testing.T) {
	db := keptDB(t)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const above = `SELECT x FROM t WHERE x > $1 ORDER BY x`
	outer, err := tx.Query(above, 0)
	if err != nil {
		t.Fatal(err)
	}
	var seen []int
	for outer.Next() {
		var x int
		if err := outer.Scan(&x); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, x)
		inner := ints(t, tx, above, x)
		if want := 5 - x; len(inner) != want {
			t.Fatalf("inner run above %d: got %v, want %d rows", x, inner, want)
		}
		if _, err := tx.Exec(`UPDATE t SET x = x WHERE x = $1`, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if !slices.Equal(seen, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("outer reading: got %v, want 1…5", seen)
	}
	// After the outer rows closed, the kept statement serves again.
	if got := ints(t, tx, above, 3); !slices.Equal(got, []int{4, 5}) {
		t.Fatalf("after: got %v", got)
	}
}

// Running a text again reuses its statement; a statement prepared before
// the schema changed answers with the new schema (SQLite re-prepares it);
// past the bound, statements still run, parsed each time.
func TestKeptStatementsAreReusedAndBounded(t *testing.T) {
	db := keptDB(t)
	before := keptCount(t, db)
	for range 3 {
		if got := ints(t, db, `SELECT x FROM t WHERE x <= $1 ORDER BY x`, 2); !slices.Equal(got, []int{1, 2}) {
			t.Fatalf("got %v", got)
		}
	}
	if n := keptCount(t, db); n != before+1 {
		t.Fatalf("three runs of one text kept %d statements, want 1", n-before)
	}

	var cols []string
	read := func() {
		rows, err := db.Query(`SELECT * FROM t WHERE x = $1`, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ = rows.Columns()
		// Kept rows still tell their columns' types.
		if types, err := rows.ColumnTypes(); err != nil || types[0].DatabaseTypeName() != "INTEGER" {
			t.Fatalf("column types of kept rows: %v, %v", types, err)
		}
	}
	read()
	read()
	if _, err := db.Exec(`ALTER TABLE t ADD COLUMN y TEXT`); err != nil {
		t.Fatal(err)
	}
	read()
	if len(cols) != 2 {
		t.Fatalf("after ALTER TABLE the kept statement gave columns %v, want x and y", cols)
	}

	for i := range maxStatements + 10 {
		var x int
		if err := db.QueryRow(fmt.Sprintf(`SELECT x + %d FROM t WHERE x = $1`, i), 1).Scan(&x); err != nil {
			t.Fatal(err)
		}
		if x != i+1 {
			t.Fatalf("statement %d: got %d", i, x)
		}
	}
	if n := keptCount(t, db); n != maxStatements {
		t.Fatalf("kept %d statements, want the bound %d", n, maxStatements)
	}
}

// Schema changes and pragmas run once: they are not kept.
func TestSchemaChangesAreNotKept(t *testing.T) {
	db := keptDB(t) // CREATE TABLE, then INSERTs of one text
	if n := keptCount(t, db); n != 1 {
		t.Fatalf("kept %d statements after a CREATE TABLE and one INSERT text, want 1", n)
	}
	for _, q := range []string{`CREATE INDEX t_x ON t (x)`, `  pragma user_version = 3`, `DROP INDEX t_x`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if n := keptCount(t, db); n != 1 {
		t.Fatalf("kept %d statements after schema changes, want 1", n)
	}
}
