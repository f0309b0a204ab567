#!/usr/bin/env python3
"""bench/fast_torch.py: the PyTorch peer of vkstyle's feed-forward benchmarks.

Times one image through the two feed-forward networks of `vkstyle fast` and
`vkstyle adain`, written the way their reference code runs them, so that
bench/fast_compare.sh can set them beside fast.BenchmarkTransformer and
fast.BenchmarkAdaIN:

  tnet   pytorch/examples' fast_neural_style TransformerNet (widths 32, 64,
         128; reflection padding, InstanceNorm2d(affine), nearest x2
         upsampling), input 0-255, one forward pass
  adain  naoto0804/pytorch-AdaIN's encoder (vgg_normalised to relu4_1:
         1x1 conv, reflection padding, ceil-mode max pooling) and decoder;
         per image: encode the style and the content, AdaIN (unbiased
         statistics, eps 1e-5), decode, as test.py's style_transfer does

Random weights (the time does not depend on them); square content and style
of --size pixels; torch.no_grad(), eval mode. The timed steps come after
--warmup untimed ones. One JSON object is printed on the last line of stdout:
model, size, threads, steps, ms_median, ms_min, peak_rss_mib, torch.

  /usr/bin/python3 bench/fast_torch.py --model tnet --size 256 --threads 2
"""
import argparse
import json
import resource
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    sys.exit("fast_torch.py: cannot import torch: apt-get install python3-torch (Debian), or use a python3 that has it")


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.pad = nn.ReflectionPad2d(k // 2)
        self.conv2d = nn.Conv2d(cin, cout, k, stride)

    def forward(self, x):
        return self.conv2d(self.pad(x))


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1, self.in1 = ConvLayer(c, c, 3, 1), nn.InstanceNorm2d(c, affine=True)
        self.conv2, self.in2 = ConvLayer(c, c, 3, 1), nn.InstanceNorm2d(c, affine=True)

    def forward(self, x):
        return self.in2(self.conv2(F.relu(self.in1(self.conv1(x))))) + x


class UpConv(ConvLayer):
    def forward(self, x):
        return super().forward(F.interpolate(x, mode="nearest", scale_factor=2))


def transformer_net():
    return nn.Sequential(
        ConvLayer(3, 32, 9, 1), nn.InstanceNorm2d(32, affine=True), nn.ReLU(),
        ConvLayer(32, 64, 3, 2), nn.InstanceNorm2d(64, affine=True), nn.ReLU(),
        ConvLayer(64, 128, 3, 2), nn.InstanceNorm2d(128, affine=True), nn.ReLU(),
        *[Residual(128) for _ in range(5)],
        UpConv(128, 64, 3, 1), nn.InstanceNorm2d(64, affine=True), nn.ReLU(),
        UpConv(64, 32, 3, 1), nn.InstanceNorm2d(32, affine=True), nn.ReLU(),
        ConvLayer(32, 3, 9, 1))


def pad_conv(cin, cout):
    return [nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3)]


def adain_encoder():
    layers = [nn.Conv2d(3, 3, 1)]
    cin = 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2, 0, ceil_mode=True))
        else:
            layers += pad_conv(cin, v) + [nn.ReLU()]
            cin = v
    return nn.Sequential(*layers)


def adain_decoder():
    layers = []
    cin = 512
    for v in [256, "U", 256, 256, 256, 128, "U", 128, 64, "U", 64]:
        if v == "U":
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
        else:
            layers += pad_conv(cin, v) + [nn.ReLU()]
            cin = v
    return nn.Sequential(*layers, *pad_conv(64, 3))


def mean_std(f, eps=1e-5):
    n, c = f.shape[:2]
    var = f.view(n, c, -1).var(dim=2) + eps
    return f.view(n, c, -1).mean(dim=2).view(n, c, 1, 1), var.sqrt().view(n, c, 1, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["tnet", "adain"], required=True)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (default: torch's)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    s = a.size
    content, style = torch.rand(1, 3, s, s), torch.rand(1, 3, s, s)
    if a.model == "tnet":
        net = transformer_net().eval()

        def one():
            return net(content * 255).clamp(0, 255)
    else:
        enc, dec = adain_encoder().eval(), adain_decoder().eval()

        def one():
            cf, sf = enc(content), enc(style)
            cm, cs = mean_std(cf)
            sm, ss = mean_std(sf)
            return dec((cf - cm) / cs * ss + sm).clamp(0, 1)
    times = []
    with torch.no_grad():
        for i in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            one()
            if i >= a.warmup:
                times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({
        "model": a.model, "size": s, "threads": torch.get_num_threads(), "steps": a.steps,
        "ms_median": statistics.median(times), "ms_min": min(times),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__}))


if __name__ == "__main__":
    main()
