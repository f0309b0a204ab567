package main

import (
	"errors"
	"flag"
	"io"
)

// errUsage reports that flag parsing failed; the flag package has already
// printed why. errHelp reports that -h printed the usage: nothing more to
// do, successfully.
var (
	errUsage = errors.New("usage")
	errHelp  = errors.New("help")
)

// newFlags returns a flag set for a subcommand that prints to stderr and
// returns errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("vkstyle "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	return nil
}
