package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// writeJSON sends v with a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// readBody reads a request body; the app's middleware bounds it to 1 MiB, and
// going over surfaces here as *http.MaxBytesError (413).
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, tocsin.Errorf(tocsin.EINVALID, "could not read the request body: %v", err)
	}
	return body, nil
}

// decode reads a JSON object into v, refusing unknown fields so that typos are
// reported. An empty body is an error unless optional is set.
func decode(r *http.Request, v any, optional bool) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeBytes(body, v, optional)
}

func decodeBytes(body []byte, v any, optional bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return tocsin.Errorf(tocsin.EINVALID, "the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			name, _ = strconv.Unquote(name)
			var generic any
			if json.Unmarshal(body, &generic) == nil {
				if at := unknownField(generic, reflect.TypeOf(v), name, ""); at != "" {
					name = at
				}
			}
			return tocsin.Errorf(tocsin.EINVALID, "unknown field %q in the request body", name)
		}
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return tocsin.Errorf(tocsin.EINVALID, "the request body has more after its JSON object")
	}
	return nil
}

// decodePatch decodes a partial update into v and returns which top-level
// fields the client sent: those, and only those, replace the current values.
func decodePatch(r *http.Request, v any) (map[string]bool, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if err := decodeBytes(body, v, false); err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, jsonError(err)
	}
	sent := make(map[string]bool, len(fields))
	for k := range fields {
		sent[strings.ToLower(k)] = true
	}
	return sent, nil
}

// jsonError explains a decoding error in words a client can act on.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var domain *tocsin.Error
	switch {
	case errors.As(err, &domain):
		return err
	case errors.As(err, &syntax):
		return tocsin.Errorf(tocsin.EINVALID, "the request body is not valid JSON: %s (at byte %d)", syntax.Error(), syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return tocsin.Errorf(tocsin.EINVALID, "the request body must be a JSON object, not %s", withArticle(typ.Value))
		}
		return tocsin.Errorf(tocsin.EINVALID, "field %q must be %s, not %s", typ.Field, kindOf(typ.Type.String()), withArticle(typ.Value))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return tocsin.Errorf(tocsin.EINVALID, "the request body is not valid JSON: it ends too early")
	}
	return tocsin.Errorf(tocsin.EINVALID, "the request body is not valid JSON: %v", strings.TrimPrefix(err.Error(), "json: "))
}

// unknownField finds where in a decoded body the unknown field name sits, as a
// dotted path ("actions.page"), by walking the body along the Go type it was
// decoded into.
func unknownField(v any, t reflect.Type, name, at string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	join := func(k string) string {
		if at == "" {
			return k
		}
		return at + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Map:
			for k, child := range x {
				if p := unknownField(child, t.Elem(), name, join(k)); p != "" {
					return p
				}
			}
		case reflect.Struct:
			for k, child := range x {
				f, ok := jsonField(t, k)
				if !ok {
					if k == name {
						return join(k)
					}
					continue
				}
				if p := unknownField(child, f.Type, name, join(k)); p != "" {
					return p
				}
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, child := range x {
				if p := unknownField(child, t.Elem(), name, fmt.Sprintf("%s[%d]", at, i)); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

// jsonField finds the struct field a JSON key decodes into (encoding/json
// matches names case-insensitively), looking into embedded structs.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			if inner, ok := jsonField(f.Type, key); ok {
				return inner, true
			}
			continue
		}
		if tag == "-" || !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if strings.EqualFold(tag, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// withArticle names a JSON value kind as encoding/json reports it ("array", "bool"…).
func withArticle(kind string) string {
	switch {
	case kind == "bool":
		return "a boolean"
	case kind == "array", kind == "object":
		return "an " + kind
	case strings.HasPrefix(kind, "number"):
		return "a number"
	}
	return "a " + kind
}

// kindOf names a Go type the way a JSON client thinks of it.
func kindOf(goType string) string {
	switch {
	case goType == "string" || strings.HasSuffix(goType, "Priority") || strings.HasSuffix(goType, "Role") || strings.HasSuffix(goType, "IntegrationType"):
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "*"), strings.Contains(goType, "."):
		return "an object"
	}
	return "of type " + goType
}

// pathID reads a positive integer id from the URL path.
func pathID(r *http.Request, what string) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, tocsin.Errorf(tocsin.EINVALID, "%s id %q is not a positive integer", what, raw)
	}
	return id, nil
}

