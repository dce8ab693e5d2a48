"""PyTorch references for the tensor core (tests/parity/core_test.cpp): dtype promotion
and result_type grids, view chains (values, sizes, strides, offsets, writes through the
view), dtype conversions, copies and layouts (memory formats, empty_like strides), and
factories."""
import itertools

import torch

# ember's DType order; a dtype travels as its index in this list (an int64 code).
DTYPES = [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
          torch.float16, torch.bfloat16, torch.float32, torch.float64]
CODE = {d: i for i, d in enumerate(DTYPES)}
NAME = {d: str(d).split(".")[1] for d in DTYPES}
FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
SCALARS = [True, 1, 1.5]  # a Python bool, int and float
CL, CL3D = torch.channels_last, torch.channels_last_3d


def codes(rows):
    return torch.tensor([[CODE[d] for d in row] for row in rows], dtype=torch.int64)


def promotion(cases):
    cases.add("promote_types", [], [codes([[torch.promote_types(a, b) for b in DTYPES] for a in DTYPES])])
    dim = {d: torch.ones(2, dtype=d) for d in DTYPES}
    zero = {d: torch.ones((), dtype=d) for d in DTYPES}
    rt = torch.result_type
    cases.add("result_type_dim_zero", [], [codes([[rt(dim[a], zero[b]) for b in DTYPES] for a in DTYPES])])
    cases.add("result_type_zero_dim", [], [codes([[rt(zero[a], dim[b]) for b in DTYPES] for a in DTYPES])])
    cases.add("result_type_zero_zero", [], [codes([[rt(zero[a], zero[b]) for b in DTYPES] for a in DTYPES])])
    cases.add("result_type_dim_scalar", [], [codes([[rt(dim[a], s) for s in SCALARS] for a in DTYPES])])
    cases.add("result_type_zero_scalar", [], [codes([[rt(zero[a], s) for s in SCALARS] for a in DTYPES])])
    cases.add("result_type_scalar_scalar", [], [codes([[rt(s, t) for t in SCALARS] for s in SCALARS])])


