package opensvc

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/omhcl/omhcl/internal/cmdline"
	"github.com/omhcl/omhcl/internal/names"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// Note is something of the INI file left as a comment in the HCL (or an
// assumption made), with the reason.
type Note struct {
	Line   int    // in the INI file
	What   string // the key, or [SECTION]
	Reason string
}

func (n Note) String() string { return fmt.Sprintf("line %d: %s: %s", n.Line, n.What, n.Reason) }

// Result is a converted configuration.
type Result struct {
	Service string
	HCL     []byte // formatted as omplan fmt formats
	Notes   []Note
}

// Options tune a conversion.
type Options struct {
	// Name is the service's name; default the file's name without .conf,
	// as OpenSVC names a service after its file.
	Name string
}

// Convert converts the OpenSVC INI configuration src, read from file.
// It never fails: what it cannot convert is in the HCL as comments, with
// the reason, and in Notes.
func Convert(file string, src []byte, opts Options) *Result {
	name := opts.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	c := &conv{file: filepath.Base(file)}
	if !names.Valid(name) {
		c.note(1, "service name", fmt.Sprintf("%q is not a valid omhcl service name (%s): named svc1 instead; rename it", name, names.Pattern))
		name = "svc1"
	}
	p := parseINI(strings.ToValidUTF8(string(src), "\uFFFD"))
	c.rids = map[string]string{}
	for _, s := range p.sections {
		if kind, rname, ok := strings.Cut(s.name, "#"); ok && providers.IsKind(kind) {
			c.rids[s.name] = rname
		}
		if s.name == "DEFAULT" {
			for _, e := range s.entries {
				if e.key == "drpnodes" && strings.TrimSpace(e.value) != "" {
					c.drp = true
				}
			}
		}
	}
	c.printf("# Converted from %s by om import: OpenSVC's [DEFAULT] is the service block,\n", clean(c.file))
	c.printf("# each [KIND#NAME] section a KIND \"NAME\" block, KEY@SCOPE an on block.\n")
	c.printf("service %q {\n", name)
	for _, b := range p.bad {
		c.noteLine(b.line, "line", "not a section header, a KEY = VALUE or a comment", b.comment)
	}
	for _, s := range p.sections {
		if s.name == "DEFAULT" {
			c.settings(s)
		}
	}
	for _, s := range p.sections {
		if s.name != "DEFAULT" {
			c.resource(s)
		}
	}
	c.printf("}\n")
	return &Result{Service: name, HCL: hclwrite.Format([]byte(c.out.String())), Notes: c.notes}
}

type conv struct {
	file  string
	out   strings.Builder
	notes []Note
	drp   bool              // the service has drpnodes
	rids  map[string]string // the sections' rids -> resource names
}

func (c *conv) printf(format string, args ...any) { fmt.Fprintf(&c.out, format, args...) }

func (c *conv) note(line int, what, reason string) {
	c.notes = append(c.notes, Note{Line: line, What: what, Reason: reason})
}

// noteLine keeps an INI line as a comment, the reason above it.
func (c *conv) noteLine(line int, what, reason, text string) {
	c.note(line, what, reason)
	c.printf("# om import: %s\n", clean(reason))
	for _, l := range strings.Split(text, "\n") {
		c.printf("# %s\n", clean(l))
	}
}

func (c *conv) noteEntry(e entry, reason string) {
	what := e.key
	if e.scope != "" {
		what += "@" + e.scope
	}
	c.noteLine(e.line, what, reason, what+" = "+e.value)
}

// clean makes s one comment line: no newline nor control character.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// settingRenames are the v1 names of settings.
var settingRenames = map[string]string{"flex_min_nodes": "flex_min", "flex_max_nodes": "flex_max", "svc_env": "", "svcname": ""}

// settingReasons say why some DEFAULT keys have no equivalent.
var settingReasons = map[string]string{
	"docker_data_dir":    "the docker engine's data root is the engine's configuration (dockerd --data-root), not the service's: container.docker talks to the engine on its socket",
	"hard_affinity":      "omhcl places a service on its nodes only: no affinity between services",
	"hard_anti_affinity": "omhcl places a service on its nodes only: no affinity between services",
	"soft_affinity":      "omhcl places a service on its nodes only: no affinity between services",
	"soft_anti_affinity": "omhcl places a service on its nodes only: no affinity between services",
	"parents":            "omhcl has no dependencies between services",
	"children":           "omhcl has no dependencies between services",
	"env":                "omhcl services have no environment class: the node's configuration says what it runs",
	"flex_primary":       "omhcl's daemons choose the flex instances by placement",
	"drp_flex_primary":   "omhcl's daemons choose the flex instances by placement",
	"cluster":            "a service belongs to the cluster of the nodes it lists",
	"lock_timeout":       "omapply takes --lock-timeout instead",
	"comment":            "kept as a comment",
}

