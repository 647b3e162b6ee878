package statuspage

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// manifestName lists, in an exported folder, the files the last export
// wrote: the next export removes those it no longer has (an incident that
// left the snapshot) and never touches anything else in the folder.
const manifestName = ".tocsin-export"

// WriteDir writes the bundle as files a plain static file server serves:
// index.html at the root, the JSON under api/. Each file is written to a
// temporary file beside it and renamed into place, so a reader sees the old
// file or the new one, never half of one; index.html goes last, once every
// page it links to is there.
func (b *Bundle) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("status export: %w", err)
	}
	for _, p := range b.writeOrder() {
		if err := writeAtomic(dir, p, b.files[p].Body); err != nil {
			return err
		}
	}
	old := readManifest(dir)
	if err := writeAtomic(dir, manifestName, []byte(strings.Join(b.Paths(), "\n")+"\n")); err != nil {
		return err
	}
	for _, p := range old {
		if b.files[p] == nil && filepath.IsLocal(filepath.FromSlash(p)) {
			full := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.Remove(full); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("status export: %w", err)
			}
			// A component's folder goes with its last badge.
			if d := filepath.Dir(full); d != filepath.Clean(dir) {
				os.Remove(d)
			}
		}
	}
	return nil
}

// writeOrder is the bundle's paths with index.html last, for a folder and a
// bucket alike: every page the index links to is there before it.
func (b *Bundle) writeOrder() []string {
	paths := b.Paths()
	slices.SortStableFunc(paths, func(x, y string) int {
		switch {
		case x == "index.html":
			return 1
		case y == "index.html":
			return -1
		}
		return 0
	})
	return paths
}

func writeAtomic(dir, p string, body []byte) error {
	full := filepath.Join(dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return fmt.Errorf("status export: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), ".tocsin-*")
	if err != nil {
		return fmt.Errorf("status export: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		return fmt.Errorf("status export %s: %w", p, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("status export %s: %w", p, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("status export %s: %w", p, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("status export %s: %w", p, err)
	}
	if err := os.Rename(tmp.Name(), full); err != nil {
		return fmt.Errorf("status export %s: %w", p, err)
	}
	return nil
}

func readManifest(dir string) []string {
	f, err := os.Open(filepath.Join(dir, manifestName))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if p := strings.TrimSpace(sc.Text()); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Export reads the page from src as of now, renders it with opts (set
// SubscribeURL to the live site's subscribe address) and writes it to dir:
// `tocsin status export DIR`.
func Export(ctx context.Context, src Source, now time.Time, dir string, opts Options) (*Bundle, error) {
	r, err := NewRenderer()
	if err != nil {
		return nil, err
	}
	snap, err := src.StatusSnapshot(ctx, now)
	if err != nil {
		return nil, err
	}
	b, err := r.Render(snap, opts)
	if err != nil {
		return nil, err
	}
	if err := b.WriteDir(dir); err != nil {
		return nil, err
	}
	return b, nil
}
