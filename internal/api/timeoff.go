package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// timeOffJSON is a time-off entry as the API shows it.
type timeOffJSON struct {
	ID     int64     `json:"id"`
	UserID int64     `json:"user_id"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Note   string    `json:"note"`
}

func timeOffToJSON(t tocsin.TimeOff) timeOffJSON {
	return timeOffJSON{ID: t.ID, UserID: t.UserID, Start: t.Start.UTC(), End: t.End.UTC(), Note: t.Note}
}

// timeOffInput is the body of POST /users/{id}/time-off.
type timeOffInput struct {
	Start stamp  `json:"start"`
	End   stamp  `json:"end"`
	Note  string `json:"note"`
}

// timeOffUser reads the user of a time-off path ("me" or an id): members reach
// their own, admins anyone's.
func (h *Handler) timeOffUser(r *http.Request, u *tocsin.User) (int64, error) {
	raw := strings.TrimSpace(r.PathValue("id"))
	if raw == "me" {
		return u.ID, nil
	}
	id, ok := isID(raw)
	if !ok {
		return 0, tocsin.Errorf(tocsin.EINVALID, "user id %q is not a positive integer or \"me\"", raw)
	}
	if id != u.ID && !u.Role.CanConfigure() {
		return 0, tocsin.Errorf(tocsin.EFORBIDDEN, "only admins may manage another user's time off; use \"me\" for your own")
	}
	if _, err := h.opts.DB.User(r.Context(), id); err != nil {
		return 0, err
	}
	return id, nil
}

func (h *Handler) listTimeOff(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r); err != nil {
		return err
	}
	id, err := h.timeOffUser(r, u)
	if err != nil {
		return err
	}
	list, err := h.opts.DB.TimeOff(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]timeOffJSON, len(list))
	for i, t := range list {
		out[i] = timeOffToJSON(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"user_id": id, "time_off": out})
	return nil
}

func (h *Handler) createTimeOff(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := h.timeOffUser(r, u)
	if err != nil {
		return err
	}
	var in timeOffInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	t := tocsin.TimeOff{UserID: id, Start: in.Start.Time, End: in.End.Time, Note: in.Note}
	if err := h.opts.DB.AddTimeOff(r.Context(), &t, h.opts.Clock.Now()); err != nil {
		return err
	}
	w.Header().Set("Location", prefix+"/users/"+itoa(id)+"/time-off/"+itoa(t.ID))
	writeJSON(w, http.StatusCreated, timeOffToJSON(t))
	return nil
}

func (h *Handler) deleteTimeOff(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := h.timeOffUser(r, u)
	if err != nil {
		return err
	}
	raw := r.PathValue("tid")
	tid, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || tid <= 0 {
		return tocsin.Errorf(tocsin.EINVALID, "time-off id %q is not a positive integer", raw)
	}
	if err := h.opts.DB.DeleteTimeOff(r.Context(), id, tid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