// settingNames are the service attributes, for the notes.
var settingNames = "nodes, drpnodes, encapnodes, id, app, orchestrate, topology, flex_min, flex_max, placement, monitor_action"

func (c *conv) settings(s *section) {
	ons := newOns()
	seen := map[string]bool{}
	for _, e := range s.entries {
		if e.comment != "" || e.key == "" {
			c.printf("  # %s\n", clean(e.comment))
			continue
		}
		key := e.key
		if r, ok := settingRenames[key]; ok && r != "" {
			key = r
		}
		if seen[key+"@"+e.scope] {
			c.noteEntry(e, "repeated: the first one is kept")
			continue
		}
		seen[key+"@"+e.scope] = true
		typ, ok := lang.SettingType(key)
		if !ok {
			reason := settingReasons[e.key]
			if reason == "" {
				reason = fmt.Sprintf("the service block takes no %s: its attributes are %s", e.key, settingNames)
			}
			c.noteEntry(e, reason)
			continue
		}
		expr, problem := c.value(e, "", key, typ)
		if problem != "" {
			c.noteEntry(e, problem)
			if expr == "" {
				continue
			}
		}
		if e.scope == "" {
			c.printf("  %s = %s\n", key, expr)
			continue
		}
		if label, why := scopeLabel(e.scope); why != "" {
			c.noteEntry(e, why)
		} else {
			ons.add(label, fmt.Sprintf("%s = %s", key, expr))
		}
	}
	ons.write(c, "  ")
}

// ons gathers the scoped keys of a section into on blocks, in the order
// their scopes first appear.
type ons struct {
	labels []string
	lines  map[string][]string
}

func newOns() *ons { return &ons{lines: map[string][]string{}} }

func (o *ons) add(label, line string) {
	if _, ok := o.lines[label]; !ok {
		o.labels = append(o.labels, label)
	}
	o.lines[label] = append(o.lines[label], line)
}

func (o *ons) write(c *conv, indent string) {
	for _, l := range o.labels {
		c.printf("%son %q {\n", indent, l)
		for _, line := range o.lines[l] {
			c.printf("%s  %s\n", indent, line)
		}
		c.printf("%s}\n", indent)
	}
}

// scopeLabel returns the on block label of an OpenSVC scope, or why there
// is none.
func scopeLabel(scope string) (string, string) {
	switch scope {
	case "nodes", "drpnodes", "encapnodes":
		return "@" + scope, ""
	case "flex_primary", "drp_flex_primary":
		return "", "omhcl has no " + scope + " scope: its daemons choose the flex instances by placement"
	}
	if !names.Valid(scope) {
		return "", fmt.Sprintf("%q is no node name nor node set", scope)
	}
	return scope, ""
}

// sectionReasons say why some sections have no equivalent.
var sectionReasons = map[string]string{
	"task":        "omhcl has no task resources: run the command from a job scheduler, or as an app resource",
	"share":       "omhcl has no share resources (nfs exports)",
	"volume":      "omhcl has no volume objects: use disk and fs resources",
	"expose":      "omhcl has no expose resources (service port announcements)",
	"certificate": "omhcl has no certificate resources",
	"hb":          "heartbeats are the daemons' business (om daemon: gossip), not a service's",
	"stonith":     "omhcl does not fence nodes",
	"subset":      "omhcl has no subsets: resources start in kind order, then by references and depends_on",
	"env":         "omhcl has no env section: write the values where they are used",
	"data":        "omhcl has no data section",
}

// resourceReasons say why some resource keys have no equivalent.
var resourceReasons = map[string]string{
	"start_requires":       "OpenSVC orders by resource states; omhcl starts a resource after those it refers to: write depends_on = [KIND.NAME]",
	"stop_requires":        "OpenSVC orders by resource states; omhcl stops in the reverse of start order (references and depends_on)",
	"provision_requires":   "OpenSVC orders by resource states; omhcl provisions in start order (references and depends_on)",
	"unprovision_requires": "OpenSVC orders by resource states; omhcl unprovisions in the reverse of start order",
	"subset":               "omhcl has no subsets: resources start in kind order, then by references and depends_on",
	"shared":               "omhcl has no shared resources across slaves",
	"comment":              "kept as a comment",
	"pre_start":            "omhcl runs no trigger scripts: use an app resource ordered with depends_on",
	"post_start":           "omhcl runs no trigger scripts: use an app resource ordered with depends_on",
	"pre_stop":             "omhcl runs no trigger scripts: use an app resource ordered with depends_on",
	"post_stop":            "omhcl runs no trigger scripts: use an app resource ordered with depends_on",
	"blocking_pre_start":   "omhcl runs no trigger scripts: use an app resource ordered with depends_on",
	"blocking_post_start":  "omhcl runs no trigger scripts: use an app resource ordered with depends_on",
}

