package cpu

import (
	"math"

	"github.com/vkstyle/vkstyle/graph"
)

func (b *Backend[T]) statsArgs(kernel string, p graph.StatsParams, x, mean, std graph.Buffer) (xd, md, sd []T) {
	p.Check()
	return b.arg(kernel, "x", x, p.Shape().Len()), b.arg(kernel, "mean", mean, p.N*p.C), b.arg(kernel, "std", std, p.N*p.C)
}

// ChannelMeanStdForward sets mean and the std (divisor p.Divisor(), Eps
// under the root) of every (n, c) plane of x.
func (b *Backend[T]) ChannelMeanStdForward(x, mean, std graph.Buffer, p graph.StatsParams) {
	xd, md, sd := b.statsArgs("ChannelMeanStdForward", p, x, mean, std)
	hw := p.H * p.W
	for nc := range md {
		plane := xd[nc*hw : (nc+1)*hw]
		var sum float64
		for _, v := range plane {
			sum += float64(v)
		}
		m := sum / float64(hw)
		var ss float64
		for _, v := range plane {
			d := float64(v) - m
			ss += d * d
		}
		md[nc] = T(m)
		sd[nc] = T(math.Sqrt(ss/float64(p.Divisor()) + float64(p.Eps)))
	}
}

// ChannelMeanStdBackward accumulates dx += dmean/(H·W) +
// dstd·(x−mean)/(D·std), D = p.Divisor(), the std term being 0 where std
// is 0.
func (b *Backend[T]) ChannelMeanStdBackward(x, mean, std, dmean, dstd, dx graph.Buffer, p graph.StatsParams) {
	const k = "ChannelMeanStdBackward"
	xd, md, sd := b.statsArgs(k, p, x, mean, std)
	dmd := b.arg(k, "dmean", dmean, p.N*p.C)
	dsd := b.arg(k, "dstd", dstd, p.N*p.C)
	dxd := b.arg(k, "dx", dx, len(xd))
	hw, div := float64(p.H*p.W), float64(p.Divisor())
	for i := range dxd {
		nc := i / (p.H * p.W)
		g := float64(dmd[nc]) / hw
		if s := float64(sd[nc]); s != 0 {
			g += float64(dsd[nc]) * (float64(xd[i]) - float64(md[nc])) / (div * s)
		}
		dxd[i] = T(float64(dxd[i]) + g)
	}
}
