"""PyTorch references for cat, stack, index_select, gather, scatter, scatter_add,
index_add, one_hot, sort, argsort and topk.

Every case's last input is a float64 "params" vector (dim, transform, ...) that
the C++ side reads, so one C++ function serves each op. transform names a view
both sides apply to the tensor inputs before the op (the saved inputs are the
contiguous bases): 0 none, 1 .t() on the 2-D ones, 2 channels_last (all 4-D),
3 channels_last on the first input only, 4 [..., ::2] (non-dense)."""
import torch

DTYPES = [
    ("bool", torch.bool), ("uint8", torch.uint8), ("int8", torch.int8), ("int16", torch.int16),
    ("int32", torch.int32), ("int64", torch.int64), ("float16", torch.float16),
    ("bfloat16", torch.bfloat16), ("float32", torch.float32), ("float64", torch.float64),
]
# topk has no bool (nor, in torch 1.13, float16) CPU kernel.
TOPK_DTYPES = [d for d in DTYPES if d[0] not in ("bool", "float16")]


def P(*v):
    return torch.tensor(v, dtype=torch.float64)


def rand(shape, dtype):
    if dtype == torch.bool:
        return torch.rand(shape) > 0.5
    if dtype.is_floating_point:
        return torch.randn(shape).to(dtype)
    if dtype == torch.uint8:
        return torch.randint(0, 100, shape, dtype=dtype)
    return torch.randint(-50, 50, shape, dtype=dtype)


