package bench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// loopLoad is the page load of the "epoll" client: all its connections on
// one OS thread that waits in epoll for answers and in a timerfd for the
// next due request, as wrk2 does. With a goroutine per connection, Go's
// scheduler parked and woke one for every request, and the generator's own
// lateness, up to a third of a millisecond idle, bunched requests together;
// here each goes at its due instant. A request costs a write, a recvmsg and
// a share of an epoll_wait; the CPU is about the same as before (the
// loopback write, which also runs the server's side of TCP, dominates).
//
// Semantics are pageLoad's: open loop at rate requests/s (each
// connection's requests due at fixed instants, latency counted from them),
// or closed loop when rate is 0; only requests due between warmup and
// warmup+duration count.
func loopLoad(t pageTarget, rate int, warmup, duration time.Duration) (loadResult, error) {
	res := loadResult{kinds: map[string]int{}, took: duration}
	u, err := url.Parse(t.url)
	if err != nil {
		return res, err
	}
	addr, err := netip.ParseAddrPort(u.Host)
	if err != nil || !addr.Addr().Is4() || u.Scheme != "http" {
		return res, fmt.Errorf("the epoll client wants http://IPv4:port/, not %s", t.url)
	}
	request := pageRequest(u, t.gzip)

	// One thread waits for everything: the kernel wakes it, not Go's scheduler.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return res, fmt.Errorf("epoll_create1: %w", err)
	}
	defer unix.Close(ep)
	timer, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return res, fmt.Errorf("timerfd_create: %w", err)
	}
	defer unix.Close(timer)
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, timer, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: -1}); err != nil {
		return res, fmt.Errorf("epoll_ctl: %w", err)
	}

	clients := pageClients
	if rate > 0 {
		clients = openClients
	}
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+duration)
	// Open loop: connection k's requests are due every clients/rate,
	// staggered with the other connections' (as wrk2 does).
	period := time.Duration(clients) * time.Second / time.Duration(max(rate, 1))
	conns := make([]loopConn, clients)
	for k := range conns {
		conns[k] = loopConn{fd: -1, due: start.Add(time.Duration(k) * period / time.Duration(clients))}
	}
	defer func() {
		for _, c := range conns {
			c.close()
		}
	}()

	capacity := max(rate*int(duration/time.Second), 1<<16)
	res.lat = make([]time.Duration, 0, capacity)
	res.svc = make([]time.Duration, 0, capacity)
	res.own = make([]time.Duration, 0, capacity)
	counts := func(c *loopConn, answered time.Time) bool {
		return !c.due.Before(from) && c.due.Before(until) && (rate > 0 || !answered.After(until))
	}
	// done ends c's request in flight: its figures if it counts, then the
	// next request's due time.
	done := func(c *loopConn, answered time.Time, err error) {
		c.inFlight = false
		arrived := c.arrived
		if arrived.IsZero() || err != nil {
			arrived = answered
		}
		if counts(c, answered) {
			if err != nil {
				res.kinds[errKind(err)]++
				res.errors++
			} else {
				res.lat = append(res.lat, answered.Sub(c.due))
				res.svc = append(res.svc, answered.Sub(c.sent))
				late := max(0, c.sent.Sub(c.free))
				res.own = append(res.own, arrived.Sub(c.due)-late)
			}
		}
		// The next request can go no earlier, whatever this one's fate: a
		// wait the server caused is not the generator's lateness.
		c.prevArrived = arrived
		if err != nil {
			c.close()
		}
		if rate > 0 {
			c.due = c.due.Add(period)
		}
	}

	meter := startMeter()
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(16))
	events := make([]unix.EpollEvent, clients+1)
	var armed time.Time // when the timer will fire; zero: disarmed
	for {
		now := time.Now()
		var next time.Time // when the loop must look again: a request due, an answer given up on
		wakeAt := func(t time.Time) {
			if next.IsZero() || t.Before(next) {
				next = t
			}
		}
		waiting := false // for an answer
		for i := range conns {
			c := &conns[i]
			if c.inFlight {
				if giveUp := c.sent.Add(answerTimeout); now.Before(giveUp) {
					waiting = true
					wakeAt(giveUp)
					continue
				}
				done(c, now, errTimeout) // its next request may be due already: below
			}
			switch {
			case rate == 0:
				if now.After(until) {
					continue
				}
				c.due = time.Now()
			case !c.due.Before(until):
				continue
			case c.due.After(now):
				wakeAt(c.due)
				continue
			}
			if err := c.send(ep, i, addr, request); err != nil {
				done(c, time.Now(), err)
				// Its next request may be due already: the timer says so.
				if rate == 0 || c.due.Before(until) {
					wakeAt(now)
				}
				continue
			}
			waiting = true
		}
		if !waiting && next.IsZero() {
			break
		}
		if wake := next; !wake.Equal(armed) {
			// Relative, so that Go's clock and the kernel's need not agree.
			in := max(time.Until(wake), time.Microsecond)
			if err := unix.TimerfdSettime(timer, 0, &unix.ItimerSpec{Value: unix.NsecToTimespec(in.Nanoseconds())}, nil); err != nil {
				return res, fmt.Errorf("timerfd_settime: %w", err)
			}
			armed = wake
		}
		n, err := unix.EpollWait(ep, events, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("epoll_wait: %w", err)
		}
		for _, ev := range events[:n] {
			if ev.Fd < 0 {
				var ticks [8]byte
				unix.Read(timer, ticks[:])
				armed = time.Time{}
				continue
			}
			c := &conns[ev.Fd]
			if !c.inFlight {
				c.close() // the server closed it between two requests: the next one reconnects
				continue
			}
			complete, err := c.receive(buf, oob)
			if err == nil && complete {
				err = t.check(c.answer.status, c.answer.gzip, c.answer.length)
			}
			if err != nil || complete {
				answered := time.Now()
				keep := c.answer.keepAlive
				done(c, answered, err)
				if err == nil && !keep {
					c.close()
				}
			}
		}
	}
	meter.finish(&res)
	return res, nil
}

