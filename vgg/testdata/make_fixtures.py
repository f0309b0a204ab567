#!/usr/bin/python3
"""Write the weight-file fixtures and PyTorch goldens of package vgg.

Run from the repository root with Debian's PyTorch (python3-torch 1.13):

    /usr/bin/python3 vgg/testdata/make_fixtures.py

Everything is deterministic (torch.manual_seed(0)) except the storage
keys of tiny19-legacy.pth, which torch's legacy writer takes from memory
addresses (as in real legacy files); commit the script and its outputs
together. Go tests read the files and never need PyTorch.

The network is "tiny VGG19": VGG19's layer table (features.N indices,
3×3 convolutions with padding 1, ReLU, 2×2 pooling) with every layer's
channels divided by 16: 4, 4, pool, 8, 8, pool, 16×4, pool, 32×4, pool,
32×4, pool. Weights are Kaiming-normal float32, biases normal×0.1.

Files written to testdata/ (shared: stylize's and cmd/vkstyle's tests load
them too):

  tiny19.pth          torch.save(state_dict) in the zip format of torch ≥ 1.6
                      (what a re-saved neural-style-pt model looks like):
                      torchvision keys features.N.weight|bias plus a small
                      classifier.0/3/6 that the loader must skip, and a
                      _metadata attribute like Module.state_dict()'s.
  tiny19.safetensors  the same weights with timm's keys (features.N.*,
                      pre_logits.fc1/fc2, head.fc), safetensors written by
                      hand below: u64 LE header length, JSON header with
                      dtype, shape and data_offsets, tensors sorted by name,
                      header padded with spaces to a multiple of 8 bytes.

Files written to vgg/testdata:

  tiny19-legacy.pth   torch.save(..., _use_new_zipfile_serialization=False):
                      the pre-1.6 "legacy" format, features.0 to features.7
                      only (conv1_1 to conv2_2), to keep the fixtures small.
  tiny19-legacy-v1.pth the same tensors in the legacy format as PyTorch
                      0.1–0.3 wrote it (torchvision's vgg19-dcbb9e9d.pth and
                      neural-style-pt's vgg19-d01eb7cb.pth date from 2017):
                      tensors rebuilt by torch._utils._rebuild_tensor
                      (storage, offset, size, stride), written by
                      legacy_save_v1 below and checked with torch.load.
  dtypes.safetensors  one 2×3 tensor stored as F32, F16, BF16 and F64
                      ("f32", "f16", "bf16", "f64"); the values are exact in
                      every dtype.
  resnet.pth          a tiny ResNet-like state dict (conv1, bn1 with a
                      LongStorage num_batches_tracked, layer1.0.conv1, fc).
  float64.pth         tiny VGG19's first two convolutions as float64.
  evil.pth            a zip-format .pth whose data.pkl is a hand-written
                      pickle calling os.system("echo pwned") through GLOBAL
                      'os system' + REDUCE.
  goldens.bin         reference tensors, format below.

goldens.bin is graph/graphtest's goldens format, all little-endian:

    magic    8 bytes   b"VKSGOLD\\0"
    version  uint32    1
    count    uint32    number of tensors
    count times:
        name_len  uint32, then name_len bytes of UTF-8 name
        ndim      uint32, then ndim uint32 dimensions
        data      prod(dims) float32 values, row-major (NCHW)

Tensors (the network input is the float32-rounded torchvision
preprocessing of image x; every computation runs in float64 on float32
weights and is rounded to float32 when written):

  x, x2               1×3×32×32 RGB images, uniform in [0, 1)
  pre_torchvision     (x − mean)/std, mean (0.485, 0.456, 0.406),
                      std (0.229, 0.224, 0.225)
  pre_caffe           x[BGR]·255 − (103.939, 116.779, 123.68)
  max/<layer>         tiny VGG19 with max pooling on pre_torchvision(x):
                      relu1_1 … relu5_1 and pool1 … pool4
  avg/<layer>         the same with average pooling: relu3_1, pool3, relu5_1
  l2/<layer>          the same with crowsonkb's L2 pooling,
                      0.78·lp_pool2d(x, 2, 2): relu3_1, pool3, relu5_1
  l2/grad_x           ∂ mean(l2/relu5_1²) / ∂ pre_torchvision(x)
  content_target      max/relu4_2 of x2
  gram_target         Gram(max/relu1_1 of x2), Gram = F·Fᵀ/(C·H·W)
  gram_relu1_1        Gram(max/relu1_1 of x)
  weights             the loss weights (5, 100)
  terms               [MSE(relu4_2, content_target),
                       MSE(Gram(relu1_1), gram_target)]
  loss                weights · terms
  grad_x              ∂loss/∂(network input), 1×3×32×32
"""

