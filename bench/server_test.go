package bench

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// server is the Tocsin a benchmark measures: in the benchmark's process
// (testkit), or `tocsin serve` in a process of its own.
type server struct {
	url       string    // the main listener
	statusURL string    // the public status page's root on its own listener
	db        *store.DB // its database, to set the scene and count alerts
	dbURL     string    // its PostgreSQL URL; "" on SQLite
	now       func() time.Time
	wake      func() // wakes its engine at once (it also wakes by itself)
	// cpu is the CPU time its process has used; nil when it is the
	// benchmark's own process.
	cpu func() time.Duration
}

func inProcess(a *testkit.App) *server {
	return &server{url: a.URL, statusURL: a.StatusURL(), db: a.DB, dbURL: a.Config.DatabaseURL, now: a.Clock.Now, wake: a.Engine.Wake}
}

// serveProcess builds ./cmd/tocsin and starts `tocsin serve` on a fresh
// database of engine, as an operator runs it: its own listeners (main and
// status), its log written to a file at the default level (a line per
// request; TOCSIN_LOG_LEVEL in the environment changes it), no GOMAXPROCS
// set, with args added (Twilio's, say). The database is
// migrated and open in the benchmark too, to set the scene before serve
// starts: call start once it is. The process is killed when b ends.
func serveProcess(b *testing.B, engine string, args ...string) (s *server, start func()) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "tocsin")
	build := exec.Command("go", "build", "-o", bin, "github.com/tocsin/tocsin/cmd/tocsin")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build ./cmd/tocsin: %v\n%s", err, out)
	}
	dbArgs, dbURL := []string{"--data-dir", dir}, filepath.Join(dir, "tocsin.db")
	s = &server{now: time.Now, wake: func() {}}
	if engine == "postgres" {
		s.dbURL = testkit.DatabaseURL(b, engine)
		dbArgs, dbURL = []string{"--database-url", s.dbURL}, s.dbURL
	}
	db, err := store.Open(context.Background(), dbURL)
	must(b, err)
	b.Cleanup(func() { db.Close() })
	s.db = db
	main, status := freeAddr(b), freeAddr(b)
	s.url, s.statusURL = "http://"+main, "http://"+status+"/"

	return s, func() {
		logFile, err := os.Create(filepath.Join(dir, "tocsin.log"))
		must(b, err)
		b.Cleanup(func() { logFile.Close() })
		cmd := exec.Command(bin, append(append([]string{"serve", "--listen", main, "--public-url", s.url, "--status-listen", status, "--rate-limit", "0"}, dbArgs...), args...)...)
		cmd.Env = withoutGOMAXPROCS(os.Environ())
		cmd.Stderr = logFile
		// Killed with the benchmark even when it does not clean up (a
		// -timeout panic runs no Cleanup).
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		out, err := cmd.StdoutPipe()
		must(b, err)
		must(b, cmd.Start())
		b.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		select {
		case ok := <-testkit.Serving(out):
			if !ok {
				log, _ := os.ReadFile(logFile.Name())
				b.Fatalf("tocsin serve ended before serving:\n%s", log)
			}
		case <-time.After(2 * time.Minute):
			b.Fatal("tocsin serve did not start within 2 minutes")
		}
		pid := cmd.Process.Pid
		s.cpu = func() time.Duration { return processCPU(b, pid) }
	}
}

func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(b, err)
	defer ln.Close()
	return ln.Addr().String()
}

// withoutGOMAXPROCS lets the server choose its processors as it does when
// deployed (app.SetProcessors), whatever the benchmark was run with.
func withoutGOMAXPROCS(env []string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, "GOMAXPROCS=") {
			out = append(out, e)
		}
	}
	return out
}

// processCPU is the user and system CPU time of process pid so far
// (/proc/PID/stat, fields 14 and 15, in clock ticks of 10 ms).
func processCPU(b *testing.B, pid int) time.Duration {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	must(b, err)
	// The command name (field 2) may hold spaces: fields are counted after its ')'.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	utime, err := strconv.ParseInt(fields[11], 10, 64)
	must(b, err)
	stime, err := strconv.ParseInt(fields[12], 10, 64)
	must(b, err)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
