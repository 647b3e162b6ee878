package web

import "net/http"

// utf8BOM starts every CSV download: without it Excel, which most people open
// these files with, reads UTF-8 as Windows-1252 and mangles "Léa" and "€".
// Tocsin's own CSV import skips it.
const utf8BOM = "\ufeff"

// sendCSV answers a CSV file as a download named name; never cached, as plans
// and pay are personal.
func sendCSV(w http.ResponseWriter, name string, body []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/csv; charset=utf-8")
	hdr.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	hdr.Set("Cache-Control", "no-store")
	w.Write(append([]byte(utf8BOM), body...))
}
