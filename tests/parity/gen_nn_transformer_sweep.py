"""Seeded random nn.TransformerEncoderLayer, TransformerDecoderLayer,
TransformerEncoder, TransformerDecoder and Transformer configurations against
PyTorch (tests/parity/nn_transformer_sweep_test.cpp): d_model, nhead,
dim_feedforward, activation (the strings, callables, modules: PReLU's weight
too; no modules where decoder layers are cloned, see generate), batch_first,
norm_first, layer_norm_eps, dtype, unbatched inputs, the attention masks
(none, bool, uint8, float, causal -inf; 2-D or per head) and key padding
masks (none, bool or float), the number of layers, the stacks' final norm
(none, affine or not, its eps), Transformer's custom encoder and decoder,
train mode (dropout 0) and eval mode (dropout > 0). Outputs and the gradients
of src / tgt / memory and of every parameter. Gradients are taken, so torch's
inference fast paths (nested tensors) are not used.

Each case's inputs: the int64 parameters (see P below), the float64 ones
(dropout, layer_norm_eps, the encoder's and the decoder's final norm eps),
src, tgt, memory, src_mask, tgt_mask, memory_mask, src_key_padding_mask,
tgt_key_padding_mask, memory_key_padding_mask (empty: none), the output's
gradient, then the module's state_dict values in key order. Outputs: the
output, the gradients of src, tgt and memory (those given), then of every
parameter in named_parameters order."""
import random
import warnings

import torch
from torch import nn
import torch.nn.functional as F

CASES = 70
KINDS = ("enc_layer", "dec_layer", "encoder", "decoder", "transformer")
# Activations: "relu", "gelu", callables torch.tanh and F.silu, modules
# GELU("tanh"), PReLU (a parameter) and Tanh.
ACTS = 7
# The int64 parameters, in order.
P = ("kind", "d_model", "nhead", "dim_feedforward", "activation", "batch_first", "norm_first",
     "num_encoder_layers", "num_decoder_layers", "encoder_norm", "decoder_norm", "train",
     "float64", "enable_nested_tensor", "mask_check", "custom_encoder", "custom_decoder", "S", "T",
     "N")
# encoder_norm / decoder_norm: 0 none, 1 LayerNorm, 2 LayerNorm without affine.


def activation(a):
    """A fresh activation of kind a (a module is made anew for each layer built)."""
    makers = (lambda: "relu", lambda: "gelu", lambda: torch.tanh, lambda: F.silu,
              lambda: nn.GELU(approximate="tanh"), nn.PReLU, nn.Tanh)
    return makers[a]()


def randomize(m):
    """Non-zero biases (torch initialises MHA's to zero), norm weights and PReLU's weight."""
    with torch.no_grad():
        for n, p in m.named_parameters():
            if "activation" in n:
                p.uniform_(-0.5, 0.5)
            elif "bias" in n and p.dim() == 1:
                p.uniform_(-0.5, 0.5)
            elif "norm" in n and n.endswith("weight"):
                p.uniform_(0.5, 1.5)


def bool_mask(shape):
    m = torch.rand(*shape) < 0.3
    m[..., 0] = False  # one key left for every query: no all-masked rows (NaN)
    return m


def attn_mask(rng, L, S, N, H, dtype, square):
    """None, bool, uint8, float or causal (-inf); 2-D or per head (N * H, L, S)."""
    kind = rng.choice(("none", "none", "bool", "float", "uint8", "causal" if square else "float"))
    if kind == "none":
        return None
    if kind == "causal":
        return nn.Transformer.generate_square_subsequent_mask(L).to(dtype)
    shape = (L, S) if rng.random() < 0.6 else (max(N, 1) * H, L, S)
    if kind == "float":
        return torch.randn(*shape, dtype=dtype)
    m = bool_mask(shape)
    return m.to(torch.uint8) if kind == "uint8" else m


def kpm(rng, S, N, dtype):
    kind = rng.choice(("none", "bool", "bool", "float"))
    shape = (S,) if N == 0 else (N, S)
    if kind == "none":
        return None
    return bool_mask(shape) if kind == "bool" else torch.randn(*shape, dtype=dtype)


def final_norm(kind, E, eps):
    if kind == 0:
        return None
    return nn.LayerNorm(E, eps=eps, elementwise_affine=kind == 1)


