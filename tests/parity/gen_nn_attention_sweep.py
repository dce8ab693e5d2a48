"""Seeded random nn.MultiheadAttention configurations against PyTorch
(tests/parity/nn_attention_sweep_test.cpp): bias, add_bias_kv,
add_zero_attn, kdim / vdim, batch_first, unbatched inputs, key_padding_mask
and attn_mask (none, bool or float; attn_mask 2-D or per head),
need_weights and average_attn_weights; outputs, attention weights and the
gradients of query, key, value and every parameter (dropout 0, train mode).

Each case's inputs: query, key, value, key_padding_mask, attn_mask (empty:
none), the gradients of the output and of the weights (empty: none), the
parameters (int64: embed_dim, num_heads, bias, add_bias_kv, add_zero_attn,
kdim, vdim, batch_first, L, S, N (0: unbatched), need_weights,
average_attn_weights), then the module's state_dict values in key order.
Outputs: the output, the weights (with need_weights), the gradients of
query, key and value, and of every parameter in named_parameters order."""
import random
import warnings

import torch
from torch import nn

CASES = 60


def bool_mask(rng, shape):
    m = torch.rand(*shape) < 0.3
    m[..., 0] = False  # one key left for every query: no all-masked rows (NaN)
    return m


def generate(cases):
    warnings.filterwarnings("ignore")
    rng = random.Random(17)
    made = 0
    while made < CASES:
        H = rng.choice((1, 2, 4))
        E = H * rng.choice((2, 3, 4))
        bias, bias_kv, zero_attn = rng.random() < 0.8, rng.random() < 0.25, rng.random() < 0.25
        kdim = rng.choice((E, E, 5))
        vdim = rng.choice((E, E, 7))
        batch_first = rng.random() < 0.5
        L, S, N = rng.randint(1, 5), rng.randint(1, 6), rng.choice((0, 1, 3))
        need_weights, average = rng.random() < 0.7, rng.random() < 0.6
        m = nn.MultiheadAttention(E, H, bias=bias, add_bias_kv=bias_kv, add_zero_attn=zero_attn,
                                  kdim=kdim, vdim=vdim, batch_first=batch_first)
        with torch.no_grad():  # non-zero biases, which torch initialises to zero
            for n, p in m.named_parameters():
                if "bias" in n:
                    p.uniform_(-0.5, 0.5)

        def shape(n, d):
            if N == 0:
                return (n, d)
            return (N, n, d) if batch_first else (n, N, d)
        q, k, v = torch.randn(*shape(L, E)), torch.randn(*shape(S, kdim)), torch.randn(*shape(S, vdim))
        kpm_kind, am_kind = rng.randrange(3), rng.randrange(5)
        kpm_shape = (S,) if N == 0 else (N, S)
        kpm = (None, lambda: bool_mask(rng, kpm_shape), lambda: torch.randn(*kpm_shape))[kpm_kind]
        kpm = kpm() if kpm else None
        am_shape = (L, S) if am_kind in (1, 2) else (max(N, 1) * H, L, S)
        am = None
        if am_kind in (1, 3):
            am = bool_mask(rng, am_shape)
        elif am_kind in (2, 4):
            am = torch.randn(*am_shape)
        qr, kr, vr = (t.clone().requires_grad_(True) for t in (q, k, v))
        sd = {n: t.clone() for n, t in m.state_dict().items()}
        try:
            out, w = m(qr, kr, vr, key_padding_mask=kpm, need_weights=need_weights, attn_mask=am,
                       average_attn_weights=average)
        except (RuntimeError, AssertionError):  # a combination torch refuses
            continue
        g_out = torch.randn_like(out)
        g_w = torch.randn_like(w) if w is not None else torch.zeros(0)
        torch.autograd.backward([out] + ([w] if w is not None else []),
                                [g_out] + ([g_w] if w is not None else []))
        params = [E, H, int(bias), int(bias_kv), int(zero_attn), kdim, vdim, int(batch_first), L, S, N,
                  int(need_weights), int(average)]
        empty = torch.zeros(0)
        ins = [q, k, v, empty if kpm is None else kpm, empty if am is None else am, g_out, g_w,
               torch.tensor(params, dtype=torch.int64)] + list(sd.values())
        outs = [out.detach()] + ([w.detach()] if w is not None else []) + [qr.grad, kr.grad, vr.grad]
        outs += [p.grad if p.grad is not None else torch.zeros_like(p) for _, p in m.named_parameters()]
        cases.add(f"sweep{made:03d}", ins, outs)
        made += 1
