"""nn.Module conversions and nn.utils.convert_parameters parity: a model with
float parameters, a 4-D weight, an int64 buffer and a float buffer (built from
the case inputs the same way in tests/parity/nn_conversions_test.cpp) goes
through to / half / bfloat16 / float / double / type / to(memory_format); each
case's outputs are the model's parameters then buffers, compared with dtypes
and strides. Error messages are stored as text."""
import torch
from torch import nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from gen_nn_module import error  # noqa: E402 - the shared "Type: message" helper


class Sub(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(w.clone())  # 2-D: no memory format applies


class Net(nn.Module):
    def __init__(self, inputs):
        super().__init__()
        weight, bias, steps, mean, w = inputs
        self.weight = nn.Parameter(weight.clone())  # 4-D
        self.bias = nn.Parameter(bias.clone())
        self.register_buffer("steps", steps.clone())  # int64
        self.register_buffer("mean", mean.clone())
        self.sub = Sub(w)


def tensors(net):
    return [t.detach() for t in net.parameters()] + [t for t in net.buffers()]


def generate(cases):
    inputs = [
        torch.randn(2, 3, 2, 2),
        torch.tensor([0.1, -2.5]),
        torch.tensor([7, -3, 2**40]),
        torch.tensor([0.3, 1e-3, 65504.0 * 2]),  # the last one overflows float16
        torch.randn(3, 2) * 100,
    ]

    def case(name, convert):
        net = Net(inputs)
        convert(net)
        cases.add(name, inputs, tensors(net), strides=True)

    case("to_float64", lambda m: m.to(torch.float64))
    case("to_device_dtype", lambda m: m.to("cpu", torch.float16))
    case("to_tensor", lambda m: m.to(torch.zeros(1, dtype=torch.float64)))
    case("half", lambda m: m.half())
    case("bfloat16", lambda m: m.bfloat16())
    case("double_then_float", lambda m: m.double().float())
    case("type_int32", lambda m: m.requires_grad_(False).type(torch.int32))
    case("type_float64", lambda m: m.type(torch.float64))
    case("to_channels_last", lambda m: m.to(memory_format=torch.channels_last))
    case("channels_last_then_contiguous",
         lambda m: m.to(memory_format=torch.channels_last).to(memory_format=torch.contiguous_format))
    case("to_float64_channels_last",
         lambda m: m.to("cpu", torch.float64, memory_format=torch.channels_last))

    net = Net(inputs)
    cases.add("parameters_to_vector", inputs, parameters_to_vector(net.parameters()))
    cases.add("parameters_to_vector_double", inputs,
              parameters_to_vector(net.double().parameters()))
    net = Net(inputs)
    vec = torch.arange(100.0, 100.0 + sum(p.numel() for p in net.parameters()) + 2)
    vector_to_parameters(vec, net.parameters())
    cases.add("vector_to_parameters", inputs + [vec], tensors(net), strides=True)

    net = Net(inputs)
    cases.text("err_to_int64", error(lambda: net.to(torch.int64)))
    cases.text("err_to_bool", error(lambda: net.to("cpu", torch.bool)))
    cases.text("err_to_int_tensor", error(lambda: net.to(torch.zeros(1, dtype=torch.int32))))
    cases.text("err_type_int32", error(lambda: net.type(torch.int32)))
    net.register_buffer("vol", torch.zeros(1, 2, 1, 2, 2))
    cases.text("err_channels_last_5d", error(lambda: net.to(memory_format=torch.channels_last)))
    cases.text("err_channels_last_3d_4d",
               error(lambda: net.to(memory_format=torch.channels_last_3d)))
    meta = Net([t.to("meta") for t in inputs])
    cases.text("err_meta_to_cpu", error(lambda: meta.to("cpu")))
    cases.text("err_p2v_empty", error(lambda: parameters_to_vector([])))
    cases.text("err_p2v_none", error(lambda: parameters_to_vector([torch.ones(2), None])))
    cases.text("err_p2v_channels_last",
               error(lambda: parameters_to_vector(
                   [torch.ones(2, 3, 2, 2).to(memory_format=torch.channels_last)])))
    params = list(Net(inputs).parameters())
    cases.text("err_v2p_none", error(lambda: vector_to_parameters(None, params)))
    cases.text("err_v2p_short", error(lambda: vector_to_parameters(torch.zeros(20), params)))
    cases.text("err_v2p_int", error(lambda: vector_to_parameters(torch.arange(40), params)))
    cases.text("err_v2p_meta",
               error(lambda: vector_to_parameters(torch.zeros(40, device="meta"), params)))