def generate(cases):
    warnings.filterwarnings("ignore")
    rng = random.Random(2024)
    made = 0
    while made < CASES:
        kind = made % len(KINDS)
        name = KINDS[kind]
        H = rng.choice((1, 2, 4))
        E = rng.choice([e for e in range(4, 17) if e % H == 0])
        FF = rng.randint(4, 32)
        # torch 1.13's TransformerDecoderLayer.__setstate__ replaces a module
        # activation by F.relu when the layer is deep-copied (the stacks'
        # _get_clones; the module stays registered): a torch bug ember does
        # not copy, so no module activations where decoder layers are cloned.
        act = rng.randrange(4 if name in ("decoder", "transformer") else ACTS)
        bf, nf = rng.random() < 0.5, rng.random() < 0.5
        train = rng.random() < 0.5
        dropout = 0.0 if train else rng.choice((0.1, 0.5))
        eps = rng.choice((1e-5, 1e-3, 0.1))
        n_enc, n_dec = rng.randint(1, 3), rng.randint(1, 3)
        enc_norm, dec_norm = rng.randrange(3), rng.randrange(3)
        enc_eps, dec_eps = rng.choice((1e-5, 1e-2)), rng.choice((1e-5, 1e-2))
        f64 = rng.random() < 0.15
        nested, mask_check = rng.random() < 0.7, rng.random() < 0.7
        custom_enc, custom_dec = rng.random() < 0.3, rng.random() < 0.3
        S, T, N = rng.randint(1, 5), rng.randint(1, 5), rng.choice((0, 1, 2, 3))
        dtype = torch.float64 if f64 else torch.float32

        def layer(decoder):
            cls = nn.TransformerDecoderLayer if decoder else nn.TransformerEncoderLayer
            return cls(E, H, FF, dropout, activation(act), eps, bf, nf)

        if name == "enc_layer":
            m = layer(False)
        elif name == "dec_layer":
            m = layer(True)
        elif name == "encoder":
            m = nn.TransformerEncoder(layer(False), n_enc, final_norm(enc_norm, E, enc_eps),
                                      enable_nested_tensor=nested, mask_check=mask_check)
        elif name == "decoder":
            m = nn.TransformerDecoder(layer(True), n_dec, final_norm(dec_norm, E, dec_eps))
        else:
            enc = nn.TransformerEncoder(layer(False), n_enc, final_norm(enc_norm, E, enc_eps)) \
                if custom_enc else None
            dec = nn.TransformerDecoder(layer(True), n_dec, final_norm(dec_norm, E, dec_eps)) \
                if custom_dec else None
            m = nn.Transformer(E, H, n_enc, n_dec, FF, dropout, activation(act), enc, dec, eps, bf,
                               nf)
        m = m.to(dtype)
        randomize(m)
        m.train(train)

        def seq(L):
            if N == 0:
                return torch.randn(L, E, dtype=dtype)
            return torch.randn(N, L, E, dtype=dtype) if bf else torch.randn(L, N, E, dtype=dtype)
        uses_src = name in ("enc_layer", "encoder", "transformer")
        uses_tgt = not uses_src or name == "transformer"
        src = seq(S) if uses_src else None
        tgt = seq(T) if uses_tgt else None
        memory = seq(S) if uses_tgt and name != "transformer" else None
        src_mask = attn_mask(rng, S, S, N, H, dtype, True) if uses_src else None
        tgt_mask = attn_mask(rng, T, T, N, H, dtype, True) if uses_tgt else None
        memory_mask = attn_mask(rng, T, S, N, H, dtype, False) if uses_tgt else None
        src_kpm = kpm(rng, S, N, dtype) if uses_src else None
        tgt_kpm = kpm(rng, T, N, dtype) if uses_tgt else None
        memory_kpm = kpm(rng, S, N, dtype) if uses_tgt else None

        xs = [None if t is None else t.clone().requires_grad_(True) for t in (src, tgt, memory)]
        sd = {n: t.clone() for n, t in m.state_dict().items()}
        try:
            if name == "enc_layer":
                out = m(xs[0], src_mask=src_mask, src_key_padding_mask=src_kpm)
            elif name == "encoder":
                out = m(xs[0], mask=src_mask, src_key_padding_mask=src_kpm)
            elif name in ("dec_layer", "decoder"):
                out = m(xs[1], xs[2], tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_kpm, memory_key_padding_mask=memory_kpm)
            else:
                out = m(xs[0], xs[1], src_mask=src_mask, tgt_mask=tgt_mask,
                        memory_mask=memory_mask, src_key_padding_mask=src_kpm,
                        tgt_key_padding_mask=tgt_kpm, memory_key_padding_mask=memory_kpm)
        except (RuntimeError, AssertionError):  # a combination torch refuses
            continue
        if not torch.isfinite(out).all():
            continue
        g_out = torch.randn_like(out)
        out.backward(g_out)
        params = dict(kind=kind, d_model=E, nhead=H, dim_feedforward=FF, activation=act,
                      batch_first=bf, norm_first=nf, num_encoder_layers=n_enc,
                      num_decoder_layers=n_dec, encoder_norm=enc_norm, decoder_norm=dec_norm,
                      train=train, float64=f64, enable_nested_tensor=nested, mask_check=mask_check,
                      custom_encoder=custom_enc, custom_decoder=custom_dec, S=S, T=T, N=N)
        empty = torch.zeros(0)
        opt = [src, tgt, memory, src_mask, tgt_mask, memory_mask, src_kpm, tgt_kpm, memory_kpm]
        ins = [torch.tensor([int(params[p]) for p in P], dtype=torch.int64),
               torch.tensor([dropout, eps, enc_eps, dec_eps], dtype=torch.float64)]
        ins += [empty if t is None else t for t in opt] + [g_out] + list(sd.values())
        outs = [out.detach()] + [x.grad for x in xs if x is not None]
        outs += [p.grad if p.grad is not None else torch.zeros_like(p)
                 for _, p in m.named_parameters()]
        cases.add(f"{name}{made:03d}", ins, outs)
        made += 1
