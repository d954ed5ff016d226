r"""Checks for the notebooks' exercises: a learner's function against the verified one.

Every exercise in the notebooks asks for a function whose checked counterpart lives in this
package (or, for layer shapes, in torch itself). ``checks.<exercise>(your_function)`` calls
yours and ours on the same random and edge-case inputs — extreme logits, zero densities,
odd shapes, parallel vectors — and, when they disagree, says *what* is wrong in words
("your loss is inf at logit −200: use softplus, not log(sigmoid)") rather than only *that*
it is wrong. When they agree it prints one line and returns ``None``.

A failing check raises :class:`ExerciseFailed` (an ``AssertionError``, so otter-grader and
pytest count it as a failed test). The checks draw every random number from their own seeded
generator inside :func:`torch.random.fork_rng`, so running one never changes the numbers the
rest of a notebook prints. ``tests/test_checks.py`` keeps, for every check, a catalogue of
known-wrong implementations (sign flips, sigmoid-then-log, sum for mean, a missing ``detach``,
lerp for slerp, a biased MMD, …) and asserts that the check rejects each one.

One module per part of the course: :mod:`.foundations` (notebooks 01–03), :mod:`.architectures`
(04), :mod:`.critics` (05–06), :mod:`.energy` (08), :mod:`.conditional` (11),
:mod:`.translation` (12–13) and :mod:`.image_metrics` (14); :mod:`._machinery` holds what they share. Notebooks call them all as
``checks.<exercise>``.
"""

from ._machinery import ExerciseFailed
from .architectures import conv_transpose_side, slerp
from .conditional import acgan_class_loss, infogan_categorical_bound, projection_logit
from .critics import clip_weights, mmd2_unbiased, power_iteration, wgan_gp_penalty
from .energy import began_k_update, ebgan_d_loss, pulling_away_term
from .foundations import (
    discriminator_loss,
    discriminator_step_loss,
    js_divergence,
    kl_divergence,
    nonsaturating_g_loss,
    optimal_discriminator,
)
from .image_metrics import fid_from_statistics, precision_recall
from .translation import (
    cycle_consistency_loss,
    identity_mapping_loss,
    patch_receptive_field,
    pix2pix_generator_loss,
)

__all__ = [
    "ExerciseFailed",
    "acgan_class_loss",
    "began_k_update",
    "clip_weights",
    "conv_transpose_side",
    "cycle_consistency_loss",
    "discriminator_loss",
    "discriminator_step_loss",
    "ebgan_d_loss",
    "fid_from_statistics",
    "identity_mapping_loss",
    "infogan_categorical_bound",
    "js_divergence",
    "kl_divergence",
    "mmd2_unbiased",
    "nonsaturating_g_loss",
    "optimal_discriminator",
    "patch_receptive_field",
    "pix2pix_generator_loss",
    "power_iteration",
    "precision_recall",
    "projection_logit",
    "pulling_away_term",
    "slerp",
    "wgan_gp_penalty",
]
