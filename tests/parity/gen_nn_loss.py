"""Loss parity (tests/parity/nn_loss_test.cpp): every loss with each reduction,
weights, ignore_index, label smoothing, K-dimensional inputs, non-contiguous
inputs: the loss and the gradients of the inputs that require grad; autograd
node names, printed modules, state_dict keys and error messages (text)."""
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from gen_nn_module import error  # noqa: E402

warnings.filterwarnings("ignore")


def lsm(*shape):
    return torch.randn(*shape).log_softmax(1 if len(shape) > 1 else 0)


def probs(*shape):
    return torch.rand(*shape)


# name -> (inputs, indices of inputs that require grad, f(*inputs)); the C++
# test has the same table of functions.
def table():
    t = {}
    tgt5 = torch.tensor([1, 0, 3, 1, 2])
    w4 = torch.rand(4) + 0.5
    for r in ("mean", "sum", "none"):
        t[f"nll_{r}"] = ([lsm(5, 4), tgt5], [0], lambda x, y, r=r: F.nll_loss(x, y, reduction=r))
        t[f"nll_w_ign_{r}"] = ([lsm(5, 4), tgt5, w4], [0],
                               lambda x, y, w, r=r: F.nll_loss(x, y, w, ignore_index=1, reduction=r))
        t[f"nll_4d_{r}"] = ([lsm(2, 3, 4, 5), torch.randint(0, 3, (2, 4, 5)), torch.rand(3) + 0.5], [0],
                            lambda x, y, w, r=r: F.nll_loss(x, y, w, ignore_index=2, reduction=r))
        t[f"ce_{r}"] = ([torch.randn(5, 4), tgt5], [0], lambda x, y, r=r: F.cross_entropy(x, y, reduction=r))
        t[f"ce_w_ls_ign_{r}"] = ([torch.randn(5, 4), tgt5, w4], [0],
                                 lambda x, y, w, r=r: F.cross_entropy(x, y, w, ignore_index=1, reduction=r,
                                                                      label_smoothing=0.1))
        t[f"ce_ls_ign_{r}"] = ([torch.randn(5, 4), tgt5], [0],
                               lambda x, y, r=r: F.cross_entropy(x, y, ignore_index=3, reduction=r,
                                                                 label_smoothing=0.2))
        t[f"ce_prob_{r}"] = ([torch.randn(5, 4), torch.randn(5, 4).softmax(1)], [0, 1],
                             lambda x, y, r=r: F.cross_entropy(x, y, reduction=r))
        t[f"ce_prob_w_ls_{r}"] = ([torch.randn(2, 4, 3), torch.randn(2, 4, 3).softmax(1), w4], [0],
                                  lambda x, y, w, r=r: F.cross_entropy(x, y, w, reduction=r, label_smoothing=0.3))
        t[f"ce_3d_{r}"] = ([torch.randn(2, 4, 3), torch.randint(0, 4, (2, 3))], [0],
                           lambda x, y, r=r: F.cross_entropy(x, y, reduction=r))
        t[f"mse_{r}"] = ([torch.randn(3, 4), torch.randn(3, 4)], [0, 1], lambda x, y, r=r: F.mse_loss(x, y, reduction=r))
        t[f"l1_{r}"] = ([torch.randn(3, 4), torch.randn(3, 4)], [0, 1], lambda x, y, r=r: F.l1_loss(x, y, reduction=r))
        t[f"smooth_l1_{r}"] = ([torch.randn(3, 4), torch.randn(3, 4)], [0, 1],
                               lambda x, y, r=r: F.smooth_l1_loss(x, y, reduction=r, beta=0.5))
        t[f"huber_{r}"] = ([torch.randn(3, 4) * 2, torch.randn(3, 4)], [0, 1],
                           lambda x, y, r=r: F.huber_loss(x, y, reduction=r, delta=0.7))
        t[f"bce_{r}"] = ([probs(3, 4), probs(3, 4), torch.rand(4)], [0, 1],
                         lambda x, y, w, r=r: F.binary_cross_entropy(x, y, w, reduction=r))
        t[f"bce_logits_{r}"] = ([torch.randn(3, 4) * 3, probs(3, 4)], [0, 1],
                                lambda x, y, r=r: F.binary_cross_entropy_with_logits(x, y, reduction=r))
        t[f"bce_logits_pw_{r}"] = ([torch.randn(3, 4) * 3, probs(3, 4), torch.rand(4), torch.rand(4) * 3], [0, 1],
                                   lambda x, y, w, pw, r=r: F.binary_cross_entropy_with_logits(
                                       x, y, w, reduction=r, pos_weight=pw))
        t[f"kl_{r}"] = ([lsm(3, 4), torch.randn(3, 4).softmax(1)], [0, 1], lambda x, y, r=r: F.kl_div(x, y, reduction=r))
        t[f"kl_log_{r}"] = ([lsm(3, 4), lsm(3, 4)], [0, 1],
                            lambda x, y, r=r: F.kl_div(x, y, reduction=r, log_target=True))
        t[f"cosine_{r}"] = ([torch.randn(5, 4), torch.randn(5, 4), torch.tensor([1, -1, 1, -1, -1])], [0, 1],
                            lambda a, b, y, r=r: F.cosine_embedding_loss(a, b, y, margin=0.1, reduction=r))
        t[f"ranking_{r}"] = ([torch.randn(5), torch.randn(5), torch.tensor([1., -1, 1, -1, 1])], [0, 1],
                             lambda a, b, y, r=r: F.margin_ranking_loss(a, b, y, margin=0.2, reduction=r))
        t[f"triplet_{r}"] = ([torch.randn(5, 4), torch.randn(5, 4), torch.randn(5, 4)], [0, 1, 2],
                             lambda a, p, n, r=r: F.triplet_margin_loss(a, p, n, reduction=r))
    t["kl_batchmean"] = ([lsm(3, 4), torch.randn(3, 4).softmax(1)], [0],
                         lambda x, y: F.kl_div(x, y, reduction="batchmean"))
    t["nll_1d"] = ([lsm(4), torch.tensor(2)], [0], lambda x, y: F.nll_loss(x, y))
    t["nll_3d"] = ([lsm(2, 3, 6), torch.randint(0, 3, (2, 6))], [0], lambda x, y: F.nll_loss(x, y, ignore_index=0))
    t["nll_5d_none"] = ([lsm(2, 3, 2, 2, 2), torch.randint(0, 3, (2, 2, 2, 2))], [0],
                        lambda x, y: F.nll_loss(x, y, reduction="none"))
    t["nll_all_ignored"] = ([lsm(2, 3), torch.tensor([1, 1])], [0], lambda x, y: F.nll_loss(x, y, ignore_index=1))
    t["ce_t"] = ([torch.randn(4, 5), tgt5], [0], lambda x, y: F.cross_entropy(x.t(), y))
    t["mse_t"] = ([torch.randn(4, 3), torch.randn(3, 4)], [0], lambda x, y: F.mse_loss(x.t(), y))
    t["ce_1d"] = ([torch.randn(4), torch.tensor(3)], [0], lambda x, y: F.cross_entropy(x, y))
    t["ce_4d_ls"] = ([torch.randn(2, 3, 2, 2), torch.randint(0, 3, (2, 2, 2))], [0],
                     lambda x, y: F.cross_entropy(x, y, label_smoothing=0.05))
    t["smooth_l1_beta0"] = ([torch.randn(3, 4), torch.randn(3, 4)], [0], lambda x, y: F.smooth_l1_loss(x, y, beta=0.0))
    t["cosine_1d"] = ([torch.randn(4), torch.randn(4), torch.tensor(-1)], [0, 1],
                      lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=-0.5))
    t["triplet_swap_p1"] = ([torch.randn(5, 4), torch.randn(5, 4), torch.randn(5, 4)], [0, 1, 2],
                            lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=0.5, p=1, swap=True))
    return t