# name -> (prep, chain, write): prep turns the saved base into the root tensor (e.g. a
# channels_last copy); chain takes views of the root; write: fill the view with -1 and
# report the root (False where the view repeats elements, e.g. expand).
IDENT = lambda x: x  # noqa: E731
CHAINS = {
    "view_infer": (IDENT, lambda x: x.view(-1, 20), True),
    "view_split_dim": (IDENT, lambda x: x.view(2, 3, 2, 2, 5), True),
    "view_of_slice": (lambda x: x[:, :, 1:3], lambda r: r.view(2, 3, 10), True),
    "view_scalar": (IDENT, lambda x: x[1, 2, 3, 4].view(1, 1), True),
    "view_empty": (IDENT, lambda x: x[:, :0].reshape(-1, 4, 5), True),
    "reshape_copy": (IDENT, lambda x: x.transpose(1, 2).reshape(2, 12, 5), True),
    "reshape_view": (IDENT, lambda x: x.permute(1, 0, 2, 3).reshape(3, 2, 20), True),
    "flatten_mid": (IDENT, lambda x: x.flatten(1, 2), True),
    "flatten_perm_copy": (IDENT, lambda x: x.permute(0, 2, 1, 3).flatten(2), True),
    "flatten_scalar": (IDENT, lambda x: x[0, 0, 0, 0].flatten(), True),
    "unflatten": (IDENT, lambda x: x.unflatten(-1, (5, 1)), True),
    "unflatten_infer": (IDENT, lambda x: x.flatten().unflatten(0, (-1, 6, 4)), True),
    "squeeze_all": (IDENT, lambda x: x[:, :1].squeeze(), True),
    "squeeze_dim": (IDENT, lambda x: x[:, :1, :, 2:3].squeeze(1), True),
    "squeeze_noop": (IDENT, lambda x: x.squeeze(0), True),
    "unsqueeze_mid": (IDENT, lambda x: x.unsqueeze(2), True),
    "unsqueeze_of_t": (IDENT, lambda x: x[0, 0].t().unsqueeze(1), True),
    "permute": (IDENT, lambda x: x.permute(3, 1, 0, 2), True),
    "permute_neg": (IDENT, lambda x: x.permute(-1, -2, -3, -4), True),
    "movedim": (IDENT, lambda x: x.movedim(1, -1), True),
    "transpose": (IDENT, lambda x: x.transpose(0, 3), True),
    "mT": (IDENT, lambda x: x.mT, True),
    "t_of_select": (IDENT, lambda x: x[0, 0].t(), True),
    "expand_singletons": (IDENT, lambda x: x[:, :1, :1, :].expand(2, 3, 4, 5), False),
    "expand_new_dims": (IDENT, lambda x: x[0, 0, 0].expand(3, 2, 5), False),
    "expand_minus_one": (IDENT, lambda x: x[:, :, :1].expand(-1, -1, 6, -1), False),
    "expand_scalar": (IDENT, lambda x: x[1, 1, 1, 1].expand(2, 1, 3), False),
    "narrow": (IDENT, lambda x: x.narrow(2, 1, 2), True),
    "narrow_neg": (IDENT, lambda x: x.narrow(-1, -3, 2), True),
    "narrow_empty_end": (IDENT, lambda x: x.narrow(1, 3, 0), True),
    "select": (IDENT, lambda x: x.select(1, -1), True),
    "select_chain": (IDENT, lambda x: x.select(3, 2).select(0, 1), True),
    "slice_step": (IDENT, lambda x: x[:, 1:, ::3], True),
    "slice_neg": (IDENT, lambda x: x[..., -4:-1:2], True),
    "slice_past_end": (IDENT, lambda x: x[:, 5:], True),
    "slice_clamped": (IDENT, lambda x: x[-100:100, 1:-100], True),
    "slice_reversed_bounds": (IDENT, lambda x: x[:, :, 3:1], True),
    "as_strided": (IDENT, lambda x: x.as_strided((3, 4), (7, 2), 5), True),
    "as_strided_overlap": (IDENT, lambda x: x.as_strided((4, 4), (1, 1)), True),
    "as_strided_keep_offset": (IDENT, lambda x: x[1].as_strided((2, 3), (10, 1)), True),
    "split": (IDENT, lambda x: x.split(2, dim=2)[1], True),
    "split_last": (IDENT, lambda x: x.split(3, dim=-1)[1], True),
    "split_sizes": (IDENT, lambda x: x.split([1, 3, 1], dim=3)[1], True),
    "chunk": (IDENT, lambda x: x.chunk(3, dim=-1)[2], True),
    "chunk_uneven": (IDENT, lambda x: x.chunk(4, dim=1)[1], True),
    "unbind": (IDENT, lambda x: x.unbind(1)[2], True),
    "diagonal": (IDENT, lambda x: x.diagonal(0, 2, 3), True),
    "diagonal_pos": (IDENT, lambda x: x.diagonal(1, -1, 1), True),
    "diagonal_neg": (IDENT, lambda x: x.diagonal(-2, 0, 2), True),
    "diagonal_off_end": (IDENT, lambda x: x.diagonal(9, 2, 3), True),
    "index_mix": (IDENT, lambda x: x[1, ..., None, 2:4], True),
    "index_none": (IDENT, lambda x: x[None, :, 0, None], True),
    "index_ellipsis_int": (IDENT, lambda x: x[..., 3], True),
    "index_negative": (IDENT, lambda x: x[-1, -2, ::2, -1], True),
    "long_chain": (IDENT, lambda x: x.permute(2, 0, 3, 1)[1:3, :, ::2].transpose(0, 3).unsqueeze(1).narrow(3, 1, 2), True),
    "cl_view": (lambda x: x.contiguous(memory_format=CL), lambda r: r.permute(0, 2, 3, 1).view(2, 20, 3), True),
    "cl_slice": (lambda x: x.contiguous(memory_format=CL), lambda r: r[:, 1:, ::2], True),
    "cl_flatten_copy": (lambda x: x.contiguous(memory_format=CL), lambda r: r.flatten(2), True),
    "cl_select": (lambda x: x.contiguous(memory_format=CL), lambda r: r[:, :, 2].mT, True),
}


