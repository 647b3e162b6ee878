// Package testkit gives tests real parts: a database on each engine (SQLite in a
// temporary folder, PostgreSQL when a server answers), a fake clock, and the whole
// app booted in-process on a loopback port.
package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/store"
)

// DefaultPostgres is where tests look for PostgreSQL unless TOCSIN_TEST_POSTGRES says otherwise.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Engines lists the database engines a test runs on: sqlite always, postgres when
// a server answers (or always, failing, when TOCSIN_REQUIRE_PG=1).
func Engines(t testing.TB) []string {
	if PostgresAdminURL(t) == "" {
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

// PostgresAdminURL returns the URL of a PostgreSQL server to create test databases
// on, or "" when none answers and TOCSIN_REQUIRE_PG is not set.
func PostgresAdminURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("TOCSIN_TEST_POSTGRES")
	if admin == "" {
		admin = DefaultPostgres
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("TOCSIN_TEST_POSTGRES: %v", err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		if os.Getenv("TOCSIN_REQUIRE_PG") == "1" {
			t.Fatalf("PostgreSQL required (TOCSIN_REQUIRE_PG=1) but %s does not answer: %v", u.Host, err)
		}
		return ""
	}
	conn.Close()
	return admin
}

// DatabaseURL makes a fresh, empty database on an engine and returns its URL;
// it is removed when the test ends.
func DatabaseURL(t testing.TB, engine string) string {
	t.Helper()
	if engine == "sqlite" {
		return filepath.Join(t.TempDir(), "tocsin.db")
	}
	admin := PostgresAdminURL(t)
	if admin == "" {
		t.Skip("PostgreSQL not available (set TOCSIN_REQUIRE_PG=1 to fail instead)")
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "tocsin_test_" + hex.EncodeToString(b)
	adminDB, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adminDB.Exec(`CREATE DATABASE ` + name); err != nil {
		adminDB.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		adminDB.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		adminDB.Close()
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

// OpenDB opens a fresh, migrated database on an engine, closed when the test ends.
func OpenDB(t testing.TB, engine string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), DatabaseURL(t, engine))
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// ForEachEngine runs fn as a subtest on every available engine.
func ForEachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, engine := range Engines(t) {
		t.Run(engine, func(t *testing.T) { fn(t, engine) })
	}
}
