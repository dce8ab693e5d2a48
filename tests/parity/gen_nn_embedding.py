"""nn.Embedding / EmbeddingBag / Bilinear and nn.init's eye_, dirac_,
trunc_normal_, orthogonal_, sparse_ parity (tests/parity/nn_embedding_test.cpp):
forward values and weight / input / per-sample-weight gradients with torch's
weights passed in, max_norm's in-place renormalisation, default-init and
random-init statistics (ember draws its own numbers), exact init properties,
printed modules, state_dict keys and error messages (stored as text)."""
import warnings

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn import init

from gen_nn_module import error  # noqa: E402 - the shared "Type: message" helper

warnings.filterwarnings("ignore")


def stats(t, bounds=True):
    t = t.detach().double()
    return torch.stack([t.mean(), t.std()] + ([t.min(), t.max()] if bounds else []))


def emb_case(cases, name, idx, dtype=torch.float32, **kw):
    """in: weight, idx, grad_y; out: y, weight after forward, weight.grad."""
    w0 = torch.randn(7, 3, dtype=dtype)
    w = w0.clone().requires_grad_(True)
    y = F.embedding(idx, w, **kw)
    gy = torch.randn(y.shape, dtype=dtype)
    y.backward(gy)
    cases.add(name, [w0, idx, gy], [y.detach(), w.detach(), w.grad])


def bag_case(cases, name, idx, offsets=None, psw=None, dtype=torch.float32, **kw):
    """in: weight, idx, grad_y[, offsets][, psw]; out: y, weight after, weight.grad[, psw.grad]."""
    w0 = torch.randn(7, 3, dtype=dtype)
    w = w0.clone().requires_grad_(True)
    p = psw.clone().requires_grad_(True) if psw is not None else None
    y = F.embedding_bag(idx, w, offsets, per_sample_weights=p, **kw)
    gy = torch.randn(y.shape, dtype=dtype)
    y.backward(gy)
    ins = [w0, idx, gy] + ([offsets] if offsets is not None else []) + ([psw] if psw is not None else [])
    outs = [y.detach(), w.detach(), w.grad] + ([p.grad] if p is not None else [])
    cases.add(name, ins, outs)


def bag_freq_case(cases, name, flat, offs, mode):
    """embedding_bag with scale_grad_by_freq. torch 1.13's CPU backward divides
    the k-th distinct row's gradient by the count of the k-th smallest index
    (counts[indices[i]] with i the group number, not the group's start), so
    only indices whose every row occurs equally often get torch's documented
    result. ember implements the documented scaling (1 / occurrences of the
    row in the input), which is computed here by F.embedding (whose scaling is
    right) summed per bag; the forward value is torch's embedding_bag's."""
    w0 = torch.randn(7, 3)
    w = w0.clone().requires_grad_(True)
    y = F.embedding_bag(flat, w0, offs, mode=mode)
    gy = torch.randn(y.shape)
    e = F.embedding(flat, w, scale_grad_by_freq=True)
    bounds = offs.tolist() + [flat.numel()]
    rows = [e[a:b].sum(0) / (max(b - a, 1) if mode == "mean" else 1) for a, b in zip(bounds, bounds[1:])]
    ref = torch.stack(rows)
    assert torch.allclose(ref, y, atol=1e-6)
    ref.backward(gy)
    cases.add(name, [w0, flat, gy, offs], [y, w.detach(), w.grad])


def bilinear_case(cases, name, s1, s2, out, bias=True, dtype=torch.float32):
    """in: x1, x2, gy, weight[, bias]; out: y, x1.grad, x2.grad, weight.grad[, bias.grad]."""
    m = nn.Bilinear(s1[-1], s2[-1], out, bias=bias).to(dtype)
    x1 = torch.randn(*s1, dtype=dtype, requires_grad=True)
    x2 = torch.randn(*s2, dtype=dtype, requires_grad=True)
    y = m(x1, x2)
    gy = torch.randn(y.shape, dtype=dtype)
    y.backward(gy)
    ins = [x1.detach(), x2.detach(), gy, m.weight.detach().clone()]
    outs = [y.detach(), x1.grad, x2.grad, m.weight.grad]
    if bias:
        ins.append(m.bias.detach().clone())
        outs.append(m.bias.grad)
    cases.add(name, ins, outs)