def dups(shape, dtype):
    """Few distinct values, so sorts see many ties."""
    if dtype == torch.bool:
        return torch.rand(shape) > 0.5
    v = torch.randint(0, 4, shape)
    if dtype.is_floating_point:
        v = v.to(dtype) - 1.5
        flat = v.view(-1)
        flat[torch.randperm(flat.numel())[: max(1, flat.numel() // 8)]] = float("nan")
        return v
    return v.to(dtype)


def distinct(shape, dtype):
    """Values that are all different (exact in every dtype used), so topk's indices are unique."""
    n = 1
    for s in shape:
        n *= s
    v = torch.randperm(n).view(shape)
    if dtype == torch.uint8:
        return v.to(dtype)
    v = v - n // 2
    if dtype.is_floating_point and dtype != torch.bfloat16:
        return (v.double() * 0.37).to(dtype)
    return v.to(dtype)


def transform(ts, t):
    if t == 1:
        return [x.t() if x.dim() == 2 else x for x in ts]
    if t == 2:
        return [x.contiguous(memory_format=torch.channels_last) for x in ts]
    if t == 3:
        return [ts[0].contiguous(memory_format=torch.channels_last)] + list(ts[1:])
    if t == 4:
        return [x[..., ::2] for x in ts]
    return list(ts)


def unique_index(self_shape, d, k):
    """An int64 index with k entries along d, no repeats along d (scatter's winner is then defined)."""
    idx = torch.argsort(torch.rand(self_shape), dim=d)
    return idx.narrow(d, 0, k).contiguous()


def generate(cases):
    shape = [4, 5, 6]

    # ---- cat
    for name, dt in DTYPES:
        for d in (0, 1, 2):
            a = rand(shape, dt)
            bs = list(shape)
            bs[d] = 3
            b = rand(bs, dt)
            cases.add(f"cat_{name}_d{d}", [a, b, P(d, 0)], [torch.cat([a, b], d)])
    a, b, c = torch.randn(2, 3, 4), torch.randn(2, 1, 4), torch.randn(2, 2, 4)
    cases.add("cat_neg_dim", [a, b, c, P(-2, 0)], [torch.cat([a, b, c], -2)])
    a, b, c = rand([2, 3], torch.int32), torch.randn(2, 1, dtype=torch.float64), rand([2, 2], torch.bool)
    cases.add("cat_promote", [a, b, c, P(1, 0)], [torch.cat([a, b, c], 1)])
    a, b = torch.randn(2).half(), torch.randn(3).bfloat16()
    cases.add("cat_promote_half_bf16", [a, b, P(0, 0)], [torch.cat([a, b])])
    a, b, c = torch.zeros(0, dtype=torch.float64), rand([2, 3], torch.int32), torch.zeros(0, dtype=torch.int64)
    cases.add("cat_skip_empty", [a, b, c, P(1, 0)], [torch.cat([a, b, c], 1)])
    a, b = torch.randn(4, 2), torch.randn(3, 2)
    cases.add("cat_noncontig", [a, b, P(1, 1)], [torch.cat(transform([a, b], 1), 1)])
    for d in (0, 1, 3):
        a = torch.randn(2, 3, 4, 5)
        bs = [2, 3, 4, 5]
        bs[d] = 2
        b = torch.randn(bs)
        cases.add(f"cat_cl_d{d}", [a, b, P(d, 2)], [torch.cat(transform([a, b], 2), d)], strides=True)
    a, b = torch.randn(2, 3, 4, 5), torch.randn(2, 2, 4, 5)
    cases.add("cat_cl_mixed", [a, b, P(1, 3)], [torch.cat(transform([a, b], 3), 1)], strides=True)
    a, b = torch.randn(2, 3, 4, 5), torch.randn(2, 2, 4, 5).double()
    cases.add("cat_cl_promote", [a, b, P(1, 2)], [torch.cat(transform([a, b], 2), 1)], strides=True)

    # ---- stack
    for name, dt in DTYPES:
        for d in (0, 2, -1):
            ts = [rand([2, 3], dt) for _ in range(3)]
            cases.add(f"stack_{name}_d{d}", ts + [P(d, 0)], [torch.stack(ts, d)])
    ts = [torch.randn(2, 3), rand([2, 3], torch.int64)]
    cases.add("stack_promote", ts + [P(1, 0)], [torch.stack(ts, 1)])
    ts = [torch.randn(3, 2), torch.randn(3, 2)]
    cases.add("stack_noncontig", ts + [P(1, 1)], [torch.stack(transform(ts, 1), 1)])
    for d in (1, 4):
        ts = [torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)]
        cases.add(f"stack_cl_d{d}", ts + [P(d, 2)], [torch.stack(transform(ts, 2), d)], strides=True)

    # ---- index_select
    for name, dt in DTYPES:
        for d in (0, 1, 2):
            x = rand(shape, dt)
            idx = torch.randint(0, shape[d], (7,))
            cases.add(f"index_select_{name}_d{d}", [x, idx, P(d, 0)], [torch.index_select(x, d, idx)])
    x = torch.randn(5, 4)
    idx = torch.tensor([3, 0, 3, 1], dtype=torch.int32)
    cases.add("index_select_int32", [x, idx, P(-1, 0)], [torch.index_select(x, -1, idx)])
    x, idx = torch.randn(6, 4), torch.tensor([5, 0, 2])
    cases.add("index_select_noncontig", [x, idx, P(1, 1)],
              [torch.index_select(*transform([x], 1), 1, idx)])
    x, idx = torch.randn(6, 4), torch.tensor(2)
    cases.add("index_select_scalar_index", [x, idx, P(0, 0)], [torch.index_select(x, 0, idx)])

    # ---- gather
    for name, dt in DTYPES:
        for d in (0, 1, 2):
            x = rand(shape, dt)
            ishape = [3, 4, 5]
            ishape[d] = 7
            idx = torch.randint(0, shape[d], ishape)
            cases.add(f"gather_{name}_d{d}", [x, idx, P(d, 0)], [torch.gather(x, d, idx)])
    x, idx = torch.randn(6, 4), torch.randint(0, 6, (3, 4))
    cases.add("gather_noncontig", [x, idx, P(1, 1)], [torch.gather(x.t(), 1, idx.t())])

    # ---- scatter (src and value), scatter_add
    for name, dt in DTYPES:
        for d in (0, 1, 2):
            x = rand(shape, dt)
            idx = unique_index(shape, d, 3)
            src = rand([s + 1 for s in idx.shape], dt)  # src may be larger than index
            cases.add(f"scatter_{name}_d{d}", [x, idx, src, P(d, 0)], [torch.scatter(x, d, idx, src)])
        x = rand([4, 5], dt)
        idx = unique_index([4, 5], 1, 2)
        cases.add(f"scatter_value_{name}", [x, idx, P(1, 0, 3.5)], [torch.scatter(x, 1, idx, 3.5)])
        for d in (0, 1, 2):
            x = rand(shape, dt)
            ishape = [3, 4, 5]
            ishape[d] = 8
            idx = torch.randint(0, shape[d], ishape)  # duplicates accumulate
            src = rand(ishape, dt)
            cases.add(f"scatter_add_{name}_d{d}", [x, idx, src, P(d, 0)],
                      [torch.scatter_add(x, d, idx, src)])
    x, src = torch.randn(5, 4), torch.randn(3, 4)
    idx = unique_index([4, 5], 1, 3).t().contiguous()  # [3, 4]; transposed back by the transform
    cases.add("scatter_noncontig", [x, idx, src, P(1, 1)],
              [torch.scatter(*transform([x], 1), 1, *transform([idx, src], 1))])

    # ---- index_add
    for name, dt in DTYPES:
        for d in (0, 1, 2):
            x = rand(shape, dt)
            idx = torch.randint(0, shape[d], (7,))
            ss = list(shape)
            ss[d] = 7
            src = rand(ss, dt)
            alpha = True if dt == torch.bool else 2
            cases.add(f"index_add_{name}_d{d}", [x, idx, src, P(d, 0, 2)],
                      [torch.index_add(x, d, idx, src, alpha=alpha)])
    x, src = torch.randn(4, 5), torch.randn(6, 5)
    idx = torch.tensor([3, 3, 0, 1, 3, 2], dtype=torch.int32)
    cases.add("index_add_alpha_int32", [x, idx, src, P(0, 0, 0.5)],
              [torch.index_add(x, 0, idx, src, alpha=0.5)])
    x, src = torch.randn(4, 5), torch.randn(6, 1)
    idx = torch.tensor([3, 3, 0, 1, 3, 2])
    cases.add("index_add_broadcast", [x, idx, src, P(0, 0, 1)], [torch.index_add(x, 0, idx, src)])
    x, src = torch.randn(5, 4), torch.randn(3, 4)
    idx = torch.tensor([1, 1, 3])
    cases.add("index_add_noncontig", [x, idx, src, P(1, 1, 1)],
              [torch.index_add(x.t(), 1, idx, src.t())])
    x, src = torch.randn(9), torch.randn(12)
    idx = torch.randint(0, 9, (12,))
    cases.add("index_add_1d", [x, idx, src, P(0, 0, -1)], [torch.index_add(x, 0, idx, src, alpha=-1)])

    # ---- one_hot
    F = torch.nn.functional
    v = torch.tensor([0, 3, 1, 1, 2])
    cases.add("one_hot_infer", [v, P(-1)], [F.one_hot(v)])
    v = torch.randint(0, 6, (3, 4))
    cases.add("one_hot_classes", [v, P(8)], [F.one_hot(v, 8)])

    # ---- sort / argsort: ties and NaN, stable, both directions, every dim
    for name, dt in DTYPES:
        for d in (0, 1, 2):
            x = dups(shape, dt)
            for desc in (False, True):
                v, i = torch.sort(x, dim=d, descending=desc, stable=True)
                cases.add(f"sort_{name}_d{d}_{'desc' if desc else 'asc'}",
                          [x, P(d, 0, int(desc), 1)], [v, i])
    x = distinct([3, 40], torch.float32)
    for desc in (False, True):
        v, i = torch.sort(x, descending=desc)
        cases.add(f"sort_unstable_{'desc' if desc else 'asc'}", [x, P(-1, 0, int(desc), 0)], [v, i])
    x = dups([6, 5], torch.float32)
    cases.add("sort_noncontig", [x, P(1, 1, 0, 1)], list(torch.sort(x.t(), dim=1, stable=True)), strides=True)
    x = dups([2, 3, 4, 5], torch.float32)
    cases.add("sort_cl", [x, P(1, 2, 1, 1)],
              list(torch.sort(transform([x], 2)[0], dim=1, descending=True, stable=True)), strides=True)
    x = dups([3, 10], torch.float64)
    cases.add("sort_slice", [x, P(-1, 4, 0, 1)], list(torch.sort(x[..., ::2], dim=-1, stable=True)),
              strides=True)
    x = dups([8, 2000], torch.float32)
    cases.add("sort_large", [x, P(1, 0, 0, 1)], list(torch.sort(x, dim=1, stable=True)))
    x = dups([5, 7], torch.int64)
    for desc in (False, True):
        cases.add(f"argsort_{'desc' if desc else 'asc'}", [x, P(0, 0, int(desc), 1)],
                  [torch.argsort(x, dim=0, descending=desc, stable=True)])

    # ---- topk: distinct values so the indices are unique
    for name, dt in TOPK_DTYPES:
        for d in (0, 1, 2):
            x = distinct(shape, dt)
            for largest in (True, False):
                v, i = torch.topk(x, 3, dim=d, largest=largest)
                cases.add(f"topk_{name}_d{d}_{'largest' if largest else 'smallest'}",
                          [x, P(d, 0, 3, int(largest))], [v, i])
    x = distinct([3, 8], torch.float32)
    x[:, 2] = float("nan")
    for largest in (True, False):
        v, i = torch.topk(x, 4, largest=largest)
        cases.add(f"topk_nan_{'largest' if largest else 'smallest'}", [x, P(-1, 0, 4, int(largest))], [v, i])
    x = distinct([4, 3000], torch.float64)
    for k in (50, 2000):
        for largest in (True, False):
            v, i = torch.topk(x, k, largest=largest)
            cases.add(f"topk_large_k{k}_{'largest' if largest else 'smallest'}",
                      [x, P(1, 0, k, int(largest))], [v, i])
    x = distinct([6, 5], torch.float32)
    cases.add("topk_noncontig", [x, P(1, 1, 6, 1)], list(torch.topk(x.t(), 6, 1)))
    x = distinct([2, 3, 4, 5], torch.float32)
    cases.add("topk_cl", [x, P(1, 2, 2, 1)], list(torch.topk(transform([x], 2)[0], 2, 1)), strides=True)
