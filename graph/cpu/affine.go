package cpu

import "github.com/vkstyle/vkstyle/graph"

// affineArgs checks and returns the operands every ChannelAffine kernel
// shares: x, mean and std.
func (b *Backend[T]) affineArgs(kernel string, p graph.AffineParams, x, mean, std graph.Buffer) (xd, md, sd []T) {
	p.Check()
	nc := p.N * p.C
	return b.arg(kernel, "x", x, p.Shape().Len()), b.arg(kernel, "mean", mean, nc), b.arg(kernel, "std", std, nc)
}

// scaleIndex returns the scale and shift index of plane nc.
func scaleIndex(p graph.AffineParams, nc int) int {
	if p.PerImage {
		return nc
	}
	return nc % p.C
}

// ChannelAffineForward sets y = (x − mean)/std·scale + shift.
func (b *Backend[T]) ChannelAffineForward(x, mean, std, scale, shift, y graph.Buffer, p graph.AffineParams) {
	const k = "ChannelAffineForward"
	xd, md, sd := b.affineArgs(k, p, x, mean, std)
	scd, shd := b.arg(k, "scale", scale, p.ScaleLen()), b.arg(k, "shift", shift, p.ScaleLen())
	yd := b.arg(k, "y", y, len(xd))
	hw := p.H * p.W
	for i := range yd {
		nc := i / hw
		s := scaleIndex(p, nc)
		yd[i] = T((float64(xd[i])-float64(md[nc]))/float64(sd[nc])*float64(scd[s]) + float64(shd[s]))
	}
}

// ChannelAffineBackwardData accumulates dx += dy·scale/std.
func (b *Backend[T]) ChannelAffineBackwardData(dy, std, scale, dx graph.Buffer, p graph.AffineParams) {
	const k = "ChannelAffineBackwardData"
	p.Check()
	dyd := b.arg(k, "dy", dy, p.Shape().Len())
	sd, scd := b.arg(k, "std", std, p.N*p.C), b.arg(k, "scale", scale, p.ScaleLen())
	dxd := b.arg(k, "dx", dx, len(dyd))
	hw := p.H * p.W
	for i := range dxd {
		nc := i / hw
		dxd[i] = T(float64(dxd[i]) + float64(dyd[i])*float64(scd[scaleIndex(p, nc)])/float64(sd[nc]))
	}
}

// planeSums returns, for plane nc, Σ dy and Σ dy·x̂ with x̂ = (x−mean)/std.
func planeSums[T Float](xd, md, sd, dyd []T, hw, nc int) (sumDy, sumDyXhat float64) {
	m, s := float64(md[nc]), float64(sd[nc])
	for i := nc * hw; i < (nc+1)*hw; i++ {
		sumDy += float64(dyd[i])
		sumDyXhat += float64(dyd[i]) * (float64(xd[i]) - m) / s
	}
	return sumDy, sumDyXhat
}

// ChannelAffineBackwardStats accumulates dmean += −scale/std·Σ dy and
// dstd += −scale/std·Σ dy·x̂ per plane.
func (b *Backend[T]) ChannelAffineBackwardStats(x, mean, std, scale, dy, dmean, dstd graph.Buffer, p graph.AffineParams) {
	const k = "ChannelAffineBackwardStats"
	xd, md, sd := b.affineArgs(k, p, x, mean, std)
	scd := b.arg(k, "scale", scale, p.ScaleLen())
	dyd := b.arg(k, "dy", dy, len(xd))
	dmd, dsd := b.arg(k, "dmean", dmean, p.N*p.C), b.arg(k, "dstd", dstd, p.N*p.C)
	for nc := range dmd {
		a, bb := planeSums(xd, md, sd, dyd, p.H*p.W, nc)
		f := -float64(scd[scaleIndex(p, nc)]) / float64(sd[nc])
		dmd[nc] = T(float64(dmd[nc]) + f*a)
		dsd[nc] = T(float64(dsd[nc]) + f*bb)
	}
}

// ChannelAffineBackwardScale accumulates dscale += Σ dy·x̂ and
// dshift += Σ dy over the planes of each scale index.
func (b *Backend[T]) ChannelAffineBackwardScale(x, mean, std, dy, dscale, dshift graph.Buffer, p graph.AffineParams) {
	const k = "ChannelAffineBackwardScale"
	xd, md, sd := b.affineArgs(k, p, x, mean, std)
	dyd := b.arg(k, "dy", dy, len(xd))
	dscd, dshd := b.arg(k, "dscale", dscale, p.ScaleLen()), b.arg(k, "dshift", dshift, p.ScaleLen())
	for nc := 0; nc < p.N*p.C; nc++ {
		a, bb := planeSums(xd, md, sd, dyd, p.H*p.W, nc)
		s := scaleIndex(p, nc)
		dshd[s] = T(float64(dshd[s]) + a)
		dscd[s] = T(float64(dscd[s]) + bb)
	}
}
