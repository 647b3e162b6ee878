package apply

import (
	"context"
	"fmt"

	"github.com/tocsin/tocsin"
)

func (p *planner) planIntegrations() error {
	for _, s := range p.doc.Services {
		for _, in := range s.Integrations {
			if err := p.planIntegration(s.Name, in); err != nil {
				return err
			}
		}
	}
	for _, in := range p.doc.Integrations {
		if err := p.planIntegration("", in); err != nil {
			return err
		}
	}
	return nil
}

// planIntegration plans one integration; service is "" for a global one. Only
// database failures are returned; problems with the file are collected.
func (p *planner) planIntegration(service string, in Integration) error {
	ref := integrationRef(service, in.Name)
	what := "integration " + ref
	if service == "" {
		what = "global integration " + in.Name
	}
	want := tocsin.Integration{Name: in.Name, Type: in.Type}
	var key, secret string
	ok := true
	if in.KeyFromEnv != "" {
		if key, ok = p.fromEnv(in.src, what, "key_from_env", in.KeyFromEnv); ok {
			if len(key) < 16 || len(key) > 256 {
				p.fail(in.src, "%s: $%s must hold 16 to 256 characters, it has %d", what, in.KeyFromEnv, len(key))
				ok = false
			} else if other, dup := p.envKeys[key]; dup {
				p.fail(in.src, "%s: $%s holds the same key as integration %s; each integration needs its own", what, in.KeyFromEnv, other)
				ok = false
			} else {
				p.envKeys[key] = ref
			}
		}
	}
	if in.HMACSecretFromEnv != "" {
		var found bool
		if secret, found = p.fromEnv(in.src, what, "hmac_secret_from_env", in.HMACSecretFromEnv); !found {
			ok = false
		}
		want.HMACSecret = secret
	}
	if err := want.Validate(); err != nil {
		p.fail(in.src, "%s: %s", what, tocsin.ErrorMessage(err))
		return nil
	}
	if !ok {
		return nil
	}
	cur := p.cur.integByRef[ref]
	if key != "" {
		// The key must not already open another integration.
		owner, err := p.db.IntegrationByKey(p.ctx, key)
		switch {
		case tocsin.ErrorCode(err) == tocsin.EUNAUTHORIZED:
		case err != nil:
			return fmt.Errorf("check key of %s: %w", ref, err)
		case cur == nil || owner.ID != cur.ID:
			p.fail(in.src, "%s: the key in $%s is already the key of integration %s", what, in.KeyFromEnv, integrationRef(owner.ServiceName, owner.Name))
			return nil
		default:
			key = "" // the same key: nothing to rotate
		}
	}
	if cur == nil {
		detail := string(want.Type) + ", key generated and shown once"
		if in.KeyFromEnv != "" {
			detail = string(want.Type) + ", key from $" + in.KeyFromEnv
		}
		p.change(Change{Op: Create, What: what, Detail: detail,
			run: func(ctx context.Context, x *executor) error {
				i := want
				if service != "" {
					i.ServiceID = x.ids.services[service]
				}
				k, err := x.db.CreateIntegration(ctx, &i, key, x.now)
				if err != nil {
					return err
				}
				x.ids.integrations[ref] = i.ID
				if key == "" {
					x.keys = append(x.keys, Key{Service: service, Integration: i.Name, Key: k})
				}
				return nil
			}})
		return nil
	}
	if cur.Type != want.Type {
		p.fail(in.src, "%s is %s in the database and its type cannot change (senders are configured for it); give the new one another name", what, cur.Type)
		return nil
	}
	var diffs []string
	// Left out of the file, the HMAC secret stays as it is: export never writes it.
	if in.HMACSecretFromEnv != "" && secret != cur.HMACSecret {
		diffs = append(diffs, "HMAC secret from $"+in.HMACSecretFromEnv)
	} else {
		want.HMACSecret = cur.HMACSecret
	}
	if key != "" {
		diffs = append(diffs, "key rotated to the one in $"+in.KeyFromEnv)
	}
	if len(diffs) == 0 {
		return nil
	}
	id := cur.ID
	want.ID = id
	p.change(Change{Op: Update, What: what, Detail: list(diffs),
		run: func(ctx context.Context, x *executor) error {
			if want.HMACSecret != cur.HMACSecret {
				i := want
				if err := x.db.UpdateIntegration(ctx, &i); err != nil {
					return err
				}
			}
			if key != "" {
				if _, err := x.db.RotateIntegrationKey(ctx, id, key, x.now); err != nil {
					return err
				}
			}
			return nil
		}})
	return nil
}

func (p *planner) pruneIntegrations() {
	for _, i := range p.cur.integrations {
		ref := integrationRef(i.ServiceName, i.Name)
		if p.integrations[ref] != nil {
			continue
		}
		what := "integration " + ref
		if i.Global() {
			if !p.pruning("integrations") {
				continue
			}
			what = "global integration " + i.Name
		} else if !p.pruning("services") {
			continue
		}
		id := i.ID
		p.deletes = append(p.deletes, Change{Op: Delete, What: what, Detail: "its rules are deleted with it; its open alerts are resolved",
			run: func(ctx context.Context, x *executor) error { return x.db.DeleteIntegration(ctx, id, x.now) }})
	}
}
