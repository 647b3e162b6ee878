package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The raw client reads every answer shape a server may send and reconnects
// when the server closes the connection.
func TestRawConnAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	answers := []string{
		"HTTP/1.1 202 Accepted\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok",
	}
	conns := make(chan int, 4)
	go func() {
		next := 0
		for n := 1; next < len(answers); n++ {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- n
			r := bufio.NewReader(conn)
			for next < len(answers) {
				req, err := http.ReadRequest(r)
				if err != nil {
					break
				}
				io.Copy(io.Discard, req.Body)
				if req.Header.Get("Content-Length") != strconv.Itoa(len(`{"x":1}`)) {
					t.Errorf("request Content-Length %q", req.Header.Get("Content-Length"))
				}
				conn.Write([]byte(answers[next]))
				next++
				if next == 3 {
					break // after "Connection: close"
				}
			}
			conn.Close()
		}
	}()
	c, err := newRawConn(config{URL: "http://" + ln.Addr().String() + "/v2/enqueue", Timeout: 5 * time.Second}, &net.Dialer{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	for i, want := range []int{202, 400, 503, 202} {
		status, err := c.post(context.Background(), []byte(`{"x":1}`))
		if err != nil || status != want {
			t.Fatalf("request %d: status %d, %v; want %d", i+1, status, err, want)
		}
	}
	if n := len(conns); n != 2 {
		t.Fatalf("%d connections, want 2 (one reconnect after Connection: close)", n)
	}
}
