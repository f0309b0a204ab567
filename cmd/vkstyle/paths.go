package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// checkPaths checks, before anything is loaded or computed, the files
// render (or preview) will write: out, the checkpoint (when not empty)
// and out's numbered saves. Each must be a file that can be created or
// replaced, not a directory, and none may be one of the input images,
// which writing would destroy.
func (f *renderFlags) checkPaths(out, checkpoint string) error {
	if err := checkWritable(out); err != nil {
		return err
	}
	if checkpoint != "" {
		if err := checkCreatable("-checkpoint", "checkpoint", checkpoint); err != nil {
			return err
		}
		if samePath(checkpoint, out) {
			return fmt.Errorf("-checkpoint %s is the output image: give another checkpoint path", checkpoint)
		}
	}
	inputs, err := f.inputs()
	if err != nil {
		return err
	}
	numbered := numberedPattern(out)
	for _, in := range inputs {
		switch {
		case samePath(out, in.path):
			return fmt.Errorf("-out %s is the %s: writing the result would destroy it; give another -out", out, in.what)
		case checkpoint != "" && samePath(checkpoint, in.path):
			return fmt.Errorf("-checkpoint %s is the %s: writing a checkpoint would destroy it; give another -checkpoint", checkpoint, in.what)
		case f.saveEvery > 0 && numbered.MatchString(filepath.Clean(in.path)):
			return fmt.Errorf("-save-every writes %s_N%s, and the %s %s is one of those names: give another -out", strings.TrimSuffix(out, filepath.Ext(out)), filepath.Ext(out), in.what, in.path)
		}
	}
	return nil
}

// input is an image file the flags name, and what it is for messages.
type input struct{ path, what string }

// inputs lists the image files the flags name.
func (f *renderFlags) inputs() ([]input, error) {
	var in []input
	if f.content != "" {
		in = append(in, input{f.content, "-content image"})
	}
	if f.style != "" {
		files, err := styleFiles(f.style)
		if err != nil {
			return nil, err
		}
		for _, p := range files {
			in = append(in, input{p, "-style image"})
		}
	}
	for flag, arg := range map[string]string{"-content-masks": f.contentMasks, "-style-masks": f.styleMasks} {
		if arg == "" {
			continue
		}
		for _, p := range strings.Split(arg, ",") {
			in = append(in, input{p, flag + " image"})
		}
	}
	switch f.init {
	case "random", "content", "gray":
	default:
		in = append(in, input{f.init, "-init image"})
	}
	return in, nil
}

// samePath says whether a and b name the same file: the same inode when
// both exist (through links too), else the same absolute path.
func samePath(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// numberedPattern matches the names of out's numbered saves
// (out_<iteration>.ext, see renderFlags.request).
func numberedPattern(out string) *regexp.Regexp {
	out = filepath.Clean(out)
	ext := filepath.Ext(out)
	return regexp.MustCompile("^" + regexp.QuoteMeta(strings.TrimSuffix(out, ext)) + "_[0-9]+" + regexp.QuoteMeta(ext) + "$")
}

// checkWritable fails early when the output image cannot be written,
// before any work is done: an image extension, not a directory, in a
// directory that lets us create files.
func checkWritable(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("-out %s is a directory: give a file name, such as %s", path, filepath.Join(path, "vkstyle-out.png"))
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".jpg", ".jpeg":
	default:
		return fmt.Errorf("-out %s: use a .png, .jpg or .jpeg file name", path)
	}
	return checkCreatable("-out", "output", path)
}

// checkCreatable fails when path, given by flag (what it is: "output",
// "checkpoint"), is a directory or its directory does not let us create a
// file (the atomic write creates a temporary file beside it).
func checkCreatable(flag, what, path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s %s is a directory: give a file name", flag, path)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".vkstyle-check*")
	if err != nil {
		return fmt.Errorf("%s %s: cannot write in %s: choose a writable %s path", flag, path, dir, what)
	}
	tmp.Close()
	os.Remove(tmp.Name())
	return nil
}
