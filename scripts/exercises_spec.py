"""One-off tool (kept for the record and for re-runs): insert the exercise section into the
solution notebooks in otter-grader's format.

    python scripts/exercises_spec.py            # rewrites notebooks/NN_*.ipynb in place

It is idempotent: a notebook that already has an ``# ASSIGNMENT CONFIG`` cell is left alone.
After running it, re-execute the notebooks (``gancourse course --only NN --in-place``) so that
the committed outputs include the checks' lines. Later notebooks are written with exercises
from the start and do not need this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """\
# ASSIGNMENT CONFIG
# otter-grader's settings for the student version (gancourse assignments build); see docs/teaching.md
name: {name}
run_tests: false
init_cell: true
check_all_cell: false
export_cell: false
generate: true
tests:
  files: true
  ok_format: false
"""


def code_exercise(name: str, points: int, prompt: str, solution: str, function: str) -> list:
    test = (
        f"def test_{function}({function}):\n"
        "    from gancourse import checks\n\n"
        f"    checks.{function.removeprefix('my_')}({function})\n\n\n"
        f"test_{function}({function})"
    )
    return [
        nbformat.v4.new_raw_cell(f"# BEGIN QUESTION\nname: {name}\npoints: {points}"),
        nbformat.v4.new_markdown_cell(prompt.strip()),
        nbformat.v4.new_raw_cell("# BEGIN SOLUTION"),
        nbformat.v4.new_code_cell(solution.strip()),
        nbformat.v4.new_raw_cell("# END SOLUTION"),
        nbformat.v4.new_raw_cell("# BEGIN TESTS"),
        nbformat.v4.new_code_cell(test),
        nbformat.v4.new_raw_cell("# END TESTS"),
        nbformat.v4.new_raw_cell("# END QUESTION"),
    ]


def open_question(name: str, points: int, prompt: str, answer: str) -> list:
    return [
        nbformat.v4.new_raw_cell(f"# BEGIN QUESTION\nname: {name}\npoints: {points}\nmanual: true"),
        nbformat.v4.new_markdown_cell(prompt.strip()),
        nbformat.v4.new_raw_cell("# BEGIN SOLUTION"),
        nbformat.v4.new_markdown_cell("**Model answer.** " + answer.strip()),
        nbformat.v4.new_raw_cell("# END SOLUTION"),
        nbformat.v4.new_raw_cell("# END QUESTION"),
    ]


INTRO = """\
## Exercises

Each exercise asks for a function whose verified counterpart is in `gancourse`. Write it in
the cell (replace `raise NotImplementedError` in the student version), then run the check
cell below it: the check calls your function and ours on random and edge-case inputs and
says in words what is wrong, if anything. {extra}Open questions are answered in words and
graded by hand. The solution version of this notebook shows one answer to each.
"""

# ---------------------------------------------------------------------------------------------

NB01 = [
    *code_exercise(
        "q1_discriminator_loss",
        2,
        r"""
**Exercise 1 · The discriminator's loss, from logits (2 points).** Section 2 maximised
$V(G, D) = \mathbb E_{P_\text{data}}[\log D(x)] + \mathbb E_z[\log(1 - D(G(z)))]$ over $D$. As a
loss to *minimise*, with $D = \sigma(a)$ for logits $a$, it is

$$L_D = -\overline{\log \sigma(a_\text{real})} - \overline{\log\big(1 - \sigma(a_\text{fake})\big)},$$

the bars meaning averages over the batch. Write `my_discriminator_loss(real_logits, fake_logits)`
returning this number as a 0-dimensional tensor. It must stay finite at logits of ±200, where
$\sigma$ rounds to exactly 0 or 1 — the "Why logits?" paragraph above says why. *Hint:*
$-\log \sigma(a) = \operatorname{softplus}(-a)$ and $-\log(1 - \sigma(a)) = \operatorname{softplus}(a)$.
""",
        """
import torch.nn.functional as F


def my_discriminator_loss(real_logits, fake_logits):
    \"\"\"L_D = mean softplus(-a_real) + mean softplus(a_fake): the BCE with label 1 for real.\"\"\"
    # BEGIN SOLUTION
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    # END SOLUTION
""",
        "my_discriminator_loss",
    ),
    *code_exercise(
        "q2_optimal_discriminator",
        2,
        r"""
