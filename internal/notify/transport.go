package notify

import "net/http"

// SendsAtOnce is how many provider calls the engine makes at once: providers
// answer in tens or hundreds of milliseconds, and a storm must not queue
// behind them.
const SendsAtOnce = 16

// Transport is the HTTP transport of a sender given no client: Go's default,
// but keeping as many idle connections per host as there are sends at once.
// With Go's default of two, a storm of pages to one webhook or provider
// dialled (and shook TLS hands) anew for most of its requests.
func Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = SendsAtOnce
	return t
}