import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = b"VKSGOLD\0"
VERSION = 1

CFG = [4, 4, "M", 8, 8, "M", 16, 16, 16, 16, "M", 32, 32, 32, 32, "M", 32, 32, 32, 32, "M"]
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
CAFFE_MEAN = [103.939, 116.779, 123.68]


def layer_table():
    """(name, kind, features index, cin, cout) like vgg.VGG19, channels /16."""
    out, block, conv, cin = [], 1, 1, 3
    for i, v in enumerate(CFG):
        idx = len(out)  # features.N index: conv, relu, conv, relu, pool …
        if v == "M":
            out.append(("pool%d" % block, "pool", idx, cin, cin))
            block, conv = block + 1, 1
        else:
            out.append(("conv%d_%d" % (block, conv), "conv", idx, cin, v))
            out.append(("relu%d_%d" % (block, conv), "relu", idx + 1, v, v))
            conv, cin = conv + 1, v
    return out


LAYERS = layer_table()


def make_state_dict():
    sd = collections.OrderedDict()
    for name, kind, idx, cin, cout in LAYERS:
        if kind == "conv":
            sd["features.%d.weight" % idx] = torch.randn(cout, cin, 3, 3) * (2.0 / (cin * 9)) ** 0.5
            sd["features.%d.bias" % idx] = torch.randn(cout) * 0.1
    last = 32 * 7 * 7
    for i, (fin, fout) in zip((0, 3, 6), ((last, 4), (4, 4), (4, 10))):
        sd["classifier.%d.weight" % i] = torch.randn(fout, fin) * 0.01
        sd["classifier.%d.bias" % i] = torch.zeros(fout)
    return sd


def timm_keys(sd):
    """Rename torchvision classifier keys like timm's _filter_fn."""
    out = collections.OrderedDict()
    for k, v in sd.items():
        if k == "classifier.0.weight":
            v = v.reshape(-1, 32, 7, 7)
        if k == "classifier.3.weight":
            v = v.reshape(-1, 4, 1, 1)
        k = k.replace("classifier.0", "pre_logits.fc1").replace("classifier.3", "pre_logits.fc2")
        out[k.replace("classifier.6", "head.fc")] = v
    return out


ST_DTYPES = {torch.float32: ("F32", 4), torch.float16: ("F16", 2), torch.bfloat16: ("BF16", 2),
             torch.float64: ("F64", 8)}


def save_safetensors(tensors, path):
    """Write safetensors by hand: sorted by (alignment desc, name) like the
    safetensors library, header padded with spaces to 8 bytes."""
    items = sorted(tensors.items(), key=lambda kv: (-ST_DTYPES[kv[1].dtype][1], kv[0]))
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in items:
        t = t.contiguous()
        raw = t.view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": ST_DTYPES[t.dtype][0], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    # Read it back as a check of the writer.
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        hdr = json.loads(f.read(n))
        data = f.read()
    for name, t in items:
        b, e = hdr[name]["data_offsets"]
        if t.dtype == torch.bfloat16:
            back = torch.frombuffer(bytearray(data[b:e]), dtype=torch.int16).view(torch.bfloat16)
        else:
            back = torch.frombuffer(bytearray(data[b:e]), dtype=t.dtype)
        assert torch.equal(back.reshape(t.shape), t), name


