"""Seeded random Embedding / EmbeddingBag configurations against PyTorch
(tests/parity/nn_embedding_sweep_test.cpp), each through F.embedding /
F.embedding_bag, the module (weight copied in), the module with _weight or
from_pretrained (freeze or not): padding_idx (none, positive, negative),
max_norm with norm_type 0.5, 1, 1.5, 2, 3 or inf (the weight after forward
shows the in-place renormalisation; with _weight / from_pretrained it is the
given tensor itself), scale_grad_by_freq, index shapes 0-D..3-D with repeats,
no elements and non-contiguous views, int32 / int64 indices and offsets,
float32 / float64 / float16 (bfloat16 and int64 for embedding), a transposed
weight, weights with ties; bags in mode sum / mean / max from 2-D input or
1-D input with offsets, empty bags, include_last_offset, per_sample_weights
(sum); a few large cases for the parallel loops. Outputs: y, the weight after
forward, weight.grad (none when frozen), per_sample_weights.grad.

torch 1.13 bugs kept out of the sweep:
- embedding_bag's scale_grad_by_freq backward divides the k-th distinct row
  by the count of the k-th smallest index; the expected weight gradient is the
  documented one (1 / occurrences in the input), from F.embedding's (right)
  scaling summed per bag; asserted equal to torch's when every row occurs
  equally often.
- a frozen weight with per_sample_weights that require grad fails an internal
  assert; frozen cases have no per_sample_weights.
- float16 / bfloat16 gradients are summed in half precision by torch (ember
  sums in float32): their expected gradients are float64 ones, rounded. So
  are max_norm's row norms (up to 4% off in bfloat16): the expected weight is
  renormalised with float64 norms (renorm_ref), and y computed from it.
- with include_last_offset, indices after the last offset give garbage (sum,
  mean) or heap corruption (max); the last offset is always the input length.

Each case's inputs: weight, indices (stored contiguous), grad_y, offsets,
per_sample_weights (empty when unused; flags say), the parameters (int64:
kind (0 embedding, 1 bag), form (0 functional, 1 module, 2 from_pretrained,
3 module with _weight), padding_idx (NO_PAD: none), has max_norm,
scale_grad_by_freq, mode (0 sum, 1 mean, 2 max), has offsets,
include_last_offset, has per_sample_weights, transposed weight, no grad
(frozen, or an integer weight), indices used with dims 0 and -1 swapped,
create_graph, second order) and (max_norm, norm_type) (float64). Outputs
after those: d(sum(weight.grad * weight)) / d grad_y when second order.

Error texts (err_*, their arguments in args_err_*): random out-of-range
indices, bad offsets and per_sample_weights with mode mean / max.
"""
import random
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from gen_nn_module import error  # noqa: E402 - the shared "Type: message" helper

EMB, BAG = 0, 1
FUNCTIONAL, MODULE, PRETRAINED, WEIGHT = 0, 1, 2, 3  # WEIGHT: the module with _weight
MODES = ("sum", "mean", "max")
NO_PAD = -(2 ** 40)
CASES = 130


def freq_grad(w0, flat, bounds, mode, psw, pad, gy):
    """The documented embedding_bag weight gradient with scale_grad_by_freq."""
    w = w0.clone().requires_grad_(True)
    e = F.embedding(flat, w, padding_idx=pad, scale_grad_by_freq=True)
    if psw is not None:
        e = e * psw.reshape(-1, 1)
    keep = (flat != pad).to(w0.dtype).reshape(-1, 1) if pad is not None else torch.ones(flat.numel(), 1, dtype=w0.dtype)
    rows = []
    for a, b in zip(bounds, bounds[1:]):
        s = (e[a:b] * keep[a:b]).sum(0)
        if mode == "mean":
            s = s / max(int(keep[a:b].sum()), 1)
        rows.append(s)
    if not rows:
        return torch.zeros_like(w0)
    torch.stack(rows).backward(gy)
    return w.grad


def renorm_ref(w, idx, max_norm, p):
    """torch's embedding_renorm_ (row *= max_norm / (norm + 1e-7), in the row's
    op math type) with the norm taken in float64."""
    for r in sorted(set(idx.reshape(-1).tolist())):
        norm = w[r].double().norm(p).item()
        if norm > max_norm:
            w[r] = (w[r].float() * (max_norm / (norm + 1e-7))).to(w.dtype)
    return w


