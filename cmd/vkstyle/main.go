// Command vkstyle is neural style transfer on Vulkan compute shaders.
//
// Usage:
//
//	vkstyle devices [-device SELECTOR] [-json]
//
// Run `vkstyle help` for the list of commands.
package main

import (
	"fmt"
	"io"
	"os"
)

// command is one subcommand: it parses its own flags from args and returns
// an error to print as one line.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"render", "stylise an image (with no flags: the built-in sample)", runRender},
		{"adain", "stylise images in one pass with any style (AdaIN: vgg_normalised.pth + decoder.pth)", runAdaIN},
		{"fast", "stylise images in one pass with a fast_neural_style model (.pth)", runFast},
		{"preview", "stylise in a live window that you can steer (render's flags; h lists the keys)", runPreview},
		{"bench", "time full iterations, with a per-kernel profile", runBench},
		{"devices", "list Vulkan devices and mark the one vkstyle uses", runDevices},
		{"weights", "fetch, list and verify weight files (VGG, AdaIN)", runWeights},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status: 0 on success,
// 1 when the command failed, 2 for a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			if err := c.run(args[1:], stdout, stderr); err != nil {
				switch err {
				case errUsage:
					return 2
				case errHelp:
					return 0
				}
				fmt.Fprintln(stderr, "vkstyle:", err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "vkstyle: unknown command %q; run `vkstyle help`\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "vkstyle: neural style transfer on Vulkan compute shaders")
	fmt.Fprintln(w, "\nUsage: vkstyle <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `vkstyle <command> -h` for a command's flags.")
}