**Exercise 2 · $D^*$ on a grid (2 points).** Write `my_optimal_discriminator(p_data, p_g)`: given
two density tensors of one shape (values on a grid), return
$D^* = p_\text{data} / (p_\text{data} + p_g)$ at every point. Where **both** densities are 0 the
formula is $0/0$; every value of $D$ is optimal there (the point carries no weight in $V$), so
return $1/2$ (the check accepts any value in $[0, 1]$ there) — and never NaN. *Hint:* `torch.where`.
""",
        """
def my_optimal_discriminator(p_data, p_g):
    \"\"\"D* = p_data / (p_data + p_g) pointwise, and 1/2 where both densities vanish.\"\"\"
    # BEGIN SOLUTION
    total = p_data + p_g
    return torch.where(total > 0, p_data / torch.where(total > 0, total, 1.0), 0.5)
    # END SOLUTION
""",
        "my_optimal_discriminator",
    ),
    *open_question(
        "q3_game_not_loss",
        1,
        r"""
**Question 3 · A game is not a loss (1 point, open).** Section 5 played $f(x, y) = xy$ by
simultaneous gradient steps, and the iterates spiralled *outwards*. In two or three sentences:
why can gradient descent on a single loss never produce such a spiral, and what property of
the game's update field does?
""",
        r"""
Gradient descent on one loss $L$ follows the field $-\nabla L$, whose Jacobian $-\nabla^2 L$
is symmetric, so it has real eigenvalues and no rotation; with a small step each step lowers
$L$. The game's field $(-y, x)$ has the antisymmetric Jacobian
$\begin{pmatrix}0 & -1\\ 1 & 0\end{pmatrix}$ with eigenvalues $\pm i$: a pure rotation, which
a finite explicit step turns into an outward spiral (the update's eigenvalues have modulus
$\sqrt{1 + \eta^2} > 1$). No quantity decreases along the play, so there is nothing for the
steps to descend.
""",
    ),
]

NB02 = [
    *code_exercise(
        "q1_js_divergence",
        2,
        r"""
**Exercise 1 · The JS divergence on a grid (2 points).** Write `my_js_divergence(p, q, x)` for
densities `p`, `q` given on the grid `x` (float64 tensors of one shape):

$$\mathrm{JSD}(p\,\|\,q) = \tfrac12 \int p \log\frac{p}{m}\,dx + \tfrac12 \int q \log\frac{q}{m}\,dx,
\qquad m = \tfrac12(p + q),$$

in nats (natural logarithms), integrated with the trapezoidal rule (`torch.trapezoid(f, x)`).
Where a density is 0 its term is $0 \log 0 = 0$, so disjoint supports give exactly $\log 2$
(section 4). *Hint:* `torch.xlogy(a, b)` computes $a \log b$ and is 0 where $a = 0$.
""",
        """
def my_js_divergence(p, q, x):
    \"\"\"JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q)/2, in nats, by trapezoids.\"\"\"
    # BEGIN SOLUTION
    m = (p + q) / 2
    integrand = 0.5 * (torch.xlogy(p, p) - torch.xlogy(p, m)) + 0.5 * (torch.xlogy(q, q) - torch.xlogy(q, m))
    return torch.trapezoid(integrand, x)
    # END SOLUTION
""",
        "my_js_divergence",
    ),
    *code_exercise(
        "q2_kl_divergence",
        2,
        r"""
**Exercise 2 · The KL divergence on a grid (2 points).** Write `my_kl_divergence(p, q, x)`:
$\mathrm{KL}(p\,\|\,q) = \int p \log(p/q)\,dx$ by trapezoids, with $0 \log 0 = 0$ where $p = 0$,
and `math.inf` (or `torch.inf`) when $p > 0 = q$ anywhere on the grid — section 2's forward KL
"explodes wherever the data has mass and the model has none", and here it does so exactly.
""",
        """