func (c *conv) commentSection(s *section, reason string) {
	c.note(s.line, "["+s.name+"]", reason)
	c.printf("\n  # om import: %s\n  # [%s]\n", clean(reason), clean(s.name))
	for _, e := range s.entries {
		text := "# " + e.comment
		if e.key != "" {
			text = e.key + " = " + e.value
			if e.scope != "" {
				text = e.key + "@" + e.scope + " = " + e.value
			}
		}
		for _, l := range strings.Split(text, "\n") {
			c.printf("  # %s\n", clean(l))
		}
	}
}

func (c *conv) resource(s *section) {
	kind, rname, ok := strings.Cut(s.name, "#")
	switch {
	case !ok && sectionReasons[s.name] != "":
		c.commentSection(s, sectionReasons[s.name])
		return
	case !ok:
		c.commentSection(s, fmt.Sprintf("[%s] is no resource section ([KIND#NAME], KIND one of %s)", s.name, strings.Join(providers.KindOrder, ", ")))
		return
	case !providers.IsKind(kind):
		reason := sectionReasons[kind]
		if reason == "" {
			reason = fmt.Sprintf("omhcl has no %s resources: its kinds are %s", kind, strings.Join(providers.KindOrder, ", "))
		}
		c.commentSection(s, reason)
		return
	case !names.Valid(rname):
		c.commentSection(s, fmt.Sprintf("%q is not a valid resource name (%s)", rname, names.Pattern))
		return
	case kind == "sync" && rname == "i0":
		c.commentSection(s, "omhcl copies service configurations between nodes through its daemons, not with a sync resource")
		return
	}
	typ, typeLine := "", 0
	for _, e := range s.entries {
		if e.key == "type" && e.scope == "" {
			typ, typeLine = strings.TrimSpace(e.value), e.line
		}
	}
	assumed := ""
	if typ == "" {
		if _, ok := providers.Lookup(kind, ""); !ok && kind == "container" {
			typ, assumed = "kvm", "kvm assumed: the section names no type (OpenSVC requires one) and kvm is the hardware emulation omhcl drives; set it"
		}
	}
	if _, ok := lang.AttributeType(kind, typ, "disable"); !ok {
		known := append(providers.Types(kind), lang.UnsupportedTypes(kind)...)
		c.commentSection(s, fmt.Sprintf("omhcl has no driver for %s type %q: its %s types are %s", kind, typ, kind, strings.Join(known, ", ")))
		return
	}
	c.printf("\n  %s %q {\n", kind, rname)
	if assumed != "" {
		c.note(s.line, "["+s.name+"] type", assumed)
		c.printf("    # om import: %s\n", assumed)
		c.printf("    type = %s\n", quote(typ))
	}
	ons := newOns()
	seen := map[string]bool{}
	for _, e := range s.entries {
		switch {
		case e.key == "":
			c.printf("    # %s\n", clean(e.comment))
			continue
		case e.key == "type" && e.scope == "" && e.line == typeLine:
			if assumed == "" { // else written above, and noted
				c.printf("    type = %s\n", quote(typ))
			}
			continue
		case e.key == "type":
			c.noteEntry(e, "the type selects the driver: it cannot be scoped nor repeated")
			continue
		}
		if seen[e.key+"@"+e.scope] {
			c.noteEntry(e, "repeated: the first one is kept")
			continue
		}
		seen[e.key+"@"+e.scope] = true
		lines, problem := c.resourceKey(kind, typ, e)
		if problem != "" {
			c.noteEntry(e, problem)
		}
		if len(lines) == 0 {
			continue
		}
		if e.scope == "" {
			for _, l := range lines {
				c.printf("    %s\n", l)
			}
			continue
		}
		label, why := scopeLabel(e.scope)
		if why != "" {
			c.noteEntry(e, why)
			continue
		}
		for _, l := range lines {
			if strings.HasPrefix(l, "on ") { // always_on's own scope inside a scope
				c.noteEntry(e, "always_on scoped to a node has no equivalent")
				continue
			}
			ons.add(label, l)
		}
	}
	ons.write(c, "    ")
	c.printf("  }\n")
}

// rawRID matches a bare resource id as a value: netns = container#0.
var rawRID = regexp.MustCompile(`^([a-z]+)#([A-Za-z0-9][A-Za-z0-9_.-]*)$`)

