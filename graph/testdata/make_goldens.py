#!/usr/bin/python3
"""Write goldens.bin: PyTorch reference tensors for package graph.

Run from the repository root with Debian's PyTorch (python3-torch 1.13):

    /usr/bin/python3 graph/testdata/make_goldens.py

It writes graph/testdata/goldens.bin, read by graph/graphtest.TestGoldens.
Inputs are drawn in float32 after torch.manual_seed(0); every computation
then runs in float64 on those exact values and the results are rounded to
float32 when written, so the goldens are the exact answers to float32
precision rather than one float32 summation order.

File format, all little-endian:

    magic    8 bytes   b"VKSGOLD\\0"
    version  uint32    1
    count    uint32    number of tensors
    count times:
        name_len  uint32, then name_len bytes of UTF-8 name ("a/conv1")
        ndim      uint32, then ndim uint32 dimensions
        data      prod(dims) float32 values, row-major (NCHW)

Cases (the Go test rebuilds each with the same hyperparameters):

  a/  a small stack at 16×16: x 1×3×16×16 → conv1 3→4 3×3 reflect pad 1
      + bias → relu1 → pool1 (max 2×2) → conv2 4→6 3×3 stride 2 zero pad 1
      + bias → relu2 → pool2 (avg 2×2); loss = weights · [MSE(pool2,
      target), TV(x)]; gradients of x and of all weights and biases.
  b/  a VGG-shaped block: x 1×8×16×16 → conv1 8→16 3×3 pad 1 → relu1 →
      conv2 16→16 3×3 pad 1 → relu2 → pool (max); targets from other
      inputs through the same block; loss = weights · [MSE(relu2,
      content), MSE(Gram(relu1), G1), MSE(Gram(pool), G2), TV(x)], with
      Gram = F·Fᵀ/(C·H·W); frozen weights, gradient of x only. relu1
      feeds both conv2 and a Gram, so its gradients add up.
  resize_up/, resize_down/  F.interpolate(bilinear, align_corners=False)
      to the size of y, with upstream gradient dy and input gradient dx.
  stats/  per-channel mean and sqrt(biased var + eps) over H, W with
      upstream gradients dmean, dstd and input gradient dx.
  kinks/  y = maxpool2x2(relu(x)) on small integers, so there are exact
      zeros and ties; dx for upstream dy pins torch's subgradients.
"""

import os
import struct

import torch
import torch.nn.functional as F

MAGIC = b"VKSGOLD\0"
VERSION = 1

out = []  # (name, tensor)


def put(name, t):
    out.append((name, t.detach().to(torch.float32).contiguous()))


def randn(*shape, scale=1.0):
    """float32 normal values, returned as float64 for exact computation."""
    return (torch.randn(*shape, dtype=torch.float32) * scale).to(torch.float32).double()


def f32(v):
    """A float64 tensor holding float32-rounded values (hyperparameters)."""
    return torch.tensor(v, dtype=torch.float32).double()


def conv(x, w, b, stride=1, pad=1, reflect=False):
    if reflect:
        return F.conv2d(F.pad(x, (pad, pad, pad, pad), mode="reflect"), w, b, stride=stride)
    return F.conv2d(x, w, b, stride=stride, padding=pad)


def gram(x):
    n, c, h, w = x.shape
    f = x.reshape(n, c, h * w)
    return (f @ f.transpose(1, 2) / (c * h * w)).reshape(n, 1, c, c)


