package preview

import "github.com/vkstyle/vkstyle/stylize"

// regionTints are the colours the content thumbnail tints each style's
// region with, in the order of the styles.
var regionTints = [][3]float32{{1, 0.2, 0.2}, {0.2, 0.5, 1}, {0.2, 0.9, 0.3}, {1, 0.85, 0.1}, {0.8, 0.3, 1}, {0.1, 0.9, 0.9}}

// withRegions is content with each content mask's region tinted (40 % of
// its colour where the mask is white, less where it is grey), so that the
// content thumbnail shows where each style goes. Without masks it is
// content.
func withRegions(content *stylize.Image, masks []*stylize.Image) *stylize.Image {
	if len(masks) == 0 || content == nil {
		return content
	}
	out := content.Clone()
	n := content.W * content.H
	for k, m := range masks {
		m = m.Resize(content.W, content.H)
		tint := regionTints[k%len(regionTints)]
		for i := range n {
			a := 0.4 * min(max(0.299*m.Pix[i]+0.587*m.Pix[n+i]+0.114*m.Pix[2*n+i], 0), 1)
			for c := range 3 {
				out.Pix[c*n+i] = out.Pix[c*n+i]*(1-a) + tint[c]*a
			}
		}
	}
	return out
}
