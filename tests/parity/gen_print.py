"""PyTorch's printed form of tensors: each case stores its input tensor (in0) and
str(tensor) as text. The case name says how the C++ side rebuilds the printed
tensor from in0, by suffixes applied left to right:
  _T     transposed (.t()), so the strided read path is what prints
  _S     every other column ([:, ::2]), a non-dense view
  _meta  an empty meta tensor of in0's shape and dtype
  _rg    requires_grad=True
and an optional "__<opts>" ending names print options (OPTIONS below; the C++
test holds the same table)."""
import math

import torch

OPTIONS = {
    "short": dict(profile="short"),
    "full": dict(profile="full"),
    "prec2": dict(precision=2),
    "prec0": dict(precision=0),
    "prec8": dict(precision=8),
    "sci": dict(sci_mode=True),
    "nosci": dict(sci_mode=False),
    "thr5": dict(threshold=5),
    "edge1": dict(threshold=10, edgeitems=1),
    "lw40": dict(linewidth=40),
    "lw10": dict(linewidth=10),
}


def _reset():
    torch.set_printoptions(profile="default", sci_mode=None)


def _printed(name, t):
    base, _, opt = name.partition("__")
    for suffix in base.split("_")[1:]:
        if suffix == "T":
            t = t.t()
        elif suffix == "S":
            t = t[:, ::2]
        elif suffix == "meta":
            t = torch.empty(t.shape, dtype=t.dtype, device="meta")
        elif suffix == "rg":
            t = t.detach().clone().requires_grad_(True)
    if opt:
        torch.set_printoptions(**OPTIONS[opt])
    try:
        return str(t)
    finally:
        _reset()


