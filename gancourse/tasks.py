"""Data tasks: what a recipe trains on, and how a run on it is measured and shown.

A task owns everything that depends on the kind of data, so that nothing else asks "is this
an image run?":

* :meth:`~Task.load` — the training data on the device (a toy distribution, an image sampler);
* :meth:`~Task.metrics` — trainer callbacks measuring a run during training;
* :meth:`~Task.score` — the one number ``best.pt`` minimises;
* :meth:`~Task.draw_samples` — a picture of generated samples for the run folder;
* :meth:`~Task.report` — what ``gancourse evaluate`` prints.

:class:`ToyTask` (a 2-D mixture: mode coverage) and :class:`ImageTask` (Fashion-MNIST:
FashionNet-FID) are the two kinds; :class:`ClassImageTask` adds the class metrics of the
conditional models (notebook 11); :class:`PairedTranslationTask` (edges → garment, pix2pix) and
:class:`UnpairedTranslationTask` (sneakers ↔ boots, CycleGAN) measure translations on the test
split (notebooks 12–13, :mod:`gancourse.metrics.translation`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "FASHION_MNIST",
    "ClassImageTask",
    "ImageTask",
    "PairedTranslationTask",
    "Task",
    "ToyTask",
    "UnpairedTranslationTask",
    "get_task",
]

SAMPLE_SEED = 1234  # the fixed noise of the sample pictures


class Task:
    """The interface of a data task (see the module docstring)."""

    name: str

    def load(self, device=None):
        raise NotImplementedError

    def metrics(self, n: int, ema: bool, device=None) -> dict[str, Callable]:
        raise NotImplementedError

    def score(self, history) -> float:
        raise NotImplementedError

    def draw_samples(self, trainer, title: str):
        raise NotImplementedError

    def report(self, trainer, n: int, ema: bool | None, seed: int, inception: bool) -> list[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class ToyTask(Task):
    """A toy 2-D mixture (``"ring"`` or ``"grid"``), measured by mode coverage."""

    name: str

    def load(self, device=None):
        from .datasets import grid, ring

        return {"ring": ring, "grid": grid}[self.name]()

    def metrics(self, n: int, ema: bool, device=None) -> dict[str, Callable]:
        from .metrics import mode_coverage

        def coverage(trainer) -> dict[str, float]:
            result = mode_coverage(trainer.generate(n, seed=SAMPLE_SEED), trainer.data)
            return {
                "modes": result.modes_captured,
                "high_quality": result.high_quality,
                "reverse_kl": result.reverse_kl,
            }

        return {"coverage": coverage}

    def score(self, history) -> float:
        """Minus (modes captured + fraction of high-quality samples): more modes first, then
        cleaner ones."""
        return -(history.last("coverage.modes") + history.last("coverage.high_quality"))

    def draw_samples(self, trainer, title: str):
        from matplotlib.figure import Figure

        from .viz import plot_samples

        fig = Figure(figsize=(5, 5))
        ax = fig.subplots()
        plot_samples(trainer.generate(2500, seed=SAMPLE_SEED), trainer.data, ax=ax)
        ax.set_title(title)
        return fig

    def report(self, trainer, n: int, ema: bool | None, seed: int, inception: bool) -> list[str]:
        from .metrics import mode_coverage

        if inception:
            raise ValueError("--inception measures images; this run is on toy 2-D data")
        return [str(mode_coverage(trainer.generate(n, ema=ema, seed=seed), trainer.data))]


@dataclass(frozen=True)
class ImageTask(Task):
    """Fashion-MNIST, measured by FashionNet-FID against the 10,000 test images (for the EMA
    generator, and for the raw one too when there is an EMA)."""

    name: str = "fashion-mnist"

    def load(self, device=None):
        from .datasets import ImageSampler, fashion_mnist

        images, labels = fashion_mnist("train")
        return ImageSampler(images, labels, device=device)

    def metrics(self, n: int, ema: bool, device=None) -> dict[str, Callable]:
        from .datasets import fashion_mnist
        from .metrics import FashionNetFeatures, FIDTracker

        test_images, _ = fashion_mnist("test")
        fid = FIDTracker(test_images, n=n, extractor=FashionNetFeatures(device))
        callbacks = {"fid": fid}
        if ema:
            raw = FIDTracker(test_images, n=n, ema=False)
            callbacks["fid_no_ema"] = raw.share_real_statistics(fid)
        return callbacks

    def score(self, history) -> float:
        """The latest FID."""
        return history.last("fid")

    def draw_samples(self, trainer, title: str):
        from matplotlib.figure import Figure

        from .viz import show_images

        fig = Figure(figsize=(8, 8))
        ax = fig.subplots()
        show_images(trainer.generate(64, seed=SAMPLE_SEED), nrow=8, ax=ax)
        ax.set_title(title)
        return fig

    def report(self, trainer, n: int, ema: bool | None, seed: int, inception: bool) -> list[str]:
        from .datasets import fashion_mnist
        from .metrics import FashionNetFeatures, InceptionFeatures, evaluate

        test_images, _ = fashion_mnist("test")
        extractors = [FashionNetFeatures(trainer.device)]
        if inception:
            extractors.append(InceptionFeatures(trainer.device))
        fake = trainer.generate(n, ema=ema, seed=seed)
        lines = []
        for extractor in extractors:
            m = evaluate(fake, test_images, extractor, n=n, progress=False)
            line = (
                f"{extractor.name:11s} FID {m['fid']:8.3f}   "
                f"KID {m['kid_mean']:.5f} ± {m['kid_std']:.5f}"
            )
            if "is_mean" in m:
                line += f"   IS {m['is_mean']:.3f} ± {m['is_std']:.3f}"
            line += f"   precision {m['precision']:.3f}   recall {m['recall']:.3f}"
            lines.append(line)
        return lines


@dataclass(frozen=True)
class ClassImageTask(ImageTask):
    """Fashion-MNIST for the conditional models of notebook 11: FashionNet-FID as in
    :class:`ImageTask`, plus the class metrics of :mod:`gancourse.metrics.classes` — the
    accuracy of FashionNet on class-conditional samples (for InfoGAN, the accuracy of its code
    after the best matching to classes) during training, and in ``gancourse evaluate`` also the
    mean intra-FID and the class histogram. The sample picture has one class (code) per row."""

    name: str = "fashion-mnist-classes"

    def metrics(self, n: int, ema: bool, device=None) -> dict[str, Callable]:
        from .metrics.classes import conditional_scores

        callbacks = super().metrics(n, ema, device)
        extractor = callbacks["fid"].extractor  # FashionNet, loaded once for both metrics

        def classes(trainer) -> dict[str, float]:
            # accuracy only: intra-FID needs the test set's features per class (evaluate has it)
            scores = conditional_scores(
                trainer,
                real_images=None,
                real_labels=None,
                per_class=max(n // 10, 2),
                seed=SAMPLE_SEED,
                extractor=extractor,
                with_intra_fid=False,
            )
            key = "accuracy" if trainer.conditional else "code_accuracy"
            return {key: scores[key]}

        callbacks["classes"] = classes
        return callbacks

    def draw_samples(self, trainer, title: str):
        from matplotlib.figure import Figure

        from .metrics.classes import by_class, class_conditional_samples, infogan_samples
        from .viz import show_images

        draw = class_conditional_samples if trainer.conditional else infogan_samples
        images = by_class(*draw(trainer, 10, SAMPLE_SEED))
        fig = Figure(figsize=(8, 8))
        ax = fig.subplots()
        show_images(images, nrow=10, ax=ax)
        ax.set_title(f"{title} — one {'class' if trainer.conditional else 'code'} per row")
        return fig

    def report(self, trainer, n: int, ema: bool | None, seed: int, inception: bool) -> list[str]:
        from .datasets import CLASS_NAMES, fashion_mnist
        from .metrics.classes import conditional_scores

        lines = super().report(trainer, n, ema, seed, inception)
        test_images, test_labels = fashion_mnist("test")
        per_class = max(n // 10, 2)
        s = conditional_scores(trainer, test_images, test_labels, per_class, seed, ema)
        shares = "  ".join(
            f"{name[:7]} {p:.2f}" for name, p in zip(CLASS_NAMES, s["histogram"], strict=True)
        )
        if trainer.conditional:
            lines.append(
                f"classes     FashionNet accuracy on samples {s['accuracy']:.3f} (chance 0.100)"
                f"   mean intra-FID {s['intra_fid_mean']:.3f} ({per_class} per class)"
            )
        else:
            lines.append(
                f"codes       matched accuracy {s['code_accuracy']:.3f}   purity "
                f"{s['code_purity']:.3f}   code → class {s['mapping']}"
            )
            lines.append(
                f"info        L_I = E[log Q(c|x)] + H(c) {s['info_bound']:.3f} nats of its ceiling "
                f"H(c) = ln {len(s['mapping'])} = {s['info_ceiling']:.3f}"
            )
        lines.append(f"predicted   {shares}")
        return lines


class _TranslationTask(Task):
    """What the two translation tasks share: FashionNet-based scores on the test split during
    training (``_scores``, one callback ``translation``), a picture of rows of images, and no
    Inception features."""

    def _scores(self, trainer, n: int, ema, extractor) -> dict[str, float]:
        raise NotImplementedError

    def metrics(self, n: int, ema: bool, device=None) -> dict[str, Callable]:
        from .metrics import FashionNetFeatures

        extractor = FashionNetFeatures(device)
        return {"translation": lambda trainer: self._scores(trainer, n, None, extractor)}

    def _report_scores(self, trainer, n: int, ema, inception: bool) -> dict[str, float]:
        from .metrics import FashionNetFeatures

        if inception:
            raise ValueError(
                "--inception is for unconditional image runs; translations use FashionNet"
            )
        return self._scores(trainer, n, ema, FashionNetFeatures(trainer.device))

    @staticmethod
    def _rows_figure(rows: list, title: str):
        """A figure of image rows (each ``[8, C, H, W]`` in [-1, 1]), one row per tensor."""
        import torch
        from matplotlib.figure import Figure

        from .viz import show_images

        fig = Figure(figsize=(8, 1.1 * len(rows) + 0.1))
        ax = fig.subplots()
        show_images(torch.cat(rows), nrow=8, ax=ax)
        ax.set_title(title)
        return fig


@dataclass(frozen=True)
class PairedTranslationTask(_TranslationTask):
    """Edges → garment (pix2pix, notebook 12): trains on the train split's pairs; measured on the
    first ``n`` test pairs by L1, PSNR, SSIM, sharpness, FashionNet's accuracy on the outputs and
    the FashionNet-FID of the outputs to the targets
    (:func:`~gancourse.metrics.translation.paired_scores`); ``best.pt`` keeps the lowest FID (L1
    alone would prefer a blur)."""

    name: str = "edges2fmnist"

    def load(self, device=None):
        from .datasets import PairedSampler, edges2fmnist

        return PairedSampler(edges2fmnist("train"), device=device)

    @staticmethod
    def _test_pairs(n: int):
        from .datasets import edges2fmnist

        pairs = edges2fmnist("test")
        return pairs.inputs[:n], pairs.targets[:n], pairs.labels[:n]

    def _scores(self, trainer, n: int, ema, extractor) -> dict[str, float]:
        from .metrics.translation import paired_scores, translate

        inputs, targets, labels = self._test_pairs(n)
        return paired_scores(translate(trainer, inputs, ema), targets, labels, extractor)

    def score(self, history) -> float:
        return history.last("translation.fid")

    def draw_samples(self, trainer, title: str):
        from .datasets import to_unit_range
        from .metrics.translation import translate

        inputs, targets, _ = self._test_pairs(8)
        rows = [to_unit_range(inputs), translate(trainer, inputs).cpu(), to_unit_range(targets)]
        return self._rows_figure(rows, f"{title} — rows: input edges, G's output, the real garment")

    def report(self, trainer, n: int, ema: bool | None, seed: int, inception: bool) -> list[str]:
        s = self._report_scores(trainer, n, ema, inception)
        return [
            f"edges → garment, {n} test pairs: L1 {s['l1']:.4f}   PSNR {s['psnr']:.2f} dB   "
            f"SSIM {s['ssim']:.4f}   sharpness {s['sharpness']:.3f} (real garments 1)   "
            f"FashionNet accuracy {s['accuracy']:.3f} (chance 0.100)   "
            f"FID to the targets {s['fid']:.3f}"
        ]


@dataclass(frozen=True)
class UnpairedTranslationTask(_TranslationTask):
    """Sneakers ↔ ankle boots (CycleGAN, notebook 13): trains on the train split's two classes,
    unpaired; measured on ``n`` test images of each by the target-class share, FID to the target
    domain, cycle error and shape kept, both ways
    (:func:`~gancourse.metrics.translation.unpaired_scores`); ``best.pt`` keeps the lowest sum of
    the two FIDs."""

    name: str = "sneaker2boot"
    class_a: str = "Sneaker"
    class_b: str = "Ankle boot"

    def load(self, device=None):
        from .datasets import UnpairedSampler, unpaired_domains

        domains = unpaired_domains(self.class_a, self.class_b, "train")
        return UnpairedSampler(*domains, device=device)

    def _test_domains(self, n: int):
        from .datasets import unpaired_domains

        a, b = unpaired_domains(self.class_a, self.class_b, "test")
        n = min(n, len(a), len(b))
        return a[:n], b[:n]

    def _scores(self, trainer, n: int, ema, extractor) -> dict[str, float]:
        from .datasets import CLASS_NAMES
        from .metrics.translation import unpaired_scores

        a, b = self._test_domains(n)
        ka, kb = CLASS_NAMES.index(self.class_a), CLASS_NAMES.index(self.class_b)
        return unpaired_scores(trainer, a, b, ka, kb, extractor, ema)

    def score(self, history) -> float:
        return history.last("translation.a2b.fid") + history.last("translation.b2a.fid")

    def draw_samples(self, trainer, title: str):
        import torch

        from .datasets import to_unit_range
        from .metrics.translation import translate

        a, b = (to_unit_range(d) for d in self._test_domains(8))
        fakes = translate(trainer, torch.cat([a, b], dim=1)).cpu()  # [F(b) | G(a)]
        rows = [a, fakes[:, 1:], b, fakes[:, :1]]
        return self._rows_figure(
            rows, f"{title} — rows: {self.class_a}, G(it); {self.class_b}, F(it)"
        )

    def report(self, trainer, n: int, ema: bool | None, seed: int, inception: bool) -> list[str]:
        s = self._report_scores(trainer, n, ema, inception)
        lines = []
        for key, source, target in (
            ("a2b", self.class_a, self.class_b),
            ("b2a", self.class_b, self.class_a),
        ):
            lines.append(
                f"{source} → {target}: called {target} {s[key + '.target']:.3f}   FID to "
                f"{target} {s[key + '.fid']:.3f}   cycle error {s[key + '.cycle']:.4f}   shape "
                f"kept {s[key + '.shape_kept']:.3f}"
            )
        return lines


FASHION_MNIST = ImageTask()

_TASKS: dict[str, Task] = {
    "fashion-mnist": FASHION_MNIST,
    "fashion-mnist-classes": ClassImageTask(),
    "edges2fmnist": PairedTranslationTask(),
    "sneaker2boot": UnpairedTranslationTask(),
    "ring": ToyTask("ring"),
    "grid": ToyTask("grid"),
}


def get_task(name: str) -> Task:
    """The task called ``name``: ``"fashion-mnist"``, ``"fashion-mnist-classes"``, ``"edges2fmnist"``,
    ``"sneaker2boot"``, ``"ring"`` or ``"grid"``."""
    try:
        return _TASKS[name]
    except KeyError:
        raise ValueError(f"unknown data {name!r}; known: {', '.join(_TASKS)}") from None
