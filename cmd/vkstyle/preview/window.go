package preview

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/vkstyle/vkstyle/gpu"
)

// ErrNoDisplay is wrapped by the error OpenWindow returns when there is no
// display to open a window on (no X server or Wayland compositor, or none
// that takes Vulkan windows).
var ErrNoDisplay = errors.New("no display")

// Window is the preview's GLFW window. It turns key presses and dropped
// files into Actions, queued until Actions takes them. All its methods
// must be called from the main thread (GLFW's rule: lock it with
// runtime.LockOSThread in an init function).
type Window struct {
	w       *glfw.Window
	actions []Action
	dirty   bool // the window needs redrawing (exposed or resized)
	closed  bool
}

// OpenWindow initialises GLFW and opens a window of w×h pixels (no
// OpenGL context: it presents through Vulkan).
func OpenWindow(title string, w, h int) (*Window, error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, fmt.Errorf("%w: neither DISPLAY nor WAYLAND_DISPLAY is set", ErrNoDisplay)
	}
	if err := initGLFW(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDisplay, err)
	}
	if !glfw.VulkanSupported() {
		glfw.Terminate()
		return nil, fmt.Errorf("%w: the window system has no Vulkan loader (install libvulkan1)", ErrNoDisplay)
	}
	glfw.WindowHint(glfw.ClientAPI, glfw.NoAPI)
	glfw.WindowHint(glfw.Resizable, glfw.True)
	win, err := glfw.CreateWindow(w, h, title, nil, nil)
	if err != nil {
		glfw.Terminate()
		return nil, fmt.Errorf("%w: creating the window: %v", ErrNoDisplay, err)
	}
	wd := &Window{w: win, dirty: true}
	win.SetCharCallback(func(_ *glfw.Window, r rune) {
		if a, ok := charAction(r); ok {
			wd.actions = append(wd.actions, a)
		}
	})
	win.SetKeyCallback(func(_ *glfw.Window, k glfw.Key, _ int, act glfw.Action, _ glfw.ModifierKey) {
		if act == glfw.Release {
			return
		}
		if a, ok := keyAction(k); ok {
			wd.actions = append(wd.actions, a)
		}
	})
	win.SetDropCallback(func(win *glfw.Window, names []string) {
		if len(names) == 0 {
			return
		}
		kind := DropStyle
		if win.GetKey(glfw.KeyLeftShift) == glfw.Press || win.GetKey(glfw.KeyRightShift) == glfw.Press {
			kind = DropContent
		}
		wd.actions = append(wd.actions, Action{Kind: kind, Path: names[0]})
	})
	win.SetRefreshCallback(func(*glfw.Window) { wd.dirty = true })
	win.SetFramebufferSizeCallback(func(*glfw.Window, int, int) { wd.dirty = true })
	return wd, nil
}

// initGLFW initialises GLFW. go-gl's Init logs a platform error (such
// as an X server that cannot be reached) through the standard logger and
// reports success; the log is caught here and returned as the error.
func initGLFW() error {
	var logged bytes.Buffer
	out, flags := log.Writer(), log.Flags()
	log.SetOutput(&logged)
	log.SetFlags(0)
	err := glfw.Init()
	log.SetOutput(out)
	log.SetFlags(flags)
	if err == nil && logged.Len() > 0 {
		return errors.New(strings.TrimSpace(logged.String()))
	}
	return err
}

// keyAction maps the keys that type no character (the keypad's + and -
// type theirs, so charAction sees them).
func keyAction(k glfw.Key) (Action, bool) {
	if k == glfw.KeyEscape {
		return Action{Kind: Quit}, true
	}
	return Action{}, false
}

// Extensions are the Vulkan instance extensions the window needs
// (gpu.Options.InstanceExtensions).
func (w *Window) Extensions() []string { return w.w.GetRequiredInstanceExtensions() }

// Surface creates the window's Vulkan surface (gpu.Options.Surface).
func (w *Window) Surface() gpu.SurfaceFunc {
	return func(instance any) (uintptr, error) { return w.w.CreateWindowSurface(instance, nil) }
}

// FramebufferSize is the window's size in pixels.
func (w *Window) FramebufferSize() (int, int) { return w.w.GetFramebufferSize() }

// SetTitle sets the title bar.
func (w *Window) SetTitle(s string) { w.w.SetTitle(s) }

// Wait processes window events, waiting up to seconds for one.
func (w *Window) Wait(seconds float64) { glfw.WaitEventsTimeout(seconds) }

// Actions returns the actions queued since the last call; closing the
// window is a Quit.
func (w *Window) Actions() []Action {
	a := w.actions
	w.actions = nil
	if w.w.ShouldClose() {
		w.w.SetShouldClose(false)
		a = append(a, Action{Kind: Quit})
	}
	return a
}

// Dirty reports, once, that the window was exposed or resized since the
// last call: its contents must be presented again.
func (w *Window) Dirty() bool {
	d := w.dirty
	w.dirty = false
	return d
}

// Close destroys the window and terminates GLFW; close the device that
// presents to it first. It is safe to call twice.
func (w *Window) Close() error {
	if w == nil || w.closed {
		return nil
	}
	w.closed = true
	w.w.Destroy()
	glfw.Terminate()
	return nil
}
