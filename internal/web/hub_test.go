package web

import "testing"

func TestHubNeverBlocksOnASlowPage(t *testing.T) {
	h := newHub()
	slow, _ := h.subscribe()
	fast, _ := h.subscribe()
	for range 1000 {
		h.broadcast() // would block forever if a send waited for the slow page
	}
	if len(slow.ch) != 1 || len(fast.ch) != 1 {
		t.Fatalf("pending signals: slow %d, fast %d, want 1 each (coalesced)", len(slow.ch), len(fast.ch))
	}
	<-fast.ch
	h.broadcast()
	if len(fast.ch) != 1 {
		t.Fatal("a page that read its signal missed the next one")
	}
	h.unsubscribe(slow)
	if h.count() != 1 {
		t.Fatalf("subscribers after unsubscribe: %d", h.count())
	}
	h.close()
	h.close() // twice is harmless
	select {
	case <-h.done:
	default:
		t.Fatal("close did not end the streams")
	}
	if _, ok := h.subscribe(); ok {
		t.Fatal("a closed hub accepted a new page")
	}
}
