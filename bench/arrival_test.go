package bench

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestArrivalIsWhenTheDataCame: the instant recvArrival gives is when the
// peer's write reached the kernel, not when the reader got to it.
func TestArrivalIsWhenTheDataCame(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fd, err := dialArrival(netip.MustParseAddrPort(ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	buf, oob := make([]byte, 64), make([]byte, unix.CmsgSpace(16))
	exchange := func(answer string) (before, written, arrived time.Time) {
		t.Helper()
		before = time.Now()
		if _, err := server.Write([]byte(answer)); err != nil {
			t.Fatal(err)
		}
		written = time.Now() // loopback: the data is in the client's kernel once Write returns
		waitReadable(t, fd)
		n, arrived, err := recvArrival(fd, buf, oob)
		if err != nil || string(buf[:n]) != answer {
			t.Fatalf("read %q, %v; want %q", buf[:n], err, answer)
		}
		return before, written, arrived
	}
	// Linux turns receive timestamps on for the whole machine a moment
	// after the first socket asks (a deferred static key): until then
	// reads carry none.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if _, _, arrived := exchange("ping"); !arrived.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no read carried an arrival time within 10 s")
		}
	}
	for _, answer := range []string{"HTTP/1.1 200 OK\r\n\r\n", "a second answer"} {
		before, written, arrived := exchange(answer)
		if arrived.Before(before) || arrived.After(written) {
			t.Errorf("arrival %s, want between %s and %s (the write)", arrived.Format(time.RFC3339Nano), before.Format(time.RFC3339Nano), written.Format(time.RFC3339Nano))
		}
	}
	// Nothing to read: the socket does not block the load's thread.
	if _, _, err := recvArrival(fd, buf, oob); err != unix.EAGAIN {
		t.Errorf("with nothing to read: %v, want EAGAIN", err)
	}
	server.Close()
	waitReadable(t, fd)
	if n, _, err := recvArrival(fd, buf, oob); n != 0 || err != nil {
		t.Errorf("after the peer closed: %d bytes, %v; want 0 bytes (end of stream)", n, err)
	}
}

// waitReadable waits until fd has something to read (or its end), for at
// most 10 s.
func waitReadable(t *testing.T, fd int) {
	t.Helper()
	for {
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 10_000)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			t.Fatal(err)
		case n == 0:
			t.Fatal("nothing to read within 10 s")
		}
		return
	}
}
