// Package apply is configuration as code: it reads YAML documents describing
// teams, users (with how they are paged), services, integrations, processing
// rules, schedules and escalation policies (docs/config.md),
// compares them with the database, prints the plan and applies it; Export
// writes the database back in the same shape, so that export → apply is a no-op.
package apply

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tocsin/tocsin"
)

// Document is the YAML shape of DESIGN.md §10. Sections left out of every file
// are not managed: --prune leaves their kind alone.
type Document struct {
	Teams        []Team        `yaml:"teams,omitempty"`
	Users        []User        `yaml:"users,omitempty"`
	Services     []Service     `yaml:"services,omitempty"`
	Integrations []Integration `yaml:"integrations,omitempty"` // global integrations: rules route their alerts
	Rules        []Rule        `yaml:"processing_rules,omitempty"`
	Schedules    []Schedule    `yaml:"schedules,omitempty"`
	Policies     []Policy      `yaml:"escalation_policies,omitempty"`

	sections map[string]bool // which sections the files had (even empty): what --prune manages
}

// Team is a squad and its members, by e-mail.
type Team struct {
	Name     string   `yaml:"name"`
	Members  []string `yaml:"members,omitempty"`
	Managers []string `yaml:"managers,omitempty"` // members with the team role "manager"
	src      string
}

// User is a person. Timezone and locale left out keep their current value (people
// set them on their profile); role left out is member.
type User struct {
	Email    string      `yaml:"email"`
	Name     string      `yaml:"name"`
	Timezone string      `yaml:"timezone,omitempty"`
	Locale   string      `yaml:"locale,omitempty"`
	Role     tocsin.Role `yaml:"role,omitempty"`
	Phone    string      `yaml:"phone,omitempty"` // E.164: the number the on-call line rings; left out: kept
	// Working hours (default Monday to Friday 09:00-18:00 in the user's zone);
	// intervening outside them counts in the on-call pay report. Left out: kept.
	WorkingHours *tocsin.TimeWindow `yaml:"working_hours,omitempty"`

	// How the person is paged. Each is left alone when the entry leaves it
	// out (people manage them on their profile); written, it is the whole truth.
	ContactMethods    *[]Contact          `yaml:"contact_methods,omitempty"`
	NotificationRules *[]NotificationRule `yaml:"notification_rules,omitempty"`
	Notify            *Notify             `yaml:"notify,omitempty"`
	src               string
}

// Service is an application owned by a team, with its integrations and who is
// paged about its alerts.
type Service struct {
	Name             string `yaml:"name"`
	Team             string `yaml:"team,omitempty"`
	Description      string `yaml:"description,omitempty"`
	EscalationPolicy string `yaml:"escalation_policy,omitempty"`
	// OffHoursPolicy replaces EscalationPolicy outside BusinessHours (default
	// Monday to Friday 09:00–18:00 UTC).
	OffHoursPolicy string             `yaml:"off_hours_policy,omitempty"`
	BusinessHours  *tocsin.TimeWindow `yaml:"business_hours,omitempty"`
	// Maintenance windows are also made in the UI before a deploy: left out, they
	// are kept; written (even []), the list is the truth.
	Maintenance  *[]tocsin.MaintenanceWindow `yaml:"maintenance,omitempty"`
	Integrations []Integration               `yaml:"integrations,omitempty"`
	src          string
}

// Integration is a key monitoring tools send with. The key itself is never in a
// file: it is generated (and printed once), or read from KeyFromEnv.
type Integration struct {
	Name              string                 `yaml:"name"`
	Type              tocsin.IntegrationType `yaml:"type"`
	KeyFromEnv        string                 `yaml:"key_from_env,omitempty"`
	HMACSecretFromEnv string                 `yaml:"hmac_secret_from_env,omitempty"`
	src               string
}

// Rule is a processing rule. Integration is "service/name" for an integration of
// a service, "name" for a global integration, and empty for a global rule that
// runs on every integration. Position left out is the rule's order in its scope.
type Rule struct {
	Integration string             `yaml:"integration,omitempty"`
	Name        string             `yaml:"name"`
	Position    int                `yaml:"position,omitempty"`
	Enabled     *bool              `yaml:"enabled,omitempty"` // default true
	Conditions  []tocsin.Condition `yaml:"conditions,omitempty"`
	When        *tocsin.TimeWindow `yaml:"when,omitempty"`
	Actions     tocsin.RuleActions `yaml:"actions"`
	Stop        bool               `yaml:"stop,omitempty"`
	src         string
}

// maxFileSize bounds what one configuration file may hold.
const maxFileSize = 8 << 20

// Load reads one YAML file, or every *.yaml and *.yml file of a folder (not its
// sub-folders) in name order, and merges them into one document.
func Load(path string) (*Document, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	files := []string{path}
	if info.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		files = files[:0]
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s has no .yaml or .yml file", path)
		}
	}
	doc := &Document{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		part, err := Parse(name, f)
		f.Close()
		if err != nil {
			return nil, err
		}
		doc.merge(part)
	}
	return doc, nil
}

// Parse reads the YAML documents of one file (several may be separated by ---);
// name is used in error messages. Unknown fields are errors.
func Parse(name string, r io.Reader) (*Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, maxFileSize>>20)
	}
	doc := &Document{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	for n := 0; ; n++ {
		var part Document
		err := dec.Decode(&part)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s", name, yamlMessage(err))
		}
		part.sections = map[string]bool{}
		part.locate(name, data, n)
		doc.merge(&part)
	}
	return doc, nil
}