def my_kl_divergence(p, q, x):
    \"\"\"KL(p || q) = ∫ p log(p/q) dx by trapezoids; inf where p > 0 = q.\"\"\"
    # BEGIN SOLUTION
    if bool(((p > 0) & (q == 0)).any()):
        return math.inf
    return torch.trapezoid(torch.xlogy(p, p) - torch.xlogy(p, q), x)
    # END SOLUTION
""",
        "my_kl_divergence",
    ),
    *open_question(
        "q3_perfect_discriminator",
        1,
        r"""
**Question 3 · Why not train D to optimality first? (1 point, open).** Section 1 showed that
against the optimal $D^*$ the minimax generator descends $2\,\mathrm{JSD}$. Using sections 4
and 5, explain in two or three sentences why training the discriminator to (near) optimality
before each generator step is nevertheless a bad idea for the minimax loss on image data.
""",
        r"""
Real images and early generated images lie near low-dimensional manifolds that almost surely
do not overlap (section 4), so JSD sits at $\log 2$ whatever the distance between them, and a
discriminator that tells them apart exists and is found fast: section 7's was right on 98.7 % of
unseen real images and every fake after 10 steps. Training it further makes it *confident*
(mean $D(G(z))$ from 0.499 at step 10 to 0.0131 at step 300), and the minimax generator's
gradient is multiplied by $D(G(z))$ (section 5): it peaked around step 50 and fell to 0.0925,
while the non-saturating one grew to 7.00. A stronger discriminator gives the minimax generator
*less* signal, not more.
""",
    ),
]

NB03 = [
    *code_exercise(
        "q1_nonsaturating_g_loss",
        2,
        r"""
**Exercise 1 · The non-saturating generator loss (2 points).** Write
`my_nonsaturating_g_loss(fake_logits)`: $L_G = -\overline{\log D(G(z))} = -\overline{\log\sigma(a_\text{fake})}$,
averaged over the batch, finite at logit $-200$ (a discriminator that confidently rejects the
fakes — exactly when the generator needs its gradient most). Do not confuse it with the
saturating $\overline{\log(1 - D(G(z)))}$ of section 2.
""",
        """
import torch.nn.functional as F


def my_nonsaturating_g_loss(fake_logits):
    \"\"\"L_G = mean(-log sigmoid(a_fake)) = mean softplus(-a_fake).\"\"\"
    # BEGIN SOLUTION
    return F.softplus(-fake_logits).mean()
    # END SOLUTION
""",
        "my_nonsaturating_g_loss",
    ),
    *code_exercise(
        "q2_discriminator_step_loss",
        2,
        r"""
**Exercise 2 · The discriminator's step, and `detach` (2 points).** In Algorithm 1 the
discriminator's step uses fakes $G(z)$ but must not train $G$ — and backpropagating into $G$ would
also waste a backward pass through it. Write `my_discriminator_step_loss(D, real, fake)` where
`fake = G(z)` still carries $G$'s autograd graph: return the discriminator's loss
$\overline{\operatorname{softplus}(-D(x))} + \overline{\operatorname{softplus}(D(G(z)))}$ such that
its gradient reaches $D$'s parameters through both terms and **no** gradient reaches $G$. The
check calls `torch.autograd.grad` on your loss and looks at both networks.
""",
        """
def my_discriminator_step_loss(D, real, fake):
    \"\"\"D's loss on a real and a generated batch, with G cut off: D(fake.detach()).\"\"\"
    # BEGIN SOLUTION
    return F.softplus(-D(real)).mean() + F.softplus(D(fake.detach())).mean()
    # END SOLUTION
""",
        "my_discriminator_step_loss",
    ),
    *open_question(
        "q3_losses_not_progress",
        1,
        r"""
**Question 3 · Reading the loss curves (1 point, open).** A classmate watches the loss curves
of the grid runs in section 5 and says: "the discriminator's loss is falling, so training is going
well." What do a GAN's losses measure, and what would you look at instead to judge progress on
the 25-Gaussian grid?
""",
        r"""
The losses measure the balance of the game at the current pair $(G, D)$, not the distance of
$P_G$ from the data: each player's loss is measured against an opponent that keeps changing,
so a falling $D$ loss can mean that $D$ is winning while $G$ stalls or collapses. On the grid
one judges the samples themselves against the known modes: the number of modes captured
*above chance* and the fraction of high-quality samples, over several seeds, as in section 5's
coverage table — whose raw counts alone rank nothing (a uniform box "captures" 23.0 of the 25
grid modes, more than either GAN).
""",
    ),
]

NB04 = [
    *code_exercise(
        "q1_conv_transpose_side",
        2,
        r"""