def generate(cases):
    _reset()
    g = torch.Generator().manual_seed(1234)

    def randn(*shape, dtype=torch.float32):
        return torch.randn(*shape, generator=g, dtype=torch.float64).to(dtype)

    nan, inf = math.nan, math.inf
    t = {}
    # integers
    t["intsmall"] = torch.tensor([1, 2, 3])
    t["intlarge"] = torch.tensor([123456789012, -5, 0])
    t["intneg"] = torch.tensor([-1, -20, 300])
    t["intmat"] = torch.arange(12).view(3, 4)
    t["intlong"] = torch.arange(100)
    t["intwide"] = torch.arange(-60, 60) * 1000003
    t["int8"] = torch.tensor([-128, 0, 127], dtype=torch.int8)
    t["uint8"] = torch.tensor([0, 7, 255], dtype=torch.uint8)
    t["int16"] = torch.tensor([[-300, 2], [3, 32767]], dtype=torch.int16)
    t["int32"] = torch.tensor([5, -6], dtype=torch.int32)
    t["bool"] = torch.tensor([True, False, True])
    t["boolmat"] = torch.tensor([[True, False], [False, False]])
    # floats: fixed, integer-valued, scientific
    t["float"] = torch.tensor([1.5, 2.25, -3.125])
    t["floatint"] = torch.tensor([1.0, 2.0, 3.0])
    t["floatintneg"] = torch.tensor([-1.0, 0.0, 100.0])
    t["floatintratio"] = torch.tensor([1.0, 10000.0])
    t["floatintbig"] = torch.tensor([2.0e8, 3.0])
    t["sciSmall"] = torch.tensor([1e-5, 1.0])
    t["sciLarge"] = torch.tensor([1e8 + 0.5, 1.25])
    t["sciHuge"] = torch.tensor([1e20, 3.5, -2.0e-3], dtype=torch.float64)
    t["sciTiny"] = torch.tensor([1e-10, 2e-9])
    t["sciExtreme"] = torch.tensor([1e300, 1e-300, -5.0], dtype=torch.float64)
    t["floatmax"] = torch.tensor([3.4e38, -1.5])
    t["ratio999"] = torch.tensor([0.5, 499.0])
    t["edgeMin"] = torch.tensor([1.0e-4, 0.5])
    t["rounding"] = torch.tensor([0.00015, 0.12345678, 2.5e-4])
    t["halfway"] = torch.tensor([0.125, 0.375, 2.5], dtype=torch.float64)
    t["mixed"] = randn(6) * 10
    t["nanInf"] = torch.tensor([nan, inf, -inf, 1.5])
    t["nanInfInt"] = torch.tensor([nan, 2.0, -inf])
    t["onlyNonfinite"] = torch.tensor([nan, inf, -inf])
    t["zeros"] = torch.zeros(3)
    t["negzero"] = torch.tensor([-0.0, 1.5])
    t["negzeroint"] = torch.tensor([-0.0, 2.0])
    # dtypes
    t["f64"] = randn(4, dtype=torch.float64)
    t["f64int"] = torch.tensor([1.0, -2.0], dtype=torch.float64)
    t["f16"] = torch.tensor([0.1, 65504.0, -2.5e-3], dtype=torch.float16)
    t["f16small"] = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float16)
    t["bf16"] = torch.tensor([0.1, 0.2, 1.0e30], dtype=torch.bfloat16)
    t["bf16small"] = torch.tensor([0.1, 0.2, 3.0], dtype=torch.bfloat16)
    # 0-dim
    t["scalar"] = torch.tensor(3.5)
    t["scalarInt"] = torch.tensor(3)
    t["scalarIntF"] = torch.tensor(3.0)
    t["scalarBool"] = torch.tensor(True)
    t["scalarNan"] = torch.tensor(nan)
    t["scalarF64"] = torch.tensor(-2.75, dtype=torch.float64)
    t["scalarI32"] = torch.tensor(7, dtype=torch.int32)
    t["scalarSci"] = torch.tensor(1.0e-7)
    t["scalarZero"] = torch.tensor(0.0)
    # empty
    t["empty"] = torch.zeros(0)
    t["empty2d"] = torch.zeros(0, 3)
    t["emptyLong"] = torch.zeros(0, dtype=torch.int64)
    t["emptyLong2d"] = torch.zeros(2, 0, dtype=torch.int64)
    t["emptyBool"] = torch.zeros(0, dtype=torch.bool)
    t["emptyF64"] = torch.zeros(2, 0, 3, dtype=torch.float64)
    t["emptyF16"] = torch.zeros(0, dtype=torch.float16)
    # shapes and wrapping
    t["wrap"] = randn(40)
    t["wrapSci"] = randn(30) * 1e5
    t["mat"] = randn(3, 4)
    t["mat3"] = randn(2, 3, 4)
    t["mat4"] = randn(2, 1, 2, 3)
    t["wideMat"] = randn(3, 20)
    t["tallMat"] = randn(12, 2)
    t["col"] = randn(5, 1)
    t["one"] = torch.tensor([2.5])
    # summarised (> threshold elements)
    t["sum1d"] = randn(2000)
    t["sum1dInt"] = torch.arange(1001)
    t["sum2d"] = torch.arange(2000).view(40, 50)
    t["sum2dFloat"] = randn(40, 50)
    t["sum3d"] = randn(20, 20, 20)
    t["sumNarrow"] = randn(2, 1000)
    t["sumSci"] = torch.cat([randn(1500), torch.tensor([1e-6])])
    t["sumHiddenSci"] = torch.cat([randn(500), torch.tensor([1e-6]), randn(500)])
    t["sumBool"] = torch.arange(1200) % 3 == 0
    # strided views (C++ applies the same transform to in0)
    t["mat_T"] = randn(3, 5)
    t["intmat_T"] = torch.arange(20).view(4, 5)
    t["mat_S"] = randn(4, 6)
    t["sum2d_T"] = randn(30, 50)
    # meta
    t["mat_meta"] = torch.zeros(2, 3)
    t["long_meta"] = torch.zeros(4, dtype=torch.int64)
    t["scalar_meta"] = torch.zeros(())
    t["f64_meta"] = torch.zeros(2, 0, dtype=torch.float64)
    # requires_grad
    t["vec_rg"] = randn(3)
    t["f64_rg"] = randn(2, dtype=torch.float64)
    t["empty_rg"] = torch.zeros(0, 2)
    t["scalar_rg"] = torch.tensor(1.25)
    t["wide_rg"] = randn(2, 9, dtype=torch.float64)
    t["wrap_rg"] = randn(60)
    t["meta_meta_rg"] = torch.zeros(3)
    # print options
    t["opt1__short"] = randn(20)
    t["opt2__full"] = torch.arange(1500)
    t["opt3__prec2"] = torch.tensor([1.23456, -7.891])
    t["opt4__prec0"] = torch.tensor([1.5, 2.25, 3.75])
    t["opt5__prec8"] = randn(4, dtype=torch.float64)
    t["opt6__sci"] = torch.tensor([1.5, 2.25])
    t["opt7__sci"] = torch.tensor([1.0, 2.0])
    t["opt8__sci"] = torch.zeros(2)
    t["opt9__nosci"] = torch.tensor([1e-5, 1e8])
    t["opt10__nosci"] = torch.tensor([1e9, 3.0])
    t["opt11__thr5"] = torch.arange(6.0)
    t["opt12__thr5"] = randn(3, 4)
    t["opt13__edge1"] = torch.arange(24).view(2, 3, 4)
    t["opt14__edge1"] = randn(12)
    t["opt15__lw40"] = randn(20)
    t["opt16__lw10"] = torch.arange(10)
    t["opt17__lw10"] = randn(2, 3, dtype=torch.float64)
    t["opt18_rg__lw40"] = randn(2, 3)

    for name, x in t.items():
        cases.add(name, [x], [])
        cases.text(name, _printed(name, x))
