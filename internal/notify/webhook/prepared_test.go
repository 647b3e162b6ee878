package webhook_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/notify/webhook"
)

// A prepared body (a status page subscriber's) goes out byte for byte,
// signed like any other delivery.
func TestSendPreparedBody(t *testing.T) {
	srv, got := receiver(t, 204, nil)
	body := []byte(`{"meta":{"unsubscribe":"https://status.acme.test/unsubscribe/t"},"page":{"id":"p"}}`)
	m := notify.Message{ID: 77, Kind: tocsin.NotifySubscriber, To: srv.URL + "/hook", Secret: "whsec_sub", Body: body, Subject: "ignored"}
	if _, err := sender().Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	c := <-got
	if string(c.body) != string(body) {
		t.Fatalf("body = %s, want %s", c.body, body)
	}
	if err := webhook.Verify("whsec_sub", c.header.Get(webhook.HeaderTimestamp), c.header.Get(webhook.HeaderSignature), c.body, now); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if d := c.header.Get(webhook.HeaderDelivery); d != strconv.Itoa(77) {
		t.Errorf("delivery = %q", d)
	}
}