// isID reports whether s is written as an id (digits only).
func isID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// namedRef resolves a body field naming a thing by id or by name to its id
// (0 when the field is empty or null), through find, which takes either; a
// thing that does not exist is a 400 naming the field.
func namedRef[T any](ctx context.Context, field string, raw json.RawMessage, find func(context.Context, string) (T, error), idOf func(T) int64) (int64, error) {
	id, name, err := ref(field, raw)
	if err != nil || (id == 0 && name == "") {
		return 0, err
	}
	if name == "" {
		name = itoa(id)
	}
	v, err := find(ctx, name)
	if err != nil {
		return 0, fieldError(field, err)
	}
	return idOf(v), nil
}

// ref reads a JSON field that names a thing either by id (a number or a string
// of digits) or by name. null or absent is the zero ref.
func ref(field string, raw json.RawMessage) (id int64, name string, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, "", nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return 0, "", tocsin.Errorf(tocsin.EINVALID, "field %q must be an id or a name", field)
	}
	switch x := v.(type) {
	case json.Number:
		id, err := strconv.ParseInt(x.String(), 10, 64)
		if err != nil || id <= 0 {
			return 0, "", tocsin.Errorf(tocsin.EINVALID, "field %q: %s is not a valid id", field, x)
		}
		return id, "", nil
	case string:
		x = strings.TrimSpace(x)
		if id, ok := isID(x); ok {
			return id, "", nil
		}
		if x == "" {
			return 0, "", nil
		}
		return 0, x, nil
	}
	return 0, "", tocsin.Errorf(tocsin.EINVALID, "field %q must be an id (number) or a name (string)", field)
}

// queryInt reads an optional integer query parameter within bounds.
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	raw := strings.TrimSpace(r.URL.Query().Get(name))
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, tocsin.Errorf(tocsin.EINVALID, "query parameter %s=%q must be an integer from %d to %d", name, raw, lo, hi)
	}
	return n, nil
}

// queryList reads a query parameter given several times or as a comma list.
func queryList(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// when returns t for JSON, or nil ("null") when t is the zero time ("never").
func when(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// idOrNull returns nil for 0, so optional references read as null.
func idOrNull(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// nameOrNull returns nil for "", so optional names read as null.
func nameOrNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// unknownQuery refuses query parameters a list does not know, so a typo does not
// silently return everything.
func unknownQuery(r *http.Request, known ...string) error {
	for k := range r.URL.Query() {
		ok := false
		for _, n := range known {
			if k == n {
				ok = true
			}
		}
		if !ok && len(known) == 0 {
			return tocsin.Errorf(tocsin.EINVALID, "unknown query parameter %q; this endpoint takes none", k)
		}
		if !ok {
			return tocsin.Errorf(tocsin.EINVALID, "unknown query parameter %q; this endpoint takes %s", k, strings.Join(known, ", "))
		}
	}
	return nil
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// stamp is a time in a request body: RFC 3339, with an error that names the
// value and shows the expected form (encoding/json's own names neither).
type stamp struct{ time.Time }

func (s *stamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		s.Time = time.Time{}
		return nil
	}
	var raw string
	if err := json.Unmarshal(b, &raw); err != nil {
		return tocsin.Errorf(tocsin.EINVALID, "a time must be an RFC 3339 string (e.g. 2026-11-02T09:00:00+01:00), not %s", b)
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(raw))
	if err != nil {
		return tocsin.Errorf(tocsin.EINVALID, "time %q is not RFC 3339 (e.g. 2026-11-02T09:00:00+01:00)", raw)
	}
	s.Time = t
	return nil
}
