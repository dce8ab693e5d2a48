"""Seeded random loss configurations against PyTorch
(tests/parity/nn_loss_sweep_test.cpp): cross_entropy (class indices and
probabilities, weight, ignore_index, label_smoothing, K-dimensional and
unbatched inputs), nll_loss, binary_cross_entropy (weight),
binary_cross_entropy_with_logits (weight, pos_weight), kl_div (batchmean,
log_target), smooth_l1 (beta, including 0), huber (delta), mse, l1,
cosine_embedding (margin), margin_ranking and triplet_margin (p, eps, swap),
each with every reduction; the loss and the gradients of its inputs.

Each case's inputs: a, b, c (c empty for two-input losses), weight,
pos_weight (empty: none), the output gradient, the parameters (int64: kind,
reduction (0 none, 1 mean, 2 sum, 3 batchmean), ignore_index, swap,
log_target) and (label_smoothing, beta/delta/margin, p, eps) (float64).
Outputs: the loss and the gradients of the differentiable inputs."""
import random
import warnings

import torch
import torch.nn.functional as F

(CE, CE_PROB, NLL, BCE, BCE_LOGITS, KL, SMOOTH_L1, HUBER, COSINE, MARGIN_RANKING, TRIPLET, MSE,
 L1) = range(13)
REDUCTIONS = ("none", "mean", "sum", "batchmean")
# Which of a, b, c require grad, per kind.
GRADS = {CE: 1, CE_PROB: 1, NLL: 1, BCE: 1, BCE_LOGITS: 1, KL: 1, SMOOTH_L1: 2, HUBER: 2, COSINE: 2,
         MARGIN_RANKING: 2, TRIPLET: 3, MSE: 2, L1: 2}
CASES = 130


def generate(cases):
    warnings.filterwarnings("ignore", message="reduction: 'mean' divides")  # kl_div's
    rng = random.Random(19)
    made = 0
    while made < CASES:
        kind = rng.choice(list(range(13)) + [CE, CE, NLL])  # the most arguments
        red = rng.choice((0, 1, 2, 3) if kind == KL else (0, 1, 2))
        n, c = rng.randint(1, 5), rng.randint(1, 6)
        extra = [rng.randint(1, 4) for _ in range(rng.choice((0, 0, 1, 2)))]
        ignore, swap, log_target = -100, 0, 0
        smoothing, scalar, p, eps = 0.0, rng.choice((0.0, 0.5, 1.0, 2.0)), rng.choice((1.0, 2.0, 3.0)), \
            rng.choice((1e-6, 1e-3))
        weight, pos_weight = torch.zeros(0), torch.zeros(0)
        a = b = cc = None
        if kind in (CE, CE_PROB, NLL):
            unbatched = kind != NLL and rng.random() < 0.15
            shape = [c] if unbatched else [n, c] + extra
            a = torch.randn(*shape) * 2
            if kind == NLL:
                a = a.log_softmax(1)
            if kind == CE_PROB:
                b = torch.randn(*shape).softmax(0 if unbatched else 1)
            else:
                b = torch.randint(0, c, shape[:0] if unbatched else [n] + extra)
                if rng.random() < 0.4:
                    ignore = rng.choice((0, c - 1, -1))
            if rng.random() < 0.5:
                weight = torch.rand(c) + 0.2
            if kind != NLL:
                smoothing = rng.choice((0.0, 0.0, 0.1, 0.35))
        elif kind in (BCE, BCE_LOGITS):
            shape = [n] + extra + [c]
            a = torch.rand(*shape) * 0.98 + 0.01 if kind == BCE else torch.randn(*shape) * 3
            b = torch.rand(*shape)
            if rng.random() < 0.5:
                weight = torch.rand(*shape[rng.randrange(len(shape)):]) + 0.2
            if kind == BCE_LOGITS and rng.random() < 0.5:
                pos_weight = torch.rand(c) * 3
        elif kind == KL:
            shape = [n, c] + extra
            a = torch.randn(*shape).log_softmax(1)
            log_target = int(rng.random() < 0.5)
            b = torch.randn(*shape).log_softmax(1) if log_target else torch.randn(*shape).softmax(1)
        elif kind in (SMOOTH_L1, HUBER, MSE, L1):
            shape = [n, c] + extra
            a, b = torch.randn(*shape) * 2, torch.randn(*shape) * 2
        elif kind == COSINE:
            unbatched = rng.random() < 0.2
            a, b = torch.randn(*([c] if unbatched else [n, c])), torch.randn(*([c] if unbatched else [n, c]))
            cc = torch.tensor(rng.choice((1, -1))) if unbatched else torch.randint(0, 2, (n,)) * 2 - 1
            scalar = rng.choice((0.0, 0.3, -0.2))
        elif kind == MARGIN_RANKING:
            a, b = torch.randn(n), torch.randn(n)
            cc = torch.randint(0, 2, (n,)).float() * 2 - 1
        else:
            shape = [c] if rng.random() < 0.2 else [n, c]
            a, b, cc = torch.randn(*shape), torch.randn(*shape), torch.randn(*shape)
            swap = int(rng.random() < 0.5)
        ng = GRADS[kind]
        ins = [a, b, cc]
        req = [t.clone().requires_grad_(True) if i < ng and t is not None else t for i, t in enumerate(ins)]
        ra, rb, rc = req
        r = REDUCTIONS[red]
        w = weight if weight.numel() else None
        try:
            if kind in (CE, CE_PROB):
                y = F.cross_entropy(ra, rb, w, ignore_index=ignore, reduction=r, label_smoothing=smoothing)
            elif kind == NLL:
                y = F.nll_loss(ra, rb, w, ignore_index=ignore, reduction=r)
            elif kind == BCE:
                y = F.binary_cross_entropy(ra, rb, w, reduction=r)
            elif kind == BCE_LOGITS:
                y = F.binary_cross_entropy_with_logits(ra, rb, w, reduction=r,
                                                       pos_weight=pos_weight if pos_weight.numel() else None)
            elif kind == KL:
                y = F.kl_div(ra, rb, reduction=r, log_target=bool(log_target))
            elif kind == SMOOTH_L1:
                y = F.smooth_l1_loss(ra, rb, reduction=r, beta=scalar)
            elif kind == HUBER:
                y = F.huber_loss(ra, rb, reduction=r, delta=max(scalar, 0.5))
            elif kind == MSE:
                y = F.mse_loss(ra, rb, reduction=r)
            elif kind == L1:
                y = F.l1_loss(ra, rb, reduction=r)
            elif kind == COSINE:
                y = F.cosine_embedding_loss(ra, rb, rc, margin=scalar, reduction=r)
            elif kind == MARGIN_RANKING:
                y = F.margin_ranking_loss(ra, rb, rc, margin=scalar, reduction=r)
            else:
                y = F.triplet_margin_loss(ra, rb, rc, margin=scalar, p=p, eps=eps, swap=bool(swap), reduction=r)
        except (RuntimeError, ValueError):
            continue
        gy = torch.randn(y.shape)
        y.backward(gy)
        if kind == HUBER:
            scalar = max(scalar, 0.5)
        params = [kind, red, ignore, swap, log_target]
        empty = torch.zeros(0)
        cases.add(f"sweep{made:03d}",
                  [a, b, empty if cc is None else cc, weight, pos_weight, gy,
                   torch.tensor(params, dtype=torch.int64),
                   torch.tensor([smoothing, scalar, p, eps], dtype=torch.float64)],
                  [y.detach()] + [t.grad for t in req[:ng]])
        made += 1
