package scripts

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// installed is one make install of this tree, shared by the tests below:
// the build takes a minute on two cores.
var installed struct {
	once      sync.Once
	dir       string // the tests' scratch directory, removed by TestMain
	bin, dest string // make's BIN and DESTDIR
	commit    string // git rev-parse HEAD, "" outside a git checkout
	err       error
	out       string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if installed.dir != "" {
		os.RemoveAll(installed.dir)
	}
	os.Exit(code)
}

// makeInstall runs "make install BIN=... DESTDIR=..." once: the binaries
// are stamped by the Makefile from git, as a user's make install does.
func makeInstall(t *testing.T) (bin, dest, commit string) {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed: make install is what is tested")
	}
	i := &installed
	i.once.Do(func() {
		if i.dir, i.err = os.MkdirTemp("", "omhcl-install-test"); i.err != nil {
			return
		}
		i.bin, i.dest = filepath.Join(i.dir, "bin"), filepath.Join(i.dir, "dest")
		if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
			i.commit = strings.TrimSpace(string(out))
		}
		cmd := exec.Command("make", "-C", "..", "--no-print-directory", "BIN="+i.bin, "DESTDIR="+i.dest, "install")
		var out []byte
		out, i.err = cmd.CombinedOutput()
		i.out = string(out)
	})
	if i.err != nil {
		t.Fatalf("make install: %v\n%s", i.err, i.out)
	}
	return i.bin, i.dest, i.commit
}

// checkVersion runs om version from an installed tree: it names the
// commit make stamped.
func checkVersion(t *testing.T, om, commit string) {
	t.Helper()
	out, err := exec.Command(om, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", om, err, out)
	}
	t.Logf("%s version: %s", om, out)
	want := "commit " + commit
	if commit == "" {
		want = "commit unknown" // not a git checkout: nothing to stamp
	}
	if !strings.HasPrefix(string(out), "om ") || !strings.Contains(string(out), want) || !strings.Contains(string(out), "built ") {
		t.Errorf("%s version: want \"om VERSION (%s, built DATE, ...)\", got %q", om, want, out)
	}
}

func TestMakeInstall(t *testing.T) {
	_, dest, commit := makeInstall(t)
	t.Log(installed.out)
	mode := func(rel string) os.FileMode {
		t.Helper()
		fi, err := os.Stat(filepath.Join(dest, rel))
		if err != nil {
			t.Errorf("make install: %v", err)
			return 0
		}
		return fi.Mode()
	}
	for _, c := range []string{"om", "omplan", "omapply"} {
		if m := mode("usr/local/bin/" + c); m.Perm() != 0o755 {
			t.Errorf("usr/local/bin/%s: mode %v, want 0755", c, m)
		}
		if m := mode("usr/local/share/bash-completion/completions/" + c); m.Perm() != 0o644 {
			t.Errorf("bash completion of %s: mode %v", c, m)
		}
		mode("usr/local/share/zsh/site-functions/_" + c)
		mode("usr/local/share/man/man1/" + c + ".1.gz")
	}
	if m := mode("etc/omhcl"); !m.IsDir() {
		t.Errorf("etc/omhcl: mode %v, want a directory", m)
	}
	unit := read(t, filepath.Join(dest, "usr/local/lib/systemd/system/omhcl.service"))
	if !strings.Contains(unit, "ExecStart=/usr/local/bin/om daemon run") || strings.Contains(unit, "cp contrib/") {
		t.Errorf("the installed unit runs another om, or says to copy itself from the source tree:\n%s", unit)
	}
	if bash := read(t, filepath.Join(dest, "usr/local/share/bash-completion/completions/om")); !strings.Contains(bash, "__start_om") || !strings.Contains(bash, "__complete") {
		t.Errorf("bash completion of om: no __start_om calling om __complete")
	}
	if zsh := read(t, filepath.Join(dest, "usr/local/share/zsh/site-functions/_om")); !strings.HasPrefix(zsh, "#compdef om") {
		t.Errorf("zsh completion of om: want #compdef om first, got %.40q", zsh)
	}
	// a page per command, from the cobra commands' help
	page := gunzip(t, filepath.Join(dest, "usr/local/share/man/man1/om-start.1.gz"))
	for _, want := range []string{`.TH "OM-START" "1"`, "om-start - Start services", "--rid"} {
		if !strings.Contains(page, want) {
			t.Errorf("om-start.1: no %q in\n%s", want, page)
		}
	}
	checkVersion(t, filepath.Join(dest, "usr/local/bin/om"), commit)

	// uninstall leaves no file behind, and removes the empty /etc/omhcl
	cmd := exec.Command("make", "-C", "..", "--no-print-directory", "BIN="+installed.bin, "DESTDIR="+dest, "uninstall")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make uninstall: %v\n%s", err, out)
	}
	filepath.WalkDir(dest, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("make uninstall left %s", path)
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(dest, "etc/omhcl")); !os.IsNotExist(err) {
		t.Errorf("make uninstall left etc/omhcl: %v", err)
	}
}

