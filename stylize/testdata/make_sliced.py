#!/usr/bin/python3
"""Write sliced.json: PyTorch goldens of vkstyle's sliced Wasserstein
style loss (stylize/sliced.go), after Heitz et al. (2021):

    P = D·F          (D: K×C unit directions, F: C×n features)
    S = sort(P)      (each row ascending)
    T = sort(D·Fs)   (the style's features, C×m), stretched to n by
                     taking column floor((2i+1)·m/(2n)) for column i
    loss = mean((S − T)²)

computed in float64 on float32 inputs, with ∂loss/∂F. Run with Debian's
python3-torch:  /usr/bin/python3 stylize/testdata/make_sliced.py
"""
import json
import os

import torch

torch.manual_seed(7)


def case(c, h, w, hs, ws):
    f = torch.randn(1, c, h, w).float()
    fs = (torch.randn(1, c, hs, ws) * 1.5 + 0.3).float()
    d = torch.randn(c, c)
    d = (d / d.norm(dim=1, keepdim=True)).float()
    x = f.double().requires_grad_()
    p = torch.einsum("kc,cn->kn", d.double(), x.reshape(c, h * w))
    q = torch.einsum("kc,cn->kn", d.double(), fs.double().reshape(c, hs * ws))
    s = torch.sort(p, dim=1)[0]
    t = torch.sort(q, dim=1)[0]
    n, m = h * w, hs * ws
    idx = torch.tensor([(2 * i + 1) * m // (2 * n) for i in range(n)])
    t = t[:, idx]
    loss = ((s - t) ** 2).mean()
    loss.backward()
    return {
        "shape": [1, c, h, w], "style_shape": [1, c, hs, ws],
        "features": f.flatten().tolist(), "style": fs.flatten().tolist(),
        "directions": d.flatten().tolist(),
        "loss": loss.item(), "grad": x.grad.flatten().tolist(),
    }


cases = [case(3, 6, 7, 4, 5), case(3, 5, 4, 4, 5), case(3, 3, 4, 6, 9)]
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "sliced.json"), "w") as out:
    json.dump(cases, out, indent=None, separators=(",", ":"))
    out.write("\n")
