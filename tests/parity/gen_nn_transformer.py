"""nn.MultiheadAttention and the Transformer layers (tests/parity/nn_transformer_test.cpp).

Each module case saves as inputs: the forward's tensor arguments, then one
output gradient per output, then the module's state_dict values in key order
(ember loads them into its own module). Outputs: the eval-mode forward
outputs, the train-mode outputs (dropout 0), the gradients of the inputs that
require grad, and the gradients of every parameter in named_parameters order.
Texts: the state_dict keys ("<case>/keys"), printed modules and error messages."""
import warnings

import torch
from torch import nn
import torch.nn.functional as F

from gen_nn_module import error  # noqa: E402

warnings.filterwarnings("ignore")


def outs_of(out):
    out = out if isinstance(out, tuple) else (out,)
    return [o for o in out if o is not None]


def module_case(cases, name, m, args, grad_idx, call):
    """call(m, args) runs the forward; args are tensors (None not allowed)."""
    sd = m.state_dict()
    m.eval()
    # With grad enabled (the parameters require it) torch takes its general
    # path: its inference fast path fails on bias=False in 1.13.
    eval_outs = [o.detach().clone() for o in outs_of(call(m, args))]
    m.train()
    xs = [a.clone().requires_grad_(True) if i in grad_idx else a for i, a in enumerate(args)]
    outs = outs_of(call(m, xs))
    gys = [torch.randn_like(o) for o in outs]
    torch.autograd.backward(outs, gys)
    res = eval_outs + [o.detach() for o in outs] + [xs[i].grad for i in grad_idx]
    res += [p.grad if p.grad is not None else torch.zeros_like(p) for _, p in m.named_parameters()]
    cases.add(name, list(args) + gys + [v.clone() for v in sd.values()], res)
    cases.text(name + "/keys", ",".join(sd.keys()))
    cases.text(name + "/params", ",".join(n for n, _ in m.named_parameters()))


def randomize(m):
    """Non-zero biases (torch initialises MHA's to zero) so that their use is tested."""
    with torch.no_grad():
        for n, p in m.named_parameters():
            if "bias" in n and p.dim() == 1:
                p.uniform_(-0.5, 0.5)
            if "norm" in n and n.endswith("weight"):
                p.uniform_(0.5, 1.5)


