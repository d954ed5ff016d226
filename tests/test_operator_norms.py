"""Operator norms: power iteration, a convolution's operator norm, its explicit matrix."""

import math

import pytest
import torch
from torch import nn

from gancourse.operator_norms import conv_matrix, conv_operator_norm, power_iteration_sigma


@pytest.mark.parametrize("shape", [(20, 30), (16, 3, 4, 4)])
def test_power_iteration_matches_the_largest_singular_value(shape):
    g = torch.Generator().manual_seed(0)
    w = torch.randn(shape, generator=g, dtype=torch.float64)
    sigma, u = power_iteration_sigma(w, iters=500, generator=g)
    exact = torch.linalg.matrix_norm(w.flatten(1), ord=2)
    assert abs(sigma.item() - exact.item()) < 1e-4
    # warm-started from the returned u, one more round stays there (as spectral_norm does)
    again, _ = power_iteration_sigma(w, iters=1, u=u)
    assert abs(again.item() - exact.item()) < 1e-4
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        power_iteration_sigma(torch.ones(3))


CONVS = [  # (c_out, c_in, kernel, input (c_in, H, W), stride, padding)
    (3, 2, (3, 3), (2, 6, 6), 1, 1),
    (4, 2, (4, 4), (2, 7, 7), 2, 1),  # odd size: the last row is skipped (output_padding 1)
    (2, 3, (3, 2), (3, 5, 6), (2, 1), (0, 1)),
    (5, 1, (4, 4), (1, 8, 8), 2, 0),
    (2, 2, (2, 2), (2, 6, 6), 2, 0),  # windows tile the input: ||A|| = sigma of the kernel
    (3, 3, (3, 3), (3, 4, 4), 3, 2),
]


@pytest.mark.parametrize("c_out, c_in, kernel, shape, stride, padding", CONVS)
def test_conv_operator_norm_matches_the_svd_of_the_explicit_matrix(
    c_out, c_in, kernel, shape, stride, padding
):
    g = torch.Generator().manual_seed(0)
    w = torch.randn(c_out, c_in, *kernel, generator=g, dtype=torch.float64)
    A = conv_matrix(w, shape, stride, padding)
    x = torch.randn(1, *shape, generator=g, dtype=torch.float64)  # the matrix is the conv
    y = nn.functional.conv2d(x, w, stride=stride, padding=padding)
    assert torch.allclose(A @ x.flatten(), y.flatten())
    exact = torch.linalg.matrix_norm(A, ord=2).item()
    estimate = conv_operator_norm(w, shape, stride, padding, generator=g).item()
    assert estimate == pytest.approx(exact, rel=1e-6)
    # the reshaped kernel's sigma bounds it from below, ceil(k/s) per axis from above
    sigma_kernel = torch.linalg.matrix_norm(w.flatten(1), ord=2).item()
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    windows = math.ceil(kernel[0] / sh) * math.ceil(kernel[1] / sw)
    assert sigma_kernel * (1 - 1e-9) <= exact <= math.sqrt(windows) * sigma_kernel
    if kernel == (2, 2) and stride == 2:
        assert exact == pytest.approx(sigma_kernel, rel=1e-9)


def test_a_smoothing_kernel_is_k_times_its_reshaped_sigma():
    # the all-ones 3x3 kernel on n x n with zero padding 1 is T (x) T, T tridiagonal of ones:
    # ||A|| = (1 + 2 cos(pi / (n + 1)))^2, while the reshaped kernel has sigma = 3
    n = 16
    w = torch.ones(1, 1, 3, 3, dtype=torch.float64)
    norm = conv_operator_norm(w, (1, n, n), padding=1, generator=torch.Generator().manual_seed(0))
    assert norm.item() == pytest.approx((1 + 2 * math.cos(math.pi / (n + 1))) ** 2, rel=1e-9)
    assert norm.item() / 3 > 2.9  # nearly k = 3 times the reshaped kernel's sigma


