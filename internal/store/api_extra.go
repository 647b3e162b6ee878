package store

import (
	"context"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

// The writes below exist for the REST API, where one request changes several
// rows: each is one transaction, so a request never leaves half a record.

// CreateTeamWithMembers stores a new team and its members together.
func (db *DB) CreateTeamWithMembers(ctx context.Context, t *tocsin.Team, members []tocsin.TeamMember, now time.Time) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		id, err := tx.insertID(ctx, `INSERT INTO teams (name, created_at) VALUES ($1, $2)`, t.Name, ms(now))
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "team %q exists already", t.Name)
		}
		if err != nil {
			return fmt.Errorf("create team: %w", err)
		}
		if err := tx.replaceTeamMembers(ctx, id, members); err != nil {
			return err
		}
		t.ID, t.CreatedAt = id, now.UTC().Truncate(time.Millisecond)
		return nil
	})
}

// UpdateTeam renames a team and, when setMembers is true, replaces its members.
func (db *DB) UpdateTeam(ctx context.Context, id int64, name string, members []tocsin.TeamMember, setMembers bool) error {
	if err := tocsin.ValidateName("team", name); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE teams SET name = $1 WHERE id = $2`, name, id)
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "team %q exists already", name)
		}
		if err != nil {
			return fmt.Errorf("rename team: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "team %d not found", id)
		}
		if !setMembers {
			return nil
		}
		if _, err := tx.exec(ctx, `DELETE FROM team_members WHERE team_id = $1`, id); err != nil {
			return fmt.Errorf("clear team members: %w", err)
		}
		return tx.replaceTeamMembers(ctx, id, members)
	})
}

func (tx *Tx) replaceTeamMembers(ctx context.Context, teamID int64, members []tocsin.TeamMember) error {
	for _, m := range members {
		role := m.Role
		if role == "" {
			role = "member"
		}
		if role != "member" && role != "manager" {
			return tocsin.Errorf(tocsin.EINVALID, "team role %q is not one of member, manager", role)
		}
		if _, err := tx.exec(ctx, `INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, teamID, m.UserID, role); err != nil {
			return fmt.Errorf("add team member: %w", err)
		}
	}
	return nil
}

// UpdateUserWithPassword changes a user's name, role, time zone and locale and,
// when password is not empty, their password. Demoting the last admin is refused.
func (db *DB) UpdateUserWithPassword(ctx context.Context, u *tocsin.User, password string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if password != "" {
		if err := tocsin.ValidatePassword(password); err != nil {
			return err
		}
	}
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE users SET name = $1, role = $2, timezone = $3, locale = $4 WHERE id = $5`, u.Name, u.Role, u.Timezone, u.Locale, u.ID)
		if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "user %d not found", u.ID)
		}
		if password != "" {
			if _, err := tx.exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hashPassword(password), u.ID); err != nil {
				return fmt.Errorf("set password: %w", err)
			}
		}
		return tx.keepAnAdmin(ctx)
	})
}

// DeleteUserKeepingAdmin removes a user, unless they are the last admin.
func (db *DB) DeleteUserKeepingAdmin(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM users WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "user %d not found", id)
		}
		return tx.keepAnAdmin(ctx)
	})
}

// keepAnAdmin fails the transaction when it would leave no admin to configure Tocsin.
func (tx *Tx) keepAnAdmin(ctx context.Context) error {
	var admins int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin'`).Scan(&admins); err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if admins == 0 {
		return tocsin.Errorf(tocsin.ECONFLICT, "this would leave no admin; make another user admin first")
	}
	return nil
}
