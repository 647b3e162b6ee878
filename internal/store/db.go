// Package store holds all of Tocsin's SQL, one file per aggregate. The same
// queries ($1…$N placeholders, the SQL both engines share) run on SQLite and on
// PostgreSQL; the few dialect-only pieces sit in sqlite.go and postgres.go.
package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/tocsin/tocsin"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is Tocsin's database. On SQLite writes go through one connection (SQLite
// has one writer) and reads through a pool; on PostgreSQL both are one pool.
type DB struct {
	dialect  Dialect
	write    *sql.DB
	read     reader
	counters *counterCache
	tx       *Tx // set on a DB that Atomically bound to one transaction
}

// Open connects to a database and brings its schema up to date. url is a
// postgres:// URL, or a path to a SQLite file (created with its folder if absent).
func Open(ctx context.Context, url string) (*DB, error) {
	db, err := connect(url)
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func connect(url string) (*DB, error) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		pool, err := sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(32)
		pool.SetMaxIdleConns(32)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		return &DB{dialect: Postgres, write: pool, read: reader{DB: pool}, counters: &counterCache{}}, nil
	}
	path := strings.TrimPrefix(url, "sqlite://")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	}
	// synchronous(FULL): a commit is on disk before the 2xx, even across a power cut.
	// case_sensitive_like: LIKE compares as on PostgreSQL (text search lowers both sides).
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=case_sensitive_like(1)"
	writeConns, err := openSQLiteConnector(dsn + "&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	readConns, err := openSQLiteConnector(dsn + "&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	write := sql.OpenDB(writeConns)
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	read := sql.OpenDB(readConns)
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	return &DB{dialect: SQLite, write: write, read: reader{DB: read}, counters: &counterCache{}}, nil
}

func (db *DB) migrate(ctx context.Context) error {
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
		// Several tocsin processes may start at once on one PostgreSQL.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return err
	}
	provider, err := goose.NewProvider(dialect, db.write, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Dialect tells which engine this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return err
	}
	return db.write.PingContext(ctx)
}

// Close releases the connections.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read.DB != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Tx is a write transaction; store methods that must compose take one.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	bumped  []string // change counters this transaction bumped
}

// InTx runs fn in one write transaction, committed when fn returns nil. On a
// DB bound by Atomically, fn joins that transaction.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	if db.tx != nil {
		return fn(db.tx)
	}
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, dialect: db.dialect}
	if err := fn(tx); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	db.counters.forget(tx.bumped)
	return nil
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, query, cleanArgs(args)...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, query, cleanArgs(args)...)
}

// insertID runs an INSERT … RETURNING id (both engines support it) and returns the id.
func (tx *Tx) insertID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := tx.tx.QueryRowContext(ctx, query+" RETURNING id", cleanArgs(args)...).Scan(&id)
	return id, err
}

// Atomically runs fn with a DB on which every write and every read goes through
// one transaction, committed when fn returns nil: a batch of changes (tocsin
// apply) lands whole or not at all, and each change sees the ones before it.
// fn must only use the DB it is given.
func (db *DB) Atomically(ctx context.Context, fn func(*DB) error) error {
	if db.tx != nil {
		return fn(db)
	}
	return db.InTx(ctx, func(tx *Tx) error {
		return fn(&DB{dialect: db.dialect, write: db.write, read: reader{DB: db.read.DB, tx: tx.tx}, counters: db.counters, tx: tx})
	})
}

// reader is what reads go through: the pool, or the transaction of a DB bound
// by Atomically. It cleans text parameters as Tx does.
type reader struct {
	*sql.DB
	tx *sql.Tx
}

func (r reader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if r.tx != nil {
		return r.tx.QueryContext(ctx, query, cleanArgs(args)...)
	}
	return r.DB.QueryContext(ctx, query, cleanArgs(args)...)
}

func (r reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if r.tx != nil {
		return r.tx.QueryRowContext(ctx, query, cleanArgs(args)...)
	}
	return r.DB.QueryRowContext(ctx, query, cleanArgs(args)...)
}

// cleanArgs removes NUL bytes and invalid UTF-8 from text parameters: PostgreSQL
// refuses both (a 500 for a stray %00 in a search box), SQLite would store them.
// Ingest text is cleaned earlier, by AlertEvent.Normalize; this covers the rest.
func cleanArgs(args []any) []any {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = tocsin.CleanText(s)
		}
	}
	return args
}

