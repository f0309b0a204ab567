package stylize

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// A save killed mid-write leaves ".out.png.tmp<pid>-<n>"; a later run
// removes it once that process is gone, and never touches a live save's
// file, another output's, or an older vkstyle's unless it is old.
func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.png")
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no `true` to run:", err)
	}
	deadPid, ownPid := strconv.Itoa(dead.ProcessState.Pid()), strconv.Itoa(os.Getpid())
	files := map[string]bool{ // name: removed
		"out.png":                            false,
		".out.png.tmp" + deadPid + "-123":    true,
		".out.png.tmp" + ownPid + "-456":     false, // a save in progress
		".out.png.tmp789":                    false, // legacy, recent
		".out.png.tmp790":                    true,  // legacy, an hour old
		".out.png.tmp" + deadPid + "-x":      false, // not vkstyle's pattern
		".other.png.tmp" + deadPid + "-1":    false,
		".out.png.ckpt.tmp" + deadPid + "-2": false, // another path's (the checkpoint's)
	}
	for name := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(dir, ".out.png.tmp790"), old, old)
	if err := os.Mkdir(filepath.Join(dir, ".out.png.tmp"+deadPid+"-9"), 0o755); err != nil {
		t.Fatal(err)
	}
	removed, err := RemoveStaleTemps(out, filepath.Join(dir, "missing", "x.png"))
	if err != nil {
		t.Fatal(err)
	}
	for name, gone := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if gone != (err != nil) {
			t.Errorf("%s: removed %v, want %v", name, err != nil, gone)
		}
		if gone != slices.Contains(removed, filepath.Join(dir, name)) {
			t.Errorf("%s: reported %v, want %v", name, !gone, gone)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".out.png.tmp"+deadPid+"-9")); err != nil {
		t.Errorf("removed a directory: %v", err)
	}
	// Save's own temporary files carry the process id.
	if p := tempPrefix("out.png"); p != ".out.png.tmp"+ownPid+"-" {
		t.Errorf("tempPrefix = %q", p)
	}
}