def test_conv_operator_norm_edge_cases():
    g = torch.Generator().manual_seed(1)
    w = torch.randn(4, 3, 3, 3, generator=g, dtype=torch.float64)
    sigma_kernel = torch.linalg.matrix_norm(w.flatten(1), ord=2).item()
    # a kernel that covers the whole input without padding is an ordinary linear layer
    assert conv_operator_norm(w, (3, 3, 3), generator=g).item() == pytest.approx(
        sigma_kernel, rel=1e-9
    )
    # a 1x1 input with padding 1 sees only the centre tap: then ||A|| < sigma of the kernel
    centre = torch.linalg.matrix_norm(w[:, :, 1, 1], ord=2).item()
    tiny = conv_operator_norm(w, (3, 1, 1), padding=1, generator=g).item()
    assert tiny == pytest.approx(centre, rel=1e-9) and tiny < sigma_kernel
    # a 1x1 convolution is the channel matrix applied at every pixel
    point = torch.randn(5, 3, 1, 1, generator=g, dtype=torch.float64)
    pointwise = conv_operator_norm(point, (3, 4, 4), generator=g).item()
    assert pointwise == pytest.approx(
        torch.linalg.matrix_norm(point.flatten(1), ord=2).item(), rel=1e-9
    )
    assert conv_operator_norm(torch.zeros(2, 3, 3, 3), (3, 5, 5)).item() == 0
    # seeded: the same generator state gives the same number; float32 weights work too
    a = conv_operator_norm(
        w.float(), (3, 6, 6), 2, 1, iters=5, generator=torch.Generator().manual_seed(2)
    )
    b = conv_operator_norm(
        w.float(), (3, 6, 6), 2, 1, iters=5, generator=torch.Generator().manual_seed(2)
    )
    assert a.item() == b.item()


def test_conv_operator_norm_errors_are_clear():
    w = torch.randn(4, 3, 3, 3)
    with pytest.raises(ValueError, match=r"Conv2d weight \[c_out, c_in, kh, kw\]"):
        conv_operator_norm(torch.randn(4, 27), (3, 8, 8))
    with pytest.raises(ValueError, match="without the batch"):
        conv_operator_norm(w, (1, 3, 8, 8))
    with pytest.raises(ValueError, match="3 input channels, input_shape has 2"):
        conv_operator_norm(w, (2, 8, 8))
    with pytest.raises(ValueError, match="does not fit"):
        conv_operator_norm(w, (3, 2, 2))
    with pytest.raises(ValueError, match="stride >= 1"):
        conv_operator_norm(w, (3, 8, 8), stride=0)
    with pytest.raises(ValueError, match="pair of ints"):
        conv_matrix(w, (3, 8, 8), padding=(1, 1, 1))
    with pytest.raises(ValueError, match="iters"):
        conv_operator_norm(w, (3, 8, 8), iters=0)


def test_power_iteration_error_falls_like_the_fourth_power_of_the_gap():
    # W = U diag(s) V^T with s1 = 1, s2 = 0.8: the vector error shrinks by 0.8^2 per round,
    # the error of sigma by 0.8^4
    g = torch.Generator().manual_seed(0)
    U, _ = torch.linalg.qr(torch.randn(40, 30, generator=g, dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(30, 30, generator=g, dtype=torch.float64))
    s = torch.cat([torch.tensor([1.0, 0.8], dtype=torch.float64), torch.linspace(0.5, 0.1, 28)])
    w = U @ torch.diag(s).to(torch.float64) @ V.T
    u = torch.randn(40, generator=g, dtype=torch.float64)
    errors = []
    for _ in range(25):
        sigma, u = power_iteration_sigma(w, iters=1, u=u)
        errors.append(1 - sigma.item())
    ks = torch.arange(8, 26, dtype=torch.float64)
    logs = torch.log(torch.tensor(errors[7:25], dtype=torch.float64))
    slope = (((ks - ks.mean()) * (logs - logs.mean())).sum() / ((ks - ks.mean()) ** 2).sum()).item()
    assert slope / math.log(0.8) == pytest.approx(4.0, abs=0.05)