// inIDs is "column IN (ids)" with the ids as the one parameter $n (the
// second result): a JSON array read by json_each on SQLite, an array on
// PostgreSQL. The statement's text is the same however many ids there are,
// so it is prepared and planned once.
func inIDs(d Dialect, column string, n int, ids []int64) (string, any) {
	p := "$" + strconv.Itoa(n)
	if d == Postgres {
		return column + " = ANY(CAST(" + p + " AS BIGINT[]))", ids
	}
	list, _ := json.Marshal(ids) // integers always marshal
	return column + " IN (SELECT value FROM json_each(" + p + "))", string(list)
}

// rowsStatement is a statement run over many rows of parameters: head, then
// the rows as a table named v with columns column1, column2 … (head ends
// with FROM or JOIN), then tail. fixed are the parameters head and tail use
// ($1 … $len(fixed)); types are the columns' SQL types.
type rowsStatement struct {
	head, tail string
	fixed      []any
	types      []string
	// scan reads one row the statement returns (RETURNING …); nil: none.
	scan func(*sql.Rows) error
}

// runRows runs st over rows. On PostgreSQL one statement carries every row
// as arrays, one per column, unnested: each round trip costs, and the
// statement's text is the same whatever the number of rows, so it is
// prepared and planned once. SQLite has no round trips: one single-row
// statement, kept prepared by the connection, runs for each row.
func (tx *Tx) runRows(ctx context.Context, st rowsStatement, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if tx.dialect == SQLite {
		text := st.head + st.values() + st.tail
		query := func(ctx context.Context, args ...any) (*sql.Rows, error) {
			return tx.tx.QueryContext(ctx, text, args...)
		}
		for _, row := range rows {
			if err := st.run(ctx, query, append(slices.Clone(st.fixed), row...)); err != nil {
				return err
			}
		}
		return nil
	}
	args := slices.Clone(st.fixed)
	for j := range st.types {
		column := make([]any, len(rows))
		for i, row := range rows {
			column[i] = row[j]
		}
		args = append(args, cleanArgs(column))
	}
	query := func(ctx context.Context, args ...any) (*sql.Rows, error) {
		return tx.tx.QueryContext(ctx, st.head+st.unnest()+st.tail, args...)
	}
	return st.run(ctx, query, args)
}

// values is SQLite's table of one row: "(VALUES (CAST($k AS type), …)) AS v".
func (st rowsStatement) values() string {
	var b strings.Builder
	b.WriteString("(VALUES (")
	for j, typ := range st.types {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString("CAST($" + strconv.Itoa(len(st.fixed)+j+1) + " AS " + typ + ")")
	}
	b.WriteString(")) AS v")
	return b.String()
}

// unnest is PostgreSQL's table of the rows, from one array per column:
// "unnest(CAST($k AS type[]), …) AS v(column1, …)".
func (st rowsStatement) unnest() string {
	var b, names strings.Builder
	b.WriteString("unnest(")
	for j, typ := range st.types {
		if j > 0 {
			b.WriteString(", ")
			names.WriteString(", ")
		}
		b.WriteString("CAST($" + strconv.Itoa(len(st.fixed)+j+1) + " AS " + typ + "[])")
		names.WriteString("column" + strconv.Itoa(j+1))
	}
	b.WriteString(") AS v(" + names.String() + ")")
	return b.String()
}

func (st rowsStatement) run(ctx context.Context, query func(context.Context, ...any) (*sql.Rows, error), args []any) error {
	rows, err := query(ctx, cleanArgs(args)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if st.scan == nil {
			continue
		}
		if err := st.scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ms turns an instant into stored milliseconds; the zero time is 0 ("never").
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS turns stored milliseconds back into a UTC instant.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// nullID stores 0 as NULL, for optional foreign keys.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// notFound turns sql.ErrNoRows into a user-facing not-found error.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return tocsin.Errorf(tocsin.ENOTFOUND, format, args...)
	}
	return err
}

// isUniqueViolation reports whether err comes from a UNIQUE constraint.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") || strings.Contains(msg, "duplicate key value")
}

// isTransient reports whether err is a PostgreSQL deadlock or serialization
// failure, which a retry of the whole transaction resolves.
func isTransient(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLSTATE 40P01") || strings.Contains(msg, "SQLSTATE 40001")
}

// Conn returns a connection of its own from the pool, for a session-scoped
// lock (the engine's leadership on PostgreSQL). The caller closes it.
func (db *DB) Conn(ctx context.Context) (*sql.Conn, error) { return db.write.Conn(ctx) }