def generate(cases):
    torch.manual_seed(0)
    E, H = 8, 2

    # ---- MultiheadAttention
    def mha_call(**kw):
        # args: q[, k[, v]], then masks named in order
        def call(m, a, kw=kw):
            q = a[0]
            k = a[1] if kw.get("k") else q
            v = a[2] if kw.get("v") else k
            i = 1 + bool(kw.get("k")) + bool(kw.get("v"))
            kpm = a[i] if kw.get("kpm") else None
            i += bool(kw.get("kpm"))
            am = a[i] if kw.get("am") else None
            return m(q, k, v, key_padding_mask=kpm, need_weights=kw.get("nw", True), attn_mask=am,
                     average_attn_weights=kw.get("avg", True))
        return call

    kpm_bool = torch.tensor([[False, False, True, False, False, True],
                             [False, False, False, False, False, False],
                             [True, False, False, False, False, False]])
    m = nn.MultiheadAttention(E, H)
    randomize(m)
    module_case(cases, "mha_self", m, [torch.randn(5, 3, E)], [0], mha_call())
    m = nn.MultiheadAttention(E, H, batch_first=True)
    randomize(m)
    module_case(cases, "mha_self_bf", m, [torch.randn(3, 5, E)], [0], mha_call())
    m = nn.MultiheadAttention(E, H)
    randomize(m)
    module_case(cases, "mha_cross_masks", m,
                [torch.randn(4, 3, E), torch.randn(6, 3, E), kpm_bool, torch.randn(4, 6)],
                [0, 1], mha_call(k=True, kpm=True, am=True))
    m = nn.MultiheadAttention(E, H, batch_first=True)
    randomize(m)
    am3 = torch.rand(3 * H, 4, 6) > 0.7
    am3[:, :, 0] = False
    module_case(cases, "mha_qkv_bool3d_perhead", m,
                [torch.randn(3, 4, E), torch.randn(3, 6, E), torch.randn(3, 6, E), am3],
                [0, 1, 2], mha_call(k=True, v=True, am=True, avg=False))
    m = nn.MultiheadAttention(E, H, kdim=5, vdim=7, batch_first=True)
    randomize(m)
    module_case(cases, "mha_kvdim_floatkpm", m,
                [torch.randn(3, 4, E), torch.randn(3, 6, 5), torch.randn(3, 6, 7),
                 torch.randn(3, 6)],
                [0, 1, 2], mha_call(k=True, v=True, kpm=True))
    m = nn.MultiheadAttention(E, H, add_bias_kv=True, add_zero_attn=True)
    randomize(m)
    am2 = torch.rand(4, 6) > 0.7
    am2[:, 1] = False
    module_case(cases, "mha_bias_kv_zero_attn", m,
                [torch.randn(4, 3, E), torch.randn(6, 3, E), kpm_bool, am2],
                [0, 1], mha_call(k=True, kpm=True, am=True))
    m = nn.MultiheadAttention(E, H, batch_first=True)
    randomize(m)
    module_case(cases, "mha_unbatched", m,
                [torch.randn(6, E), torch.tensor([False, True, False, False, False, False])], [0],
                mha_call(kpm=True))
    m = nn.MultiheadAttention(E, H, bias=False, batch_first=True)
    module_case(cases, "mha_nobias_noweights", m, [torch.randn(2, 5, E)], [0], mha_call(nw=False))
    m = nn.MultiheadAttention(E, 4).double()
    randomize(m)
    module_case(cases, "mha_float64", m,
                [torch.randn(5, 2, E, dtype=torch.float64), torch.randn(5, 5, dtype=torch.float64)],
                [0], mha_call(am=True))

    # ---- layers
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    cases.add("square_subsequent_mask", [torch.tensor([5])], [causal])
    kpm5 = torch.tensor([[False, False, False, True, True], [False] * 5, [False, True] + [False] * 3])
    for act in ["relu", "gelu"]:
        for norm_first in [False, True]:
            for bf in [False, True]:
                name = f"enc_layer_{act}_{'pre' if norm_first else 'post'}_{'bf' if bf else 'sf'}"
                m = nn.TransformerEncoderLayer(E, H, 16, 0.0, act, 1e-5, bf, norm_first)
                randomize(m)
                x = torch.randn(3, 5, E) if bf else torch.randn(5, 3, E)
                module_case(cases, name, m, [x, causal, kpm5], [0],
                            lambda m, a: m(a[0], src_mask=a[1], src_key_padding_mask=a[2]))
                name = name.replace("enc", "dec")
                m = nn.TransformerDecoderLayer(E, H, 16, 0.0, act, 1e-5, bf, norm_first)
                randomize(m)
                tgt = torch.randn(3, 4, E) if bf else torch.randn(4, 3, E)
                mem = torch.randn(3, 5, E) if bf else torch.randn(5, 3, E)
                module_case(cases, name, m, [tgt, mem, causal[:4, :4], kpm5], [0, 1],
                            lambda m, a: m(a[0], a[1], tgt_mask=a[2], memory_key_padding_mask=a[3]))
    m = nn.TransformerEncoderLayer(E, H, 16, 0.0, nn.GELU(approximate="tanh"), batch_first=True)
    randomize(m)
    module_case(cases, "enc_layer_module_activation", m, [torch.randn(3, 5, E)], [0],
                lambda m, a: m(a[0]))
    cases.text("repr_enc_layer_module_activation", str(m))
    m = nn.TransformerEncoderLayer(E, H, 16, 0.0)
    randomize(m)
    module_case(cases, "enc_layer_unbatched", m, [torch.randn(5, E)], [0], lambda m, a: m(a[0]))

    # ---- stacks
    layer = nn.TransformerEncoderLayer(E, H, 16, 0.0, batch_first=True)
    m = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(E))
    randomize(m)
    module_case(cases, "encoder_stack", m, [torch.randn(3, 5, E), kpm5], [0],
                lambda m, a: m(a[0], src_key_padding_mask=a[1]))
    layer = nn.TransformerDecoderLayer(E, H, 16, 0.0, norm_first=True)
    m = nn.TransformerDecoder(layer, 2)
    randomize(m)
    module_case(cases, "decoder_stack", m, [torch.randn(4, 3, E), torch.randn(5, 3, E),
                                           causal[:4, :4]], [0, 1],
                lambda m, a: m(a[0], a[1], tgt_mask=a[2]))
    m = nn.Transformer(E, H, 2, 1, 16, 0.0)
    randomize(m)
    module_case(cases, "transformer", m, [torch.randn(5, 3, E), torch.randn(4, 3, E),
                                         causal[:4, :4], kpm5], [0, 1],
                lambda m, a: m(a[0], a[1], tgt_mask=a[2], src_key_padding_mask=a[3],
                               memory_key_padding_mask=a[3]))

    # ---- printed modules
    cases.text("repr_mha", str(nn.MultiheadAttention(E, H)))
    cases.text("repr_mha_kvdim", str(nn.MultiheadAttention(E, H, kdim=5, vdim=7, bias=False)))
    cases.text("repr_enc_layer", str(nn.TransformerEncoderLayer(E, H, 16)))
    cases.text("repr_dec_layer", str(nn.TransformerDecoderLayer(E, H, 16, activation="gelu")))
    cases.text("repr_encoder", str(nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, 16), 2,
                                                         nn.LayerNorm(E))))
    cases.text("repr_transformer", str(nn.Transformer(E, H, 1, 1, 16)))

    # ---- errors (torch's AssertionErrors are compared by message)
    x = torch.randn(5, 3, E)
    mha = nn.MultiheadAttention(E, H)
    errs = {
        "err_divisible": lambda: nn.MultiheadAttention(E, 3),
        "err_key_dim": lambda: mha(x, torch.randn(5, E), torch.randn(5, E)),
        "err_query_dim": lambda: mha(torch.randn(1, 5, 3, E), x, x),
        "err_embed": lambda: mha(torch.randn(5, 3, 4), torch.randn(5, 3, 4), torch.randn(5, 3, 4)),
        "err_kv_shape": lambda: mha(x, x, torch.randn(4, 3, E)),
        "err_mask2d": lambda: mha(x, x, x, attn_mask=torch.zeros(4, 5)),
        "err_mask3d": lambda: mha(x, x, x, attn_mask=torch.zeros(3, 5, 5)),
        "err_mask_dtype": lambda: mha(x, x, x, attn_mask=torch.zeros(5, 5, dtype=torch.int32)),
        "err_kpm_dtype": lambda: mha(x, x, x, key_padding_mask=torch.zeros(3, 5, dtype=torch.int64)),
        "err_kpm_shape": lambda: mha(x, x, x, key_padding_mask=torch.zeros(3, 4, dtype=torch.bool)),
        "err_kpm_dim": lambda: mha(x, x, x, key_padding_mask=torch.zeros(3, dtype=torch.bool)),
        "err_activation": lambda: nn.TransformerEncoderLayer(E, H, activation="tanh"),
        "err_transformer_batch": lambda: nn.Transformer(E, H, 1, 1, 16)(x, torch.randn(4, 2, E)),
        "err_transformer_feature": lambda: nn.Transformer(E, H, 1, 1, 16)(x, torch.randn(4, 3, 4)),
    }
    for n, fn in errs.items():
        cases.text(n, error(fn))
