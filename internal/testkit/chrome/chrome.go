// Package chrome drives a real headless Chromium for browser tests. It is apart
// from testkit because testkit boots the whole app, and the status page's own
// (in-package) tests cannot import what imports them.
package chrome

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// stepTimeout bounds each step, so that a missing element fails the test
// instead of hanging it.
const stepTimeout = 20 * time.Second

// path finds Debian's Chromium; without it the browser tests skip, unless
// TOCSIN_REQUIRE_BROWSER=1 (CI), where they fail.
func path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("TOCSIN_REQUIRE_BROWSER") == "1" {
		t.Fatal("Chromium required (TOCSIN_REQUIRE_BROWSER=1) but not found: apt-get install -y chromium")
	}
	t.Skip("Chromium not installed (set TOCSIN_REQUIRE_BROWSER=1 to fail instead)")
	return ""
}

// Start starts a headless Chromium for the test and returns a tab context;
// the browser is closed when the test ends.
func Start(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first call starts the browser; it gets no deadline so that the
	// per-step deadlines do not close it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Step runs browser actions with a deadline, failing the test with what was
// being done when one does not complete.
func Step(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Eval evaluates a JavaScript expression in the tab, with a deadline.
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// Screenshot saves the whole page as a PNG named name and logs where.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	// Screenshots go to the temporary folder, never into the repository.
	p := filepath.Join(os.TempDir(), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}