class _Storage:
    """A storage to be written by legacy_save_v1."""

    def __init__(self, key, tensor):
        self.key, self.tensor = key, tensor


class _TensorV1:
    """Pickles like a PyTorch 0.3 tensor: _rebuild_tensor(storage, offset, size, stride)."""

    def __init__(self, storage, t):
        self.storage, self.t = storage, t

    def __reduce__(self):
        return (torch._utils._rebuild_tensor, (self.storage, 0, tuple(self.t.shape), tuple(self.t.stride())))


def legacy_save_v1(sd, path):
    """torch.save's legacy format as PyTorch 0.1–0.3 wrote it."""
    storages = collections.OrderedDict()
    obj = collections.OrderedDict()
    for k, t in sd.items():
        s = _Storage(str(len(storages)), t.contiguous())
        storages[s.key] = s
        obj[k] = _TensorV1(s, t)

    class P(pickle.Pickler):
        def persistent_id(self, o):
            if isinstance(o, _Storage):
                return ("storage", torch.FloatStorage, o.key, "cpu", o.tensor.numel(), None)
            return None

    with open(path, "wb") as f:
        pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump(dict(protocol_version=1001, little_endian=True, type_sizes=dict(short=2, int=4, long=4)),
                    f, protocol=2)
        P(f, protocol=2).dump(obj)
        keys = sorted(storages.keys())
        pickle.dump(keys, f, protocol=2)
        for k in keys:
            t = storages[k].tensor
            f.write(struct.pack("<q", t.numel()))
            f.write(t.numpy().tobytes())
    back = torch.load(path)
    assert list(back.keys()) == list(sd.keys())
    for k in sd:
        assert torch.equal(back[k], sd[k]), k


def save_evil(path):
    """A zip-format .pth whose data.pkl runs os.system when unpickled by Python."""
    evil = b"\x80\x02cos\nsystem\nq\x00X\x0a\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03."
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in (("evil/data.pkl", evil), ("evil/version", b"3\n")):
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)


def save_resnet(path):
    sd = collections.OrderedDict()
    sd["conv1.weight"] = torch.randn(4, 3, 7, 7) * 0.1
    sd["bn1.weight"] = torch.ones(4)
    sd["bn1.bias"] = torch.zeros(4)
    sd["bn1.running_mean"] = torch.zeros(4)
    sd["bn1.running_var"] = torch.ones(4)
    sd["bn1.num_batches_tracked"] = torch.tensor(0, dtype=torch.long)
    sd["layer1.0.conv1.weight"] = torch.randn(4, 4, 3, 3) * 0.1
    sd["fc.weight"] = torch.randn(10, 4) * 0.1
    sd["fc.bias"] = torch.zeros(10)
    torch.save(sd, path)


# --- goldens -----------------------------------------------------------------

out = []


def put(name, t):
    out.append((name, t.detach().to(torch.float32).contiguous()))


def gram(x):
    n, c, h, w = x.shape
    f = x.reshape(n, c, h * w)
    return (f @ f.transpose(1, 2) / (c * h * w)).reshape(n, 1, c, c)


def forward(sd, x, pool):
    feats = {}
    for name, kind, idx, cin, cout in LAYERS:
        if kind == "conv":
            x = F.conv2d(x, sd["features.%d.weight" % idx].double(), sd["features.%d.bias" % idx].double(), padding=1)
        elif kind == "relu":
            x = F.relu(x)
        else:
            if pool == "max":
                x = F.max_pool2d(x, 2)
            elif pool == "avg":
                x = F.avg_pool2d(x, 2)
            else:  # crowsonkb's l2 pooling
                x = F.lp_pool2d(x, 2, 2) * 0.78
        feats[name] = x
    return feats


def preprocess(x):
    mean = torch.tensor(MEAN, dtype=torch.float64).reshape(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float64).reshape(1, 3, 1, 1)
    return ((x.double() - mean) / std).float()


