import math

import pytest
import torch

from gancourse.history import History
from gancourse.monitor import LossMonitor, TrainingDiverged


def test_flush_writes_interval_means_and_values():
    monitor, history = LossMonitor(("d_loss",), torch.device("cpu")), History()
    for step, value in enumerate([1.0, 2.0, 6.0], start=1):
        monitor.add(step, d_loss=torch.tensor(value))
    monitor.set("grad_norm", torch.tensor(0.5))
    monitor.flush(history, 3)
    monitor.add(4, d_loss=torch.tensor(10.0))
    monitor.flush(history, 4)
    assert history.steps("d_loss") == [3, 4] and history.values("d_loss") == [3.0, 10.0]
    assert history.values("grad_norm") == [0.5]  # instantaneous values are not carried over


def test_first_non_finite_step_is_reported():
    monitor = LossMonitor(("d_loss", "g_loss"), torch.device("cpu"))
    monitor.add(1, d_loss=torch.tensor(1.0), g_loss=torch.tensor(1.0))
    monitor.add(2, d_loss=torch.tensor(1.0), g_loss=torch.tensor(math.inf))
    monitor.add(3, d_loss=torch.tensor(math.nan), g_loss=torch.tensor(math.nan))
    with pytest.raises(
        TrainingDiverged, match=r"g_loss became inf at step 2 \(noticed at step 5\)"
    ):
        monitor.check_finite(5)


def test_state_round_trip():
    a = LossMonitor(("d_loss",), torch.device("cpu"))
    a.add(1, d_loss=torch.tensor(2.0))
    b = LossMonitor(("d_loss",), torch.device("cpu"))
    b.load_state_dict(a.state_dict())
    ha, hb = History(), History()
    a.flush(ha, 1)
    b.flush(hb, 1)
    assert ha == hb
