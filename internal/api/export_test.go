package api

import "github.com/tocsin/tocsin"

// RouteInfo is one row of the route table, for tests.
type RouteInfo struct {
	Method, Pattern string
	Role            tocsin.Role
}

// RouteTable lists every registered route.
func RouteTable() []RouteInfo {
	var out []RouteInfo
	for _, rt := range New(Options{}).routes() {
		out = append(out, RouteInfo{Method: rt.method, Pattern: rt.pattern, Role: rt.role})
	}
	return out
}

// OpenAPIDocument is the embedded OpenAPI document.
func OpenAPIDocument() string { return openapiDoc }

// Prefix is where the API lives.
const Prefix = prefix
