package plan_test

import (
	"slices"
	"testing"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

const singleEncapHCL = `
service "web" {
  nodes      = ["n1", "n2"]
  encapnodes = ["vm1"]
  on "@encapnodes" {
    nodes = ["vm1"]
  }
  container "vm1" {
    type     = "docker"
    hostname = "vm1"
    image    = "omhcl-busybox:local"
    netns    = "host"
    command  = ["sleep", "1000"]
    monitor  = true
    restart  = 1
  }
  ip "web" {
    ipname = "198.18.10.100/24"
    ipdev  = "eth0"
    tags   = ["encap"]
  }
}
`

func allSteps(p *plan.Plan) []string {
	var out []string
	for _, s := range p.Steps {
		if s.EncapNode != "" {
			out = append(out, string(s.Action)+" "+s.Address+" to "+string(s.Target))
		} else {
			out = append(out, string(s.Action)+" "+s.RID)
		}
	}
	return out
}

// The daemon's monitor restarts a dead container alone (--rid, every
// level): the container starts anew, and its level inside with it, whole,
// as the service's target wants it; stopped alone, the container's level
// is stopped first. A subset naming none of the level's resources and no
// change of the container leaves the level alone.
func TestContainerNamedAloneBringsItsLevelInside(t *testing.T) {
	cfg := farmedConfigOf(t, singleEncapHCL)
	levels := plan.Levels{Master: true, AllSlaves: true}
	only := []string{"container#vm1"}

	// died: down, with its applied settings recorded
	dead := farmedLive(t, cfg, "n1", true, providers.Up, false)
	dead.Services[0].Resource("container#vm1").Status = providers.Down
	dead.Services[0].Resource("container#vm1").Inside = nil
	p := makePlan(t, cfg, dead, plan.Options{Target: plan.TargetUp, RIDs: only, Levels: levels})
	if got, want := allSteps(p), []string{"start container#vm1", "start web[vm1] to up"}; !slices.Equal(got, want) {
		t.Errorf("restart of the container alone: steps %q, want %q", got, want)
	}

	running := farmedLive(t, cfg, "n1", true, providers.Up, false)
	p = makePlan(t, cfg, running, plan.Options{Target: plan.TargetDown, RIDs: only, Levels: levels})
	if got, want := allSteps(p), []string{"stop web[vm1] to down", "stop container#vm1"}; !slices.Equal(got, want) {
		t.Errorf("stop of the container alone: steps %q, want %q", got, want)
	}

	p = makePlan(t, cfg, running, plan.Options{Target: plan.TargetUp, RIDs: only, Levels: levels})
	if !p.Empty() {
		t.Errorf("the running container named alone, target up: steps %q, want none", allSteps(p))
	}
	// --master: the node's resources only, whatever happens to the container
	p = makePlan(t, cfg, dead, plan.Options{Target: plan.TargetUp, RIDs: only, Levels: plan.Levels{Master: true}})
	if got, want := allSteps(p), []string{"start container#vm1"}; !slices.Equal(got, want) {
		t.Errorf("--master: steps %q, want %q", got, want)
	}
}