// resourceKey converts one key of a resource section into HCL lines,
// with a note when something is left out.
func (c *conv) resourceKey(kind, typ string, e entry) ([]string, string) {
	switch {
	case e.key == "always_on":
		return c.alwaysOn(e)
	case e.key == "netns" && rawRID.MatchString(strings.TrimSpace(e.value)):
		m := rawRID.FindStringSubmatch(strings.TrimSpace(e.value))
		attr := "rid"
		if kind == "ip" {
			attr = "netns_path" // the ip is plumbed in that container's namespace
		}
		return []string{"# OpenSVC: netns = " + m[0], fmt.Sprintf("netns = %s", ref(m[1], m[2], attr))}, ""
	}
	t, ok := lang.AttributeType(kind, typ, e.key)
	if !ok {
		if r := resourceReasons[e.key]; r != "" {
			return nil, r
		}
		return nil, fmt.Sprintf("%s.%s has no attribute %s in omhcl (docs/migrating-from-opensvc.md lists them)", kind, typ, e.key)
	}
	if t == cty.String && (lang.IsDuration(e.key) || e.key == "interval") {
		if d, ok := duration(e.value); ok {
			return []string{fmt.Sprintf("%s = %q", e.key, d)}, ""
		}
	}
	expr, problem := c.value(e, kind, e.key, t)
	if expr == "" {
		return nil, problem
	}
	return []string{e.key + " = " + expr}, problem
}

// openSVCDuration is OpenSVC's duration: a number of seconds, or numbers
// with units, days and weeks included (1d, 1m30s).
var openSVCDuration = regexp.MustCompile(`^(?:([0-9]+)(ms|s|m|h|d|w)?)+$`)

var durationPart = regexp.MustCompile(`([0-9]+)(ms|s|m|h|d|w)?`)

// duration converts an OpenSVC duration to the form omhcl reads ("60" is
// "60s", "1d" is "24h"); false when v is none.
func duration(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if !openSVCDuration.MatchString(v) {
		return "", false
	}
	if _, err := time.ParseDuration(v); err == nil {
		return v, true // as written
	}
	if strings.Trim(v, "0123456789") == "" {
		return v + "s", true
	}
	unit := map[string]time.Duration{"ms": time.Millisecond, "": time.Second, "s": time.Second, "m": time.Minute,
		"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}
	var d time.Duration
	for _, m := range durationPart.FindAllStringSubmatch(v, -1) {
		n, err := strconv.ParseInt(m[1], 10, 32)
		if err != nil {
			return "", false
		}
		d += time.Duration(n) * unit[m[2]]
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s, true
}

// alwaysOn maps always_on to standby, on the node sets it names.
func (c *conv) alwaysOn(e entry) ([]string, string) {
	var nodes, drp bool
	for _, w := range strings.Fields(e.value) {
		switch w {
		case "nodes":
			nodes = true
		case "drpnodes":
			drp = true
		default:
			return nil, fmt.Sprintf("always_on names %q: only nodes and drpnodes have an equivalent (standby)", w)
		}
	}
	head := "# OpenSVC: always_on = " + e.value
	switch {
	case nodes && (drp || !c.drp):
		return []string{head, "standby = true"}, ""
	case nodes:
		return []string{head, "on \"@nodes\" {", "  standby = true", "}"}, ""
	case drp:
		return []string{head, "on \"@drpnodes\" {", "  standby = true", "}"}, ""
	}
	return []string{head, "standby = false"}, ""
}

// value converts an INI value to an HCL expression of type t. A problem
// comes with an expression when a part was kept as text; without, when
// nothing could be converted.
func (c *conv) value(e entry, kind, key string, t cty.Type) (string, string) {
	v := e.value
	switch {
	case t == cty.Bool:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "yes", "y", "on", "1":
			return "true", ""
		case "false", "no", "n", "off", "0":
			return "false", ""
		}
		if r, ok := wholeRef(v); ok {
			return r, ""
		}
		return "", fmt.Sprintf("%q is not a boolean", v)
	case t == cty.Number:
		s := strings.TrimSpace(v)
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64), ""
		}
		if r, ok := wholeRef(v); ok {
			return r, ""
		}
		return "", fmt.Sprintf("%q is not a number", v)
	case t.IsListType() || t.IsSetType():
		words, err := cmdline.Split(v)
		if err != nil {
			words = strings.Fields(v)
		}
		parts := make([]string, 0, len(words))
		var problems []string
		for _, w := range words {
			s, p := c.template(w)
			parts = append(parts, s)
			if p != "" {
				problems = append(problems, p)
			}
		}
		return "[" + strings.Join(parts, ", ") + "]", strings.Join(problems, "; ")
	case t.IsMapType() || t.IsObjectType():
		words, err := cmdline.Split(v)
		if errors.Is(err, cmdline.ErrEmpty) {
			words, err = nil, nil
		}
		if err != nil {
			return "", fmt.Sprintf("cannot split %q into KEY=VALUE words: %v", v, err)
		}
		parts := make([]string, 0, len(words))
		var problems []string
		for _, w := range words {
			k, val, ok := strings.Cut(w, "=")
			if !ok || k == "" {
				return "", fmt.Sprintf("%q is not KEY=VALUE", w)
			}
			s, p := c.template(val)
			if p != "" {
				problems = append(problems, p)
			}
			parts = append(parts, fmt.Sprintf("%s = %s", mapKey(k), s))
		}
		return "{ " + strings.Join(parts, ", ") + " }", strings.Join(problems, "; ")
	}
	return c.template(v)
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func mapKey(k string) string {
	if identifier.MatchString(k) {
		return k
	}
	return quote(k)
}

