package api

import (
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
)

// TestDecodeErrors pins the messages a client gets for a body it got wrong:
// each names the problem and where it is.
func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		body string
		want string
	}{
		{``, "empty"},
		{`   `, "empty"},
		{`{"name": "x"`, "ends too early"},
		{`{"name": x}`, "not valid JSON"},
		{`[1, 2]`, "must be a JSON object, not an array"},
		{`"text"`, "must be a JSON object, not a string"},
		{`{"name": 5}`, `field "name" must be a string, not a number`},
		{`{"enabled": "yes"}`, `field "enabled" must be true or false, not a string`},
		{`{"position": 1.5}`, `field "position" must be an integer, not a number`},
		{`{"conditions": {}}`, `field "conditions" must be an array, not an object`},
		{`{"actions": {"suppress": "no"}}`, `field "actions.suppress" must be true or false`},
		{`{"actions": {"page": true}}`, `unknown field "actions.page"`},
		{`{"conditions": [{"field": "summary", "op": "exists"}, {"fld": "x"}]}`, `unknown field "conditions[1].fld"`},
		{`{"nmae": "x"}`, `unknown field "nmae"`},
		{`{"name": "x"} {"name": "y"}`, "more after its JSON object"},
		{`{"name": "x"} trailing`, "more after its JSON object"},
	} {
		var in ruleInput
		err := decodeBytes([]byte(tc.body), &in, false)
		if tocsin.ErrorCode(err) != tocsin.EINVALID {
			t.Errorf("%s: error %v, want invalid", tc.body, err)
			continue
		}
		if msg := tocsin.ErrorMessage(err); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: message %q, want it to contain %q", tc.body, msg, tc.want)
		}
	}
	var in noteInput
	if err := decodeBytes(nil, &in, true); err != nil {
		t.Errorf("an optional empty body: %v", err)
	}
}

func TestRef(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		id   int64
		name string
		bad  bool
	}{
		{``, 0, "", false},
		{`null`, 0, "", false},
		{`12`, 12, "", false},
		{`"12"`, 12, "", false},
		{`" checkout "`, 0, "checkout", false},
		{`0`, 0, "", true},
		{`-1`, 0, "", true},
		{`1.5`, 0, "", true},
		{`true`, 0, "", true},
		{`{}`, 0, "", true},
	} {
		id, name, err := ref("service", []byte(tc.raw))
		if (err != nil) != tc.bad || id != tc.id || name != tc.name {
			t.Errorf("ref(%s) = %d, %q, %v", tc.raw, id, name, err)
		}
	}
}
