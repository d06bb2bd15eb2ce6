package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/omhcl/omhcl/lang"
)

// SavedKind marks a saved plan file.
const SavedKind = "omhcl-saved-plan"

// Saved is what -out writes: the plan, the request that made it and the
// configuration it was made from, so omapply applies exactly what was
// reviewed.
type Saved struct {
	Kind     string            `json:"kind"`
	Plan     *Plan             `json:"plan"`
	Services []string          `json:"services,omitempty"`
	Options  Options           `json:"options"`
	Sources  map[string]string `json:"configuration"`
}

// Save writes a saved plan file.
func Save(path string, p *Plan, req Request, sources map[string][]byte) error {
	s := Saved{Kind: SavedKind, Plan: p, Services: req.Services, Options: req.Options, Sources: map[string]string{}}
	for k, v := range sources {
		s.Sources[k] = string(v)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// IsSaved reports whether path is a saved plan file.
func IsSaved(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head struct {
		Kind string `json:"kind"`
	}
	return json.NewDecoder(f).Decode(&head) == nil && head.Kind == SavedKind
}

// LoadSaved reads a saved plan file and reloads its configuration.
func LoadSaved(path string) (*Saved, *lang.Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var s Saved
	if err := json.Unmarshal(b, &s); err != nil || s.Kind != SavedKind || s.Plan == nil {
		return nil, nil, fmt.Errorf("%s is not a saved omhcl plan", path)
	}
	if s.Plan.FormatVersion != FormatVersion {
		return nil, nil, fmt.Errorf("%s: plan format %s, this omapply reads %s", path, s.Plan.FormatVersion, FormatVersion)
	}
	files := map[string][]byte{}
	for k, v := range s.Sources {
		files[k] = []byte(v)
	}
	cfg, diags := lang.LoadFiles(files)
	if diags.HasErrors() {
		return nil, nil, fmt.Errorf("%s: its configuration no longer loads: %s", path, diags.Error())
	}
	return &s, cfg, nil
}

// Verify re-observes the node and refuses the saved plan when the live
// state changed since it was made: it was reviewed as it is, so it is
// never made again (a *StaleError, which errors.Is ErrStale).
func (s *Saved) Verify(ctx context.Context, cfg *lang.Config, src Source) error {
	req := Request{Config: cfg, Source: src, Services: s.Services, Options: s.Options}
	lives, err := req.observeLives(ctx)
	if err != nil {
		return err
	}
	if got := Fingerprint(lives); got != s.Plan.Fingerprint {
		return fmt.Errorf("%w; run omplan again", &StaleError{Node: s.Options.Node, Was: s.Plan.Fingerprint, Now: got})
	}
	return nil
}