**Exercise 1 · The size of a transposed convolution (2 points).** Write
`my_conv_transpose_side(n, k, s, p)`: the side of the output of `nn.ConvTranspose2d` with kernel
`k`, stride `s` and padding `p` on an `n`×`n` input (no output padding, dilation 1), as an
`int`. Section 1's "Sizes, checked" states it; the check compares with the shape torch really
produces for six settings, including the generator's $1 \to 4$ and $4 \to 7$.
""",
        """
def my_conv_transpose_side(n, k, s, p):
    \"\"\"Side of a transposed convolution's output: (n - 1) s - 2p + k.\"\"\"
    # BEGIN SOLUTION
    return (n - 1) * s - 2 * p + k
    # END SOLUTION
""",
        "my_conv_transpose_side",
    ),
    *code_exercise(
        "q2_slerp",
        2,
        r"""
**Exercise 2 · Spherical interpolation (2 points).** Section 3 walked between latent vectors
along great circles. Write `my_slerp(z0, z1, t)` for two vectors of shape `[d]` and a float
$t \in [0, 1]$:

$$\operatorname{slerp}(z_0, z_1; t) = \frac{\sin((1 - t)\Omega)}{\sin\Omega}\, z_0 + \frac{\sin(t\Omega)}{\sin\Omega}\, z_1,
\qquad \cos\Omega = \frac{z_0 \cdot z_1}{\|z_0\|\,\|z_1\|}.$$

When the two vectors are parallel, $\sin\Omega = 0$: fall back to linear interpolation there
(test $|\sin\Omega| < 10^{-7}$). *Hint:* clamp $\cos\Omega$ to $[-1, 1]$ before `torch.arccos`.
""",
        """
def my_slerp(z0, z1, t):
    \"\"\"Spherical interpolation between vectors z0 and z1 at t in [0, 1] (linear if parallel).\"\"\"
    # BEGIN SOLUTION
    cos = (z0 @ z1 / (z0.norm() * z1.norm())).clamp(-1, 1)
    omega = torch.arccos(cos)
    if torch.sin(omega).abs() < 1e-7:
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)
    # END SOLUTION
""",
        "my_slerp",
    ),
    *open_question(
        "q3_memorisation",
        1,
        r"""
**Question 3 · Is a low FID enough? (1 point, open).** A generator that outputs exact copies of
random training images would score an excellent FID. Which check in this notebook guards
against that, how does it work, and what would a memorising generator look like in it?
""",
        r"""
Section 5's memorisation check: for each generated image it finds the nearest *training*
image (in pixels and in FashionNet features) and compares those distances with the same
distances for held-out *test* images, which the generator never saw. Copies of training images
sit much closer to their nearest training image than new real images do (near zero for exact
copies) and their nearest-neighbour pairs look identical; a generator that generalises sits at
or above the test images' distances. Because a comparison of medians would miss a generator
that copies only a few images, the check also looks at the closest distances, and the notebook
runs it on a copier and on a model with 5 % of its samples replaced by copies.
""",
    ),
]

NB05 = [
    *code_exercise(
        "q1_clip_weights",
        2,
        r"""
**Exercise 1 · Weight clipping (2 points).** WGAN keeps its critic Lipschitz (for *some*
constant) by clamping every parameter into $[-c, c]$ after each critic update (section 4).
Write `my_clip_weights(module, c)`: clamp **every** parameter of `module` — biases too — in place,
returning nothing. The optimiser holds references to the parameter tensors, so new tensors
would not do. *Hint:* `with torch.no_grad():` and `p.clamp_(-c, c)`.
""",
        """
def my_clip_weights(module, c):
    \"\"\"Clamp every parameter of module into [-c, c], in place (WGAN's weight clipping).\"\"\"
    # BEGIN SOLUTION
    with torch.no_grad():
        for p in module.parameters():
            p.clamp_(-c, c)
    # END SOLUTION
