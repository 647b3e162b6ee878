package testkit

import (
	"bufio"
	"io"
	"strings"
)

// Serving reads the standard output of a `tocsin serve` process: the channel
// it returns gets true once serve says it is running, or false if the output
// ends first. It reads the output to its end, so that the process never
// blocks on a full pipe.
func Serving(stdout io.Reader) <-chan bool {
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		told := false
		for sc.Scan() {
			if !told && strings.HasPrefix(sc.Text(), "Tocsin is running at") {
				ready <- true
				told = true
			}
		}
		if !told {
			ready <- false
		}
	}()
	return ready
}