def views(cases):
    base = torch.arange(120, dtype=torch.float32).reshape(2, 3, 4, 5)
    for name, (prep, chain, write) in CHAINS.items():
        root = prep(base.clone())
        v = chain(root)
        outs = [v.clone(), torch.tensor(v.shape, dtype=torch.int64),
                torch.tensor(v.stride(), dtype=torch.int64),
                torch.tensor([v.storage_offset()], dtype=torch.int64)]
        if write:
            v.fill_(-1)
            outs.append(root.clone())
        cases.add("view_" + name, [base], outs)


def values_for(d):
    if d == torch.bool:
        return torch.tensor([True, False, True, True])
    if d == torch.uint8:
        return torch.tensor([0, 1, 2, 100, 127, 128, 200, 255], dtype=d)
    if d == torch.int8:
        return torch.tensor([-128, -100, -1, 0, 1, 100, 127], dtype=d)
    if d == torch.int16:
        return torch.tensor([-32768, -300, -1, 0, 1, 255, 256, 2049, 32767], dtype=d)
    if d in (torch.int32, torch.int64):
        return torch.tensor([-70000, -300, -129, -1, 0, 1, 255, 2049, 70000, 16777217], dtype=d)
    # Floats: in every integer type's range so float -> int is defined in C++.
    return torch.tensor([-100.5, -2.7, -1.5, -0.5, -0.0, 0.0, 0.1, 0.5, 1.5, 2.7, 100.5, 127.9],
                        dtype=torch.float64).to(d)


SPECIAL = [float("nan"), float("inf"), float("-inf"), 65504.0, 65519.0, 65520.0, 1e-8, 3e-8, 6e-8,
           1e5, 3.4e38, 0.1, 1 / 3, -0.0, 2.5e-38, 1e-40, 1e-300]


def conversions(cases):
    for src, dst in itertools.product(DTYPES, DTYPES):
        x = values_for(src)
        cases.add(f"to_{NAME[src]}_{NAME[dst]}", [x], [x.to(dst)])
    for src, dst in itertools.product(FLOATS, FLOATS + [torch.bool]):
        x = torch.tensor(SPECIAL, dtype=torch.float64).to(src)
        cases.add(f"special_{NAME[src]}_{NAME[dst]}", [x], [x.to(dst)])