def generate(cases):
    long = torch.int64
    # ---- embedding
    idx = torch.tensor([[0, 2, 4, 2], [6, 1, 2, 0]])
    emb_case(cases, "emb_plain", idx)
    emb_case(cases, "emb_int32", idx.int())
    emb_case(cases, "emb_1d", torch.tensor([3, 3, 5]))
    emb_case(cases, "emb_0d", torch.tensor(4))
    emb_case(cases, "emb_3d", torch.randint(0, 7, (2, 3, 2)))
    emb_case(cases, "emb_padding", idx, padding_idx=2)
    emb_case(cases, "emb_padding_neg", idx, padding_idx=-1)
    emb_case(cases, "emb_freq", idx, scale_grad_by_freq=True)
    emb_case(cases, "emb_freq_padding", idx, padding_idx=0, scale_grad_by_freq=True)
    emb_case(cases, "emb_max_norm", idx, max_norm=1.0)
    emb_case(cases, "emb_max_norm_p1", idx, max_norm=1.5, norm_type=1.0)
    emb_case(cases, "emb_max_norm_inf", idx, max_norm=0.8, norm_type=float("inf"))
    emb_case(cases, "emb_float64", idx, dtype=torch.float64, padding_idx=4)

    # ---- embedding_bag
    flat = torch.tensor([0, 2, 4, 2, 6, 1, 2, 0, 5])
    offs = torch.tensor([0, 3, 3, 7])
    for mode in ["sum", "mean", "max"]:
        bag_case(cases, f"bag_{mode}", flat, offs, mode=mode)
        bag_case(cases, f"bag_{mode}_2d", idx, mode=mode)
        bag_case(cases, f"bag_{mode}_padding", flat, offs, mode=mode, padding_idx=2)
        bag_case(cases, f"bag_{mode}_last_offset", flat, torch.tensor([0, 3, 3, 7, 9]), mode=mode,
                 include_last_offset=True)
        bag_case(cases, f"bag_{mode}_max_norm", flat, offs, mode=mode, max_norm=1.0)
        bag_case(cases, f"bag_{mode}_float64", flat, offs, mode=mode, dtype=torch.float64)
    bag_freq_case(cases, "bag_sum_freq", flat, offs, "sum")
    bag_freq_case(cases, "bag_mean_freq", flat, offs, "mean")
    bag_case(cases, "bag_int32", flat.int(), offs.int(), mode="mean")
    bag_case(cases, "bag_psw", flat, offs, psw=torch.randn(9), mode="sum")
    bag_case(cases, "bag_psw_padding", flat, offs, psw=torch.randn(9), mode="sum", padding_idx=0)
    bag_case(cases, "bag_psw_2d", idx, psw=torch.randn(2, 4), mode="sum")

    # ---- bilinear
    bilinear_case(cases, "bilinear_2d", (4, 3), (4, 5), 6)
    bilinear_case(cases, "bilinear_3d", (2, 3, 4), (2, 3, 2), 5)
    bilinear_case(cases, "bilinear_1d", (3,), (4,), 2)
    bilinear_case(cases, "bilinear_nobias", (4, 3), (4, 5), 6, bias=False)
    bilinear_case(cases, "bilinear_float64", (4, 3), (4, 5), 6, dtype=torch.float64)

    # ---- default init statistics (inputs: the sizes)
    cases.add("init_embedding", [torch.tensor([1000, 64])], stats(nn.Embedding(1000, 64).weight, False))
    cases.add("init_embedding_bag", [torch.tensor([1000, 64])],
              stats(nn.EmbeddingBag(1000, 64).weight, False))
    b = nn.Bilinear(20, 30, 40)
    cases.add("init_bilinear_weight", [torch.tensor([20, 30, 40])], stats(b.weight))
    b = nn.Bilinear(16, 3, 20000)
    cases.add("init_bilinear_bias", [torch.tensor([16, 3, 20000])], stats(b.bias))
    p = nn.Embedding(10, 3, padding_idx=4).weight
    cases.add("init_padding_row", [], [p[4].detach()])

    # ---- the new nn.init functions
    t = torch.empty(300, 400)
    init.trunc_normal_(t)
    cases.add("init_trunc_normal", [torch.tensor([300, 400])], stats(t))
    t = torch.empty(300, 400)
    init.trunc_normal_(t, mean=1.0, std=2.0, a=-1.0, b=2.0)
    cases.add("init_trunc_normal_args", [torch.tensor([300, 400])], stats(t))
    for name, shape, gain in [("init_orthogonal", (256, 128), 1.0), ("init_orthogonal_wide", (64, 512), 2.0),
                              ("init_orthogonal_4d", (64, 16, 3, 3), 1.0)]:
        t = torch.empty(*shape)
        init.orthogonal_(t, gain)
        m = t.reshape(shape[0], -1).double()
        gram = m.t() @ m if m.shape[0] >= m.shape[1] else m @ m.t()
        cases.add(name, [torch.tensor(shape)], [stats(t, False), gram])
    t = torch.empty(50, 80)
    init.sparse_(t, 0.25, std=0.3)
    cases.add("init_sparse", [torch.tensor([50, 80])],
              [(t == 0).sum(0), t.pow(2).sum() / (t != 0).sum()])
    cases.add("init_eye", [], [init.eye_(torch.empty(3, 5)), init.eye_(torch.empty(4, 2))])
    cases.add("init_dirac", [], [init.dirac_(torch.empty(4, 3, 3, 3)),
                                 init.dirac_(torch.empty(6, 2, 3), groups=3),
                                 init.dirac_(torch.empty(4, 2, 2, 3, 3), groups=2)])

    # ---- printed forms, state_dict keys
    cases.text("repr_embedding", repr(nn.Embedding(10, 3)))
    cases.text("repr_embedding_all", repr(nn.Embedding(10, 3, padding_idx=-3, max_norm=2.5, norm_type=1.0,
                                                       scale_grad_by_freq=True, sparse=True)))
    cases.text("repr_embedding_pretrained", repr(nn.Embedding.from_pretrained(torch.ones(4, 2), padding_idx=1)))
    cases.text("repr_bag", repr(nn.EmbeddingBag(10, 3)))
    cases.text("repr_bag_all", repr(nn.EmbeddingBag(10, 3, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True,
                                                    mode="sum", padding_idx=2)))
    cases.text("repr_bag_max", repr(nn.EmbeddingBag(10, 3, mode="max", include_last_offset=True)))
    cases.text("repr_bilinear", repr(nn.Bilinear(3, 4, 5)))
    cases.text("repr_bilinear_nobias", repr(nn.Bilinear(3, 4, 5, bias=False)))
    seq = nn.Sequential(nn.Embedding(10, 3), nn.EmbeddingBag(10, 3), nn.Bilinear(3, 4, 5))
    cases.text("repr_seq", repr(seq))
    cases.text("keys_seq", ",".join(f"{k}:{tuple(v.shape)}" for k, v in seq.state_dict().items()))
    cases.text("grad_fn_embedding", type(F.embedding(idx, torch.ones(7, 3, requires_grad=True)).grad_fn).__name__)
    cases.text("grad_fn_bag", type(F.embedding_bag(idx, torch.ones(7, 3, requires_grad=True)).grad_fn).__name__)
    cases.text("pretrained_requires_grad", str([nn.Embedding.from_pretrained(torch.ones(2, 2)).weight.requires_grad,
                                                nn.Embedding.from_pretrained(torch.ones(2, 2), freeze=False)
                                                .weight.requires_grad]))

    # ---- errors
    w = torch.randn(5, 3)
    cases.text("err_emb_range", error(lambda: F.embedding(torch.tensor([1, 5]), w)))
    cases.text("err_emb_dtype", error(lambda: F.embedding(torch.tensor([1.0]), w)))
    cases.text("err_emb_weight_1d", error(lambda: F.embedding(torch.tensor([1]), torch.ones(5))))
    cases.text("err_emb_padding", error(lambda: F.embedding(torch.tensor([1]), w, padding_idx=5)))
    cases.text("err_emb_module_padding", error(lambda: nn.Embedding(5, 3, padding_idx=-6)))
    cases.text("err_emb_weight_shape", error(lambda: nn.Embedding(5, 3, _weight=torch.ones(3, 5))))
    cases.text("err_emb_pretrained_1d", error(lambda: nn.Embedding.from_pretrained(torch.ones(3))))
    cases.text("err_renorm_range", error(lambda: F.embedding(torch.tensor([7]), w, max_norm=1.0)))
    cases.text("err_bag_range", error(lambda: F.embedding_bag(torch.tensor([1, 7]), w.double(), torch.tensor([0]))))
    cases.text("err_bag_offsets0", error(lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([1]))))
    cases.text("err_bag_offsets_last", error(lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0, 3]))))
    cases.text("err_bag_2d_offsets", error(lambda: F.embedding_bag(torch.tensor([[1, 2]]), w, torch.tensor([0]))))
    cases.text("err_bag_no_offsets", error(lambda: F.embedding_bag(torch.tensor([1, 2]), w)))
    cases.text("err_bag_3d", error(lambda: F.embedding_bag(torch.tensor([[[1, 2]]]), w)))
    cases.text("err_bag_mode", error(lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]), mode="prod")))
    cases.text("err_bag_max_freq", error(lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]),
                                                                 mode="max", scale_grad_by_freq=True)))
    cases.text("err_bag_psw_mode", error(lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]),
                                                                 per_sample_weights=torch.ones(2))))
    cases.text("err_bag_psw_shape", error(lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]),
                                                                  mode="sum", per_sample_weights=torch.ones(3))))
    cases.text("err_bag_psw_dtype", error(lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]),
                                                                  mode="sum",
                                                                  per_sample_weights=torch.ones(2).double())))
    cases.text("err_bag_weight_dtype", error(lambda: F.embedding_bag(torch.tensor([1, 2]), w.int(), torch.tensor([0]))))
    cases.text("err_bag_indices_dtype", error(lambda: F.embedding_bag(torch.tensor([1.0]), w, torch.tensor([0]))))
    cases.text("err_bag_padding", error(lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]),
                                                                padding_idx=9)))
    cases.text("err_bag_last_offset_empty", error(lambda: F.embedding_bag(torch.tensor([1, 2]), w,
                                                                          torch.tensor([], dtype=long),
                                                                          include_last_offset=True)))
    cases.text("err_bag_module_padding", error(lambda: nn.EmbeddingBag(5, 3, padding_idx=5)))
    m = nn.Bilinear(3, 4, 5)
    cases.text("err_bilinear_batch", error(lambda: m(torch.ones(2, 3), torch.ones(1, 4))))
    cases.text("err_bilinear_in1", error(lambda: m(torch.ones(2, 2), torch.ones(2, 4))))
    cases.text("err_bilinear_in2", error(lambda: m(torch.ones(2, 3), torch.ones(2, 5))))
    cases.text("err_bilinear_dims", error(lambda: m(torch.ones(2, 3), torch.ones(2, 1, 4))))
    cases.text("err_bilinear_bias", error(lambda: F.bilinear(torch.ones(2, 3), torch.ones(2, 4), m.weight,
                                                             torch.ones(4))))
    cases.text("err_bilinear_dtype", error(lambda: m(torch.ones(2, 3).double(), torch.ones(2, 4))))
    cases.text("err_eye", error(lambda: init.eye_(torch.empty(3))))
    cases.text("err_dirac", error(lambda: init.dirac_(torch.empty(3, 3))))
    cases.text("err_dirac_groups", error(lambda: init.dirac_(torch.empty(5, 2, 3), groups=2)))
    cases.text("err_orthogonal", error(lambda: init.orthogonal_(torch.empty(3))))
    cases.text("err_sparse", error(lambda: init.sparse_(torch.empty(3, 3, 3), 0.1)))