""",
        "my_clip_weights",
    ),
    *code_exercise(
        "q2_wgan_gp_penalty",
        3,
        r"""
**Exercise 2 · The WGAN-GP penalty (3 points).** Write `my_wgan_gp_penalty(D, real, fake, eps)`
for a critic `D` (one output per sample), batches `real`, `fake` of shape `[B, ...]` and mixing
weights `eps` of shape `[B, 1, ..., 1]` (one per sample, drawn for you):

$$\hat x = \epsilon\, x + (1 - \epsilon)\,\tilde x, \qquad
\text{penalty} = \lambda\, \overline{\big(\|\nabla_{\hat x} D(\hat x)\|_2 - 1\big)^2}, \quad \lambda = 10.$$

Three things the check looks at: the norm is taken **per sample** (over all pixels of one
sample, not over the batch); the penalty must be **differentiable in D's parameters**, since
the critic minimises it (`torch.autograd.grad(..., create_graph=True)`); and $\epsilon$ weights
the real sample.
""",
        """
def my_wgan_gp_penalty(D, real, fake, eps):
    \"\"\"10 * mean over samples of (||grad D(x_hat)|| - 1)^2 at x_hat = eps real + (1 - eps) fake.\"\"\"
    # BEGIN SOLUTION
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
    norms = grad.flatten(1).norm(dim=1)
    return 10 * ((norms - 1) ** 2).mean()
    # END SOLUTION
""",
        "my_wgan_gp_penalty",
    ),
    *open_question(
        "q3_clipping_capacity",
        1,
        r"""
**Question 3 · What clipping does to a critic (1 point, open).** Section 6 showed what goes
wrong with weight clipping. Explain in two or three sentences why clamping weights into
$[-c, c]$ pushes the critic towards simple functions, and why penalising the gradient norm at
$\hat x$ avoids that.
""",
        r"""
