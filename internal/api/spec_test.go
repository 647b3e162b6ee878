package api_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tocsin/tocsin/internal/api"
)

// spec is the parsed OpenAPI document, able to check a real reply against what
// it documents: the status must be listed, and the body must fit the schema,
// with no property the document does not name.
type spec struct {
	doc   map[string]any
	paths map[string]map[string]any
}

func parseSpec(t testing.TB, text string) *spec {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	s := &spec{doc: doc, paths: map[string]map[string]any{}}
	paths, _ := doc["paths"].(map[string]any)
	for p, v := range paths {
		item, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("path %s is not a mapping", p)
		}
		s.paths[p] = item
	}
	return s
}

// operations lists "METHOD /api/v1/path" for every documented operation.
func (s *spec) operations() []string {
	var ops []string
	for p, item := range s.paths {
		for m := range item {
			switch m {
			case "get", "post", "put", "patch", "delete", "head", "options":
				ops = append(ops, strings.ToUpper(m)+" "+api.Prefix+p)
			}
		}
	}
	sort.Strings(ops)
	return ops
}

// resolve follows a $ref within the document.
func (s *spec) resolve(v any) map[string]any {
	m, _ := v.(map[string]any)
	for m != nil {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = s.doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			next, _ := cur.(map[string]any)
			cur = next[part]
		}
		m, _ = cur.(map[string]any)
	}
	return m
}

// match finds the documented path template for a concrete path, preferring
// literal segments over parameters (/alerts/acknowledge over /alerts/{id}).
func (s *spec) match(path string) string {
	path = strings.TrimPrefix(path, api.Prefix)
	segs := strings.Split(path, "/")
	best, bestScore := "", -1
	for tmpl := range s.paths {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		score := 0
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") {
				continue
			}
			if ts[i] != segs[i] {
				score = -1
				break
			}
			score++
		}
		if score > bestScore {
			best, bestScore = tmpl, score
		}
	}
	return best
}

// check reports how a reply departs from the document.
func (s *spec) check(method, path string, status int, body []byte) []string {
	tmpl := s.match(path)
	if tmpl == "" {
		return []string{fmt.Sprintf("%s %s: no documented path", method, path)}
	}
	op, _ := s.paths[tmpl][strings.ToLower(method)].(map[string]any)
	if op == nil {
		return []string{fmt.Sprintf("%s %s: method not documented", method, tmpl)}
	}
	responses, _ := op["responses"].(map[string]any)
	resp := s.resolve(responses[strconv.Itoa(status)])
	if resp == nil {
		return []string{fmt.Sprintf("%s %s: status %d not documented", method, tmpl, status)}
	}
	content, _ := resp["content"].(map[string]any)
	if content == nil {
		if len(strings.TrimSpace(string(body))) > 0 {
			return []string{fmt.Sprintf("%s %s %d: body %q where none is documented", method, tmpl, status, body)}
		}
		return nil
	}
	media, _ := content["application/json"].(map[string]any)
	if media == nil {
		return nil // not JSON (the YAML document itself)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{fmt.Sprintf("%s %s %d: body is not JSON: %v", method, tmpl, status, err)}
	}
	var problems []string
	s.validate(media["schema"], v, fmt.Sprintf("%s %s %d", method, tmpl, status), &problems)
	return problems
}

// flatten merges allOf parts into one object schema.
func (s *spec) flatten(schema map[string]any) map[string]any {
	parts, ok := schema["allOf"].([]any)
	if !ok {
		return schema
	}
	out := map[string]any{}
	props := map[string]any{}
	var required []any
	for k, v := range schema {
		if k != "allOf" {
			out[k] = v
		}
	}
	for _, p := range parts {
		part := s.flatten(s.resolve(p))
		for k, v := range part {
			switch k {
			case "properties":
				for name, prop := range v.(map[string]any) {
					props[name] = prop
				}
			case "required":
				required = append(required, v.([]any)...)
			default:
				if _, set := out[k]; !set {
					out[k] = v
				}
			}
		}
	}
	if len(props) > 0 {
		out["properties"] = props
	}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

func (s *spec) validate(raw any, v any, at string, problems *[]string) {
	schema := s.flatten(s.resolve(raw))
	if schema == nil {
		return
	}
	fail := func(format string, args ...any) {
		*problems = append(*problems, at+": "+fmt.Sprintf(format, args...))
	}
	if v == nil {
		if schema["nullable"] != true {
			fail("null where the document does not allow it")
		}
		return
	}
	if alts, ok := schema["oneOf"].([]any); ok {
		matched := 0
		for _, alt := range alts {
			var p []string
			s.validate(alt, v, at, &p)
			if len(p) == 0 {
				matched++
			}
		}
		if matched != 1 {
			fail("value %v matches %d of the oneOf alternatives", v, matched)
		}
		return
	}
	switch schema["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			fail("want an object, got %T", v)
			return
		}
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asList(schema["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				fail("required property %q missing", r)
			}
		}
		for k, val := range obj {
			if prop, ok := props[k]; ok {
				s.validate(prop, val, at+"."+k, problems)
				continue
			}
			switch extra := schema["additionalProperties"].(type) {
			case map[string]any:
				s.validate(extra, val, at+"."+k, problems)
			case bool:
				if !extra {
					fail("property %q is not documented", k)
				}
			default:
				fail("property %q is not documented", k)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			fail("want an array, got %T", v)
			return
		}
		for i, item := range arr {
			s.validate(schema["items"], item, fmt.Sprintf("%s[%d]", at, i), problems)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("want a string, got %T", v)
			return
		}
		if enum := asList(schema["enum"]); len(enum) > 0 && !contains(enum, str) {
			fail("%q is not in the documented enum %v", str, enum)
		}
		if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil || !strings.HasSuffix(str, "Z") {
				fail("%q is not an RFC 3339 UTC time", str)
			}
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			fail("want an integer, got %v", v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			fail("want a number, got %T", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("want a boolean, got %T", v)
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func contains(list []any, s string) bool {
	for _, x := range list {
		if fmt.Sprint(x) == s {
			return true
		}
	}
	return false
}
