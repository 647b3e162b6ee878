package statuspage_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/statuspage"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

var publishAt = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// renderedPage is a store with a component and an open incident, and a
// Server that rendered it.
func renderedPage(t *testing.T, engine string) (*store.DB, *statuspage.Server) {
	t.Helper()
	ctx := context.Background()
	db := testkit.OpenDB(t, engine)
	api := &tocsin.Component{Name: "API", Showcase: true}
	if err := db.CreateComponent(ctx, api, 0, publishAt); err != nil {
		t.Fatal(err)
	}
	inc := &tocsin.StatusIncident{Name: "Slow API", Impact: tocsin.ImpactMinor}
	first := &tocsin.StatusUpdate{Status: tocsin.IncidentInvestigating, Body: "Requests take seconds.",
		Changes: []tocsin.ComponentChange{{ComponentID: api.ID, New: tocsin.ComponentDegraded}}}
	if err := db.CreateStatusIncident(ctx, inc, first, 0, publishAt); err != nil {
		t.Fatal(err)
	}
	srv, err := statuspage.New(db, statuspage.Config{Now: func() time.Time { return publishAt }})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	return db, srv
}

func bucketOf(f *testkit.FakeS3) *statuspage.S3 {
	return &statuspage.S3{Endpoint: f.URL, Bucket: f.Bucket, Region: f.Region, AccessKey: f.AccessKey, SecretKey: f.SecretKey}
}

// A bucket that is down gets everything at the next publication; then only
// what changed is sent, also by a publisher started later (a restart),
// which reads what the bucket holds from its manifest.
func TestPublisherRetriesAndSendsOnlyChanges(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		_, srv := renderedPage(t, engine)
		fake := testkit.StartFakeS3(t)
		opts := statuspage.PublishOptions{S3: bucketOf(fake), Prefix: "page/", SubscribeURL: "https://tocsin.example/status/subscribe"}

		fake.FailWith(http.StatusServiceUnavailable)
		pub := statuspage.NewPublisher(srv.Renderer(), opts)
		err := pub.Publish(ctx, srv.Bundle())
		var s3err *statuspage.S3Error
		if !errors.As(err, &s3err) || s3err.Status != http.StatusServiceUnavailable {
			t.Fatalf("publish to a bucket that is down: %v", err)
		}
		fake.FailWith(0)
		if err := pub.Publish(ctx, srv.Bundle()); err != nil {
			t.Fatalf("publish once the bucket is back: %v", err)
		}
		paths := srv.Bundle().Paths()
		for _, p := range paths {
			if fake.Puts("page/"+p) != 1 {
				t.Errorf("page/%s uploaded %d times, want 1", p, fake.Puts("page/"+p))
			}
		}
		if o, _ := fake.Object("page/index.html"); !strings.Contains(string(o.Body), `action="https://tocsin.example/status/subscribe"`) {
			t.Error("the copy's subscribe form does not post to the live page")
		}
		if keys := fake.Keys(); len(keys) != len(paths)+1 {
			t.Errorf("the bucket holds %d keys, want the %d files and the manifest", len(keys), len(paths))
		}

		if err := pub.Publish(ctx, srv.Bundle()); err != nil {
			t.Fatal(err)
		}
		restarted := statuspage.NewPublisher(srv.Renderer(), opts)
		if err := restarted.Publish(ctx, srv.Bundle()); err != nil {
			t.Fatal(err)
		}
		for _, k := range fake.Keys() {
			if n := fake.Puts(k); n != 1 {
				t.Errorf("%s uploaded %d times with nothing changed", k, n)
			}
		}
	})
}

// Wrong credentials are told as the bucket tells them, without the secret;
// a folder that cannot be written does not keep the bucket from its copy.
func TestPublisherRefusals(t *testing.T) {
	ctx := context.Background()
	_, srv := renderedPage(t, "sqlite")
	fake := testkit.StartFakeS3(t)

	wrong := bucketOf(fake)
	wrong.SecretKey = "a-wrong-secret-0123456789"
	err := statuspage.NewPublisher(srv.Renderer(), statuspage.PublishOptions{S3: wrong}).Publish(ctx, srv.Bundle())
	var s3err *statuspage.S3Error
	if !errors.As(err, &s3err) || s3err.Status != http.StatusForbidden || s3err.Code != "SignatureDoesNotMatch" || strings.Contains(err.Error(), wrong.SecretKey) {
		t.Errorf("wrong secret: %v", err)
	}
	region := bucketOf(fake)
	region.Region = "us-west-2"
	err = statuspage.NewPublisher(srv.Renderer(), statuspage.PublishOptions{S3: region}).Publish(ctx, srv.Bundle())
	if !errors.As(err, &s3err) || s3err.Code != "AuthorizationHeaderMalformed" || !strings.Contains(err.Error(), "eu-west-3") {
		t.Errorf("wrong region: %v", err)
	}
	if keys := fake.Keys(); len(keys) != 0 {
		t.Fatalf("refused requests stored %v", keys)
	}

	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = statuspage.NewPublisher(srv.Renderer(), statuspage.PublishOptions{Dir: filepath.Join(file, "copy"), S3: bucketOf(fake)}).Publish(ctx, srv.Bundle())
	if err == nil || !strings.Contains(err.Error(), "status export") {
		t.Errorf("publish to a folder under a file: %v", err)
	}
	if _, ok := fake.Object("index.html"); !ok {
		t.Error("the bucket did not get its copy when the folder failed")
	}
}
