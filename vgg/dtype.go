package vgg

import (
	"encoding/binary"
	"fmt"
	"math"
)

// dtype is an element type of a weight file, named like safetensors
// ("F32", "F16", "BF16", "F64", "I64", …).
type dtype string

// dtypeSizes are the element sizes of the dtypes files may hold. Only
// F32, F16 and BF16 can be read as weights; the others are recognised so
// that a file holding them (a batch-norm counter, a float64 copy) is
// parsed and then refused with a clear message.
var dtypeSizes = map[dtype]int{
	"F64": 8, "F32": 4, "F16": 2, "BF16": 2,
	"I64": 8, "I32": 4, "I16": 2, "I8": 1, "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1,
	"F8_E4M3": 1, "F8_E5M2": 1,
}

// size returns the element size in bytes, or 0 for an unknown dtype.
func (d dtype) size() int { return dtypeSizes[d] }

// String returns the dtype as torch names it ("float32").
func (d dtype) String() string {
	switch d {
	case "F64":
		return "float64"
	case "F32":
		return "float32"
	case "F16":
		return "float16"
	case "BF16":
		return "bfloat16"
	case "I64":
		return "int64"
	case "I32":
		return "int32"
	case "U8":
		return "uint8"
	case "BOOL":
		return "bool"
	}
	return string(d)
}

// readable reports whether decode accepts d.
func (d dtype) readable() bool { return d == "F32" || d == "F16" || d == "BF16" }

// decode converts little-endian raw elements of dtype d to float32.
func decode(dst []float32, raw []byte, d dtype) error {
	if !d.readable() {
		return fmt.Errorf("dtype %v; want float32 (float16 and bfloat16 are converted)", d)
	}
	if len(raw) != len(dst)*d.size() {
		return fmt.Errorf("%d bytes for %d %v values", len(raw), len(dst), d)
	}
	switch d {
	case "F32":
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case "F16":
		for i := range dst {
			dst[i] = float16to32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case "BF16":
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
	}
	return nil
}

// float16to32 converts an IEEE 754 binary16 value exactly.
func float16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	case mant == 0: // ±0
		return math.Float32frombits(sign)
	}
	// Subnormal: mant·2^−24, exact in float32.
	v := float32(mant) / (1 << 24)
	if sign != 0 {
		v = -v
	}
	return v
}