def copies(cases):
    x = torch.arange(120, dtype=torch.float32).reshape(2, 3, 4, 5) - 60.25
    # name -> (dst dtype, fn(base) -> result); C++ mirrors each.
    def into(dtype, shape, fmt=torch.contiguous_format):
        return torch.zeros(shape, dtype=dtype).contiguous(memory_format=fmt)

    results = {
        "copy_cl_src_to_f64": into(torch.float64, (2, 3, 4, 5)).copy_(x.contiguous(memory_format=CL)),
        "copy_to_cl_dst_f16": into(torch.float16, (2, 3, 4, 5), CL).copy_(x),
        "copy_perm_src_to_i32": into(torch.int32, (2, 4, 5, 3)).copy_(x.permute(0, 2, 3, 1)),
        "copy_broadcast_bf16": into(torch.bfloat16, (2, 3, 4, 5)).copy_(x[:, :1, :, :1]),
        "copy_scalar_src_i8": into(torch.int8, (3, 4)).copy_(x[1, 2, 3, 4]),
    }
    big = torch.zeros(2, 3, 4, 10, dtype=torch.float64)
    big[..., ::2].copy_(x)
    results["copy_into_strided_dst"] = big
    big2 = torch.zeros(5, 3, 4, 2, dtype=torch.int16).permute(3, 1, 2, 0)
    big2[:, :, :, 1:].copy_(x.transpose(0, 1)[..., :4].transpose(0, 1))
    results["copy_into_permuted_dst"] = big2.contiguous()
    for name, r in results.items():
        cases.add(name, [x], [r])
    # Conversions and clones that keep (or infer) the layout: strides compared too.
    layouts = {
        "to_cl_f16": x.contiguous(memory_format=CL).to(torch.float16),
        "to_perm_f64": x.permute(0, 2, 3, 1).to(torch.float64),
        "to_sliced_i32": x[:, :, ::2].to(torch.int32),
        "to_cl_sliced_bf16": x.contiguous(memory_format=CL)[:, 1:].to(torch.bfloat16),
        "to_expanded_f64": x[:, :1].expand(2, 3, 4, 5).to(torch.float64),
        "to_fmt_cl_f64": x.to(torch.float64, memory_format=CL),
        "to_fmt_contig_from_cl": x.contiguous(memory_format=CL).to(torch.float64, memory_format=torch.contiguous_format),
        "to_memory_format_cl": x.to(memory_format=CL),
        "to_memory_format_c1": x[:, :1].to(memory_format=CL),
        "to_memory_format_t": x[0, 0].t().to(memory_format=torch.contiguous_format),
        "clone_perm": x.permute(0, 2, 3, 1).clone(),
        "clone_cl_sliced": x.contiguous(memory_format=CL)[:, :, ::2].clone(),
        "clone_to_cl": x.transpose(0, 1).clone(memory_format=CL),
        "clone_expanded": x[:1, :, :1].expand(2, 3, 4, 5).clone(),
        "clone_diagonal": x.diagonal(0, 2, 3).clone(),
        "contiguous_of_t": x.transpose(1, 3).contiguous(),
        "contiguous_cl_of_perm": x.permute(0, 2, 3, 1).contiguous(memory_format=CL),
        "contiguous_cl3d": x.view(2, 3, 2, 2, 5).contiguous(memory_format=CL3D),
        "zeros_like_sliced": torch.zeros_like(x.permute(0, 2, 3, 1)[:, :, ::2]),
        "ones_like_expanded": torch.ones_like(x[:, :, :1, :].expand(2, 3, 4, 5), dtype=torch.int32),
        "full_like_cl": torch.full_like(x.contiguous(memory_format=CL), 2.5, dtype=torch.float64),
    }
    for name, r in layouts.items():
        cases.add(name, [x], [r], strides=True)


