package bench

import (
	"encoding/binary"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// arrivalReader reads a TCP connection with recvmsg and asks the kernel
// when each read's data reached this machine (SO_TIMESTAMPNS). On two
// shared cores a load generator waits for a core too: the instant it
// reads an answer can be long after the server sent it, and that wait is
// the generator's, not the server's.
type arrivalReader struct {
	raw  syscall.RawConn
	oob  []byte
	last time.Time // when the latest read's data arrived; zero if it did not say
}

// newArrivalReader returns nil when c cannot say when data arrived.
func newArrivalReader(c net.Conn) *arrivalReader {
	tcp, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return nil
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return nil
	}
	return &arrivalReader{raw: raw, oob: make([]byte, syscall.CmsgSpace(16))}
}

func (r *arrivalReader) Read(p []byte) (int, error) {
	var n, oobn int
	var err error
	// The descriptor is non-blocking: raw.Read waits in Go's poller (and
	// honours the connection's deadline) while recvmsg says EAGAIN.
	if rerr := r.raw.Read(func(fd uintptr) bool {
		n, oobn, _, _, err = syscall.Recvmsg(int(fd), p, r.oob, 0)
		return err != syscall.EAGAIN
	}); rerr != nil {
		return 0, rerr
	}
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, io.EOF
	}
	// A read without a time (Linux still turning timestamps on) leaves the
	// answer to count from when it was read.
	r.last = time.Time{}
	if msgs, err := syscall.ParseSocketControlMessage(r.oob[:oobn]); err == nil {
		for _, m := range msgs {
			if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
				sec, nsec := binary.NativeEndian.Uint64(m.Data), binary.NativeEndian.Uint64(m.Data[8:])
				r.last = time.Unix(int64(sec), int64(nsec))
			}
		}
	}
	return n, nil
}

// TestArrivalIsWhenTheDataCame: the instant an arrivalReader gives is when
// the peer's write reached the kernel, not when the reader got to it.
func TestArrivalIsWhenTheDataCame(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	r := newArrivalReader(client)
	if r == nil {
		t.Fatal("no arrival times on a TCP connection")
	}
	exchange := func(answer string) (before, written time.Time) {
		t.Helper()
		before = time.Now()
		if _, err := server.Write([]byte(answer)); err != nil {
			t.Fatal(err)
		}
		written = time.Now() // loopback: the data is in the client's kernel once Write returns
		buf := make([]byte, 64)
		n, err := r.Read(buf)
		if err != nil || string(buf[:n]) != answer {
			t.Fatalf("read %q, %v; want %q", buf[:n], err, answer)
		}
		return before, written
	}
	// Linux turns receive timestamps on for the whole machine a moment
	// after the first socket asks (a deferred static key): until then
	// reads carry none.
	for deadline := time.Now().Add(10 * time.Second); r.last.IsZero(); {
		if time.Now().After(deadline) {
			t.Fatal("no read carried an arrival time within 10 s")
		}
		exchange("ping")
	}
	for _, answer := range []string{"HTTP/1.1 200 OK\r\n\r\n", "a second answer"} {
		before, written := exchange(answer)
		if r.last.Before(before) || r.last.After(written) {
			t.Errorf("arrival %s, want between %s and %s (the write)", r.last.Format(time.RFC3339Nano), before.Format(time.RFC3339Nano), written.Format(time.RFC3339Nano))
		}
	}
	server.Close()
	if n, err := r.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Errorf("after the peer closed: %d bytes, %v; want io.EOF", n, err)
	}
}
