package gpu

// CHeapInUse exports cHeapInUse to the external tests.
var CHeapInUse = cHeapInUse
