"""One whole training step replayed as a CUDA graph.

Why. The networks of this course are small: a DCGAN step at batch 64 is a few hundred GPU
kernels of a few microseconds each. Launched one by one from Python, the GPU waits for the
host between them, and the step takes as long as its launches, not its arithmetic. A CUDA
graph records the kernels of one step once; replaying it launches them all with one call.
(Measured by ``benchmarks/bench_dcgan_step.py``.)

What is recorded. :meth:`GANTrainer.update` — the ``n_critic`` discriminator steps, the
generator step, the optimizer updates and the EMA of G — on *static* input tensors. What
stays outside. The random draws (:meth:`GANTrainer.draw_step_inputs`): they come from the
trainer's generator exactly as in an eager step, on the device, and are copied into the
static inputs before each replay. So a graphed run consumes the same random stream and does
the same arithmetic as an eager one; only the launching differs (a GPU test checks that both
give the same parameters).

What it needs. Optimizers whose step counts live on the device (``capturable=True``, which
the trainer sets on CUDA); no host synchronisation inside the step
(no ``.item()``, no Python branch on a tensor's value); objectives and critic controls made
of tensor operations only. The first few steps run eagerly on a side stream to create the
optimizer state and warm up the allocator and cuDNN, as the PyTorch documentation prescribes;
they are ordinary training steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

__all__ = ["CUDAGraphStep"]


class CUDAGraphStep:
    """Callable like :meth:`GANTrainer.update`: ``(batch, record_grad_norms) -> (d_loss,
    g_loss, grad_norms)``, replaying a CUDA graph of ``step`` (that method) after ``warmup``
    eager steps. It knows only the step function, the optimizers whose gradients it must
    allocate inside the graph, and the device — not the trainer.

    The graph always computes the gradient norms (a few kernels inside the graph cost
    nothing); they are returned only when asked for, as copies.
    """

    def __init__(
        self,
        step: Callable,
        optimizers: Iterable[torch.optim.Optimizer],
        device: torch.device,
        warmup: int = 3,
    ) -> None:
        device = torch.device(device)
        if device.type != "cuda":
            raise ValueError(f"CUDA graphs need a CUDA device, got {device}")
        self.step, self.optimizers, self.device = step, list(optimizers), device
        self.warmup = warmup
        self.reset()

    def reset(self) -> None:
        """Forget the graph (after loading a checkpoint: the optimizer state tensors are new)."""
        self.graph: torch.cuda.CUDAGraph | None = None
        self.static_inputs = None
        self.static_outputs = None
        self.warmup_left = self.warmup

    def __call__(self, batch, record_grad_norms: bool = False):
        if self.warmup_left > 0:
            self.warmup_left -= 1
            side = torch.cuda.Stream(device=self.device)
            side.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(side):
                out = self.step(batch, record_grad_norms)
            torch.cuda.current_stream(self.device).wait_stream(side)
            return out
        if self.graph is None:
            self._capture(batch)
        self._copy_inputs(batch)
        self.graph.replay()
        d_loss, g_loss, norms = self.static_outputs
        if record_grad_norms:
            return d_loss.clone(), g_loss.clone(), {k: v.clone() for k, v in norms.items()}
        # the losses are read by the monitor's kernels, queued before the next replay
        return d_loss, g_loss, {}

    def _copy_inputs(self, batch) -> None:
        for static, fresh in zip(self.static_inputs.tensors(), batch.tensors(), strict=True):
            static.copy_(fresh)

    def _capture(self, batch) -> None:
        # Static inputs, one tensor per input (the merged step's z is used twice: keep it shared)
        clones: dict[int, torch.Tensor] = {}

        def static(t):
            if id(t) not in clones:
                clones[id(t)] = t.clone()
            return clones[id(t)]

        self.static_inputs = type(batch)(
            tuple(static(t) for t in batch.reals),
            tuple(static(t) for t in batch.d_latents),
            static(batch.g_latent),
            tuple(static(t) for t in batch.real_labels),
            tuple(static(t) for t in batch.d_fake_labels),
            None if batch.g_fake_labels is None else static(batch.g_fake_labels),
        )
        for opt in self.optimizers:
            # the gradients are then allocated inside the graph, at addresses every replay reuses
            opt.zero_grad(set_to_none=True)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.static_outputs = self.step(self.static_inputs, record_grad_norms=True)
