package web

import "sync"

// hub fans "alerts changed" out to live pages. A subscriber has a channel with
// room for one signal: a signal it has not read yet already says "reload", so
// further ones are dropped and a slow page never blocks Notify.
type hub struct {
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	version int64 // how many changes this process has seen; sent as the event id
	done    chan struct{}
	closed  bool
}

type subscriber struct {
	ch chan struct{}
}

func newHub() *hub {
	return &hub{subs: map[*subscriber]struct{}{}, done: make(chan struct{})}
}

// subscribe registers a live page; ok is false once the hub is closed.
func (h *hub) subscribe() (s *subscriber, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false
	}
	s = &subscriber{ch: make(chan struct{}, 1)}
	h.subs[s] = struct{}{}
	return s, true
}

func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// broadcast signals every subscriber without waiting for any.
func (h *hub) broadcast() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.version++
	for s := range h.subs {
		select {
		case s.ch <- struct{}{}:
		default:
		}
	}
}

func (h *hub) currentVersion() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.version
}

// close ends every stream (the server is shutting down) and refuses new ones.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

// count reports how many pages are listening (for tests).
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