func (d *Document) merge(o *Document) {
	d.Teams = append(d.Teams, o.Teams...)
	d.Users = append(d.Users, o.Users...)
	d.Services = append(d.Services, o.Services...)
	d.Integrations = append(d.Integrations, o.Integrations...)
	d.Rules = append(d.Rules, o.Rules...)
	d.Schedules = append(d.Schedules, o.Schedules...)
	d.Policies = append(d.Policies, o.Policies...)
	if d.sections == nil {
		d.sections = map[string]bool{}
	}
	for k := range o.sections {
		d.sections[k] = true
	}
}

// locate records, for each item, where it is ("file.yaml:12 services[1]"), and
// which sections the n-th document of the file has, from a second, untyped parse.
func (d *Document) locate(file string, data []byte, n int) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	for i := 0; i <= n; i++ {
		root = yaml.Node{}
		if dec.Decode(&root) != nil {
			return
		}
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return
	}
	top := root.Content[0].Content
	where := func(section string, i int, node *yaml.Node) string {
		if node == nil {
			return fmt.Sprintf("%s %s[%d]", file, section, i)
		}
		return fmt.Sprintf("%s:%d %s[%d]", file, node.Line, section, i)
	}
	item := func(seq *yaml.Node, i int) *yaml.Node {
		if seq != nil && seq.Kind == yaml.SequenceNode && i < len(seq.Content) {
			return seq.Content[i]
		}
		return nil
	}
	for k := 0; k+1 < len(top); k += 2 {
		section, seq := top[k].Value, top[k+1]
		d.sections[section] = true
		switch section {
		case "teams":
			for i := range d.Teams {
				d.Teams[i].src = where(section, i, item(seq, i))
			}
		case "users":
			for i := range d.Users {
				d.Users[i].src = where(section, i, item(seq, i))
			}
		case "services":
			for i := range d.Services {
				s := &d.Services[i]
				node := item(seq, i)
				s.src = where(section, i, node)
				var integrations *yaml.Node
				if node != nil && node.Kind == yaml.MappingNode {
					for j := 0; j+1 < len(node.Content); j += 2 {
						if node.Content[j].Value == "integrations" {
							integrations = node.Content[j+1]
						}
					}
				}
				for j := range s.Integrations {
					s.Integrations[j].src = where(fmt.Sprintf("services[%d].integrations", i), j, item(integrations, j))
				}
			}
		case "integrations":
			for i := range d.Integrations {
				d.Integrations[i].src = where(section, i, item(seq, i))
			}
		case "processing_rules":
			for i := range d.Rules {
				d.Rules[i].src = where(section, i, item(seq, i))
			}
		case "schedules":
			for i := range d.Schedules {
				d.Schedules[i].src = where(section, i, item(seq, i))
			}
		case "escalation_policies":
			for i := range d.Policies {
				d.Policies[i].src = where(section, i, item(seq, i))
			}
		}
	}
}

var (
	unknownField = regexp.MustCompile(`field (\S+) not found in type \S+`)
	wrongType    = regexp.MustCompile("cannot unmarshal !!(\\w+)(?: `([^`]*)`)? into ([^\\s;]+(?: \\{\\})?)")
)

// yamlMessage makes the decoder's errors read as a person would write them,
// without Go type names.
func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	msg = strings.ReplaceAll(msg, "\n  ", "; ")
	msg = unknownField.ReplaceAllString(msg, `unknown field "$1"`)
	return wrongType.ReplaceAllStringFunc(msg, func(m string) string {
		sub := wrongType.FindStringSubmatch(m)
		return "expected " + expected(sub[3]) + ", found " + found(sub[1], sub[2])
	})
}

func expected(goType string) string {
	switch {
	case goType == "apply.Document":
		return "sections (teams:, users:, services:, integrations:, processing_rules:, schedules:, escalation_policies:)"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"):
		return "a whole number"
	case strings.HasPrefix(goType, "apply.") || goType == "tocsin.TimeWindow" || goType == "tocsin.RuleActions" || goType == "tocsin.Condition" || goType == "tocsin.Schedule" || goType == "tocsin.MaintenanceWindow":
		return "a mapping of fields"
	}
	return "text"
}

func found(tag, value string) string {
	switch tag {
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "null":
		return "nothing"
	}
	return "`" + value + "`"
}

// Encode writes the document as YAML, the way Export and docs/config.md show it.
func (d *Document) Encode(w io.Writer) error {
	fmt.Fprintln(w, "# Tocsin configuration: apply with `tocsin apply -f FILE`.")
	fmt.Fprintln(w, "# Integration keys, HMAC secrets, webhook signing secrets and the addresses of")
	fmt.Fprintln(w, "# ntfy, Teams, Discord and Mattermost contacts (they are credentials) are never")
	fmt.Fprintln(w, "# exported: name the variables that hold them with key_from_env,")
	fmt.Fprintln(w, "# hmac_secret_from_env, secret_from_env or value_from_env to manage them here.")
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(d); err != nil {
		return err
	}
	return enc.Close()
}

// sortedKeys returns a map's keys in order, for stable output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