To be as steep as the box allows, a clipped critic pushes most weights to the boundary: section
6 found 75–83 % of them at $\pm c$, which leaves little freedom and fixes the critic's scale by
$c$ (its values spanned 3.85e-04 over the plane, the penalised critic's 7.16). Its gradients
scale roughly like $c^\text{depth}$: from $c = 0.1$ to $0.01$ the first layer's gradient fell
from 16.5 to about $10^{-9}$, so $c$ must be tuned to the depth. The penalty instead acts on the
critic's slope where it is used, on segments between real and fake samples, and leaves the
weights free; it is a soft pull towards $\|\nabla D\| = 1$, not a constraint (the toy critics'
largest slopes were 2.3–3.9 at the end), but there is no $c$ to tune and the layers' gradient
norms stayed within a factor 5.
""",
    ),
]

NB06 = [
    *code_exercise(
        "q1_power_iteration",
        2,
        r"""
**Exercise 1 · Power iteration (2 points).** Section 2 estimated a matrix's largest singular
value. Write `my_power_iteration(W, u, iters)` for a matrix `W` of shape `[m, n]` and a start
vector `u` of shape `[m]`: normalise `u`, then repeat `iters` times

$$v \leftarrow \frac{W^\top u}{\|W^\top u\|}, \qquad u \leftarrow \frac{W v}{\|W v\|},$$

and return the estimate $\sigma \approx u^\top W v$ as a 0-dimensional tensor. Do exactly
`iters` rounds — spectral normalisation does *one* per training step, and the check compares
after 1 and 3 rounds too.
""",
        """
def my_power_iteration(W, u, iters):
    \"\"\"sigma_max(W) by `iters` rounds of power iteration from u; returns u^T W v.\"\"\"
    # BEGIN SOLUTION
    u = u / u.norm()
    for _ in range(iters):
        v = W.T @ u
        v = v / v.norm()
        u = W @ v
        u = u / u.norm()
    return u @ W @ v
    # END SOLUTION
""",
        "my_power_iteration",
    ),
    *code_exercise(
        "q2_mmd2_unbiased",
        2,
        r"""
**Exercise 2 · The unbiased MMD² (2 points).** MMD GAN's loss and KID (notebook 14) both
estimate the squared maximum mean discrepancy. Write `my_mmd2_unbiased(x, y, kernel)` for
samples `x` `[m, k]`, `y` `[n, k]` and a function `kernel(a, b)` returning the matrix of
$\kappa(a_i, b_j)$:

$$\widehat{\mathrm{MMD}}^2 = \frac{1}{m(m-1)}\sum_{i \ne j}\kappa(x_i, x_j)
+ \frac{1}{n(n-1)}\sum_{i \ne j}\kappa(y_i, y_j) - \frac{2}{mn}\sum_{i, j}\kappa(x_i, y_j).$$

Leaving out $i = j$ is what makes it unbiased (it can be slightly negative). $m \ne n$ in the check.
""",
        """
def my_mmd2_unbiased(x, y, kernel):
    \"\"\"The unbiased MMD^2 estimate: within-set sums without the diagonal, minus twice the cross mean.\"\"\"
    # BEGIN SOLUTION
    m, n = len(x), len(y)
    kxx, kyy = kernel(x, x), kernel(y, y)
    within_x = (kxx.sum() - kxx.diagonal().sum()) / (m * (m - 1))
    within_y = (kyy.sum() - kyy.diagonal().sum()) / (n * (n - 1))
    return within_x + within_y - 2 * kernel(x, y).mean()
    # END SOLUTION
""",
        "my_mmd2_unbiased",
    ),
    *open_question(
        "q3_product_bound",
        1,
        r"""
**Question 3 · A loose bound (1 point, open).** Section 1 found the product of the layers'
spectral norms far above the largest gradient norm of the network. Name two reasons why the
product bound is loose, and say why spectral normalisation is useful anyway.
""",
        r"""
The bound assumes that every layer's top singular direction lines up with the next layer's,
which they generally do not; and it ignores the activations, which have slope below 1 in places
(LeakyReLU's 0.2, or 0 for a dead ReLU unit) and switch units off, so the Jacobian of the
network at any actual input is a product of *masked* matrices with a smaller norm. Spectral
normalisation is useful anyway because it bounds the slope *everywhere*, not only at the points
where a penalty is evaluated, at the cost of one power-iteration round per step. The guarantee
has limits the notebook measured: one round underestimates $\sigma$ (section 2), and for a
convolution the reshaped kernel's norm is not the layer's (section 2b: kernels normalised to 1
gave layer norms 1.61, 1.33 and 1.21), so it holds exactly only for dense layers with converged
$\sigma$.
""",
    ),
]

NB14 = [
    *code_exercise(
        "q1_fid_from_statistics",
        3,
        r"""
**Exercise 1 · FID from statistics (3 points).** Write `my_fid_from_statistics(mu1, sigma1, mu2, sigma2)`
for means `[d]` and covariances `[d, d]` (float64):

$$\mathrm{FID} = \|\mu_1 - \mu_2\|^2 + \operatorname{tr}\Sigma_1 + \operatorname{tr}\Sigma_2
- 2\operatorname{tr}\big(\Sigma_1^{1/2}\,\Sigma_2\,\Sigma_1^{1/2}\big)^{1/2}.$$

Covariances need not commute, so $\operatorname{tr}(\Sigma_1^{1/2}\Sigma_2^{1/2})$ is not the same
thing. The matrix inside the trace is symmetric positive semi-definite: its square root's trace
is the sum of the square roots of its eigenvalues (`torch.linalg.eigvalsh`, clamped at 0). The
check includes nearly equal Gaussians with large variances, where float32 arithmetic loses the
answer: stay in float64.
""",
        """
def my_fid_from_statistics(mu1, sigma1, mu2, sigma2):
    \"\"\"||mu1 - mu2||^2 + tr S1 + tr S2 - 2 tr (S1^1/2 S2 S1^1/2)^1/2, in float64.\"\"\"
    # BEGIN SOLUTION
    values, vectors = torch.linalg.eigh(sigma1)
    root1 = (vectors * values.clamp(min=0).sqrt()) @ vectors.T
    middle = root1 @ sigma2 @ root1
    trace_sqrt = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0).sqrt().sum()
    diff = mu1 - mu2
    return diff @ diff + sigma1.trace() + sigma2.trace() - 2 * trace_sqrt
    # END SOLUTION
""",
        "my_fid_from_statistics",
    ),
    *code_exercise(
        "q2_precision_recall",
        2,
        r"""
**Exercise 2 · Precision and recall with k-NN balls (2 points).** Section 6 defined them: around
each real feature $r_i$ put a ball whose radius is the distance to its $k$-th nearest *other*
real feature; **precision** is the fraction of generated features inside at least one real
ball; **recall** swaps the roles (balls around the generated features, the fraction of real
ones inside). Write `my_precision_recall(real, fake, k)` returning the pair
`(precision, recall)` as floats. *Hint:* `torch.cdist`; the nearest point to $r_i$ in its own
set is $r_i$ itself, at distance 0.
""",
        """
def my_precision_recall(real, fake, k):
    \"\"\"(precision, recall) of fake against real features with k-NN balls.\"\"\"
    # BEGIN SOLUTION
    def radii(points):
        return torch.cdist(points, points).kthvalue(k + 1, dim=1).values  # k+1: skip the point itself

    precision = (torch.cdist(fake, real) <= radii(real)).any(dim=1).double().mean()
    recall = (torch.cdist(real, fake) <= radii(fake)).any(dim=1).double().mean()
    return float(precision), float(recall)
    # END SOLUTION
""",
        "my_precision_recall",
    ),
    *open_question(
        "q3_fid_sample_size",
        1,
        r"""
**Question 3 · Comparing FIDs (1 point, open).** A paper reports FID 12 for its model on 5,000
samples and compares it with another paper's FID 15 computed on 50,000 samples. Using section 8
and section 9, give two reasons why this comparison says little, and what you would ask for.
""",
        r"""
FID is biased upwards at small sample sizes — section 8 measured it falling roughly like $1/N$
between two samples of the *same* distribution — and the size of that bias depends on the
generator as well as on $N$, so scores on 5,000 and 50,000 samples cannot be put on one footing by
a correction. FIDs also depend on the feature network and the reference set: the network defines
the space the Gaussians are fitted in (section 9), and the two papers may not share either. Ask
for both models scored with the same features, the same reference statistics and the same $N$ —
or for KID, which is unbiased — with several seeds so that the gap can be compared with its
spread.
""",
    ),
]

# notebook -> (cells, the name of the cell before which the section goes, extra intro words)
PLAN = {
    "01_minimax_game": (NB01, "## 6 · What this notebook showed", ""),
    "02_js_divergence": (NB02, "## 8 · What this notebook showed", ""),
    "03_training_a_gan": (NB03, None, ""),
    "04_dcgan": (NB04, "## 8 · What this notebook showed", ""),
    "05_wasserstein_gan": (NB05, "## 10 · What this notebook showed", ""),
    "06_lipschitz_and_ipms": (NB06, "## 6 · What this notebook showed", ""),
    "14_metrics": (NB14, "## 10 · What this notebook showed", ""),
}


def insert(name: str) -> bool:
    path = ROOT / "notebooks" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    if any(c.cell_type == "raw" and "ASSIGNMENT CONFIG" in c.source for c in nb.cells):
        return False
    cells, before, extra = PLAN[name]
    # otter reads its settings before the first question, so the config cell opens the section
    section = [
        nbformat.v4.new_markdown_cell(INTRO.format(extra=extra).strip()),
        nbformat.v4.new_raw_cell(CONFIG.format(name=name)),
        *cells,
    ]
    if before is None:  # notebook 03: before its closing asserts, which had no heading
        at = max(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        section.append(nbformat.v4.new_markdown_cell("## What this notebook showed"))
    else:
        at = next(
            i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and before in c.source
        )
        text = nb.cells[at].source
        head = text.index(before)
        if head > 0:  # the heading shares a cell with the paragraph before it: split it
            nb.cells[at].source = text[:head].rstrip()
            nb.cells.insert(at + 1, nbformat.v4.new_markdown_cell(text[head:]))
            at += 1
    nb.cells[at:at] = section
    nbformat.write(nb, path)
    return True


if __name__ == "__main__":
    for notebook in sys.argv[1:] or PLAN:
        print(notebook, "updated" if insert(notebook) else "already has exercises")