// answerTimeout is how long an answer may take before it counts as a timeout.
const answerTimeout = 30 * time.Second

var (
	errTimeout     = errors.New("timeout")
	errClosed      = errors.New("connection closed")
	errHeadTooLong = errors.New("an answer's head longer than 64 KiB")
	errShortWrite  = errors.New("the request did not fit in the socket")
)

// pageRequest is the GET a browser sends for u, asking for gzip or not.
func pageRequest(u *url.URL, gzip bool) []byte {
	var head bytes.Buffer
	fmt.Fprintf(&head, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tocsin-bench\r\nAccept: */*\r\n", u.RequestURI(), u.Host)
	if gzip {
		head.WriteString("Accept-Encoding: gzip, deflate, br\r\n")
	}
	head.WriteString("\r\n")
	return head.Bytes()
}

// check says what is wrong with an answer of status, gzipped or not, with
// a body of length bytes on the wire; nil when it is the page.
func (t pageTarget) check(status int, gz bool, length int) error {
	switch {
	case status != http.StatusOK:
		return fmt.Errorf("status %d", status)
	case gz != t.gzip:
		return fmt.Errorf("gzip %t", gz)
	case length != t.wantLength && !(t.anyLength && length > 0):
		return fmt.Errorf("%d bytes", length)
	}
	return nil
}

// loopConn is one connection of loopLoad, with at most one request in flight.
type loopConn struct {
	fd       int       // -1: not connected
	inFlight bool      // a request is written, its answer not all read
	due      time.Time // of the request in flight, or of the next one
	sent     time.Time // when the request in flight was written
	// free is when the request in flight could have gone: its due time, or
	// the previous answer's arrival if later. Writing it after that is the
	// generator's own lateness, not the server's.
	free        time.Time
	prevArrived time.Time
	arrived     time.Time // when the latest read's data reached this machine; zero if unknown
	head        []byte    // the answer's head, while it is incomplete
	headDone    bool
	left        int // body bytes still to come
	answer      answerHead
}

func (c *loopConn) close() {
	if c.fd >= 0 {
		unix.Close(c.fd) // closing also removes it from the epoll set
		c.fd = -1
	}
}

// send connects c if it is not, and writes request.
func (c *loopConn) send(ep, index int, addr netip.AddrPort, request []byte) error {
	// From now on the request is the server's: the connect is part of it.
	c.sent = time.Now()
	c.free = c.due
	if c.prevArrived.After(c.free) {
		c.free = c.prevArrived
	}
	c.inFlight, c.head, c.headDone, c.arrived = true, c.head[:0], false, time.Time{}
	if c.fd < 0 {
		fd, err := dialArrival(addr)
		if err != nil {
			return err
		}
		if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(index)}); err != nil {
			unix.Close(fd)
			return fmt.Errorf("epoll_ctl: %w", err)
		}
		c.fd = fd
	}
	n, err := unix.Write(c.fd, request)
	switch {
	case err != nil:
		return err
	case n != len(request):
		return errShortWrite
	}
	return nil
}

// receive reads what has come of the answer in flight and says whether it
// is all in.
func (c *loopConn) receive(buf, oob []byte) (complete bool, err error) {
	n, arrived, err := recvArrival(c.fd, buf, oob)
	switch {
	case errors.Is(err, unix.EAGAIN):
		return false, nil
	case err != nil:
		return false, err
	case n == 0:
		return false, errClosed
	}
	c.arrived = arrived
	data := buf[:n]
	if !c.headDone {
		c.head = append(c.head, data...)
		end := bytes.Index(c.head, []byte("\r\n\r\n"))
		if end < 0 {
			if len(c.head) > 64<<10 {
				return false, errHeadTooLong
			}
			return false, nil
		}
		if c.answer, err = parseHead(c.head[:end+4]); err != nil {
			return false, err
		}
		if c.answer.chunked || c.answer.length < 0 {
			return false, fmt.Errorf("status %d without Content-Length", c.answer.status)
		}
		c.headDone, c.left = true, c.answer.length
		data = c.head[end+4:]
	}
	if len(data) > c.left {
		return false, fmt.Errorf("%d bytes after the answer", len(data)-c.left)
	}
	c.left -= len(data)
	return c.left == 0, nil
}

// dialArrival connects to addr with a socket of its own, outside Go's
// poller: non-blocking, no Nagle delay (as Go's net does), and asking the
// kernel to stamp each read with when its data reached this machine
// (SO_TIMESTAMPNS). On two shared cores a load generator waits for a core
// too: the instant it reads an answer can be long after the server sent
// it, and that wait is the generator's, not the server's.
func dialArrival(addr netip.AddrPort) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	// A blocking connect: on the loopback it returns at once.
	if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: addr.Addr().As4(), Port: int(addr.Port())}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("connect %s: %w", addr, err)
	}
	for _, opt := range []struct{ level, name int }{{unix.IPPROTO_TCP, unix.TCP_NODELAY}, {unix.SOL_SOCKET, unix.SO_TIMESTAMPNS}} {
		if err := unix.SetsockoptInt(fd, opt.level, opt.name, 1); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("setsockopt: %w", err)
		}
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// recvArrival reads fd (dialled by dialArrival) into p and says when the
// data arrived; zero when the read carried no time (Linux turns receive
// timestamps on a moment after the first socket asks for them).
func recvArrival(fd int, p, oob []byte) (n int, arrived time.Time, err error) {
	n, oobn, _, _, err := unix.Recvmsg(fd, p, oob, 0)
	if err != nil {
		return 0, time.Time{}, err
	}
	for rest := oob[:oobn]; len(rest) > 0; {
		h, data, remainder, err := unix.ParseOneSocketControlMessage(rest)
		if err != nil {
			break
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && len(data) >= 16 {
			sec, nsec := binary.NativeEndian.Uint64(data), binary.NativeEndian.Uint64(data[8:])
			arrived = time.Unix(int64(sec), int64(nsec))
		}
		rest = remainder
	}
	return n, arrived, nil
}

// loopTestRate and the windows below make the due instants of loopLoad
// fall every millisecond from the start, each connection's every 64 ms: 400
// of them are measured.
const (
	loopTestRate     = 1000
	loopTestPeriod   = openClients * time.Second / loopTestRate
	loopTestWarmup   = 100 * time.Millisecond
	loopTestDuration = 400 * time.Millisecond
	loopTestDue      = 400
)

func loopTestTarget(url string) pageTarget {
	return pageTarget{name: "test", url: url, wantLength: len("the page")}
}

// slowPage answers the page after taking d, as a busy server would.
func slowPage(d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d) // the server's own slowness, which the load must see
		w.Write([]byte("the page"))
	})
}

// TestLoopLoadKeepsTheSchedule: every request due in the measured window
// is sent and counted, whatever the server does between requests, and a
// server that takes 5 ms to answer shows as 5 ms or more in every figure,
// the server's share included.
func TestLoopLoadKeepsTheSchedule(t *testing.T) {
	for _, c := range []struct {
		name  string
		setUp func(*httptest.Server)
	}{
		{"keeping connections", func(*httptest.Server) {}},
		{"closing each connection after its answer", func(s *httptest.Server) {
			h := s.Config.Handler
			s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Connection", "close")
				h.ServeHTTP(w, r)
			})
		}},
		{"closing idle connections between requests", func(s *httptest.Server) {
			s.Config.IdleTimeout = loopTestPeriod / 4
		}},
	} {
		srv := httptest.NewUnstartedServer(slowPage(5 * time.Millisecond))
		c.setUp(srv)
		srv.Start()
		res, err := loopLoad(loopTestTarget(srv.URL), loopTestRate, loopTestWarmup, loopTestDuration)
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(res.lat) != loopTestDue || res.errors != 0 {
			t.Errorf("%s: %d answers, %d errors %v; want %d answers", c.name, len(res.lat), res.errors, res.kinds, loopTestDue)
			continue
		}
		for name, figures := range map[string][]time.Duration{"from the due time": res.lat, "from the write": res.svc, "the server's share": res.own} {
			if figures[0] < 5*time.Millisecond {
				t.Errorf("%s: fastest answer %s %s, want 5 ms or more", c.name, name, figures[0])
			}
		}
	}
}

// TestLoopLoadChargesTheServerItsQueue: a server slower than a
// connection's period makes each next request wait for the answer before
// it; that wait is the server's, so its share grows with the queue as the
// latency does, and every due request is still sent and counted.
func TestLoopLoadChargesTheServerItsQueue(t *testing.T) {
	const slow = loopTestPeriod * 3 / 2
	srv := httptest.NewServer(slowPage(slow))
	defer srv.Close()
	res, err := loopLoad(loopTestTarget(srv.URL), loopTestRate, loopTestWarmup, loopTestDuration)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.lat) != loopTestDue || res.errors != 0 {
		t.Fatalf("%d answers, %d errors %v; want %d answers", len(res.lat), res.errors, res.kinds, loopTestDue)
	}
	// A connection's k-th request waits (k-1)·slow/3 behind the ones
	// before it: the slowest wait several times slow.
	worst, worstShare := res.lat[len(res.lat)-1], res.own[len(res.own)-1]
	if worst < 2*slow {
		t.Fatalf("slowest answer %s after its due time; want the queue to show, 2×%s or more", worst, slow)
	}
	if worstShare < worst*3/4 {
		t.Errorf("the server's share of the slowest answer is %s of %s: its queue was counted as the generator's lateness", worstShare, worst)
	}
}

// TestLoopLoadCountsWrongAnswers: an answer that is not the page, or none,
// is an error of its kind, never a latency.
func TestLoopLoadCountsWrongAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/short" {
			w.Write([]byte("the"))
			return
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	defer srv.Close()
	for _, c := range []struct{ url, kind string }{
		{srv.URL, "status 503"},
		{srv.URL + "/short", "3 bytes"},
		{gone.URL, "connect " + strings.TrimPrefix(gone.URL, "http://") + ": connection refused"},
	} {
		res, err := loopLoad(loopTestTarget(c.url), loopTestRate, loopTestWarmup, loopTestDuration)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.lat) != 0 || res.errors != loopTestDue || res.kinds[c.kind] != loopTestDue {
			t.Errorf("%s: %d answers, %d errors %v; want %d errors %q", c.url, len(res.lat), res.errors, res.kinds, loopTestDue, c.kind)
		}
	}
}

// TestLoopLoadClosedLoop: with no rate, each connection asks again as soon
// as it has its answer, and only the answers to requests sent after the
// warm-up and answered within the window count. With a server taking 300
// ms, a 150 ms warm-up and a 600 ms window, that is the second request of
// each connection (sent at 300 ms, answered at 600), not the first (sent
// during the warm-up) nor the third (answered at 900, after the window).
func TestLoopLoadClosedLoop(t *testing.T) {
	const slow = 300 * time.Millisecond
	srv := httptest.NewServer(slowPage(slow))
	defer srv.Close()
	res, err := loopLoad(loopTestTarget(srv.URL), 0, slow/2, 2*slow)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.lat) != pageClients || res.errors != 0 {
		t.Fatalf("%d answers, %d errors %v; want one per connection (%d)", len(res.lat), res.errors, res.kinds, pageClients)
	}
	if res.lat[0] < slow {
		t.Errorf("fastest answer %s, want %s or more", res.lat[0], slow)
	}
}
