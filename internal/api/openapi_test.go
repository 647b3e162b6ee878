package api_test

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/api"
)

// TestOpenAPIMatchesRoutes holds the hand-written document and the route table
// together: every registered route is documented, every documented operation
// is registered, and each says what a client needs (path parameters, the
// errors its role check and its input can produce).
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := parseSpec(t, api.OpenAPIDocument())
	if v, _ := s.doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi version %q, want 3.0.x", v)
	}
	servers, _ := s.doc["servers"].([]any)
	if len(servers) != 1 || s.resolve(servers[0])["url"] != api.Prefix {
		t.Errorf("servers = %v, want one with url %s (paths are relative to it)", servers, api.Prefix)
	}

	registered := map[string]api.RouteInfo{}
	for _, rt := range api.RouteTable() {
		key := rt.Method + " " + rt.Pattern
		if _, dup := registered[key]; dup {
			t.Errorf("route %s registered twice", key)
		}
		if !strings.HasPrefix(rt.Pattern, api.Prefix+"/") {
			t.Errorf("route %s is outside %s", key, api.Prefix)
		}
		registered[key] = rt
	}
	documented := map[string]bool{}
	for _, op := range s.operations() {
		documented[op] = true
		if _, ok := registered[op]; !ok {
			t.Errorf("documented operation %s is not registered in routes.go", op)
		}
	}
	var keys []string
	for k := range registered {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if !documented[key] {
			t.Errorf("route %s is not documented in openapi.yaml", key)
		}
	}

	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	operationIDs := map[string]string{}
	for _, key := range keys {
		rt := registered[key]
		if !documented[key] {
			continue
		}
		path := strings.TrimPrefix(rt.Pattern, api.Prefix)
		item := s.paths[path]
		op := s.resolve(item[strings.ToLower(rt.Method)])
		id, _ := op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", key)
		} else if other, dup := operationIDs[id]; dup {
			t.Errorf("%s and %s share operationId %s", key, other, id)
		}
		operationIDs[id] = key
		if op["summary"] == nil {
			t.Errorf("%s has no summary", key)
		}

		// Every {name} of the path is declared as a path parameter.
		declared := map[string]bool{}
		for _, list := range [][]any{asList(item["parameters"]), asList(op["parameters"])} {
			for _, p := range list {
				pm := s.resolve(p)
				if pm == nil {
					t.Errorf("%s: a parameter $ref does not resolve", key)
					continue
				}
				if pm["in"] == "path" {
					declared[pm["name"].(string)] = true
					if pm["required"] != true {
						t.Errorf("%s: path parameter %v must be required", key, pm["name"])
					}
				}
			}
		}
		for _, m := range param.FindAllStringSubmatch(path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared", key, m[1])
			}
		}

		responses, _ := op["responses"].(map[string]any)
		has := func(code string) bool { _, ok := responses[code]; return ok }
		var success bool
		for code := range responses {
			if strings.HasPrefix(code, "2") {
				success = true
			}
		}
		if !success {
			t.Errorf("%s documents no success response", key)
		}
		want := []string{"500"}
		if rt.Role != "" {
			want = append(want, "401")
			sec, explicit := op["security"]
			if explicit && len(asList(sec)) == 0 {
				t.Errorf("%s needs a token but is documented with security: []", key)
			}
		} else if sec, ok := op["security"]; !ok || len(asList(sec)) != 0 {
			t.Errorf("%s needs no token: document it with security: []", key)
		}
		if rt.Role == tocsin.RoleAdmin || rt.Role == tocsin.RoleMember {
			want = append(want, "403")
		}
		if strings.Contains(path, "{id}") {
			want = append(want, "404")
		}
		if body := s.resolve(op["requestBody"]); body != nil {
			want = append(want, "400", "413")
		}
		if rt.Method == "POST" && !strings.Contains(path, "{id}") && strings.Count(path, "/") == 1 && path != "/tokens" {
			want = append(want, "409") // creating a named thing can collide
		}
		for _, code := range want {
			if rt.Role == "" && code == "500" {
				continue
			}
			if !has(code) {
				t.Errorf("%s does not document its %s response", key, code)
			}
		}
	}

	// Every schema uses only OpenAPI 3.0 schema keywords: a stray key is most
	// often a YAML slip (an unquoted comma inside a {flow: mapping}).
	keywords := map[string]bool{}
	for _, k := range strings.Fields(`$ref type format description nullable enum default example properties required
		additionalProperties items allOf oneOf anyOf not minimum maximum minLength maxLength pattern minItems maxItems
		readOnly writeOnly deprecated title uniqueItems exclusiveMinimum exclusiveMaximum multipleOf minProperties maxProperties discriminator`) {
		keywords[k] = true
	}
	var schemaWalk func(v any, at string)
	schemaWalk = func(v any, at string) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, child := range m {
			if !keywords[k] {
				t.Errorf("%s: %q is not a schema keyword", at, k)
			}
			switch k {
			case "items", "not":
				schemaWalk(child, at+"/"+k)
			case "additionalProperties":
				schemaWalk(child, at+"/"+k)
			case "allOf", "oneOf", "anyOf":
				for i, sub := range asList(child) {
					schemaWalk(sub, fmt.Sprintf("%s/%s[%d]", at, k, i))
				}
			case "properties":
				props, _ := child.(map[string]any)
				for name, sub := range props {
					schemaWalk(sub, at+"/properties/"+name)
				}
			}
		}
	}
	var findSchemas func(v any, at string)
	findSchemas = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				if k == "schema" {
					schemaWalk(child, at+"/schema")
					continue
				}
				findSchemas(child, at+"/"+k)
			}
		case []any:
			for i, child := range x {
				findSchemas(child, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
	findSchemas(s.doc["paths"], "#/paths")
	components, _ := s.doc["components"].(map[string]any)
	findSchemas(components["parameters"], "#/components/parameters")
	findSchemas(components["responses"], "#/components/responses")
	findSchemas(components["headers"], "#/components/headers")
	schemas, _ := components["schemas"].(map[string]any)
	for name, sc := range schemas {
		schemaWalk(sc, "#/components/schemas/"+name)
	}

	// Every $ref anywhere in the document resolves.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok && s.resolve(x) == nil {
				t.Errorf("%s: $ref %s does not resolve", at, ref)
			}
			for k, child := range x {
				walk(child, at+"/"+k)
			}
		case []any:
			for i, child := range x {
				walk(child, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
	walk(s.doc, "#")
}