def layout_patterns():
    pats = []
    four = [(2, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (1, 1, 1, 1), (4, 1, 1, 1), (1, 3, 1, 1),
            (2, 1, 3, 1), (1, 4, 1, 3), (0, 3, 4, 5), (2, 3, 0, 5)]
    for sizes in four:
        for perm in itertools.permutations(range(4)):
            t = torch.empty([sizes[p] for p in perm]).permute(*sorted(range(4), key=lambda i: perm[i]))
            pats.append((tuple(t.shape), tuple(t.stride())))
    for sizes in [(2, 3, 4, 5, 6), (2, 1, 4, 1, 6), (1, 3, 1, 1, 1)]:
        for perm in itertools.permutations(range(5)):
            t = torch.empty([sizes[p] for p in perm]).permute(*sorted(range(5), key=lambda i: perm[i]))
            pats.append((tuple(t.shape), tuple(t.stride())))
    # Not dense: slices, expands, overlaps, gaps; and lower ranks.
    pats += [((2, 3, 4, 5), (120, 40, 10, 2)), ((2, 3, 4, 5), (0, 1, 0, 0)), ((2, 3, 4, 5), (60, 1, 0, 3)),
             ((2, 3, 4, 5), (1, 1, 1, 1)), ((2, 3, 2, 5), (60, 1, 30, 3)), ((4, 1, 1, 1), (5, 5, 5, 5)),
             ((2, 3, 4, 5, 6), (0, 1, 0, 0, 0)), ((2, 3, 4, 5, 6), (720, 1, 180, 36, 6)),
             ((3, 4), (1, 0)), ((4, 3), (0, 1)), ((3, 4), (1, 6)), ((2, 3, 4), (1, 8, 2)), ((5,), (3,)),
             ((2, 2), (1, 1)), ((3, 1, 2), (2, 7, 1)), ((), ()), ((1,), (9,)), ((6, 2, 3), (1, 12, 36))]
    return pats


def layouts(cases):
    pats = layout_patterns()
    pad = lambda v: list(v) + [-1] * (5 - len(v))  # noqa: E731
    sizes = torch.tensor([pad(s) for s, _ in pats], dtype=torch.int64)
    strides = torch.tensor([pad(st) for _, st in pats], dtype=torch.int64)
    flags, like = [], []
    for s, st in pats:
        x = torch.empty_strided(s, st)
        suggest = 0
        if x.dim() == 4 and x.to(memory_format=CL) is x:
            suggest = 1
        if x.dim() == 5 and x.to(memory_format=CL3D) is x:
            suggest = 2
        flags.append([int(x.is_contiguous()), int(x.is_contiguous(memory_format=CL)),
                      int(x.is_contiguous(memory_format=CL3D)), suggest])
        like.append(pad(torch.empty_like(x).stride()))
    cases.add("layout_flags", [sizes, strides], [torch.tensor(flags, dtype=torch.int64),
                                                 torch.tensor(like, dtype=torch.int64)])


def factories(cases):
    f = {
        "arange_int": torch.arange(-7, 20, 3),
        "arange_neg_step": torch.arange(10, -3, -4),
        "arange_float": torch.arange(-1.5, 2.5, 0.3),
        "arange_float_neg": torch.arange(2.0, -1.0, -0.7),
        "arange_f64": torch.arange(0, 1, 0.1, dtype=torch.float64),
        "arange_f16": torch.arange(0, 3, 0.1, dtype=torch.float16),
        "arange_bf16": torch.arange(-2, 2, 0.15, dtype=torch.bfloat16),
        "arange_i32_from_float": torch.arange(0.5, 9, 1.5, dtype=torch.int32),
        "arange_i64_from_float": torch.arange(0.5, 9, 1.5, dtype=torch.int64),
        "arange_u8_wrap": torch.arange(-3, 3, dtype=torch.uint8),
        "arange_i16_neg": torch.arange(100, -100, -7.5, dtype=torch.int16),
        "arange_large": torch.arange(0, 100000, 7, dtype=torch.float32),
        "linspace_f32": torch.linspace(-3, 7, 13),
        "linspace_f64": torch.linspace(0, 1, 50, dtype=torch.float64),
        "linspace_f16": torch.linspace(-1, 3, 15, dtype=torch.float16),
        "linspace_bf16": torch.linspace(0.5, 100, 15, dtype=torch.bfloat16),
        "linspace_i64": torch.linspace(-10, 10, 7, dtype=torch.int64),
        "linspace_i64_float_ends": torch.linspace(0.5, 10.7, 5, dtype=torch.int64),
        "linspace_u8": torch.linspace(-5, 5, 3, dtype=torch.uint8),
        "linspace_i8_desc": torch.linspace(100, -100, 9, dtype=torch.int8),
        "linspace_one": torch.linspace(2, 5, 1),
        "linspace_empty": torch.linspace(2, 5, 0),
        "eye_rect": torch.eye(3, 5),
        "eye_tall_i64": torch.eye(4, 2, dtype=torch.int64),
        "full_int": torch.full((2, 3), 7),
        "full_bool": torch.full((2,), True),
        "full_float": torch.full((3,), -1.25),
        "full_i8_from_float": torch.full((2,), -3.9, dtype=torch.int8),
        "ones_default": torch.ones(2, 2),
        "zeros_bf16": torch.zeros(3, dtype=torch.bfloat16),
    }
    for name, t in f.items():
        cases.add("factory_" + name, [], [t])


def generate(cases):
    promotion(cases)
    views(cases)
    conversions(cases)
    copies(cases)
    layouts(cases)
    factories(cases)