// TestDeb builds the package with scripts/deb.sh (make deb's packager),
// checks what it holds, installs it with dpkg into a throwaway root (as
// root; dpkg -x otherwise, which unpacks the same files) and runs om
// version from there. It also installs nothing that would run on install:
// the package has no maintainer scripts.
func TestDeb(t *testing.T) {
	for _, tool := range []string{"dpkg", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (not a Debian system): the package is built and installed with it", tool)
		}
	}
	bin, _, commit := makeInstall(t)
	archOut, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		t.Fatal(err)
	}
	arch := strings.TrimSpace(string(archOut))
	dist := t.TempDir()
	out, err := exec.Command("./deb.sh", arch, bin, dist).CombinedOutput()
	if err != nil {
		t.Fatalf("deb.sh: %v\n%s", err, out)
	}
	deb := strings.TrimSpace(string(out))
	t.Logf("deb.sh: %s", deb)

	field := func(name string) string {
		out, err := exec.Command("dpkg-deb", "-f", deb, name).Output()
		if err != nil {
			t.Fatalf("dpkg-deb -f %s: %v", name, err)
		}
		return strings.TrimSpace(string(out))
	}
	version := field("Version")
	if !regexp.MustCompile(`^[0-9]+\.[0-9][A-Za-z0-9.+~]*$`).MatchString(version) {
		t.Errorf("Debian version %q: want N.N first and no '-' (no Debian revision)", version)
	}
	if want := "omhcl_" + version + "_" + arch + ".deb"; filepath.Base(deb) != want {
		t.Errorf("package file %s, want %s", filepath.Base(deb), want)
	}
	if p, a := field("Package"), field("Architecture"); p != "omhcl" || a != arch {
		t.Errorf("Package %q Architecture %q, want omhcl %s", p, a, arch)
	}
	ctrl, err := exec.Command("dpkg-deb", "--ctrl-tarfile", deb).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, script := range []string{"preinst", "postinst", "prerm", "postrm"} {
		if bytes.Contains(ctrl, []byte("./"+script)) {
			t.Errorf("the package has a %s: nothing is to run on install", script)
		}
	}

	list, err := exec.Command("dpkg-deb", "-c", deb).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"./usr/bin/om", "./usr/bin/omplan", "./usr/bin/omapply",
		"./usr/lib/systemd/system/omhcl.service",
		"./usr/share/bash-completion/completions/om", "./usr/share/zsh/vendor-completions/_om",
		"./usr/share/man/man1/om.1.gz", "./usr/share/man/man1/om-start.1.gz", "./usr/share/man/man1/omplan.1.gz", "./usr/share/man/man1/omapply.1.gz",
		"./etc/omhcl/", "./usr/share/doc/omhcl/copyright", "./usr/share/doc/omhcl/changelog.gz",
	} {
		if !regexp.MustCompile(`(?m) root/root .* ` + regexp.QuoteMeta(want) + `$`).Match(list) {
			t.Errorf("dpkg-deb -c: no %s owned by root/root in\n%s", want, list)
		}
	}

	root := t.TempDir()
	if os.Geteuid() == 0 {
		// dpkg --root needs a database of its own there
		for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
			os.MkdirAll(filepath.Join(root, d), 0o755)
		}
		os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644)
		dpkg := func(args ...string) string {
			t.Helper()
			args = append([]string{"--root=" + root, "--log=/dev/null"}, args...)
			out, err := exec.Command("dpkg", args...).CombinedOutput()
			if err != nil {
				t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return string(out)
		}
		t.Log(dpkg("-i", deb))
		if st := dpkg("-s", "omhcl"); !strings.Contains(st, "Status: install ok installed") {
			t.Errorf("dpkg -s omhcl after dpkg -i:\n%s", st)
		}
		if files := dpkg("-L", "omhcl"); !strings.Contains(files, "/usr/lib/systemd/system/omhcl.service") {
			t.Errorf("dpkg -L omhcl: no unit in\n%s", files)
		}
		checkVersion(t, filepath.Join(root, "usr/bin/om"), commit)
		dpkg("--purge", "omhcl")
		for _, gone := range []string{"usr/bin/om", "etc/omhcl"} {
			if _, err := os.Stat(filepath.Join(root, gone)); !os.IsNotExist(err) {
				t.Errorf("dpkg --purge omhcl left %s (%v)", gone, err)
			}
		}
		return
	}
	t.Log("not root: dpkg -x unpacks the package instead of dpkg --root -i")
	if out, err := exec.Command("dpkg", "-x", deb, root).CombinedOutput(); err != nil {
		t.Fatalf("dpkg -x: %v\n%s", err, out)
	}
	checkVersion(t, filepath.Join(root, "usr/bin/om"), commit)
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
	}
	return string(b)
}

func gunzip(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
