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
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// loopLoad is the page load of the "epoll" client: all its connections on
// one OS thread that waits in epoll for answers and in a timerfd for the
// next due request, as wrk2 does. The load generator shares the two cores
// with the server; one goroutine per connection, each parked and woken by
// Go's scheduler for every request, cost it about as much CPU per request
// as the server spent answering (threads sleeping and waking on futexes),
// and that CPU was taken from the server during storms. Here a request
// costs a write, a recvmsg and a share of an epoll_wait.
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
	deadline := until.Add(30 * time.Second) // an answer not in by then is a timeout
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
		if counts(c, answered) {
			if err != nil {
				res.kinds[errKind(err)]++
				res.errors++
			} else {
				res.lat = append(res.lat, answered.Sub(c.due))
				res.svc = append(res.svc, answered.Sub(c.sent))
				arrived := c.arrived
				if arrived.IsZero() {
					arrived = answered
				}
				late := max(0, c.sent.Sub(c.free))
				res.own = append(res.own, arrived.Sub(c.due)-late)
			}
		}
		if err != nil {
			c.close()
		} else {
			c.prevArrived = c.arrived
		}
		if rate > 0 {
			c.due = c.due.Add(period)
		}
	}

	cpu0 := cpuTime()
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(16))
	events := make([]unix.EpollEvent, clients+1)
	var armed time.Time // when the timer will fire; zero: disarmed
	for {
		now := time.Now()
		var next time.Time // the earliest request due later
		waiting := false   // for an answer
		for i := range conns {
			c := &conns[i]
			switch {
			case c.inFlight:
				if now.After(deadline) {
					done(c, now, errTimeout)
					continue
				}
				waiting = true
				continue
			case rate == 0:
				if now.After(until) {
					continue
				}
				c.due = now
			case !c.due.Before(until):
				continue
			case c.due.After(now):
				if next.IsZero() || c.due.Before(next) {
					next = c.due
				}
				continue
			}
			if err := c.send(ep, i, addr, request, now); err != nil {
				done(c, now, err)
				// Its next request may be due already: the timer says so.
				if rate == 0 || c.due.Before(until) {
					due := c.due
					if rate == 0 || due.Before(now) {
						due = now
					}
					if next.IsZero() || due.Before(next) {
						next = due
					}
				}
				continue
			}
			waiting = true
		}
		if !waiting && next.IsZero() {
			break
		}
		wake := next
		if wake.IsZero() {
			wake = deadline
		}
		if !wake.Equal(armed) {
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
	res.cores = (cpuTime() - cpu0).Seconds() / time.Since(start).Seconds()
	var ms1 runtime.MemStats
	runtime.ReadMemStats(&ms1)
	res.gcs, res.gcPause = ms1.NumGC-ms0.NumGC, time.Duration(ms1.PauseTotalNs-ms0.PauseTotalNs)
	slices.Sort(res.lat)
	slices.Sort(res.svc)
	slices.Sort(res.own)
	return res, nil
}

var (
	errTimeout     = errors.New("timeout")
	errClosed      = errors.New("connection closed")
	errNoLength    = errors.New("an answer without Content-Length")
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
func (c *loopConn) send(ep, index int, addr netip.AddrPort, request []byte, now time.Time) error {
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
	c.free = c.due
	if c.prevArrived.After(c.free) {
		c.free = c.prevArrived
	}
	c.sent = now
	c.inFlight, c.head, c.headDone, c.arrived = true, c.head[:0], false, time.Time{}
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
			return false, errNoLength
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
// fall every millisecond from the start: 400 of them are measured.
const (
	loopTestRate     = 1000
	loopTestWarmup   = 100 * time.Millisecond
	loopTestDuration = 400 * time.Millisecond
	loopTestDue      = 400
)

func loopTestTarget(url string) pageTarget {
	return pageTarget{name: "test", url: url, wantLength: len("the page")}
}

// TestLoopLoadKeepsTheSchedule: every request due in the measured window
// is sent and counted, and a server that takes 5 ms to answer shows as 5 ms
// or more in every figure, the server's share included.
func TestLoopLoadKeepsTheSchedule(t *testing.T) {
	for _, closing := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(5 * time.Millisecond) // the server's own slowness, which the load must see
			if closing {
				w.Header().Set("Connection", "close")
			}
			w.Write([]byte("the page"))
		}))
		res, err := loopLoad(loopTestTarget(srv.URL), loopTestRate, loopTestWarmup, loopTestDuration)
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(res.lat) != loopTestDue || res.errors != 0 {
			t.Errorf("server closing each connection %t: %d answers, %d errors %v; want %d answers", closing, len(res.lat), res.errors, res.kinds, loopTestDue)
			continue
		}
		for name, figures := range map[string][]time.Duration{"from the due time": res.lat, "from the write": res.svc, "the server's share": res.own} {
			if figures[0] < 5*time.Millisecond {
				t.Errorf("server closing each connection %t: fastest answer %s %s, want 5 ms or more", closing, name, figures[0])
			}
		}
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
// as it has its answer, and only answers within the window count.
func TestLoopLoadClosedLoop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("the page")) }))
	defer srv.Close()
	res, err := loopLoad(loopTestTarget(srv.URL), 0, loopTestWarmup, loopTestDuration)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.lat) < pageClients || res.errors != 0 {
		t.Errorf("%d answers, %d errors %v; want at least one per connection (%d) and none wrong", len(res.lat), res.errors, res.kinds, pageClients)
	}
	if slowest := res.lat[len(res.lat)-1]; slowest > loopTestDuration {
		t.Errorf("an answer counted %s after it was asked, longer than the window", slowest)
	}
}
