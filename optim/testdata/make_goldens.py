#!/usr/bin/python3
"""Write goldens.json: reference trajectories of torch.optim.Adam and
torch.optim.LBFGS (PyTorch 1.13, float64) for the Go tests of package optim.

Run from anywhere with Debian's PyTorch:

    /usr/bin/python3 optim/testdata/make_goldens.py

It writes goldens.json next to this script. The output is deterministic
(fixed seeds, float64 throughout); rerunning it must give the same file.

Problems (gradients by autograd):

  rosenbrock     f(x) = (1 - x0)^2 + 100 (x1 - x0^2)^2, from x0 = (-1.2, 1)
  least_squares  f(x) = 0.5 * ||A x - b||^2 with A (12x8) and b (12) drawn
                 from torch.randn with seed 7, from x0 drawn after them

File format (JSON, all numbers float64 written with repr, i.e. exactly):

  {
    "format": "vkstyle-optim-goldens",
    "version": 1,
    "torch_version": str,
    "problems": {
      NAME: {"kind": "rosenbrock" | "least_squares",
             "x0": [n floats],
             "A": [[n floats] x m], "b": [m floats]   (least_squares only)}
    },
    "runs": [
      {"name": str,
       "problem": NAME,
       "optimizer": "adam" | "lbfgs",
       "config": {                       # the constructor's arguments
          adam:  "lr", "betas": [b1, b2], "eps", "weight_decay"
          lbfgs: "lr", "max_iter", "max_eval", "tolerance_grad",
                 "tolerance_change", "history_size",
                 "line_search_fn": null | "strong_wolfe"},
       "steps": int,                     # number of optimizer.step calls
       "step_losses": [floats],          # what each step() returned
       "x": [[n floats], ...],           # parameters after each step()
       "eval_losses": [floats],          # loss at every closure call, in order
       "func_evals": [ints],             # lbfgs: state func_evals after each step
       "n_iter": [ints]                  # lbfgs: state n_iter after each step
      }, ...
    ]
  }
"""

import json
import os

import torch

torch.set_default_dtype(torch.float64)


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def make_problems():
    g = torch.Generator().manual_seed(7)
    A = torch.randn(12, 8, generator=g)
    b = torch.randn(12, generator=g)
    x0 = torch.randn(8, generator=g)
    return {
        "rosenbrock": {"kind": "rosenbrock", "x0": [-1.2, 1.0]},
        "least_squares": {"kind": "least_squares", "x0": x0.tolist(),
                          "A": A.tolist(), "b": b.tolist()},
    }


def objective(problem):
    if problem["kind"] == "rosenbrock":
        return rosenbrock
    A = torch.tensor(problem["A"])
    b = torch.tensor(problem["b"])
    return lambda x: 0.5 * ((A @ x - b) ** 2).sum()


def run(name, problems, problem, optimizer, config, steps):
    p = problems[problem]
    f = objective(p)
    x = torch.tensor(p["x0"], requires_grad=True)
    if optimizer == "adam":
        opt = torch.optim.Adam([x], lr=config["lr"], betas=tuple(config["betas"]),
                               eps=config["eps"], weight_decay=config["weight_decay"],
                               foreach=False)
    else:
        opt = torch.optim.LBFGS([x], **config)
    eval_losses = []

    def closure():
        opt.zero_grad()
        loss = f(x)
        loss.backward()
        eval_losses.append(loss.item())
        return loss

    out = {"name": name, "problem": problem, "optimizer": optimizer,
           "config": config, "steps": steps, "step_losses": [], "x": [],
           "eval_losses": eval_losses}
    if optimizer == "lbfgs":
        out["func_evals"] = []
        out["n_iter"] = []
    for _ in range(steps):
        loss = opt.step(closure)
        out["step_losses"].append(float(loss))
        out["x"].append(x.detach().tolist())
        if optimizer == "lbfgs":
            st = opt.state[opt._params[0]]
            out["func_evals"].append(int(st["func_evals"]))
            out["n_iter"].append(int(st["n_iter"]))
    flat = out["x"] + [out["step_losses"], eval_losses]
    for row in flat:
        for v in row:
            assert v == v and abs(v) != float("inf"), (name, v)
    return out


def lbfgs(lr=1, max_iter=20, max_eval=None, history_size=100, line_search_fn=None,
          tolerance_grad=1e-7):
    return {"lr": lr, "max_iter": max_iter,
            "max_eval": max_eval if max_eval is not None else max_iter * 5 // 4,
            "tolerance_grad": tolerance_grad, "tolerance_change": 1e-9,
            "history_size": history_size, "line_search_fn": line_search_fn}


def main():
    problems = make_problems()
    adam = lambda lr, wd=0.0: {"lr": lr, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": wd}
    runs = [
        run("adam_rosenbrock", problems, "rosenbrock", "adam", adam(0.05), 20),
        run("adam_lsq_defaults", problems, "least_squares", "adam", adam(1e-3), 20),
        run("adam_lsq_wd", problems, "least_squares", "adam", adam(0.1, 0.01), 20),
    ]
    for prob, short in (("rosenbrock", "rosenbrock"), ("least_squares", "lsq")):
        # History 5 on the least-squares problem exercises the dropping of
        # old pairs within 20 iterations.
        hist = 100 if prob == "rosenbrock" else 5
        lr_none = 0.5 if prob == "rosenbrock" else 1
        runs += [
            run("lbfgs_none_iter1_" + short, problems, prob, "lbfgs",
                lbfgs(lr=lr_none, max_iter=1, history_size=hist), 20),
            run("lbfgs_wolfe_iter1_" + short, problems, prob, "lbfgs",
                lbfgs(max_iter=1, history_size=hist, line_search_fn="strong_wolfe"), 20),
            run("lbfgs_none_iter20_" + short, problems, prob, "lbfgs",
                lbfgs(lr=lr_none, max_iter=20, history_size=hist), 1),
            run("lbfgs_wolfe_iter20_" + short, problems, prob, "lbfgs",
                lbfgs(max_iter=20, history_size=hist, line_search_fn="strong_wolfe"), 1),
        ]
    runs += [
        # Several iterations per step: without line search the last
        # iteration of a step does not evaluate, the next step does.
        run("lbfgs_none_iter5_lsq", problems, "least_squares", "lbfgs",
            lbfgs(max_iter=5, history_size=5), 4),
        # A loose gradient tolerance stops within a step, and the later
        # steps return at once after their first evaluation.
        run("lbfgs_wolfe_iter5_lsq_tolgrad", problems, "least_squares", "lbfgs",
            lbfgs(max_iter=5, line_search_fn="strong_wolfe", tolerance_grad=1e-3), 5),
    ]
    out = {"format": "vkstyle-optim-goldens", "version": 1,
           "torch_version": torch.__version__, "problems": problems, "runs": runs}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    for r in runs:
        extra = ""
        if r["optimizer"] == "lbfgs":
            extra = " n_iter=%d func_evals=%d" % (r["n_iter"][-1], r["func_evals"][-1])
        print("%-28s final loss %.6g evals %d%s" % (r["name"], r["eval_losses"][-1], len(r["eval_losses"]), extra))


if __name__ == "__main__":
    main()
