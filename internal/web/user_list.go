package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// userForm is the "add a user" form's input, kept when refused.
type userForm struct {
	Email, Name, Role, Timezone, Locale string
	Error                               string
}

// userListPage lists users for admins, with the forms that add and change them.
type userListPage struct {
	*view
	Users    []*tocsin.User
	Roles    []tocsin.Role
	Form     userForm
	Password *secretBox // a generated password, shown once after creating
}

// userList serves GET /users.
func (h *Handler) userList(w http.ResponseWriter, r *http.Request, v *view) {
	h.renderUserList(w, r, v, http.StatusOK, userForm{Role: string(tocsin.RoleMember), Timezone: v.User.Timezone}, nil)
}

func (h *Handler) renderUserList(w http.ResponseWriter, r *http.Request, v *view, status int, form userForm, password *secretBox) {
	users, err := h.opts.DB.Users(r.Context())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, status, "user_list", &userListPage{view: v, Users: users, Roles: []tocsin.Role{tocsin.RoleAdmin, tocsin.RoleMember, tocsin.RoleViewer}, Form: form, Password: password})
}

// commonTimezones are offered in time-zone fields; any IANA name is accepted.
func (v *view) CommonTimezones() []string {
	return []string{"UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Warsaw", "Europe/Helsinki",
		"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "America/Toronto",
		"Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Asia/Shanghai", "Australia/Sydney", "Pacific/Auckland", "Africa/Johannesburg"}
}
