package gpu

/*
#include "vkext.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"sync"
)

// ValidationLayer is the Khronos validation layer (Debian: vulkan-validationlayers).
const ValidationLayer = "VK_LAYER_KHRONOS_validation"

// validationLog collects what the validation layer reports for one instance.
type validationLog struct {
	mu   sync.Mutex
	msgs []string
	warn func(string)
}

func (l *validationLog) add(msg string) {
	l.mu.Lock()
	l.msgs = append(l.msgs, msg)
	warn := l.warn
	l.mu.Unlock()
	if warn != nil {
		warn(msg)
	}
}

// since returns the messages recorded after the first n.
func (l *validationLog) since(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n >= len(l.msgs) {
		return nil
	}
	return append([]string(nil), l.msgs[n:]...)
}

//export vkstyleDebugMessage
func vkstyleDebugMessage(severity, types C.int, id, msg *C.char, handle C.uintptr_t) {
	l, ok := cgo.Handle(handle).Value().(*validationLog)
	if !ok {
		return
	}
	level := "warning"
	if severity&C.VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT != 0 {
		level = "error"
	}
	l.add(fmt.Sprintf("vulkan validation %s: %s: %s", level, C.GoString(id), C.GoString(msg)))
}
