package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// readPolicyForm reads the posted form as typed; it fails only on a form no
// page of ours would send (too many blocks, fields too long).
func readPolicyForm(r *http.Request) (policyForm, error) {
	f := policyForm{Name: formValue(r, "name"), Description: strings.TrimSpace(r.PostFormValue("description")), TeamID: formValue(r, "team"),
		Repeat: formValue(r, "repeat"), RepeatDelay: formValue(r, "repeat_delay"), Version: formValue(r, "version")}
	for _, s := range []string{f.Name, f.TeamID, f.Repeat, f.RepeatDelay, f.Version} {
		if len(s) > maxPolicyField {
			return f, tocsin.Errorf(tocsin.EINVALID, "a field of the escalation policy is too long")
		}
	}
	if len(f.Description) > maxPolicyComment {
		return f, tocsin.Errorf(tocsin.EINVALID, "the description is longer than %d characters", maxPolicyComment)
	}
	// One more block than a policy may hold: the form shows the refusal with the input.
	n, err := formCount(r, "steps", maxPolicySteps+1)
	if err != nil {
		return f, err
	}
	for i := range n {
		s := stepForm{Index: i, Delay: formValue(r, stepForm{Index: i}.F("delay"))}
		rows, err := formCount(r, s.F("targets"), maxStepTargets+1)
		if err != nil {
			return f, err
		}
		for j := range rows {
			t := targetForm{Step: i, Index: j}
			t.Kind, t.Value = strings.ToLower(formValue(r, t.F("kind"))), formValue(r, t.F("value"))
			if len(t.Kind) > maxPolicyField || len(t.Value) > maxPolicyField || len(s.Delay) > maxPolicyField {
				return f, tocsin.Errorf(tocsin.EINVALID, "step %d: a field is too long", i+1)
			}
			s.Targets = append(s.Targets, t)
		}
		f.Steps = append(f.Steps, s)
	}
	return f, nil
}

// wholeMinutes reads a number of minutes ("" is 0).
func wholeMinutes(s, what string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 24*60 {
		return 0, tocsin.Errorf(tocsin.EINVALID, "%s %q must be a number of minutes from 0 to 1440", what, s)
	}
	return time.Duration(n) * time.Minute, nil
}

// toPolicy turns the form into a policy for the store, which validates the
// rest (and that every user, schedule and team named exists) as it does for
// the API. Target rows left blank are skipped.
func (f *policyForm) toPolicy() (*tocsin.EscalationPolicy, error) {
	p := &tocsin.EscalationPolicy{ID: f.ID, Name: f.Name, Description: f.Description}
	var err error
	if p.TeamID, err = optionalID(f.TeamID, "team"); err != nil {
		return nil, err
	}
	if f.Repeat != "" {
		if p.Repeat, err = strconv.Atoi(f.Repeat); err != nil {
			return nil, tocsin.Errorf(tocsin.EINVALID, "repeat %q must be a number from 0 to 9", f.Repeat)
		}
	}
	if p.RepeatDelay, err = wholeMinutes(f.RepeatDelay, "repeat delay"); err != nil {
		return nil, err
	}
	for i, s := range f.Steps {
		step := tocsin.EscalationStep{}
		if step.Delay, err = wholeMinutes(s.Delay, "step "+strconv.Itoa(i+1)+": delay"); err != nil {
			return nil, err
		}
		for _, t := range s.Targets {
			if t.blank() {
				continue
			}
			step.Targets = append(step.Targets, tocsin.Target{Kind: tocsin.TargetKind(t.Kind), Ref: t.Value})
		}
		p.Steps = append(p.Steps, step)
	}
	return p, nil
}

// apply carries out a button that changes the form's shape ("add-step",
// "remove-step:1", "up:1", "down:1", "add-target:1", "remove-target:1.2") and
// reports whether op was one; anything out of range leaves the form as it is.
func (f *policyForm) apply(op string) bool {
	name, arg, _ := strings.Cut(op, ":")
	step, target := -1, -1
	if a, b, ok := strings.Cut(arg, "."); ok {
		step, _ = strconv.Atoi(a)
		if n, err := strconv.Atoi(b); err == nil {
			target = n
		}
	} else if n, err := strconv.Atoi(arg); err == nil {
		step = n
	}
	inRange := step >= 0 && step < len(f.Steps)
	switch name {
	case "add-step":
		if len(f.Steps) < maxPolicySteps {
			f.Steps = append(f.Steps, newStep(len(f.Steps) == 0))
		}
	case "remove-step":
		if inRange {
			f.Steps = slices.Delete(f.Steps, step, step+1)
		}
	case "up", "down":
		other := step - 1
		if name == "down" {
			other = step + 1
		}
		if inRange && other >= 0 && other < len(f.Steps) {
			f.Steps[step], f.Steps[other] = f.Steps[other], f.Steps[step]
		}
	case "add-target":
		if inRange && len(f.Steps[step].Targets) < maxStepTargets {
			kind := string(tocsin.TargetUser)
			f.Steps[step].Targets = append(f.Steps[step].Targets, targetForm{Kind: kind})
		}
	case "remove-target":
		if inRange && target >= 0 && target < len(f.Steps[step].Targets) {
			f.Steps[step].Targets = slices.Delete(f.Steps[step].Targets, target, target+1)
		}
	default:
		return false
	}
	return true
}

// policySave serves POST /policies (create) and POST /policies/{id}/edit. The
// buttons that add, remove or move steps and targets show the form again,
// unsaved; a policy the store refuses comes back with the input kept.
func (h *Handler) policySave(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	var existing *tocsin.EscalationPolicy
	if r.PathValue("id") != "" {
		if existing = h.pathPolicy(w, r, v); existing == nil {
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	f, err := readPolicyForm(r)
	if existing != nil {
		f.ID = existing.ID
	}
	if op := formValue(r, "op"); err == nil && op != "" && op != "save" {
		if !f.apply(op) {
			h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
			return
		}
		h.renderPolicyForm(w, r, v, http.StatusOK, f)
		return
	}
	if err == nil && existing != nil && f.Version != policyVersion(existing) {
		err = tocsin.Errorf(tocsin.ECONFLICT, "someone changed this escalation policy (at %s) since you opened this form: open it again to see their change, then redo yours", v.Time(existing.UpdatedAt))
	}
	var p *tocsin.EscalationPolicy
	if err == nil {
		p, err = f.toPolicy()
	}
	if err == nil {
		if existing == nil {
			err = h.opts.DB.CreateEscalationPolicy(ctx, p, h.opts.Clock.Now())
		} else {
			err = h.opts.DB.UpdateEscalationPolicy(ctx, p, h.opts.Clock.Now())
		}
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		f.Error = tocsin.ErrorMessage(err)
		h.renderPolicyForm(w, r, v, statusOf(err), f)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("policy.saved", "Name", p.Name))
	redirect(w, r, "/policies#policy-"+strconv.FormatInt(p.ID, 10))
}
