package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// userJSON is a user as the API shows it (never a password or its hash).
type userJSON struct {
	ID       int64       `json:"id"`
	Email    string      `json:"email"`
	Name     string      `json:"name"`
	Role     tocsin.Role `json:"role"`
	Timezone string      `json:"timezone"`
	Locale   string      `json:"locale"`
	Phone    string      `json:"phone"`
	// WorkingHours is never null: the default is shown when the user set none.
	WorkingHours tocsin.TimeWindow `json:"working_hours"`
	CreatedAt    time.Time         `json:"created_at"`
}

// createdUserJSON is the reply of POST /users: the generated password is shown this once.
type createdUserJSON struct {
	userJSON
	Password string `json:"password,omitempty"`
}

func userToJSON(u *tocsin.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Timezone: u.Timezone, Locale: u.Locale, Phone: u.Phone, WorkingHours: withDays(u.Hours()), CreatedAt: u.CreatedAt.UTC()}
}

// userInput is the body of POST /users and PATCH /users/{id}.
type userInput struct {
	Email    string      `json:"email"`
	Name     string      `json:"name"`
	Role     tocsin.Role `json:"role"`
	Timezone string      `json:"timezone"`
	Locale   string      `json:"locale"`
	Phone    string      `json:"phone"`
	// WorkingHours: null goes back to the default.
	WorkingHours *tocsin.TimeWindow `json:"working_hours"`
	Password     string             `json:"password"`
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	writeJSON(w, http.StatusOK, userToJSON(u))
	return nil
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r); err != nil {
		return err
	}
	users, err := h.opts.DB.Users(r.Context())
	if err != nil {
		return err
	}
	out := make([]userJSON, len(users))
	for i, x := range users {
		out[i] = userToJSON(x)
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
	return nil
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	x, err := h.opts.DB.User(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userToJSON(x))
	return nil
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in userInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	x := &tocsin.User{Email: in.Email, Name: in.Name, Role: tocsin.Role(strings.ToLower(strings.TrimSpace(string(in.Role)))), Timezone: strings.TrimSpace(in.Timezone), Locale: strings.TrimSpace(in.Locale),
		Phone: in.Phone, WorkingHours: in.WorkingHours}
	password, generated := in.Password, ""
	if password == "" {
		password = store.NewPassword()
		generated = password
	}
	if err := h.opts.DB.CreateUser(r.Context(), x, password, h.opts.Clock.Now()); err != nil {
		return err
	}
	w.Header().Set("Location", prefix+"/users/"+itoa(x.ID))
	writeJSON(w, http.StatusCreated, createdUserJSON{userJSON: userToJSON(x), Password: generated})
	return nil
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	ctx := r.Context()
	x, err := h.opts.DB.User(ctx, id)
	if err != nil {
		return err
	}
	var in userInput
	sent, err := decodePatch(r, &in)
	if err != nil {
		return err
	}
	if sent["email"] && !strings.EqualFold(strings.TrimSpace(in.Email), x.Email) {
		return tocsin.Errorf(tocsin.EINVALID, "a user's e-mail address cannot be changed; create a new user")
	}
	if sent["name"] {
		x.Name = in.Name
	}
	if sent["role"] {
		x.Role = tocsin.Role(strings.ToLower(strings.TrimSpace(string(in.Role))))
		if x.Role == "" {
			return tocsin.Errorf(tocsin.EINVALID, "field \"role\" must be one of admin, member, viewer")
		}
	}
	if sent["timezone"] {
		x.Timezone = strings.TrimSpace(in.Timezone)
	}
	if sent["locale"] {
		x.Locale = strings.TrimSpace(in.Locale)
	}
	if sent["phone"] {
		x.Phone = in.Phone
	}
	if sent["working_hours"] {
		x.WorkingHours = in.WorkingHours
	}
	if sent["password"] && in.Password == "" {
		return tocsin.Errorf(tocsin.EINVALID, "field \"password\" must not be empty")
	}
	if err := h.opts.DB.UpdateUser(ctx, x, in.Password); err != nil {
		return err
	}
	updated, err := h.opts.DB.User(ctx, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userToJSON(updated))
	return nil
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := h.opts.DB.DeleteUser(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// withDays returns w with its days never null, for JSON.
func withDays(w tocsin.TimeWindow) tocsin.TimeWindow {
	if w.Days == nil {
		w.Days = []string{}
	}
	return w
}
