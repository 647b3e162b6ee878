package twilio

import (
	"context"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
	"github.com/tocsin/tocsin/internal/store"
)

// reach is who the on-call number tries at an instant, in order.
type reach struct {
	nobody bool     // nobody is on call (the final row is empty)
	phones []string // the person on call, then the other layers' people, highest layer first; distinct, with a phone
}

// whoToReach answers for schedule s at t: the person on call, then the people
// each layer has at t (the next ones to try), skipping anyone without a phone.
func whoToReach(ctx context.Context, db *store.DB, s *tocsin.Schedule, t time.Time) (reach, error) {
	c, err := oncall.Compile(s, nil)
	if err != nil {
		return reach{}, err
	}
	now := c.At(t)
	ids := []int64{now.Final.UserID}
	for i := len(now.Layers) - 1; i >= 0; i-- {
		ids = append(ids, now.Layers[i].UserID)
	}
	out := reach{nobody: now.Final.UserID == 0}
	seen := map[int64]bool{0: true}
	seenPhone := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		u, err := db.User(ctx, id)
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			continue
		}
		if err != nil {
			return reach{}, err
		}
		if u.Phone != "" && !seenPhone[u.Phone] {
			seenPhone[u.Phone] = true
			out.phones = append(out.phones, u.Phone)
		}
	}
	return out, nil
}
