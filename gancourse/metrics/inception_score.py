r"""Inception Score (Salimans et al. 2016) from classifier logits.

.. math:: \mathrm{IS} = \exp\Big(\mathbb E_x\, \mathrm{KL}\big(p(y \mid x)\,\|\,p(y)\big)\Big),
          \qquad p(y) = \mathbb E_x\, p(y \mid x).

High when each sample is classified confidently (*quality*: a peaked :math:`p(y \mid x)`) and
the classes are used evenly (*diversity*: a flat :math:`p(y)`); between 1 and the number of
classes. Computed per split of the samples; the mean and (population) standard deviation over
splits are returned.
"""

from __future__ import annotations

import torch

__all__ = ["inception_score"]


def inception_score(logits: torch.Tensor, splits: int = 10) -> tuple[float, float]:
    """(mean, std) of the Inception Score over ``splits`` consecutive splits of ``logits``
    ``[N, classes]`` (shuffle beforehand if the order is not random)."""
    logits = torch.as_tensor(logits)
    if logits.dim() != 2 or logits.shape[0] < splits or splits < 1:
        raise ValueError(
            f"need logits [N, classes] with N >= splits >= 1, got {tuple(logits.shape)}, splits={splits}"
        )
    log_p = logits.to(torch.float64).log_softmax(dim=1)
    n = log_p.shape[0]
    scores = []
    for i in range(splits):
        chunk = log_p[i * n // splits : (i + 1) * n // splits]
        log_marginal = torch.logsumexp(chunk, dim=0) - torch.log(
            torch.tensor(float(len(chunk)), dtype=torch.float64)
        )
        kl = (chunk.exp() * (chunk - log_marginal)).sum(dim=1).mean()
        scores.append(kl.exp())
    scores = torch.stack(scores)
    return float(scores.mean()), float(scores.std(unbiased=False))
