package vgg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultDir returns the directory vkstyle keeps weight files in:
// $VKSTYLE_WEIGHTS_DIR if set, else the "vkstyle/weights" directory of
// os.UserCacheDir ($XDG_CACHE_HOME or ~/.cache on Linux).
func DefaultDir() (string, error) {
	if dir := os.Getenv("VKSTYLE_WEIGHTS_DIR"); dir != "" {
		return dir, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("vgg: no cache directory for weights (%v); set VKSTYLE_WEIGHTS_DIR", err)
	}
	return filepath.Join(cache, "vkstyle", "weights"), nil
}

// Locate returns the path of a weight file for model ("vgg19" or
// "vgg16") in DefaultDir; see LocateIn.
func Locate(model string) (string, error) {
	dir, err := DefaultDir()
	if err != nil {
		return "", err
	}
	return LocateIn(dir, model)
}

// LocateIn returns the path of the first known weight file of model
// present in dir, in the order of the known-file table (torchvision,
// timm, Caffe). It does not hash the file; Load checks its structure.
// When there is none, the error is one line saying which command fetches
// the weights and where to put a manually downloaded file.
func LocateIn(dir, model string) (string, error) {
	files, err := KnownFiles(model)
	if err != nil {
		return "", err
	}
	for _, f := range files {
		p := filepath.Join(dir, f.Name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	f := files[0]
	msg := fmt.Sprintf("vgg: no %s weights in %s: run `vkstyle weights fetch %s`, or download %s and save it as %s",
		f.Model, dir, f.Model, f.URLs[0], filepath.Join(dir, f.Name))
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f.Name+".part")); err == nil {
			msg += fmt.Sprintf(" (a partial download, %s.part, is there: the fetch resumes it)", f.Name)
			break
		}
	}
	return "", errors.New(msg)
}

// recordSuffix names the verification record next to a weight file: its
// SHA-256 in sha256sum's format ("HEX  NAME"), so `sha256sum -c` reads it.
const recordSuffix = ".sha256"

// writeRecord writes the verification record of the file at path.
func writeRecord(path, sum string) error {
	return os.WriteFile(path+recordSuffix, []byte(sum+"  "+filepath.Base(path)+"\n"), 0o644)
}

// readRecord returns the SHA-256 recorded for the file at path.
func readRecord(path string) (string, bool) {
	b, err := os.ReadFile(path + recordSuffix)
	if err != nil {
		return "", false
	}
	sum, name, ok := strings.Cut(strings.TrimSpace(string(b)), "  ")
	if !ok || name != filepath.Base(path) || len(sum) != 64 {
		return "", false
	}
	return sum, true
}

// recorded reports whether the file at path has a record that matches
// f's published hash (any record, for a file without one).
func recorded(path string, f File) bool {
	sum, ok := readRecord(path)
	return ok && strings.HasPrefix(sum, strings.ToLower(f.SHA256))
}

// Cached is a file in the weights directory.
type Cached struct {
	Name    string
	Path    string
	Size    int64
	Known   *File  // the known file of that name; nil for any other
	Partial bool   // a .part download, to be resumed
	Status  string // what is known of it, for display
	// Verified is true when a record says the file was checked: its hash
	// matched the published one (or prefix), or, without a published
	// hash, its structure.
	Verified bool
}

// List returns the weight files in dir (.pth, .safetensors and their
// .part downloads), sorted by name, with what their records say. It
// hashes nothing; Verify does. A missing dir is an empty list.
func List(dir string) ([]Cached, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vgg: %w", err)
	}
	var out []Cached
	for _, e := range entries {
		name := e.Name()
		base, partial := strings.CutSuffix(name, ".part")
		if !e.Type().IsRegular() || !(strings.HasSuffix(base, ".pth") || strings.HasSuffix(base, ".safetensors")) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		c := Cached{Name: name, Path: filepath.Join(dir, name), Size: fi.Size(), Partial: partial}
		if f, ok := knownByName(base); ok {
			c.Known = &f
		}
		c.Status, c.Verified = status(c)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func status(c Cached) (string, bool) {
	if c.Partial {
		if c.Known != nil && c.Known.Size > 0 {
			return fmt.Sprintf("partial download, %.0f %%: fetch again to resume", 100*float64(c.Size)/float64(c.Known.Size)), false
		}
		return "partial download: fetch again to resume", false
	}
	if k := c.Known; k != nil && !k.FeaturesOnly && k.Size > 0 && c.Size != k.Size {
		return fmt.Sprintf("DAMAGED: %d bytes, the published file %d: delete it and run `vkstyle weights fetch %s`", c.Size, k.Size, k.Model), false
	}
	sum, ok := readRecord(c.Path)
	switch {
	case !ok:
		return "not verified: run `vkstyle weights verify`", false
	case c.Known == nil:
		return "checked by vkstyle weights verify (not a known file)", true
	case c.Known.SHA256 == "":
		return "structure checked; no published hash", true
	case !strings.HasPrefix(sum, c.Known.SHA256):
		return "SHA-256 differs from the published file: run `vkstyle weights verify`", false
	case len(c.Known.SHA256) < 64:
		return fmt.Sprintf("SHA-256 prefix %s verified", c.Known.SHA256), true
	}
	return "SHA-256 verified", true
}

// Verify hashes the weight file at path, compares it with the published
// hash of f (nil: the known file of that name, if any), and checks its
// structure: every convolution of its architecture (f's; else VGG16 for
// a name starting "vgg16", else VGG19) loads with the right shape. On
// success it writes the record List reads and returns the SHA-256. A
// mismatch is an error naming both hashes; the file is left in place.
func Verify(path string, f *File) (string, error) {
	if f == nil {
		k, ok := knownByName(filepath.Base(path))
		if !ok {
			k = File{Model: "vgg19", Name: filepath.Base(path)}
			if strings.HasPrefix(strings.ToLower(k.Name), "vgg16") {
				k.Model = "vgg16"
			}
		}
		f = &k
	}
	sum, err := verifyFile(path, *f)
	if err != nil {
		if errors.Is(err, errBadDownload) {
			return "", fmt.Errorf("vgg: %v; delete it and fetch again", err)
		}
		return "", fmt.Errorf("vgg: %w", err)
	}
	if err := writeRecord(path, sum); err != nil {
		return "", fmt.Errorf("vgg: %w", err)
	}
	return sum, nil
}
