package web

import "net/http"

// Routes registers every page. Every handler goes through CrossOriginProtection,
// which lets GET through and refuses a form posted from another site.
func (h *Handler) Routes(mux *http.ServeMux) {
	handle := func(pattern string, handler http.Handler) { mux.Handle(pattern, h.cop.Handler(handler)) }
	page := func(pattern string, need access, fn pageFunc) { handle(pattern, h.page(need, fn)) }

	handle("GET /{$}", http.RedirectHandler("/alerts", http.StatusSeeOther))
	handle("GET /static/{file...}", http.HandlerFunc(h.staticServe))
	// Whatever no package serves gets the 404 page. "/" is less specific than
	// every other pattern, so it never conflicts with the API's or ingest's.
	page("/", public, func(w http.ResponseWriter, r *http.Request, v *view) { h.notFound(w, r, v) })

	// Signing in and out.
	page("GET /login", public, h.loginShow)
	page("POST /login", public, h.loginSubmit)
	page("POST /logout", public, h.logout)

	// Alerts, and the stream that keeps their pages live.
	page("GET /alerts", signedIn, h.alertList)
	page("POST /alerts/bulk", responder, h.alertBulk)
	page("GET /alerts/{id}", signedIn, h.alertShow)
	page("POST /alerts/{id}/{action}", responder, h.alertAct)
	handle("GET /events", http.HandlerFunc(h.eventsStream))
}
