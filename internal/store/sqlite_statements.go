package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"

	"modernc.org/sqlite"
)

// SQLite parses and plans every statement it is given, and neither it nor
// its Go driver keeps the result. Tocsin's engine and ingest statements are
// long joins run on a few rows: parsing them cost as much CPU as running them
// (13 % of the process during a storm). So each SQLite connection keeps the
// statements it has run prepared, by text, as pgx does on PostgreSQL.

// maxStatements bounds the statements one connection keeps. Tocsin's query
// texts are fixed in code (id lists travel as one parameter), so the bound
// is only a guard: past it, new texts are parsed each time, as before.
const maxStatements = 512

// statementKeeper opens SQLite connections that keep their statements.
type statementKeeper struct{ driver.Connector }

func openSQLiteConnector(dsn string) (driver.Connector, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return statementKeeper{c}, nil
}

func (k statementKeeper) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := k.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := c.(sqliteConn)
	if !ok {
		c.Close()
		return nil, errors.New("sqlite driver connection lacks the context methods Tocsin uses")
	}
	return &keepingConn{sqliteConn: inner, kept: map[string]*keptStmt{}}, nil
}

// sqliteConn is what the driver's connection offers and database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// keepingConn is one connection and its prepared statements. database/sql
// uses a connection from one goroutine at a time (it locks it around every
// call, Rows.Close included), so kept needs no lock of its own.
type keepingConn struct {
	sqliteConn
	kept map[string]*keptStmt
}

// sqliteStmt is what the driver's prepared statement offers.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type keptStmt struct {
	stmt sqliteStmt
	// reading is set while rows from the statement are open: running it
	// again would reset them, so a nested run of the same text (in a
	// transaction, on this connection) is parsed apart.
	reading bool
}

// statement returns the kept statement for query, preparing it on first use;
// nil when it cannot be kept (busy, or the bound is reached), and the query
// runs unprepared.
func (c *keepingConn) statement(ctx context.Context, query string) (*keptStmt, error) {
	if k, ok := c.kept[query]; ok {
		if k.reading {
			return nil, nil
		}
		return k, nil
	}
	if len(c.kept) >= maxStatements || !keepable(query) {
		return nil, nil
	}
	s, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	stmt, ok := s.(sqliteStmt)
	if !ok {
		s.Close()
		return nil, nil
	}
	k := &keptStmt{stmt: stmt}
	c.kept[query] = k
	return k, nil
}

// keepable: queries and data changes run again and again; schema changes
// and pragmas (migrations, connection set-up) run once.
func keepable(query string) bool {
	verb, _, _ := strings.Cut(strings.TrimSpace(query), " ")
	switch strings.ToUpper(verb) {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "WITH":
		return true
	}
	return false
}

func (c *keepingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	k, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return k.stmt.ExecContext(ctx, args)
}

func (c *keepingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	k, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := k.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	typed, ok := rows.(sqliteRows)
	if !ok {
		rows.Close()
		return nil, errors.New("sqlite driver rows lack the column type methods")
	}
	k.reading = true
	return &keptRows{sqliteRows: typed, stmt: k}, nil
}

// Close finalises the kept statements, then closes the connection.
func (c *keepingConn) Close() error {
	var errs []error
	for _, k := range c.kept {
		errs = append(errs, k.stmt.Close())
	}
	c.kept = nil
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// sqliteRows is what the driver's rows offer: database/sql's ColumnTypes
// reads the column type methods.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// keptRows frees its statement for the next run when closed.
type keptRows struct {
	sqliteRows
	stmt *keptStmt
}

func (r *keptRows) Close() error {
	err := r.sqliteRows.Close()
	r.stmt.reading = false
	return err
}