def goldens(sd):
    x, x2 = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    put("x", x)
    put("x2", x2)
    pre = preprocess(x)
    put("pre_torchvision", pre)
    caffe = x.double()[:, [2, 1, 0]] * 255 - torch.tensor(CAFFE_MEAN, dtype=torch.float64).reshape(1, 3, 1, 1)
    put("pre_caffe", caffe)

    inp = pre.double().requires_grad_()
    feats = forward(sd, inp, "max")
    for name, kind, _, _, _ in LAYERS:  # relu1_1 … relu5_1 and pool1 … pool4
        if kind != "conv":
            put("max/" + name, feats[name])
        if name == "relu5_1":
            break
    avg = forward(sd, pre.double(), "avg")
    for name in ("relu3_1", "pool3", "relu5_1"):
        put("avg/" + name, avg[name])

    f2 = forward(sd, preprocess(x2).double(), "max")
    content_target, gram_target = f2["relu4_2"], gram(f2["relu1_1"])
    weights = torch.tensor([5.0, 100.0], dtype=torch.float64)
    g1 = gram(feats["relu1_1"])
    terms = torch.stack([F.mse_loss(feats["relu4_2"], content_target), F.mse_loss(g1, gram_target)])
    loss = (weights * terms).sum()
    loss.backward()
    for k, v in [("content_target", content_target), ("gram_target", gram_target), ("gram_relu1_1", g1),
                 ("weights", weights), ("terms", terms), ("loss", loss.reshape(1)), ("grad_x", inp.grad)]:
        put(k, v)

    # Last, so that adding them changed no other tensor.
    inp2 = pre.double().requires_grad_()
    l2 = forward(sd, inp2, "l2")
    for name in ("relu3_1", "pool3", "relu5_1"):
        put("l2/" + name, l2[name])
    (l2["relu5_1"] ** 2).mean().backward()
    put("l2/grad_x", inp2.grad)


def write_goldens(path):
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<II", VERSION, len(out)))
        for name, t in out:
            b = name.encode("utf-8")
            f.write(struct.pack("<I", len(b)) + b)
            f.write(struct.pack("<I", t.dim()) + struct.pack("<%dI" % t.dim(), *t.shape))
            f.write(t.numpy().astype("<f4").tobytes())


def main():
    assert sys.byteorder == "little"
    torch.manual_seed(0)
    p = lambda name: os.path.join(HERE, name)
    shared = lambda name: os.path.join(HERE, "..", "..", "testdata", name)
    sd = make_state_dict()
    # Like Module.state_dict(): the pickle then BUILDs an attribute.
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("features", {"version": 1})])
    torch.save(sd, shared("tiny19.pth"))
    save_safetensors(timm_keys(sd), shared("tiny19.safetensors"))
    first = collections.OrderedDict((k, v) for k, v in sd.items()
                                    if k.startswith("features.") and int(k.split(".")[1]) <= 7)
    torch.save(first, p("tiny19-legacy.pth"), _use_new_zipfile_serialization=False)
    legacy_save_v1(first, p("tiny19-legacy-v1.pth"))

    vals = torch.tensor([[0.5, -1.25, 2.0], [0.0, 3.5, -0.1875]])
    save_safetensors({"f32": vals, "f16": vals.half(), "bf16": vals.bfloat16(), "f64": vals.double()},
                     p("dtypes.safetensors"))
    save_resnet(p("resnet.pth"))
    torch.save(collections.OrderedDict((k, v.double()) for k, v in first.items()
                                       if int(k.split(".")[1]) <= 2), p("float64.pth"))
    save_evil(p("evil.pth"))

    goldens(sd)
    write_goldens(p("goldens.bin"))
    total = 0
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".py") or name.endswith(".md"):
            continue
        size = os.path.getsize(p(name))
        total += size
        print("%-22s %8d bytes" % (name, size))
    print("%-22s %8d bytes" % ("total", total))


if __name__ == "__main__":
    main()
