"""PyTorch references for the gradients of ember's views, copies, cat/stack,
indexed ops and sort/topk (tests/parity/autograd_shape_test.cpp).

Each case saves its inputs (contiguous, float32 unless an index), then one
random grad_output per output; the outputs are the op's outputs followed by
the gradients of the inputs that require grad. Layout transforms (transpose,
step slices) are part of the case's function on both sides, so strided inputs
are what is differentiated.
"""
import torch


def _run(cases, name, inputs, diff, fn):
    ins = [t.clone() for t in inputs]
    for i in diff:
        ins[i].requires_grad_()
    outs = fn(*ins)
    if not isinstance(outs, (list, tuple)):
        outs = [outs]
    gouts = [torch.randn(o.shape, dtype=o.dtype) for o in outs]
    torch.autograd.backward(outs, gouts)
    grads = [ins[i].grad if ins[i].grad is not None else torch.zeros_like(ins[i]) for i in diff]
    cases.add(name, list(inputs) + gouts, [o.detach() for o in outs] + grads)


def r(*shape):
    return torch.randn(shape)


def perm_index(n, shape, dim):
    """An int64 index of `shape` whose entries along dim are distinct values in [0, n)."""
    idx = torch.empty(shape, dtype=torch.int64)
    moved = idx.movedim(dim, -1).reshape(-1, shape[dim])
    for row in moved:
        row.copy_(torch.randperm(n)[: shape[dim]])
    return moved.reshape(idx.movedim(dim, -1).shape).movedim(-1, dim).contiguous()


