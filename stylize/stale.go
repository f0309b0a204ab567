package stylize

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// tempPrefix is how the temporary files of an atomic write of a file
// named base begin: ".base.tmp<pid>-", a random number following. The
// process id lets a later run tell a temporary file whose writer died
// (killed during a save) from one being written now.
func tempPrefix(base string) string {
	return "." + base + ".tmp" + strconv.Itoa(os.Getpid()) + "-"
}

// legacyTempAge is how old a temporary file without a process id in its
// name (".base.tmpNNN", written by vkstyle before it named them with one)
// must be before RemoveStaleTemps takes it for abandoned: a save writes
// its file in one go, in seconds.
const legacyTempAge = 10 * time.Minute

// RemoveStaleTemps removes the temporary files that an atomic write of
// each of paths (Save, SaveCheckpoint) left behind when its process was
// killed mid-save, and returns their names. Only files of vkstyle's own
// pattern for exactly that path are candidates, ".base.tmp<pid>-<n>",
// and only when no process <pid> exists on this machine; a file named
// ".base.tmp<n>" (an older vkstyle's) when it was last written more than
// ten minutes ago. A temporary file of a live save is never touched.
func RemoveStaleTemps(paths ...string) ([]string, error) {
	var removed []string
	for _, path := range paths {
		dir, base := filepath.Split(path)
		if dir == "" {
			dir = "."
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return removed, err
		}
		prefix := "." + base + ".tmp"
		for _, e := range entries {
			name := e.Name()
			if !e.Type().IsRegular() || !strings.HasPrefix(name, prefix) || !staleTemp(dir, name, name[len(prefix):]) {
				continue
			}
			p := filepath.Join(dir, name)
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return removed, err
			}
			removed = append(removed, p)
		}
	}
	return removed, nil
}

// staleTemp says whether the temporary file dir/name, whose name ends in
// rest after ".tmp", is abandoned.
func staleTemp(dir, name, rest string) bool {
	pid, random, withPid := strings.Cut(rest, "-")
	if !digits(pid) {
		return false
	}
	if withPid {
		if !digits(random) {
			return false
		}
		n, err := strconv.Atoi(pid)
		return err == nil && n > 0 && !processExists(n)
	}
	st, err := os.Stat(filepath.Join(dir, name))
	return err == nil && time.Since(st.ModTime()) > legacyTempAge
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// processExists says whether a process pid exists on this machine: signal
// 0 checks without sending anything; EPERM means it exists under another
// user.
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
