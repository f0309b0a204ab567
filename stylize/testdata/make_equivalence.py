#!/usr/bin/python3
"""Reference run of vkstyle's objective in PyTorch, for stylize's
equivalence test. Run from the repository root with Debian's PyTorch
(python3-torch 1.13):

    /usr/bin/python3 stylize/testdata/make_equivalence.py

It rebuilds, independently of vkstyle, what `vkstyle render` computes with
the tiny VGG19 fixture weights (testdata/tiny19.pth, torchvision
convention, max pooling) on stylize/testdata/eq_content.png (64×48) and
eq_style.png (64×64):

    L = 5·MSE(relu4_2(x), relu4_2(c))
      + 100·Σ_{l ∈ relu1_1,relu2_1,relu3_1,relu4_1,relu5_1} MSE(G_l(x), G_l(s))
      + 1e-3/2 · TV(x)
    G_l = F Fᵀ / (C·H·W),  TV = Σ (x[h+1,w]−x[h,w])² + Σ (x[h,w+1]−x[h,w])²

starting from the content image (init "content"), and records
the loss of every evaluation of the objective for
  lbfgs: torch.optim.LBFGS(lr=1, max_iter=20, max_eval=41, history_size=100,
         tolerance_grad=-1, tolerance_change=-1, no line search), one step;
  adam:  torch.optim.Adam(lr=0.05), 20 steps.
The inputs and weights are float32 (as vkstyle reads them); the arithmetic
is float64, so the goldens are the exact trajectory. (PyTorch's own float32
run drifts from it by 0.5 % by the 15th L-BFGS evaluation — L-BFGS without
a line search amplifies rounding — while vkstyle's float32 Vulkan run stays
within 1e-5 of it.)
Output: stylize/testdata/equivalence.json,
    {"lbfgs": [loss of evaluation 0, 1, …], "adam": [...]}.
"""
import json
import os

import numpy as np
import torch
from PIL import Image

torch.set_num_threads(2)
torch.set_default_dtype(torch.float64)
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
CFG = [4, 4, "M", 8, 8, "M", 16, 16, 16, 16, "M", 32, 32, 32, 32, "M", 32, 32, 32, 32, "M"]


def names():
    out, block, conv = [], 1, 1
    for v in CFG:
        if v == "M":
            out += ["pool%d" % block]
            block, conv = block + 1, 1
        else:
            out += ["conv%d_%d" % (block, conv), "relu%d_%d" % (block, conv)]
            conv += 1
    return out


def network():
    sd = {k: v.double() for k, v in torch.load(os.path.join(root, "testdata/tiny19.pth")).items()}
    layers, cin = [], 3
    for v in CFG:
        if v == "M":
            layers.append(torch.nn.MaxPool2d(2, 2))
        else:
            layers += [torch.nn.Conv2d(cin, v, 3, padding=1), torch.nn.ReLU()]
            cin = v
    net = torch.nn.Sequential(*layers)
    net.load_state_dict({k[len("features."):]: v for k, v in sd.items() if k.startswith("features.")})
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def load(name):
    a = np.asarray(Image.open(os.path.join(here, name)).convert("RGB"), dtype=np.float32) / 255
    x = torch.from_numpy(a).permute(2, 0, 1).unsqueeze(0).contiguous()
    return ((x.double() - MEAN) / STD).contiguous()


def features(net, x, want):
    out, ns = {}, names()
    for name, layer in zip(ns, net):
        x = layer(x)
        if name in want:
            out[name] = x
    return out


def gram(f):
    n, c, h, w = f.shape
    f = f.view(c, h * w)
    return f @ f.t() / (c * h * w)


def tv(x):
    return ((x[:, :, 1:, :] - x[:, :, :-1, :]) ** 2).sum() + ((x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2).sum()


def main():
    net = network()
    content, style = load("eq_content.png"), load("eq_style.png")
    style_layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    with torch.no_grad():
        ct = features(net, content, ["relu4_2"])["relu4_2"]
        st = {k: gram(v) for k, v in features(net, style, style_layers).items()}

    def objective(x):
        f = features(net, x, style_layers + ["relu4_2"])
        loss = 5 * torch.nn.functional.mse_loss(f["relu4_2"], ct)
        for l in style_layers:
            loss = loss + 100 * torch.nn.functional.mse_loss(gram(f[l]), st[l])
        return loss + 1e-3 / 2 * tv(x)

    out = {}
    for name, make, steps in [
        ("lbfgs", lambda p: torch.optim.LBFGS(p, lr=1, max_iter=20, max_eval=41, history_size=100,
                                              tolerance_grad=-1, tolerance_change=-1), 1),
        ("adam", lambda p: torch.optim.Adam(p, lr=0.05), 20),
    ]:
        x = content.clone().requires_grad_(True)
        opt = make([x])
        losses = []

        def closure():
            opt.zero_grad()
            loss = objective(x)
            loss.backward()
            losses.append(loss.item())
            return loss

        for _ in range(steps):
            opt.step(closure)
        out[name] = losses
    with open(os.path.join(here, "equivalence.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


main()