def generate(cases):
    def one(name, x, fn):
        _run(cases, name, [x], [0], fn)

    # ---- views
    one("view", r(2, 3, 4), lambda x: x.view(6, 4))
    one("view_as", r(2, 6), lambda x: x.view_as(torch.empty(3, 4)))
    one("reshape.view", r(2, 3, 4), lambda x: x.reshape(4, 6))
    one("reshape.copy", r(4, 3), lambda x: x.t().reshape(12))
    one("flatten", r(2, 3, 4), lambda x: x.flatten(1))
    one("flatten.t", r(4, 3), lambda x: x.t().flatten())
    one("unflatten", r(2, 12), lambda x: x.unflatten(1, (3, 4)))
    one("squeeze", r(2, 1, 3, 1), lambda x: x.squeeze())
    one("squeeze.dim", r(2, 1, 3, 1), lambda x: x.squeeze(1))
    one("unsqueeze", r(3, 4), lambda x: x.unsqueeze(1))
    one("unsqueeze.t", r(4, 3), lambda x: x.t().unsqueeze(-1))
    one("permute", r(2, 3, 4), lambda x: x.permute(2, 0, 1))
    one("movedim", r(2, 3, 4), lambda x: x.movedim(0, 2))
    one("transpose", r(2, 3, 4), lambda x: x.transpose(0, 2))
    one("t", r(3, 4), lambda x: x.t())
    one("mT", r(2, 3, 4), lambda x: x.mT)
    one("expand", r(3, 1), lambda x: x.expand(2, 3, 4))
    one("expand.t", r(1, 3), lambda x: x.t().expand(3, 5))
    one("expand_as", r(4), lambda x: x.expand_as(torch.empty(3, 4)))
    one("narrow", r(5, 4), lambda x: x.narrow(0, 1, 3))
    one("slice.step", r(6, 4), lambda x: x[1::2])
    one("slice.t", r(4, 6), lambda x: x.t()[2:5])
    one("select", r(3, 4), lambda x: x.select(1, 2))
    one("select.neg", r(3, 4), lambda x: x[-1])
    one("index", r(3, 4, 5), lambda x: x[1, :, None, 2:4])
    one("index.ellipsis", r(3, 4, 5), lambda x: x[..., 1])
    one("as_strided", r(12), lambda x: x.as_strided((3, 3), (3, 1), 1))
    one("as_strided.overlap", r(10), lambda x: x.as_strided((3, 4), (2, 1)))
    one("as_strided.expand", r(6), lambda x: x.as_strided((2, 3, 2), (0, 2, 1)))
    one("split", r(5, 4), lambda x: x.split(2))
    one("split.dim1", r(3, 5), lambda x: x.split(2, 1))
    one("split_with_sizes", r(5, 4), lambda x: x.split([1, 4]))
    one("chunk", r(4, 6), lambda x: x.chunk(3, 1))
    one("unbind", r(3, 4), lambda x: x.unbind(1))
    one("unbind.t", r(3, 4), lambda x: x.t().unbind())
    one("diagonal", r(3, 4), lambda x: x.diagonal(1))
    one("diagonal.neg", r(4, 3), lambda x: x.diagonal(-1))
    one("diagonal.3d", r(2, 3, 4), lambda x: x.diagonal(0, 0, 2))

    # ---- copies
    one("clone.t", r(4, 3), lambda x: x.t().clone())
    one("contiguous.t", r(4, 3), lambda x: x.t().contiguous())
    one("to.f64", r(3, 4), lambda x: x.to(torch.float64))
    one("to.f64.t", r(4, 3), lambda x: x.t().to(torch.float64))
    one("double", r(3, 4), lambda x: x.double())
    _run(cases, "copy_.broadcast", [r(3, 4), r(4)], [0, 1], lambda a, s: a.clone().copy_(s))
    _run(cases, "copy_.slice", [r(3, 4), r(2, 4)], [0, 1],
         lambda a, s: _inplace(a.clone(), lambda y: y[1:].copy_(s)))
    _run(cases, "copy_.f64", [r(3, 4), r(3, 4).double()], [0, 1],
         lambda a, s: a.clone().copy_(s))
    _run(cases, "copy_.into_plain", [r(2)], [0], lambda s: _copy_into_zeros(s))
    one("fill_", r(3, 4), lambda x: x.clone().fill_(2.5))
    _run(cases, "fill_.tensor", [r(3, 4), torch.tensor(1.5)], [0, 1],
         lambda a, v: a.clone().fill_(v))
    one("fill_.row", r(3, 4), lambda x: _inplace(x.clone(), lambda y: y[1].fill_(0.5)))
    one("zero_.col", r(3, 4), lambda x: _inplace(x.clone(), lambda y: y[:, 2].zero_()))
    one("select.mul_", r(3, 4), lambda x: _inplace(x.clone(), lambda y: y.select(0, 1).mul_(2)))

    # ---- cat / stack
    _run(cases, "cat.dim0", [r(2, 3), r(3, 3)], [0, 1], lambda a, b: torch.cat([a, b]))
    _run(cases, "cat.dim1.t", [r(3, 2), r(2, 4)], [0, 1], lambda a, b: torch.cat([a.t(), b], 1))
    _run(cases, "cat.const", [r(2, 3), r(2, 3)], [0], lambda a, b: torch.cat([b, a, b], 0))
    _run(cases, "cat.empty", [r(2, 3), torch.empty(0)], [0, 1], lambda a, e: torch.cat([e, a]))
    _run(cases, "stack.dim0", [r(3, 4), r(3, 4)], [0, 1], lambda a, b: torch.stack([a, b]))
    _run(cases, "stack.dim1", [r(3, 4), r(4, 3)], [0, 1], lambda a, b: torch.stack([a, b.t()], 1))
    _run(cases, "stack.dim2", [r(3, 4), r(3, 4)], [0, 1], lambda a, b: torch.stack([a, b], 2))

    # ---- indexed ops (indices are inputs without gradients)
    i0 = torch.tensor([2, 0, 2, 1])
    _run(cases, "index_select", [r(3, 4), i0], [0], lambda x, i: x.index_select(0, i))
    _run(cases, "index_select.dim1.t", [r(5, 3), i0], [0], lambda x, i: x.t().index_select(1, i))
    gi = torch.randint(0, 3, (4, 2))
    _run(cases, "gather", [r(3, 4), gi.t().contiguous()], [0], lambda x, i: x.gather(0, i))
    _run(cases, "gather.dim1", [r(3, 4), gi[:3]], [0], lambda x, i: x.gather(1, i))
    si = perm_index(4, (3, 4), 0)
    _run(cases, "scatter.src", [r(4, 4), si, r(3, 4)], [0, 2], lambda x, i, s: x.scatter(0, i, s))
    _run(cases, "scatter.value", [r(4, 4), si], [0], lambda x, i: x.scatter(0, i, 1.5))
    ai = torch.randint(0, 4, (3, 4))
    _run(cases, "scatter_add", [r(4, 4), ai, r(3, 4)], [0, 2],
         lambda x, i, s: x.scatter_add(0, i, s))
    _run(cases, "scatter_.src", [r(4, 4), si, r(3, 4)], [0, 2],
         lambda x, i, s: x.clone().scatter_(0, i, s))
    _run(cases, "scatter_.value", [r(4, 4), si], [0], lambda x, i: x.clone().scatter_(0, i, -2.0))
    _run(cases, "scatter_add_", [r(4, 4), ai, r(3, 4)], [0, 2],
         lambda x, i, s: x.clone().scatter_add_(0, i, s))
    _run(cases, "index_add", [r(3, 4), i0, r(4, 4)], [0, 2],
         lambda x, i, s: x.index_add(0, i, s))
    _run(cases, "index_add.alpha.dim1", [r(4, 3), i0[:3], r(4, 3)], [0, 2],
         lambda x, i, s: x.index_add(1, i, s, alpha=2.0))
    _run(cases, "index_add_", [r(3, 4), i0, r(4, 4)], [0, 2],
         lambda x, i, s: x.clone().index_add_(0, i, s, alpha=-0.5))

    # ---- sort / topk
    one("sort", r(3, 5), lambda x: x.sort(1, True)[0])
    one("sort.dim0.t", r(5, 3), lambda x: x.t().sort(0)[0])
    one("topk", r(5, 3), lambda x: x.topk(2, 0)[0])
    one("topk.smallest", r(3, 6), lambda x: x.topk(3, 1, largest=False)[0])


def _inplace(y, op):
    op(y)
    return y


def _copy_into_zeros(s):
    x = torch.zeros(3)
    x[:2].copy_(s)
    return x