def tv(x):
    return ((x[:, :, 1:, :] - x[:, :, :-1, :]) ** 2).sum() + ((x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2).sum()


def kaiming(cout, cin, k):
    return randn(cout, cin, k, k, scale=(2.0 / (cin * k * k)) ** 0.5)


def case_a():
    x = randn(1, 3, 16, 16).requires_grad_()
    w1, b1 = kaiming(4, 3, 3).requires_grad_(), randn(4, scale=0.1).requires_grad_()
    w2, b2 = kaiming(6, 4, 3).requires_grad_(), randn(6, scale=0.1).requires_grad_()
    target = randn(1, 6, 2, 2, scale=0.5)
    weights = f32([1.0, 0.01])
    conv1 = conv(x, w1, b1, reflect=True)
    relu1 = F.relu(conv1)
    pool1 = F.max_pool2d(relu1, 2)
    conv2 = conv(pool1, w2, b2, stride=2)
    relu2 = F.relu(conv2)
    pool2 = F.avg_pool2d(relu2, 2)
    terms = torch.stack([F.mse_loss(pool2, target), tv(x)])
    loss = (weights * terms).sum()
    loss.backward()
    for k, v in [("x", x), ("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2), ("target", target),
                 ("weights", weights), ("conv1", conv1), ("relu1", relu1), ("pool1", pool1),
                 ("conv2", conv2), ("relu2", relu2), ("pool2", pool2), ("terms", terms),
                 ("loss", loss.reshape(1)), ("grad_x", x.grad), ("grad_w1", w1.grad),
                 ("grad_b1", b1.grad), ("grad_w2", w2.grad), ("grad_b2", b2.grad)]:
        put("a/" + k, v)


def case_b():
    w1, b1 = kaiming(16, 8, 3), randn(16, scale=0.1)
    w2, b2 = kaiming(16, 16, 3), randn(16, scale=0.1)

    def block(x):
        conv1 = conv(x, w1, b1)
        relu1 = F.relu(conv1)
        conv2 = conv(relu1, w2, b2)
        relu2 = F.relu(conv2)
        return conv1, relu1, conv2, relu2, F.max_pool2d(relu2, 2)

    style, content = randn(1, 8, 16, 16), randn(1, 8, 16, 16)
    _, s_relu1, _, _, s_pool = block(style)
    gram1_target, gram_pool_target = gram(s_relu1), gram(s_pool)
    content_target = block(content)[3]
    weights = f32([5.0, 100.0, 50.0, 1e-3])

    x = randn(1, 8, 16, 16).requires_grad_()
    conv1, relu1, conv2, relu2, pool = block(x)
    gram1, gram_pool = gram(relu1), gram(pool)
    terms = torch.stack([F.mse_loss(relu2, content_target), F.mse_loss(gram1, gram1_target),
                         F.mse_loss(gram_pool, gram_pool_target), tv(x)])
    loss = (weights * terms).sum()
    loss.backward()
    for k, v in [("x", x), ("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2),
                 ("content_target", content_target), ("gram1_target", gram1_target),
                 ("gram_pool_target", gram_pool_target), ("weights", weights),
                 ("conv1", conv1), ("relu1", relu1), ("conv2", conv2), ("relu2", relu2),
                 ("pool", pool), ("gram1", gram1), ("gram_pool", gram_pool), ("terms", terms),
                 ("loss", loss.reshape(1)), ("grad_x", x.grad)]:
        put("b/" + k, v)


def case_resize(name, shape, size):
    x = randn(*shape).requires_grad_()
    y = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    dy = randn(*y.shape)
    (y * dy).sum().backward()
    for k, v in [("x", x), ("y", y), ("dy", dy), ("dx", x.grad)]:
        put(name + "/" + k, v)


def case_stats():
    x = (randn(2, 3, 5, 7, scale=2.0) + torch.arange(6, dtype=torch.float64).reshape(2, 3, 1, 1)).requires_grad_()
    eps = f32([1e-5])
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = (x.var(dim=(2, 3), unbiased=False, keepdim=True) + eps).sqrt()
    dmean, dstd = randn(*mean.shape), randn(*std.shape)
    ((mean * dmean).sum() + (std * dstd).sum()).backward()
    for k, v in [("x", x), ("eps", eps), ("mean", mean), ("std", std), ("dmean", dmean),
                 ("dstd", dstd), ("dx", x.grad)]:
        put("stats/" + k, v)


def case_kinks():
    x = torch.randint(-1, 3, (1, 2, 5, 7)).double().requires_grad_()
    relu = F.relu(x)
    y = F.max_pool2d(relu, 2)
    dy = randn(*y.shape)
    (y * dy).sum().backward()
    for k, v in [("x", x), ("relu", relu), ("y", y), ("dy", dy), ("dx", x.grad)]:
        put("kinks/" + k, v)


def write(path):
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<II", VERSION, len(out)))
        for name, t in out:
            b = name.encode("utf-8")
            f.write(struct.pack("<I", len(b)) + b)
            f.write(struct.pack("<I", t.dim()) + struct.pack("<%dI" % t.dim(), *t.shape))
            f.write(t.numpy().astype("<f4").tobytes())


def main():
    torch.manual_seed(0)
    case_a()
    case_b()
    case_resize("resize_up", (2, 3, 5, 4), (11, 13))
    case_resize("resize_down", (1, 2, 16, 13), (7, 5))
    case_stats()
    case_kinks()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens.bin")
    write(path)
    print("wrote %s: %d tensors, %d bytes" % (path, len(out), os.path.getsize(path)))


if __name__ == "__main__":
    main()
