package app

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// runAs is the identity commands run with.
type runAs struct {
	name string
	home string
	// cred is nil when commands keep the engine's identity.
	cred *syscall.Credential
}

// lookupRunAs resolves the user attribute: a name or a numeric uid; "" is
// the engine's own user.
func lookupRunAs(name string) (runAs, error) {
	if name == "" {
		return currentUser(), nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		if _, numErr := strconv.Atoi(name); numErr != nil {
			return runAs{}, fmt.Errorf("user %q: %w", name, err)
		}
		if u, err = user.LookupId(name); err != nil {
			return runAs{}, fmt.Errorf("user %q: %w", name, err)
		}
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return runAs{}, fmt.Errorf("user %q: non-numeric uid %q or gid %q", name, u.Uid, u.Gid)
	}
	as := runAs{name: u.Username, home: u.HomeDir}
	if int(uid) == os.Geteuid() {
		return as, nil // already this user: switching would need privileges for nothing
	}
	groups, err := supplementaryGroups(u)
	if err != nil {
		return runAs{}, fmt.Errorf("user %q: %w", name, err)
	}
	as.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: groups}
	return as, nil
}

func supplementaryGroups(u *user.User) ([]uint32, error) {
	ids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("groups: %w", err)
	}
	groups := make([]uint32, 0, len(ids))
	for _, id := range ids {
		g, err := strconv.ParseUint(id, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("non-numeric group id %q", id)
		}
		groups = append(groups, uint32(g))
	}
	return groups, nil
}

// currentUser names the engine's user, for logs.
func currentUser() runAs {
	if u, err := user.Current(); err == nil {
		return runAs{name: u.Username, home: u.HomeDir}
	}
	return runAs{name: strconv.Itoa(os.Geteuid())}
}
