package gpu

// CHeapInUse exports cHeapInUse to the external tests.
var CHeapInUse = cHeapInUse

// SetDotsPartialsCap sets the bound on DotsTo's partial sums, for a test
// of the passes it then splits into, and returns a function that restores
// it.
func SetDotsPartialsCap(bytes uint64) (restore func()) {
	old := dotsPartialsCap
	dotsPartialsCap = bytes
	return func() { dotsPartialsCap = old }
}
