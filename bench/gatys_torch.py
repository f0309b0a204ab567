#!/usr/bin/env python3
"""bench/gatys_torch.py: the PyTorch peer of `vkstyle bench`.

Times one iteration of Gatys et al. style transfer written the plain PyTorch
way, with the configuration `vkstyle bench` uses (docs/DESIGN.md §1 and §6),
so that bench/compare.sh can set the two side by side:

  network    VGG19 in torchvision's layout up to relu5_1 (features[:30]), max
             pooling; random weights drawn like vkstyle's vgg.Randomized
             (uniform in ±sqrt(6/fan_in), zero biases), or a torchvision
             state dict with --weights
  input      square random content and style images, preprocessed with
             torchvision's ImageNet mean and std; the optimised image lives
             in that input space, starting from noise of sigma 0.001 Caffe
             units, as in vkstyle
  loss       5 * MSE(relu4_2) + 100 * sum of MSE(Gram) over relu1_1, relu2_1,
             relu3_1, relu4_1, relu5_1 with Gram = F F^T / (C H W),
             + 1e-3/2 * (sum of squared neighbour differences)
  optimiser  L-BFGS (history 100, one evaluation per step, no line search,
             no tolerance stops) or Adam (rate 10 pixel units)

The speed of either engine does not depend on the weights' values.

One JSON object is printed on the last line of stdout; bench/compare.sh reads
threads, ms_median, ms_min, gflops, peak_rss_mib, steps, device and torch.

  /usr/bin/python3 bench/gatys_torch.py --device cpu --threads 2 --size 128 --steps 20
  python3 bench/gatys_torch.py --device cuda --size 512 --steps 20 --tf32 off

On Debian the CPU PyTorch is python3-torch; install libopenblas0-pthread too,
or it runs on the reference BLAS, several times slower.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit("gatys_torch.py: cannot import torch: apt-get install python3-torch (Debian), or use a python3 that has it")

# VGG19's features as torchvision builds them: channels of each 3x3 conv,
# "M" for a 2x2 max pool. Everything up to relu5_1 (torchvision index 29).
VGG19_TO_RELU5_1 = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
                    512, 512, 512, 512, "M", 512]
CONTENT_LAYERS = ["relu4_2"]
STYLE_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
CONTENT_WEIGHT, STYLE_WEIGHT, TV_WEIGHT = 5.0, 100.0, 1e-3

# torchvision's input convention (vgg.Torchvision in vkstyle).
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
# Network-input units per unit of a [0, 1] pixel (vkstyle's InputScale).
INPUT_SCALE = 3 / sum(STD)


def parse_args():
    p = argparse.ArgumentParser(description="Time Gatys style transfer in PyTorch, as `vkstyle bench` does.")
    p.add_argument("--size", type=int, default=256, help="side of the square images in pixels (default 256)")
    p.add_argument("--opt", choices=["lbfgs", "adam"], default="lbfgs", help="optimiser (default lbfgs)")
    p.add_argument("--device", default=None, help="torch device: cpu, cuda, cuda:1 (default: cuda when available)")
    p.add_argument("--steps", type=int, default=10, help="timed iterations (default 10)")
    p.add_argument("--warmup", type=int, default=3, help="untimed iterations first (default 3)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for PyTorch (0: one per core)")
    p.add_argument("--tf32", choices=["on", "off"], default="on",
                   help="let CUDA convolutions and matmuls use TF32 (PyTorch's default for cuDNN; vkstyle is FP32)")
    p.add_argument("--weights", default="", help="a torchvision VGG19 state dict (vgg19-dcbb9e9d.pth) instead of random weights")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights, images and initial noise")
    a = p.parse_args()
    if a.size < 16 or a.steps < 1 or a.warmup < 0:
        p.error("give --size of at least 16 (relu5_1 needs four poolings), --steps of at least 1 and --warmup ≥ 0")
    if a.device is None:
        a.device = "cuda" if torch.cuda.is_available() else "cpu"
    return a


class Features(torch.nn.Module):
    """VGG19 up to relu5_1, returning the activations of the named layers."""

    def __init__(self):
        super().__init__()
        self.names, layers, cin, block, conv = [], [], 3, 1, 1
        for v in VGG19_TO_RELU5_1:
            if v == "M":
                layers.append(torch.nn.MaxPool2d(2, 2))
                self.names.append(f"pool{block}")
                block, conv = block + 1, 1
                continue
            layers += [torch.nn.Conv2d(cin, v, 3, padding=1), torch.nn.ReLU()]
            self.names += [f"conv{block}_{conv}", f"relu{block}_{conv}"]
            cin, conv = v, conv + 1
        # Named "features" so that torchvision's keys (features.N.weight) load.
        self.features = torch.nn.Sequential(*layers)

    def randomise(self, seed):
        g = torch.Generator().manual_seed(seed)
        for m in self.features:
            if isinstance(m, torch.nn.Conv2d):
                fan_in = m.in_channels * m.kernel_size[0] * m.kernel_size[1]
                bound = (6 / fan_in) ** 0.5
                with torch.no_grad():
                    m.weight.copy_((torch.rand(m.weight.shape, generator=g) * 2 - 1) * bound)
                    m.bias.zero_()

    def load(self, path):
        state = torch.load(path, map_location="cpu")
        keep = {k: v for k, v in state.items()
                if k.startswith("features.") and int(k.split(".")[1]) < len(self.features)}
        self.load_state_dict(keep)

    def forward(self, x, wanted):
        out, last = {}, max(self.names.index(n) for n in wanted)
        for i, (name, layer) in enumerate(zip(self.names, self.features)):
            x = layer(x)
            if name in wanted:
                out[name] = x
            if i == last:
                break
        return out


def gram(f):
    n, c, h, w = f.shape
    m = f.reshape(n * c, h * w)
    return m @ m.t() / (c * h * w)


def total_variation(x):
    dy = x[:, :, 1:, :] - x[:, :, :-1, :]
    dx = x[:, :, :, 1:] - x[:, :, :, :-1]
    return (dy * dy).sum() + (dx * dx).sum()


def gflop_per_iteration(size):
    """docs/DESIGN.md §6: convolutions 2·H·W·Cout·Cin·9 and the style Grams
    2·C²·H·W, forward, doubled for the input gradient."""
    hw, cin, total, first_of_block = size * size, 3, 0.0, True
    for v in VGG19_TO_RELU5_1:
        if v == "M":
            hw //= 4
            first_of_block = True
            continue
        total += 2 * hw * v * cin * 9
        if first_of_block:  # relu1_1, relu2_1, … are the style layers
            total += 2 * v * v * hw
        cin, first_of_block = v, False
    return 2 * total / 1e9


def preprocess(rgb, dev):
    mean = torch.tensor(MEAN, device=dev).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=dev).view(1, 3, 1, 1)
    return (rgb.to(dev) - mean) / std


def main():
    a = parse_args()
    torch.set_num_threads(a.threads or os.cpu_count() or 1)
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    if cuda:
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = a.tf32 == "on"
        torch.backends.cuda.matmul.allow_tf32 = a.tf32 == "on"

    net = Features()
    if a.weights:
        net.load(a.weights)
    else:
        net.randomise(a.seed)
    net = net.eval().to(dev)
    for q in net.parameters():
        q.requires_grad_(False)

    g = torch.Generator().manual_seed(a.seed + 1)
    shape = (1, 3, a.size, a.size)
    content = preprocess(torch.rand(shape, generator=g), dev)
    style = preprocess(torch.rand(shape, generator=g), dev)
    with torch.no_grad():
        content_t = net(content, CONTENT_LAYERS)
        style_t = {k: gram(v) for k, v in net(style, STYLE_LAYERS).items()}
    x = (torch.randn(shape, generator=g) * (0.001 * INPUT_SCALE / 255)).to(dev).requires_grad_(True)
    wanted = set(CONTENT_LAYERS) | set(STYLE_LAYERS)

    if a.opt == "lbfgs":
        opt = torch.optim.LBFGS([x], lr=1, max_iter=1, history_size=100,
                                tolerance_grad=-1, tolerance_change=-1, line_search_fn=None)
    else:
        opt = torch.optim.Adam([x], lr=10 * INPUT_SCALE / 255)

    def closure():
        opt.zero_grad()
        f = net(x, wanted)
        loss = CONTENT_WEIGHT * sum(F.mse_loss(f[l], content_t[l]) for l in CONTENT_LAYERS)
        loss = loss + STYLE_WEIGHT * sum(F.mse_loss(gram(f[l]), style_t[l]) for l in STYLE_LAYERS)
        loss = loss + TV_WEIGHT / 2 * total_variation(x)
        loss.backward()
        return loss

    def sync():
        if cuda:
            torch.cuda.synchronize(dev)

    for _ in range(a.warmup):
        opt.step(closure)
    sync()
    if cuda:
        torch.cuda.reset_peak_memory_stats(dev)
    times = []
    loss = None
    for _ in range(a.steps):
        t0 = time.perf_counter()
        loss = opt.step(closure)
        sync()
        times.append(time.perf_counter() - t0)

    median = statistics.median(times)
    gflop = gflop_per_iteration(a.size)
    result = {
        "peer": "pytorch",
        "torch": torch.__version__,
        "device": a.device,
        "device_name": torch.cuda.get_device_name(dev) if cuda else "cpu",
        "threads": torch.get_num_threads(),
        "tf32": a.tf32 if cuda else "n/a",
        "size": a.size,
        "opt": a.opt,
        "weights": a.weights or f"random(seed {a.seed})",
        "warmup": a.warmup,
        "steps": a.steps,
        "ms_median": round(median * 1e3, 3),
        "ms_min": round(min(times) * 1e3, 3),
        "gflop_per_step": round(gflop, 3),
        "gflops": round(gflop / median, 1),
        "loss": float(loss),
        # ru_maxrss is in KiB on Linux.
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if cuda:
        result["peak_gpu_mib"] = round(torch.cuda.max_memory_allocated(dev) / 2**20, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
