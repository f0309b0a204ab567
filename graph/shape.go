package graph

import "fmt"

// Shape is the size of a 4-D float32 tensor in NCHW order: batch,
// channels, height, width. Every tensor has four dimensions; a scalar is
// 1×1×1×1 (Scalar).
type Shape struct{ N, C, H, W int }

// Scalar is the shape of a loss.
var Scalar = Shape{1, 1, 1, 1}

// NCHW returns Shape{n, c, h, w}.
func NCHW(n, c, h, w int) Shape { return Shape{n, c, h, w} }

// Len returns the number of elements, N·C·H·W.
func (s Shape) Len() int { return s.N * s.C * s.H * s.W }

// Bytes returns the size in bytes as float32, 4·Len.
func (s Shape) Bytes() int64 { return 4 * int64(s.Len()) }

// Valid reports whether every dimension is at least 1.
func (s Shape) Valid() bool { return s.N >= 1 && s.C >= 1 && s.H >= 1 && s.W >= 1 }

// String formats s as "N×C×H×W".
func (s Shape) String() string { return fmt.Sprintf("%d×%d×%d×%d", s.N, s.C, s.H, s.W) }

// FormatBytes formats n bytes with a binary unit, e.g. "64 MiB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.4g %ciB", v, "KMGT"[i-1])
}
