package statuspage

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// PublishOptions say where the static copy of the page goes: a folder, a
// bucket, or both.
type PublishOptions struct {
	Dir string // written with Bundle.WriteDir; empty: none
	S3  *S3    // nil: none
	// Prefix is the bucket's folder the files go under ("status/"; "": root).
	Prefix string
	// SubscribeURL is where the copy's subscribe form posts: the live
	// site, since the host of the copy answers no form.
	SubscribeURL string
	Logger       *slog.Logger
}

// Publisher keeps a static copy of the page where it stays up when Tocsin is
// down. The Server hands it each new bundle (OnRender); it publishes from a
// goroutine of its own, so a slow or failing host never holds the page back.
// What fails is tried again with the next bundle (at least every MaxAge).
type Publisher struct {
	opts   PublishOptions
	render *Renderer
	latest atomic.Pointer[Bundle]
	wake   chan struct{}

	mu sync.Mutex // one Publish at a time; guards what follows
	// dir is what the folder holds, by path: the MD5 of each file as
	// last written; nil when unknown (never written, or a write failed).
	dir map[string]string
	// bucket is the same for the bucket, read back from its manifest at
	// the first publication; bucketRead says it was.
	bucket     map[string]string
	bucketRead bool
	// manifestStale: the bucket's manifest does not list what it holds.
	manifestStale bool
}

// NewPublisher returns a publisher rendering copies with r.
func NewPublisher(r *Renderer, opts PublishOptions) *Publisher {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Publisher{opts: opts, render: r, wake: make(chan struct{}, 1), bucket: map[string]string{}}
}

// Enabled reports whether there is somewhere to publish to.
func (p *Publisher) Enabled() bool { return p.opts.Dir != "" || p.opts.S3 != nil }

// OnRender is the Server's hook: it hands the bundle over and returns at once.
func (p *Publisher) OnRender(b *Bundle) {
	p.latest.Store(b)
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run publishes each bundle handed over, the newest only when several came
// while it was busy, until ctx ends.
func (p *Publisher) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		}
		b := p.latest.Load()
		if b == nil {
			continue
		}
		if err := p.Publish(ctx, b); err != nil && ctx.Err() == nil {
			p.opts.Logger.Error("status page: the published copy is not up to date; trying again with the next render", "err", err)
		}
	}
}

// Publish writes the copy of b's snapshot to the folder and the bucket,
// sending only the files that changed since they were last published, and
// removing those b no longer has (a deleted incident). It goes on with the
// bucket when the folder fails, and returns both errors.
func (p *Publisher) Publish(ctx context.Context, b *Bundle) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	out, err := p.render.Render(b.Snapshot, Options{SubscribeURL: p.opts.SubscribeURL})
	if err != nil {
		return err
	}
	sums := map[string]string{}
	for _, path := range out.Paths() {
		sum := md5.Sum(out.files[path].Body)
		sums[path] = hex.EncodeToString(sum[:])
	}
	var errs []error
	if p.opts.Dir != "" {
		errs = append(errs, p.publishDir(out, sums))
	}
	if p.opts.S3 != nil {
		errs = append(errs, p.publishS3(ctx, out, sums))
	}
	return errors.Join(errs...)
}

func (p *Publisher) publishDir(b *Bundle, sums map[string]string) error {
	if p.dir != nil && maps.Equal(p.dir, sums) {
		return nil
	}
	p.dir = nil
	if err := b.WriteDir(p.opts.Dir); err != nil {
		return err
	}
	p.dir = sums
	p.opts.Logger.Info("status page: copy written", "dir", p.opts.Dir, "files", len(sums))
	return nil
}

// publishS3 sends the files whose MD5 differs from what the bucket holds.
// The bucket keeps a manifest too (manifestName, "md5 path" lines): after a
// restart, unchanged files are not sent again and files the page no longer
// has are removed.
func (p *Publisher) publishS3(ctx context.Context, b *Bundle, sums map[string]string) error {
	s3 := p.opts.S3
	if !p.bucketRead {
		raw, _, err := s3.Get(ctx, p.opts.Prefix+manifestName)
		if err != nil {
			return err
		}
		p.bucket = parseBucketManifest(raw)
		p.bucketRead = true
	}
	sent := 0
	for _, path := range b.writeOrder() {
		if p.bucket[path] == sums[path] {
			continue
		}
		f := b.files[path]
		if err := s3.Put(ctx, p.opts.Prefix+path, f.Body, f.ContentType, cacheControl(path)); err != nil {
			// The rest waits for the next render: a refused signature or a
			// full bucket would refuse them all.
			return err
		}
		p.bucket[path] = sums[path]
		p.manifestStale = true
		sent++
	}
	removed := 0
	for _, path := range sortedKeys(p.bucket) {
		if _, ok := sums[path]; ok || !safePath(path) {
			continue
		}
		if err := s3.Delete(ctx, p.opts.Prefix+path); err != nil {
			return err
		}
		delete(p.bucket, path)
		p.manifestStale = true
		removed++
	}
	if !p.manifestStale {
		return nil
	}
	var m strings.Builder
	for _, path := range sortedKeys(p.bucket) {
		fmt.Fprintf(&m, "%s %s\n", p.bucket[path], path)
	}
	if err := s3.Put(ctx, p.opts.Prefix+manifestName, []byte(m.String()), "text/plain; charset=utf-8", "no-store"); err != nil {
		return err
	}
	p.manifestStale = false
	p.opts.Logger.Info("status page: copy uploaded", "bucket", s3.Bucket, "prefix", p.opts.Prefix, "sent", sent, "removed", removed)
	return nil
}

// parseBucketManifest reads "md5 path" lines; anything else is skipped (the
// file is then sent again, which is harmless).
func parseBucketManifest(raw []byte) map[string]string {
	out := map[string]string{}
	for line := range strings.Lines(string(raw)) {
		sum, path, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok && len(sum) == 2*md5.Size && path != "" {
			out[path] = sum
		}
	}
	return out
}

// safePath reports whether a path read back from a manifest names a file of
// the copy (not "../x", not the manifest), so that nothing else is deleted.
func safePath(p string) bool {
	if p == manifestName || strings.HasPrefix(p, "/") || len(p) > 200 {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