def generate(cases):
    for name, (ins, gidx, f) in table().items():
        args = [x.clone().requires_grad_(i in gidx) for i, x in enumerate(ins)]
        loss = f(*args)
        gy = torch.randn(loss.shape)
        loss.backward(gy)
        cases.add(name, ins + [gy], [loss.detach()] + [args[i].grad for i in gidx])
        # aten's own scalar ops record DivBackward1 (ember's, as Python's, DivBackward0)
        if loss.grad_fn.name() != "DivBackward1":
            cases.text("node_" + name, loss.grad_fn.name())

    mods = {
        "L1Loss": nn.L1Loss(), "MSELoss": nn.MSELoss(reduction="sum"), "SmoothL1Loss": nn.SmoothL1Loss(),
        "HuberLoss": nn.HuberLoss(), "NLLLoss": nn.NLLLoss(), "CrossEntropyLoss": nn.CrossEntropyLoss(),
        "BCELoss": nn.BCELoss(), "BCEWithLogitsLoss": nn.BCEWithLogitsLoss(), "KLDivLoss": nn.KLDivLoss(),
        "CosineEmbeddingLoss": nn.CosineEmbeddingLoss(), "MarginRankingLoss": nn.MarginRankingLoss(),
        "TripletMarginLoss": nn.TripletMarginLoss(),
    }
    for k, m in mods.items():
        cases.text("repr_" + k, repr(m))
    cases.text("keys_ce_weight", ",".join(nn.CrossEntropyLoss(torch.ones(3)).state_dict().keys()))
    cases.text("keys_ce", ",".join(nn.CrossEntropyLoss().state_dict().keys()))
    cases.text("keys_bce_logits", ",".join(nn.BCEWithLogitsLoss(torch.ones(3), pos_weight=torch.ones(3))
                                           .state_dict().keys()))
    cases.text("keys_bce_logits_pw", ",".join(nn.BCEWithLogitsLoss(pos_weight=torch.ones(3)).state_dict().keys()))

    x = torch.randn(3, 4)
    cases.text("err_batch", error(lambda: F.nll_loss(x, torch.tensor([0, 1]))))
    cases.text("err_ce_batch", error(lambda: F.cross_entropy(x, torch.tensor([0, 1]))))
    cases.text("err_oob", error(lambda: F.nll_loss(x, torch.tensor([0, 5, 1]))))
    cases.text("err_oob_neg", error(lambda: F.nll_loss(x, torch.tensor([0, -1, 1]))))
    cases.text("err_reduction", error(lambda: F.mse_loss(x, x, reduction="avg")))
    cases.text("err_nll_reduction", error(lambda: F.nll_loss(x, torch.tensor([0, 1, 2]), reduction="max")))
    cases.text("err_weight", error(lambda: F.nll_loss(x, torch.tensor([0, 1, 2]), torch.ones(3))))
    cases.text("err_target_multi", error(lambda: F.nll_loss(x, torch.zeros(3, 2, dtype=torch.long))))
    cases.text("err_kdim_target", error(lambda: F.nll_loss(torch.randn(2, 3, 4), torch.zeros(2, 5, dtype=torch.long))))
    cases.text("err_dim0", error(lambda: F.nll_loss(torch.tensor(1.0), torch.tensor(0))))
    cases.text("err_bce_size", error(lambda: F.binary_cross_entropy(torch.rand(3, 4), torch.rand(3))))
    cases.text("err_bce_range", error(lambda: F.binary_cross_entropy(torch.rand(3) + 1, torch.rand(3))))
    cases.text("err_bce_logits_size", error(lambda: F.binary_cross_entropy_with_logits(x, torch.rand(3))))
    # weight and pos_weight may broadcast to the input's shape, not past it
    cases.text("err_bce_weight_grows", error(lambda: F.binary_cross_entropy(torch.rand(4, 1), torch.rand(4, 1),
                                                                            torch.zeros(0))))
    cases.text("err_bce_weight_size", error(lambda: F.binary_cross_entropy(torch.rand(4, 3), torch.rand(4, 3),
                                                                           torch.ones(2))))
    cases.text("err_bce_logits_weight_grows", error(lambda: F.binary_cross_entropy_with_logits(
        torch.randn(4), torch.rand(4), torch.ones(3, 4))))
    cases.text("err_bce_logits_pos_weight_grows", error(lambda: F.binary_cross_entropy_with_logits(
        torch.randn(4), torch.rand(4), None, pos_weight=torch.ones(2, 4))))
    cases.text("err_bce_logits_pos_weight_size", error(lambda: F.binary_cross_entropy_with_logits(
        torch.randn(4), torch.rand(4), None, pos_weight=torch.zeros(0))))
    cases.text("err_ce_prob_ignore", error(lambda: F.cross_entropy(x, x.softmax(1), ignore_index=1)))
    cases.text("err_smooth_beta", error(lambda: F.smooth_l1_loss(x, x, beta=-1.0)))
    cases.text("err_huber_delta", error(lambda: F.huber_loss(x, x, delta=0.0)))
    cases.text("err_cosine_dims", error(lambda: F.cosine_embedding_loss(x, x, torch.ones(3, 1))))
    cases.text("err_ranking_dims", error(lambda: F.margin_ranking_loss(torch.randn(3), torch.randn(3),
                                                                       torch.ones(3, 1))))
    cases.text("err_triplet_dims", error(lambda: F.triplet_margin_loss(x, x, torch.randn(3))))
