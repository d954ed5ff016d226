"""The exercises' checks: each accepts a right answer and rejects a catalogue of known-wrong ones.

A check that accepts any entry of its catalogue is a defect (issue 13): learners would be told
a bug is right. Every entry also pins the words of the message, so that a wrong answer is told
*what* is wrong. The right answers are written here independently of the package where the
formula is short, so a check that merely compared the package with itself would still fail.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from gancourse import checks, losses, theory
from gancourse.checks import ExerciseFailed

# ---------------------------------------------------------------------------------------------
# right answers, written independently


def d_loss(real, fake):
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def optimal_d(p_data, p_g):
    total = p_data + p_g
    return torch.where(total > 0, p_data / torch.where(total > 0, total, 1.0), 0.5)


def js(p, q, x):
    m = (p + q) / 2
    f = (
        0.5 * torch.xlogy(p, p)
        - 0.5 * torch.xlogy(p, m)
        + 0.5 * torch.xlogy(q, q)
        - 0.5 * torch.xlogy(q, m)
    )
    return torch.trapezoid(f, x)


def kl(p, q, x):
    if bool(((p > 0) & (q == 0)).any()):
        return math.inf
    return torch.trapezoid(torch.xlogy(p, p) - torch.xlogy(p, q), x)


def ns_g(fake):
    return F.softplus(-fake).mean()


def d_step(D, real, fake):
    return d_loss(D(real), D(fake.detach()))


def side(n, k, s, p):
    return (n - 1) * s - 2 * p + k


def slerp(z0, z1, t):
    cos = (z0 @ z1 / (z0.norm() * z1.norm())).clamp(-1, 1)
    omega = torch.arccos(cos)
    if torch.sin(omega).abs() < 1e-7:
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def clip(module, c):
    with torch.no_grad():
        for p in module.parameters():
            p.clamp_(-c, c)


def gp(D, real, fake, eps):
    x = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return 10 * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def power(W, u, iters):
    for _ in range(iters):
        v = W.T @ u
        v = v / v.norm()
        u = W @ v
        u = u / u.norm()
    return u @ W @ v


def mmd(x, y, kernel):
    m, n = len(x), len(y)
    kxx, kyy = kernel(x, x), kernel(y, y)
    return (
        (kxx.sum() - kxx.trace()) / (m * (m - 1))
        + (kyy.sum() - kyy.trace()) / (n * (n - 1))
        - 2 * kernel(x, y).mean()
    )


def _sqrtm(a):
    w, v = torch.linalg.eigh(a)
    return (v * w.clamp(min=0).sqrt()) @ v.T


def fid(mu1, s1, mu2, s2):
    r = _sqrtm(s1)
    return (mu1 - mu2) @ (mu1 - mu2) + s1.trace() + s2.trace() - 2 * _sqrtm(r @ s2 @ r).trace()


def _radii(x, k):
    return torch.cdist(x, x).kthvalue(k + 1, dim=1).values


def pr(real, fake, k):
    precision = (torch.cdist(fake, real) <= _radii(real, k)).any(dim=1).double().mean()
    recall = (torch.cdist(real, fake) <= _radii(fake, k)).any(dim=1).double().mean()
    return float(precision), float(recall)


def ebgan_d(real, fake, m):
    return real.mean() + (m - fake).clamp(min=0).mean()


def pt(codes):
    n = len(codes)
    total = codes.new_zeros(())
    for i in range(n):  # the pairs written out, as in the paper's sum
        for j in range(n):
            if i != j:
                cos = codes[i] @ codes[j] / (codes[i].norm() * codes[j].norm())
                total = total + cos**2
    return total / (n * (n - 1))


def began_k(k, real, fake, gamma, lambda_k):
    return float(min(1.0, max(0.0, float(k) + lambda_k * (gamma * real.mean() - fake.mean()))))


def acgan_ce(logits, labels):  # written out: minus the log-softmax of the label, averaged
    log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return -log_p[torch.arange(len(labels)), labels].mean()


def projection(phi, w, b, embedding, labels):
    return phi @ w + b + torch.einsum("bf,bf->b", embedding[labels], phi)


def info_bound(logits, codes):
    log_q = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return log_q[torch.arange(len(codes)), codes].mean() + math.log(logits.shape[1])


def receptive(layers):  # walked back from one output unit
    r = 1
    for k, s in layers[::-1]:
        r = r * s + (k - s)
    return r


def p2p_g(logits, fake, target, lam):  # BCE against "real", plus λ · L1
    real = torch.ones_like(logits)
    return F.binary_cross_entropy_with_logits(logits, real) + lam * F.l1_loss(fake, target)


def cycle_l1(G, F_, a, b):  # both round trips, L1
    return F.l1_loss(F_(G(a)), a) + F.l1_loss(G(F_(b)), b)


def identity_l1(G, F_, a, b):  # each generator fed its own output domain
    return F.l1_loss(G(b), b) + F.l1_loss(F_(a), a)


RIGHT = {
    "discriminator_loss": d_loss,
    "optimal_discriminator": optimal_d,
    "js_divergence": js,
    "kl_divergence": kl,
    "nonsaturating_g_loss": ns_g,
    "discriminator_step_loss": d_step,
    "conv_transpose_side": side,
    "slerp": slerp,
    "clip_weights": clip,
    "wgan_gp_penalty": gp,
    "power_iteration": power,
    "mmd2_unbiased": mmd,
    "fid_from_statistics": fid,
    "precision_recall": pr,
    "ebgan_d_loss": ebgan_d,
    "pulling_away_term": pt,
    "began_k_update": began_k,
    "acgan_class_loss": acgan_ce,
    "projection_logit": projection,
    "infogan_categorical_bound": info_bound,
    "patch_receptive_field": receptive,
    "pix2pix_generator_loss": p2p_g,
    "cycle_consistency_loss": cycle_l1,
    "identity_mapping_loss": identity_l1,
}


def test_every_check_has_a_right_answer_and_mutants():
    assert set(RIGHT) == set(checks.__all__) - {"ExerciseFailed"}
    assert {name for name, _, _ in WRONG} == set(RIGHT)


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_check_accepts_the_right_answer(name, capsys):
    getattr(checks, name)(RIGHT[name])
    assert capsys.readouterr().out.startswith(f"✓ {name}: ")


# ---------------------------------------------------------------------------------------------
# the catalogue of known-wrong answers: (check, wrong function, words the message must contain)


def _stub(*args):
    raise NotImplementedError


def _mmgan_g(fake):
    return -F.softplus(fake).mean()


def _wrong_clip_no_bias(module, c):
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "weight" in name:
                p.clamp_(-c, c)


def _wrong_clip_out_of_place(module, c):
    for p in module.parameters():
        p = p.clamp(-c, c)  # noqa: PLW2901 - the bug: rebinding the name changes nothing


def _wrong_clip_zero(module, c):
    with torch.no_grad():
        for p in module.parameters():
            p.clamp_(0, c)


def _wrong_clip_grads(module, c):
    for p in module.parameters():
        p.grad.clamp_(-c, c)


def _gp_with(norm_dim=1, square=True, minus_one=True, weight=10.0, swap=False, create_graph=True):
    def penalty(D, real, fake, eps):
        a, b = (fake, real) if swap else (real, fake)
        x = (eps * a + (1 - eps) * b).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=create_graph)
        n = grad.flatten(1).norm(dim=norm_dim)
        d = n - 1 if minus_one else n
        return weight * ((d**2) if square else d.abs()).mean()

    return penalty


def _power_unnormalised(W, u, iters):
    for _ in range(iters):
        v = W.T @ u
        u = W @ v
    return u @ W @ v


def _power_exact(W, u, iters):
    return torch.linalg.matrix_norm(W, ord=2)


def _power_one_round(W, u, iters):
    return power(W, u, 1)


def _mmd_biased(x, y, kernel):
    return kernel(x, x).mean() + kernel(y, y).mean() - 2 * kernel(x, y).mean()


def _mmd_m2(x, y, kernel):
    m, n = len(x), len(y)
    kxx, kyy = kernel(x, x), kernel(y, y)
    return (
        (kxx.sum() - kxx.trace()) / m**2
        + (kyy.sum() - kyy.trace()) / n**2
        - 2 * kernel(x, y).mean()
    )


def _mmd_cross_sign(x, y, kernel):
    return mmd(x, y, kernel) + 4 * kernel(x, y).mean()


def _fid_commuting(mu1, s1, mu2, s2):
    return (
        (mu1 - mu2) @ (mu1 - mu2) + s1.trace() + s2.trace() - 2 * (_sqrtm(s1) @ _sqrtm(s2)).trace()
    )


def _fid_float32(mu1, s1, mu2, s2):
    return fid(mu1.float(), s1.float(), mu2.float(), s2.float())


def _fid_unsquared_mean(mu1, s1, mu2, s2):
    return fid(mu1, s1, mu2, s2) - (mu1 - mu2) @ (mu1 - mu2) + (mu1 - mu2).norm()


def _pr_self_radius(real, fake, k):
    def radii(x):
        return torch.cdist(x, x).kthvalue(k, dim=1).values  # counts the point itself

    precision = (torch.cdist(fake, real) <= radii(real)).any(dim=1).double().mean()
    recall = (torch.cdist(real, fake) <= radii(fake)).any(dim=1).double().mean()
    return float(precision), float(recall)


def _dstep_detach_in_place(D, real, fake):
    return d_loss(D(real), D(fake.detach_()))


def _clip_state_dict(module, c):
    with torch.no_grad():
        for t in module.state_dict().values():
            if t.is_floating_point():
                t.clamp_(-c, c)


def _d_star_wrong_guard(p, q):
    return torch.where(p > 0, p / (p + q), 0.5)


def _kl_inf_if_any_zero(p, q, x):
    return math.inf if bool((q == 0).any()) else kl(p, q, x)


def _mmd_minus_m(x, y, kernel):
    m, n = len(x), len(y)
    kxx, kyy = kernel(x, x), kernel(y, y)
    return (
        (kxx.sum() - m) / (m * (m - 1)) + (kyy.sum() - n) / (n * (n - 1)) - 2 * kernel(x, y).mean()
    )


def _dstep_no_detach(D, real, fake):
    return d_loss(D(real), D(fake))


def _dstep_detached_logits(D, real, fake):
    return d_loss(D(real), D(fake).detach())


def _dstep_detached_loss(D, real, fake):
    return d_loss(D(real), D(fake)).detach()


def _js_naive(p, q, x):
    m = (p + q) / 2
    return torch.trapezoid(0.5 * p * torch.log(p / m) + 0.5 * q * torch.log(q / m), x)


def _kl_naive(p, q, x):
    return torch.trapezoid(p * torch.log(p / q), x)


def _kl_dropped_zeros(p, q, x):
    keep = (p > 0) & (q > 0)
    return torch.trapezoid(torch.where(keep, p * torch.log(torch.where(keep, p / q, 1.0)), 0.0), x)


def _pt_cosines(codes):
    unit = codes / codes.norm(dim=1, keepdim=True)
    return unit @ unit.T


def _pt_unsquared(codes):
    n, cos = len(codes), _pt_cosines(codes)
    return (cos.sum() - cos.trace()) / (n * (n - 1))


def _pt_with_diagonal(codes):
    n = len(codes)
    return _pt_cosines(codes).pow(2).sum() / (n * (n - 1))


def _pt_over_n_squared(codes):
    n = len(codes)
    return (_pt_cosines(codes).pow(2).sum() - n) / n**2


def _pt_dot_products(codes):
    n, dots = len(codes), codes @ codes.T
    return (dots.pow(2).sum() - dots.diagonal().pow(2).sum()) / (n * (n - 1))


WRONG = [
    # notebook 01
    ("discriminator_loss", _stub, "not written yet"),
    ("discriminator_loss", lambda r, f: None, "forget `return`"),
    (
        "discriminator_loss",
        lambda r, f: -torch.log(torch.sigmoid(r)).mean() - torch.log(1 - torch.sigmoid(f)).mean(),
        "softplus",
    ),
    ("discriminator_loss", lambda r, f: -d_loss(r, f), "signs"),
    ("discriminator_loss", lambda r, f: F.softplus(-r).sum() + F.softplus(f).sum(), "mean"),
    ("discriminator_loss", lambda r, f: d_loss(f, r), "swapped real and fake"),
    ("discriminator_loss", lambda r, f: F.softplus(-r).mean(), "only the real term"),
    ("discriminator_loss", lambda r, f: d_loss(r, f).detach(), "without a gradient"),
    ("discriminator_loss", lambda r, f: F.softplus(-r) + F.softplus(f), "one number"),
    ("optimal_discriminator", lambda p, q: p / (p + q), "NaN where both densities are 0"),
    ("optimal_discriminator", lambda p, q: optimal_d(q, p), "1 - D*"),
    ("optimal_discriminator", _d_star_wrong_guard, "p_data zero outside"),
    ("optimal_discriminator", lambda p, q: p / q.clamp(min=1e-300), "D* is"),
    ("optimal_discriminator", lambda p, q: optimal_d(p, q)[::2], "a value per grid point"),
    # notebook 02
    ("js_divergence", _js_naive, "0·log 0"),
    ("js_divergence", lambda p, q, x: 2 * js(p, q, x), "factor 1/2"),
    ("js_divergence", lambda p, q, x: js(p, q, x) / math.log(2), "natural logarithms"),
    ("js_divergence", lambda p, q, x: js(p, q, x) / (x[1] - x[0]), "spacing dx"),
    (
        "js_divergence",
        lambda p, q, x: kl(p, q, x) if math.isfinite(kl(p, q, x)) else 0.0,
        "KL(p || q)",
    ),
    ("kl_divergence", _kl_naive, "0·log 0"),
    ("kl_divergence", _kl_inf_if_any_zero, "zeros in both"),
    ("kl_divergence", _kl_dropped_zeros, "inf"),
    ("kl_divergence", lambda p, q, x: kl(q, p, x), "KL(q || p)"),
    ("kl_divergence", lambda p, q, x: kl(p, q, x) / math.log(2), "natural logarithms"),
    # notebook 03
    ("nonsaturating_g_loss", _mmgan_g, "saturating (minimax)"),
    ("nonsaturating_g_loss", lambda f: -torch.log(torch.sigmoid(f)).mean(), "softplus(-a)"),
    ("nonsaturating_g_loss", lambda f: -ns_g(f), "sign is flipped"),
    ("nonsaturating_g_loss", lambda f: F.softplus(-f).sum(), "mean"),
    ("nonsaturating_g_loss", lambda f: ns_g(f).item(), "without a gradient"),
    ("discriminator_step_loss", _dstep_no_detach, "gradient flows into G"),
    (
        "discriminator_step_loss",
        _dstep_detach_in_place,
        "detached the caller's fake batch in place",
    ),
    ("discriminator_step_loss", _dstep_detached_logits, "wrong gradient for D"),
    ("discriminator_step_loss", _dstep_detached_loss, "carries no gradient"),
    ("discriminator_step_loss", lambda D, r, f: ns_g(D(f)), "generator's non-saturating loss"),
    # notebook 04
    (
        "conv_transpose_side",
        lambda n, k, s, p: (n + 2 * p - k) // s + 1,
        "ordinary (downsampling) convolution",
    ),
    ("conv_transpose_side", lambda n, k, s, p: (n - 1) * s + k, "padding removes p"),
    ("conv_transpose_side", lambda n, k, s, p: n * s, "torch gives"),
    ("conv_transpose_side", lambda n, k, s, p: str(side(n, k, s, p)), "return an int"),
    ("conv_transpose_side", lambda n, k, s, p: side(n, k, s, p) + 0.5, "return an int"),
    ("slerp", lambda a, b, t: (1 - t) * a + t * b, "linear interpolation"),
    ("slerp", lambda a, b, t: slerp(a, b, 1 - t), "wrong way"),
    (
        "slerp",
        lambda a, b, t: (
            (torch.sin((1 - t) * torch.arccos(a @ b)) * a + torch.sin(t * torch.arccos(a @ b)) * b)
            / torch.sin(torch.arccos(a @ b))
        ),
        "not finite",
    ),
    ("slerp", lambda a, b, t: slerp(a / a.norm(), b / b.norm(), t), "away from the right"),
    # notebook 05
    ("clip_weights", _wrong_clip_no_bias, "biases too"),
    ("clip_weights", _wrong_clip_out_of_place, "in place"),
    ("clip_weights", _wrong_clip_zero, "[0, c]"),
    ("clip_weights", _wrong_clip_grads, "above c"),
    ("clip_weights", _clip_state_dict, "running statistics"),
    ("wgan_gp_penalty", _gp_with(norm_dim=0), "over the batch dimension"),
    ("wgan_gp_penalty", _gp_with(weight=1.0), "λ = 10"),
    ("wgan_gp_penalty", _gp_with(square=False), "squared"),
    ("wgan_gp_penalty", _gp_with(minus_one=False), "two-sided"),
    ("wgan_gp_penalty", _gp_with(swap=True), "ε weights the *real* sample"),
    ("wgan_gp_penalty", _gp_with(create_graph=False), "create_graph=True"),
    # notebook 06
    ("power_iteration", _power_unnormalised, "normalise u and v"),
    ("power_iteration", _power_exact, "do exactly `iters` rounds"),
    ("power_iteration", _power_one_round, "the right value is"),
    ("mmd2_unbiased", _mmd_biased, "biased estimate"),
    ("mmd2_unbiased", _mmd_minus_m, "KID's cubic kernel"),
    ("mmd2_unbiased", _mmd_m2, "m(m - 1)"),
    ("mmd2_unbiased", _mmd_cross_sign, "sign is flipped"),
    ("mmd2_unbiased", lambda x, y, k: mmd(x, y, k) + k(x, y).mean(), "counts twice"),
    # notebook 14
    ("fid_from_statistics", _fid_commuting, "commute"),
    ("fid_from_statistics", _fid_float32, "float64"),
    ("fid_from_statistics", _fid_unsquared_mean, "*squared* distance"),
    (
        "fid_from_statistics",
        lambda m1, a, m2, b: (
            fid(m1, a, m2, b)
            + torch.linalg.eigvalsh(_sqrtm(a) @ b @ _sqrtm(a)).clamp(min=0).sqrt().sum()
        ),
        "-2 tr",
    ),
    ("precision_recall", lambda r, f, k: pr(r, f, k)[::-1], "swapped"),
    ("precision_recall", _pr_self_radius, "one neighbour short"),
    ("precision_recall", lambda r, f, k: pr(r, f, k + 2), "the right values"),
    # notebook 08
    ("ebgan_d_loss", lambda r, f, m: r.mean() + (f - m).clamp(min=0).mean(), "*below* the margin"),
    ("ebgan_d_loss", lambda r, f, m: r.mean() + (m - f).mean(), "the hinge is missing"),
    ("ebgan_d_loss", lambda r, f, m: r.sum() + (m - f).clamp(min=0).sum(), "mean"),
    ("ebgan_d_loss", lambda r, f, m: (m - r).clamp(min=0).mean() + f.mean(), "reals' energy"),
    ("ebgan_d_loss", lambda r, f, m: (m - f).clamp(min=0).mean(), "only the fake term"),
    ("ebgan_d_loss", lambda r, f, m: r.mean() + (m - f.mean()).clamp(min=0), "per sample"),
    ("ebgan_d_loss", lambda r, f, m: ebgan_d(r, f, m).detach(), "without a gradient"),
    ("ebgan_d_loss", lambda r, f, m: r + (m - f[: len(r)]).clamp(min=0), "one number"),
    ("pulling_away_term", _stub, "not written yet"),
    ("pulling_away_term", _pt_unsquared, "square the cosines"),
    ("pulling_away_term", _pt_with_diagonal, "leave out i = j"),
    ("pulling_away_term", _pt_over_n_squared, "divided by N²"),
    ("pulling_away_term", _pt_dot_products, "normalise the codes"),
    ("began_k_update", lambda k, r, f, g, lk: float(k) + lk * (g * r.mean() - f.mean()), "clip k"),
    ("began_k_update", lambda k, r, f, g, lk: began_k(k, r, f, g, -lk), "sign flipped"),
    (
        "began_k_update",
        lambda k, r, f, g, lk: min(
            max(float(k) + lk * (float(r.mean()) - g * float(f.mean())), 0.0), 1.0
        ),
        "γ multiplies",
    ),
    (
        "began_k_update",
        lambda k, r, f, g, lk: min(max(lk * (g * float(r.mean()) - float(f.mean())), 0.0), 1.0),
        "adds to the old one",
    ),
    ("began_k_update", lambda k, r, f, g, lk: (k + lk * (g * r - f)).clamp(0, 1), "one number"),
    ("acgan_class_loss", lambda lg, y: F.cross_entropy(lg.softmax(1), y), "softmax applied twice"),
    ("acgan_class_loss", lambda lg, y: F.cross_entropy(lg, y, reduction="sum"), "do not sum"),
    ("acgan_class_loss", lambda lg, y: -lg.gather(1, y[:, None]).mean(), "log-softmax is missing"),
    ("acgan_class_loss", lambda lg, y: -lg.softmax(1).gather(1, y[:, None]).mean(), "take the log"),
    ("acgan_class_loss", lambda lg, y: -F.cross_entropy(lg, y), "the sign"),
    ("acgan_class_loss", lambda lg, y: F.cross_entropy(lg, y).detach(), "without a gradient"),
    ("acgan_class_loss", lambda lg, y: F.cross_entropy(lg, y, reduction="none"), "one number"),
    ("acgan_class_loss", lambda lg, y: (_ for _ in ()).throw(NotImplementedError), "not written"),
    ("projection_logit", lambda p, w, b, e, y: p @ w + b, "projection term"),
    ("projection_logit", lambda p, w, b, e, y: (e[y] * p).sum(1), "unconditional term"),
    ("projection_logit", lambda p, w, b, e, y: p @ w + b + p @ e.sum(0), "own class"),
    ("projection_logit", lambda p, w, b, e, y: p @ w + (e[y] * p).sum(1), "the bias"),
    ("projection_logit", lambda p, w, b, e, y: (p @ w + b + (e[y] * p).sum(1)).sum(), "one number"),
    (
        "projection_logit",
        lambda p, w, b, e, y: (p @ w + b + (e[y] * p).sum(1)).detach(),
        "without a gradient",
    ),
    ("projection_logit", lambda p, w, b, e, y: p @ w + b + (e[y] * p).sum(1) + 1, "differ"),
    ("infogan_categorical_bound", lambda lg, c: -F.cross_entropy(lg, c), "entropy H(c)"),
    ("infogan_categorical_bound", lambda lg, c: F.cross_entropy(lg, c) + math.log(10), "sign"),
    (
        "infogan_categorical_bound",
        lambda lg, c: lg.softmax(1).gather(1, c[:, None]).mean() + math.log(10),
        "not Q(c|x)",
    ),
    (
        "infogan_categorical_bound",
        lambda lg, c: -F.cross_entropy(lg.softmax(1), c) + math.log(10),
        "raw",
    ),
    (
        "infogan_categorical_bound",
        lambda lg, c: -F.cross_entropy(lg, c) + math.log(len(c)),
        "not ln B",
    ),
    ("infogan_categorical_bound", lambda lg, c: info_bound(lg, c).detach(), "without a gradient"),
    ("infogan_categorical_bound", lambda lg, c: -F.cross_entropy(lg, c) + math.log(10), "ln 10"),
    ("patch_receptive_field", lambda layers: receptive(layers[::-1]), "walk back"),
    ("patch_receptive_field", lambda layers: 1 + sum(k - 1 for k, _ in layers), "strides"),
    ("patch_receptive_field", lambda layers: 70, "the field measured"),
    ("patch_receptive_field", lambda layers: receptive(layers) - 1, "the field measured"),
    ("patch_receptive_field", lambda layers: float(receptive(layers)) + 0.5, "return an int"),
    ("patch_receptive_field", _stub, "not written yet"),
    (
        "pix2pix_generator_loss",
        lambda lg, f, t, lam: F.softplus(-lg).mean() + lam * (f - t).pow(2).mean(),
        "squared",
    ),
    (
        "pix2pix_generator_loss",
        lambda lg, f, t, lam: lam * (F.softplus(-lg).mean() + (f - t).abs().mean()),
        "multiplies the L1 term only",
    ),
    (
        "pix2pix_generator_loss",
        lambda lg, f, t, lam: F.softplus(-lg).mean(),
        "λ · L1 term is missing",
    ),
    (
        "pix2pix_generator_loss",
        lambda lg, f, t, lam: lam * (f - t).abs().mean(),
        "GAN term is missing",
    ),
    (
        "pix2pix_generator_loss",
        lambda lg, f, t, lam: -F.softplus(lg).mean() + lam * (f - t).abs().mean(),
        "saturating",
    ),
    (
        "pix2pix_generator_loss",
        lambda lg, f, t, lam: F.softplus(-lg).mean() + lam * (f - t).abs().sum(),
        "do not sum",
    ),
    (
        "pix2pix_generator_loss",
        lambda lg, f, t, lam: -torch.log(torch.sigmoid(lg)).mean() + lam * (f - t).abs().mean(),
        "softplus",
    ),
    ("pix2pix_generator_loss", lambda lg, f, t, lam: p2p_g(lg, f, t, lam).detach(), "gradient"),
    ("pix2pix_generator_loss", lambda lg, f, t, lam: p2p_g(lg, f, t, 100.0), "the right value"),
    ("cycle_consistency_loss", lambda G, F_, a, b: F.l1_loss(F_(G(a)), a), "add B's"),
    ("cycle_consistency_loss", lambda G, F_, a, b: F.l1_loss(G(F_(b)), b), "add A's"),
    (
        "cycle_consistency_loss",
        lambda G, F_, a, b: F.mse_loss(F_(G(a)), a) + F.mse_loss(G(F_(b)), b),
        "squared",
    ),
    (
        "cycle_consistency_loss",
        lambda G, F_, a, b: F.l1_loss(G(G(a)), a) + F.l1_loss(F_(F_(b)), b),
        "through both generators",
    ),
    (
        "cycle_consistency_loss",
        lambda G, F_, a, b: F.l1_loss(F_(G(a)), b) + F.l1_loss(G(F_(b)), a),
        "where it started",
    ),
    (
        "cycle_consistency_loss",
        lambda G, F_, a, b: (F_(G(a)) - a).abs().sum() + (G(F_(b)) - b).abs().sum(),
        "do not sum",
    ),
    ("cycle_consistency_loss", lambda G, F_, a, b: cycle_l1(G, F_, a, b).detach(), "gradient"),
    ("cycle_consistency_loss", _stub, "not written yet"),
    (
        "identity_mapping_loss",
        lambda G, F_, a, b: F.l1_loss(G(a), a) + F.l1_loss(F_(b), b),
        "direction is flipped",
    ),
    ("identity_mapping_loss", lambda G, F_, a, b: F.l1_loss(G(b), b), "add F(a)"),
    ("identity_mapping_loss", lambda G, F_, a, b: F.l1_loss(F_(a), a), "add G(b)"),
    ("identity_mapping_loss", cycle_l1, "that is the cycle loss"),
    (
        "identity_mapping_loss",
        lambda G, F_, a, b: F.mse_loss(G(b), b) + F.mse_loss(F_(a), a),
        "squared",
    ),
    ("identity_mapping_loss", lambda G, F_, a, b: identity_l1(G, F_, a, b).detach(), "gradient"),
    (
        "identity_mapping_loss",
        lambda G, F_, a, b: identity_l1(G, F_, a, b) + 0.01,
        "the right value",
    ),
]


@pytest.mark.parametrize(
    ("name", "wrong", "words"), WRONG, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG)]
)
def test_check_rejects_known_wrong_answer(name, wrong, words):
    with pytest.raises(ExerciseFailed) as failure:
        getattr(checks, name)(wrong)
    assert words in str(failure.value)


def test_checks_leave_the_callers_random_numbers_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    for name, fn in RIGHT.items():
        getattr(checks, name)(fn)
    assert torch.equal(torch.rand(3), expected)


def test_check_refuses_a_call_instead_of_a_function():
    with pytest.raises(ExerciseFailed, match="without parentheses"):
        checks.discriminator_loss(d_loss(torch.zeros(2), torch.zeros(2)))


def test_right_answers_agree_with_the_package():
    # the independent right answers above are themselves checked against the package
    x = torch.linspace(-14, 14, 1401, dtype=torch.float64)
    p, q = theory.gaussian_pdf(x, 0, 1), theory.gaussian_pdf(x, 1, 2)
    assert abs(float(js(p, q, x)) - theory.js_divergence(p, q, x)) < 1e-9
    assert abs(float(kl(p, q, x)) - theory.kl_divergence(p, q, x)) < 1e-9
    a = torch.randn(40)
    assert torch.allclose(ns_g(a), losses.nonsaturating_g_loss(a))


def test_checks_accept_other_right_answers(capsys):
    # integer types other than int, inf as a tensor, tensors for the pair: all right
    import numpy as np

    checks.conv_transpose_side(lambda n, k, s, p: np.int64(side(n, k, s, p)))
    checks.conv_transpose_side(lambda n, k, s, p: torch.tensor(side(n, k, s, p)))
    checks.kl_divergence(lambda p, q, x: torch.tensor(float(kl(p, q, x))))
    checks.precision_recall(lambda r, f, k: tuple(torch.tensor(v) for v in pr(r, f, k)))
    # any value in [0, 1] where both densities vanish is optimal
    checks.optimal_discriminator(lambda p, q: torch.where(p + q > 0, optimal_d(p, q), 1.0))
    assert capsys.readouterr().out.count("✓") == 5
