package store

import (
	"context"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

// CreateTeam stores a new team with its members (t.Members, by UserID).
func (db *DB) CreateTeam(ctx context.Context, t *tocsin.Team, now time.Time) error {
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
		if err := tx.addTeamMembers(ctx, id, t.Members); err != nil {
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
		return tx.addTeamMembers(ctx, id, members)
	})
}

// DeleteTeam removes a team; its services stay, without an owner.
func (db *DB) DeleteTeam(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM teams WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete team: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "team %d not found", id)
		}
		return nil
	})
}

// Team returns a team with its members.
func (db *DB) Team(ctx context.Context, id int64) (*tocsin.Team, error) {
	var t tocsin.Team
	var created int64
	err := db.read.QueryRowContext(ctx, `SELECT id, name, created_at FROM teams WHERE id = $1`, id).Scan(&t.ID, &t.Name, &created)
	if err != nil {
		return nil, notFound(err, "team %d not found", id)
	}
	t.CreatedAt = fromMS(created)
	members, err := db.teamMembers(ctx, id)
	t.Members = members
	return &t, err
}

// TeamByName returns a team by name, with its members.
func (db *DB) TeamByName(ctx context.Context, name string) (*tocsin.Team, error) {
	var id int64
	if err := db.read.QueryRowContext(ctx, `SELECT id FROM teams WHERE name = $1`, name).Scan(&id); err != nil {
		return nil, notFound(err, "team %q not found", name)
	}
	return db.Team(ctx, id)
}

// Teams lists every team by name, with members.
func (db *DB) Teams(ctx context.Context) ([]*tocsin.Team, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, created_at FROM teams ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	var teams []*tocsin.Team
	for rows.Next() {
		var t tocsin.Team
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &created); err != nil {
			rows.Close()
			return nil, err
		}
		t.CreatedAt = fromMS(created)
		teams = append(teams, &t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, t := range teams {
		if t.Members, err = db.teamMembers(ctx, t.ID); err != nil {
			return nil, err
		}
	}
	return teams, nil
}

func (db *DB) teamMembers(ctx context.Context, teamID int64) ([]tocsin.TeamMember, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT u.id, u.email, u.name, m.role FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY u.name`, teamID)
	if err != nil {
		return nil, fmt.Errorf("team members: %w", err)
	}
	defer rows.Close()
	var members []tocsin.TeamMember
	for rows.Next() {
		var m tocsin.TeamMember
		if err := rows.Scan(&m.UserID, &m.Email, &m.Name, &m.Role); err != nil {
			return nil, err
		}
		members = append(members, m)
	}
	return members, rows.Err()
}

// SetTeamMembers replaces a team's members (user ids with their role in the team).
func (db *DB) SetTeamMembers(ctx context.Context, teamID int64, members []tocsin.TeamMember) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM team_members WHERE team_id = $1`, teamID); err != nil {
			return err
		}
		return tx.addTeamMembers(ctx, teamID, members)
	})
}

func (tx *Tx) addTeamMembers(ctx context.Context, teamID int64, members []tocsin.TeamMember) error {
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