// openSVCRef matches a reference in a value: {name}, {fs#app.mnt},
// {disk#1.exposed_devs[0]}.
var openSVCRef = regexp.MustCompile(`\{([^{}\s]+)\}`)

// refForm matches a resource reference's inside.
var refForm = regexp.MustCompile(`^([a-z]+)#([A-Za-z0-9][A-Za-z0-9_.-]*?)\.([A-Za-z_][A-Za-z0-9_]*)((?:\[[0-9]+\])*)$`)

// hclRef returns the HCL reference for the inside of {...}, or "".
func hclRef(inner string) string {
	switch inner {
	case "name", "svcname":
		return "service.name"
	case "nodename":
		return "node.name"
	case "id":
		return "service.id"
	case "app":
		return "service.app"
	}
	if m := refForm.FindStringSubmatch(inner); m != nil && providers.IsKind(m[1]) {
		return ref(m[1], m[2], m[3]) + m[4]
	}
	return ""
}

// ref writes KIND.NAME.ATTR, the name as a step HCL reads.
func ref(kind, name, attr string) string {
	step := "." + name
	if !identifier.MatchString(name) && strings.Trim(name, "0123456789") != "" {
		step = "[" + quote(name) + "]"
	}
	return kind + step + "." + attr
}

// wholeRef returns the reference a value is made of alone.
func wholeRef(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if m := openSVCRef.FindStringSubmatchIndex(v); m != nil && m[0] == 0 && m[1] == len(v) {
		if r := hclRef(v[m[2]:m[3]]); r != "" {
			return r, true
		}
	}
	return "", false
}

// template writes a string value: a reference alone, or a quoted string
// with ${...} for OpenSVC's references. {namespace} is omhcl's one
// namespace, root. A reference with no equivalent is kept as text, with a
// problem.
func (c *conv) template(v string) (string, string) {
	if r, ok := wholeRef(v); ok {
		return r, ""
	}
	var b strings.Builder
	var problems []string
	b.WriteByte('"')
	last := 0
	for _, m := range openSVCRef.FindAllStringSubmatchIndex(v, -1) {
		if m[0] > 0 && (v[m[0]-1] == '$' || v[m[0]-1] == '%') { // a shell's ${VAR}, a printf's %{x}
			continue
		}
		inner := v[m[2]:m[3]]
		r := hclRef(inner)
		switch {
		case inner == "namespace":
			b.WriteString(escape(v[last:m[0]]) + "root")
		case r != "":
			b.WriteString(escape(v[last:m[0]]) + "${" + r + "}")
		default:
			problems = append(problems, fmt.Sprintf("the reference {%s} has no omhcl equivalent: kept as text", inner))
			continue
		}
		last = m[1]
	}
	b.WriteString(escape(v[last:]))
	b.WriteByte('"')
	return b.String(), strings.Join(problems, "; ")
}

func quote(s string) string { return `"` + escape(s) + `"` }

// escape writes s inside an HCL quoted string: escapes, and template
// sequences doubled so they stay text.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\':
			b.WriteString(`\\`)
		case ch == '"':
			b.WriteString(`\"`)
		case ch == '\n':
			b.WriteString(`\n`)
		case ch == '\r':
			b.WriteString(`\r`)
		case ch == '\t':
			b.WriteString(`\t`)
		case ch < 0x20 || ch == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, ch)
		case (ch == '$' || ch == '%') && i+1 < len(s) && s[i+1] == '{':
			b.WriteByte(ch)
			b.WriteByte(ch)
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}