def generate(cases):
    warnings.filterwarnings("ignore")
    rng = random.Random(2024)
    # the random cases, then fixed edges: their forced choices
    plan = [(f"sweep{i:03d}", {}) for i in range(CASES)]
    for mode in range(3):  # no indices: every bag empty, the backward recorded
        plan.append((f"edge_bag_no_indices_{MODES[mode]}",
                     dict(kind=BAG, form=FUNCTIONAL, dtype=torch.float64, mode=mode, bag2d=False, sizes=[0, 0],
                          cg=1, psw=mode == 0)))
        plan.append((f"edge_bag_2d_no_bags_{MODES[mode]}",
                     dict(kind=BAG, form=MODULE, dtype=torch.float32, mode=mode, bag2d=True, bn=(0, 3), cg=1)))
    plan.append(("edge_emb_no_indices", dict(kind=EMB, form=FUNCTIONAL, dtype=torch.float32, shape=[2, 0], cg=1)))
    for name, force in plan:
        def pick(key, thunk, force=force):
            return force[key] if key in force else thunk()
        kind = pick("kind", lambda: rng.choice((EMB, BAG, BAG)))
        form = pick("form", lambda: rng.choice((FUNCTIONAL, FUNCTIONAL, MODULE, PRETRAINED, WEIGHT)))
        floats = (torch.float32,) * 3 + (torch.float64,) * 2 + (torch.float16,)
        dtype = pick("dtype", lambda: rng.choice(floats + ((torch.bfloat16, torch.int64) if kind == EMB else ())))
        if dtype == torch.int64:
            form = FUNCTIONAL
        freeze = int(dtype == torch.int64 or (form == PRETRAINED and rng.random() < 0.3))
        big = not force and rng.random() < 0.08  # enough work for the parallel loops
        V, D = (rng.randint(50, 300), rng.randint(16, 64)) if big else (rng.randint(1, 9), rng.randint(1, 5))
        transposed = int(rng.random() < 0.2)
        pad = rng.randint(-V, V - 1) if rng.random() < 0.4 else None
        max_norm, norm_type = None, 2.0
        if dtype != torch.int64 and rng.random() < 0.3:
            max_norm = rng.choice((0.5, 1.0, 1.5, 2.5))
            norm_type = rng.choice((0.5, 1.0, 1.5, 2.0, 2.0, 3.0, float("inf")))
        freq = int(rng.random() < 0.25)
        mode, has_off, last, psw, idx_t = 1, 0, 0, None, 0
        idt = rng.choice((torch.int64, torch.int64, torch.int32))
        offsets = torch.zeros(0, dtype=torch.int64)
        bounds = None
        if kind == EMB:
            shape = pick("shape", lambda: [rng.randint(0, 4) if rng.random() < 0.1 else rng.randint(1, 4)
                                           for _ in range(rng.choice((0, 1, 1, 2, 2, 3)))])
            if big:
                shape = [rng.randint(20, 60), rng.randint(20, 60)]
            idx = torch.randint(0, V, shape, dtype=idt)
            idx_t = int(idx.dim() >= 2 and rng.random() < 0.3)
        else:
            mode = pick("mode", lambda: rng.choice((0, 0, 1, 1, 2)))
            if mode == 2:
                freq = 0
            if pick("bag2d", lambda: rng.random() < 0.35):
                b, n = pick("bn", lambda: (rng.randint(20, 80), rng.randint(5, 30)) if big
                            else (rng.randint(0, 4), rng.randint(1, 5)))
                idx_t = int(rng.random() < 0.3)
                idx = torch.randint(0, V, (n, b) if idx_t else (b, n), dtype=idt)
                bounds = list(range(0, b * n + 1, n)) if b else [0]
            else:
                has_off = 1
                sizes = pick("sizes", lambda: [rng.choice((0, 1, 2, 3, 4, 5)) for _ in range(rng.randint(0, 5))])
                if big:
                    sizes = [rng.randint(0, 40) for _ in range(rng.randint(20, 80))]
                bounds = [0]
                for s in sizes:
                    bounds.append(bounds[-1] + s)
                idx = torch.randint(0, V, (bounds[-1],), dtype=idt)
                last = int(rng.random() < 0.3)
                offs = bounds if last else bounds[:-1]  # without include_last_offset the last bag ends at N
                offsets = torch.tensor(offs, dtype=rng.choice((idt, idt, torch.int64, torch.int32)))
        stored_idx = idx
        if idx_t:  # a non-contiguous view: the stored tensor with its first and last dims swapped
            idx = idx.transpose(0, -1)
        if kind == BAG and mode == 0 and not freeze and pick("psw", lambda: rng.random() < 0.5):
            psw = torch.randn(idx.shape, dtype=dtype)
        # max mode after max_norm: rows renormalised to one norm can tie to within an ulp, where
        # torch's float norm (an ulp off) and ember's float64 one pick different maxima
        max_ties = not (kind == BAG and mode == 2 and max_norm is not None)
        if not max_ties:
            D = max(D, 2)
        if dtype == torch.int64:
            w0 = torch.randint(-50, 50, (V, D))
        else:
            w0 = torch.randn(V, D, dtype=torch.float64) * rng.choice((0.5, 1.0, 1.5))
            if rng.random() < 0.15 and max_ties:  # ties (max mode keeps the first maximum)
                w0 = w0.round()
            w0 = w0.to(dtype)

        # create_graph: the backward recorded (ember's differentiable backward paths);
        # for embedding also d(sum(weight.grad * weight0)) / d grad_y (torch's double
        # backward ignores scale_grad_by_freq, so not with it)
        cg = int(not freeze and dtype in (torch.float32, torch.float64) and pick("cg", lambda: rng.random() < 0.25))
        second = int(cg and kind == EMB and not freq and idx.numel() > 0)

        # torch
        base = w0.t().contiguous().t() if transposed else w0.clone()
        if form == PRETRAINED:
            if kind == EMB:
                m = nn.Embedding.from_pretrained(base, freeze=bool(freeze), padding_idx=pad, max_norm=max_norm,
                                                 norm_type=norm_type, scale_grad_by_freq=bool(freq))
            else:
                m = nn.EmbeddingBag.from_pretrained(base, freeze=bool(freeze), max_norm=max_norm,
                                                    norm_type=norm_type, scale_grad_by_freq=bool(freq),
                                                    mode=MODES[mode], include_last_offset=bool(last),
                                                    padding_idx=pad)
            w = m.weight
        elif form in (WEIGHT, MODULE):
            # _weight takes base itself; a module of its own weight gets base's values.
            extra = dict(_weight=base) if form == WEIGHT else dict(dtype=dtype)
            if kind == EMB:
                m = nn.Embedding(V, D, padding_idx=pad, max_norm=max_norm, norm_type=norm_type,
                                 scale_grad_by_freq=bool(freq), **extra)
            else:
                m = nn.EmbeddingBag(V, D, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=bool(freq),
                                    mode=MODES[mode], include_last_offset=bool(last), padding_idx=pad, **extra)
            if form == MODULE:
                with torch.no_grad():
                    m.weight.copy_(base)
            w = m.weight
        else:
            w = base.requires_grad_(not freeze)
        p = psw.clone().requires_grad_(True) if psw is not None else None
        off = offsets if has_off else None
        if kind == EMB:
            if form == FUNCTIONAL:
                y = F.embedding(idx, w, padding_idx=pad, max_norm=max_norm, norm_type=norm_type,
                                scale_grad_by_freq=bool(freq))
            else:
                y = m(idx)
        elif form == FUNCTIONAL:
            y = F.embedding_bag(idx, w, off, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=bool(freq),
                                mode=MODES[mode], per_sample_weights=p, include_last_offset=bool(last),
                                padding_idx=pad)
        else:
            y = m(idx, off, per_sample_weights=p)
        gy = torch.randn(y.shape, dtype=torch.float64).to(dtype if dtype.is_floating_point else torch.float32)
        w_after = (base if form in (PRETRAINED, WEIGHT) else w).detach().clone()
        gg = None
        if cg:
            gyr = gy.clone().requires_grad_(True)
            gs = torch.autograd.grad(y, [w] + ([p] if p is not None else []), gyr, create_graph=True,
                                     allow_unused=True)
            w.grad = None if gs[0] is None else gs[0].detach()
            if p is not None:
                p.grad = None if gs[1] is None else gs[1].detach()
            if second:
                gg = torch.autograd.grad((gs[0] * w0).sum(), gyr)[0]
        elif y.requires_grad:
            y.backward(gy)
        outs = [y.detach(), w_after]
        low = dtype in (torch.float16, torch.bfloat16)
        if low and max_norm is not None:
            # torch accumulates a half / bfloat16 row's norm in that precision (up to 4%
            # off for bfloat16): the expected weight is renormalised with float64 norms
            w_after = renorm_ref(w0.clone(), idx, max_norm, norm_type)
            with torch.no_grad():
                if kind == EMB:
                    y = F.embedding(idx, w_after, padding_idx=pad)
                else:
                    y = F.embedding_bag(idx, w_after, off, mode=MODES[mode], per_sample_weights=psw,
                                        include_last_offset=bool(last), padding_idx=pad)
            outs = [y, w_after]
        pgrad = p.grad if p is not None and p.grad is not None else None
        if not freeze:
            g = w.grad if w.grad is not None else torch.zeros_like(w0)
            if low:
                # torch sums gradient rows in half / bfloat16 (ember in float32): the
                # expected gradients are the float64 ones (the weight after max_norm) rounded
                wd = w_after.double().requires_grad_(True)
                pd = psw.double().requires_grad_(True) if psw is not None else None
                if kind == EMB:
                    yd = F.embedding(idx, wd, padding_idx=pad, scale_grad_by_freq=bool(freq))
                else:
                    yd = F.embedding_bag(idx, wd, off, scale_grad_by_freq=bool(freq), mode=MODES[mode],
                                         per_sample_weights=pd, include_last_offset=bool(last), padding_idx=pad)
                yd.backward(gy.double())
                g = wd.grad.to(dtype)
                if pd is not None:
                    pgrad = pd.grad.to(dtype)
            if kind == BAG and freq:
                flat = idx.reshape(-1).long()
                ref = freq_grad(w_after.double(), flat, bounds, MODES[mode],
                                None if psw is None else psw.reshape(-1).double(), None if pad is None else pad % V,
                                gy.double()).to(dtype)
                counts = torch.bincount(flat, minlength=V)
                if not low and len(set(c for c in counts.tolist() if c)) <= 1:
                    assert torch.allclose(ref, g, atol=1e-5), "freq emulation differs from torch"
                g = ref
            outs.append(g)
        if p is not None:
            outs.append(pgrad if pgrad is not None else torch.zeros_like(psw))
        if gg is not None:
            outs.append(gg)
        params = [kind, form, NO_PAD if pad is None else pad, int(max_norm is not None), freq, mode, has_off, last,
                  int(psw is not None), transposed, freeze, idx_t, cg, second]
        cases.add(name,
                  [w0, stored_idx, gy, offsets, psw if psw is not None else torch.zeros(0, dtype=dtype),
                   torch.tensor(params, dtype=torch.int64),
                   torch.tensor([max_norm or 0.0, norm_type], dtype=torch.float64)],
                  outs)

    # ---- error texts, each with its arguments as text "args_<name>": V, mode, the
    # offsets (-1: none), then the indices. The weight is [V, 3] float64 (float64
    # keeps torch's float sum / mean off fbgemm, whose range message differs).
    def err(name, V, mode, offs, idx, two_d=False):
        w = torch.randn(V, 3, dtype=torch.float64)
        t = torch.tensor(idx)
        o = torch.tensor(offs) if offs else None
        if name.startswith("err_emb"):
            fn = lambda: F.embedding(t, w)  # noqa: E731
        else:
            pw = torch.ones(len(idx), dtype=torch.float64) if "psw" in name else None
            fn = lambda: F.embedding_bag(t.reshape(1, -1) if two_d else t, w, o, mode=MODES[mode],  # noqa: E731
                                         per_sample_weights=pw)
        cases.text(name, error(fn))
        cases.text("args_" + name, " ".join(str(v) for v in [V, mode] + (offs or [-1, -1])[:2] + idx))

    for k in range(4):
        V = rng.randint(2, 8)
        bad = rng.choice((V, V + rng.randint(0, 5), -1, -rng.randint(1, 3)))
        idx = [rng.randrange(V) for _ in range(rng.randint(0, 3))]
        idx.insert(rng.randint(0, len(idx)), bad)
        n = len(idx)
        ok = [i % V for i in idx]
        err(f"err_emb_range{k}", V, 0, None, idx)
        err(f"err_bag_range{k}", V, rng.randrange(3), [0, rng.randint(0, n)], idx)
        err(f"err_bag_range_2d{k}", V, 2, None, idx, two_d=True)
        err(f"err_bag_offsets0_{k}", V, rng.randrange(3), [rng.randint(1, n), n], ok)
        err(f"err_bag_offsets_last{k}", V, rng.randrange(3), [0, n + rng.randint(1, 3)], ok)
        err(f"err_bag_psw{k}", V, rng.choice((1, 2)), [0, rng.randint(0, n)], ok)
