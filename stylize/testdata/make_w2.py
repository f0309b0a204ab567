#!/usr/bin/python3
"""Write w2.json: PyTorch goldens of vkstyle's Wasserstein-2 style loss
(stylize/w2.go), as crowsonkb's style-transfer-pytorch defines it
(StyleLossW2 with sqrtm_ns_lyap, 12 iterations, eps 1e-4):

    mean, srm  = the channel means and E[f fᵀ] of the features (C×n)
    cov        = srm − mean meanᵀ + eps·I        (for the image and target)
    target     = the styles' means and srms blended by their weights
    loss       = mean((mean − mean_t)²)
               + mean(diag(cov_t + cov − 2·sqrtm(cov_t^½ · cov · cov_t^½)))

sqrtm is the coupled Newton–Schulz iteration and its backward the
Newton–Schulz solution of the Lyapunov equation, as in crowsonkb's
sqrtm.py. Computed in float64 on float32 inputs, with ∂loss/∂features.
Run with Debian's python3-torch:  /usr/bin/python3 stylize/testdata/make_w2.py
"""
import json
import os

import torch

torch.manual_seed(11)
ITERS, EPS = 12, 1e-4


def ns_sqrt(a, iters):
    """Coupled Newton–Schulz square root of a."""
    norm = a.pow(2).sum().sqrt()
    y = a / norm
    z = torch.eye(a.shape[0], dtype=a.dtype)
    three = 3 * torch.eye(a.shape[0], dtype=a.dtype)
    for _ in range(iters):
        t = (three - z @ y) / 2
        y, z = y @ t, t @ z
    return y * norm.sqrt()


class NSSqrt(torch.autograd.Function):
    """ns_sqrt whose backward solves the Lyapunov equation by Newton–Schulz."""

    @staticmethod
    def forward(ctx, a):
        z = ns_sqrt(a, ITERS)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        nz = z.pow(2).sum().sqrt()
        a, q = z / nz, g / nz
        three = 3 * torch.eye(z.shape[0], dtype=z.dtype)
        for i in range(ITERS):
            e = three - a @ a
            q = (q @ e - a.T @ (a.T @ q - q @ a)) / 2
            if i < ITERS - 1:
                a = a @ e / 2
        return q / 2


def stats(f):
    c = f.shape[1]
    x = f.reshape(c, -1)
    return x.mean(1), x @ x.T / x.shape[1]


def case(c, h, w, styles, weights, scale):
    f = (torch.randn(1, c, h, w) * scale).relu().float()
    fs = [((torch.randn(1, c, hs, ws) * 1.3 + 0.4) * scale).relu().float() for hs, ws in styles]
    mt = st = 0
    for s, wk in zip(fs, weights):
        m, r = stats(s.double())
        mt, st = mt + wk * m, st + wk * r
    eye = torch.eye(c, dtype=torch.float64)
    cov_t = st - torch.outer(mt, mt) + EPS * eye
    root_t = NSSqrt.apply(cov_t)
    x = f.double().requires_grad_()
    m, r = stats(x)
    cov = r - torch.outer(m, m) + EPS * eye
    loss = ((m - mt) ** 2).mean() + torch.diagonal(cov_t + cov - 2 * NSSqrt.apply(root_t @ cov @ root_t)).mean()
    loss.backward()
    return {
        "shape": [1, c, h, w], "styles": [list(s.shape) for s in fs], "weights": weights,
        "features": f.flatten().tolist(), "style": [s.flatten().tolist() for s in fs],
        "loss": loss.item(), "grad": x.grad.flatten().tolist(),
    }


# Positions > channels (a well-conditioned covariance), then fewer
# positions than channels (rank-deficient but for eps, as at VGG's deepest
# layers on small images), then one style at features of VGG's scale.
cases = [
    case(5, 6, 7, [(4, 5), (6, 6)], [0.25, 0.75], 1.0),
    case(16, 3, 4, [(5, 3)], [1.0], 1.0),
    case(8, 5, 5, [(7, 4)], [1.0], 20.0),
]
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "w2.json"), "w") as out:
    json.dump(cases, out, indent=None, separators=(",", ":"))
    out.write("\n")
