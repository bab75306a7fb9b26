"""The seeding helper every chapter uses, its RNNCOURSE_SEED override, and the headline figures."""
import json

import numpy as np
import pytest
import torch

from rnncourse.headlines import headline
from rnncourse.training import current_seed, run_seed, set_seeds, torch_fit


def test_run_seed_is_the_written_seed_unless_overridden(monkeypatch):
    monkeypatch.delenv("RNNCOURSE_SEED", raising=False)
    assert run_seed(0) == 0 and run_seed(4) == 4
    monkeypatch.setenv("RNNCOURSE_SEED", "7")
    assert run_seed(0) == 7 and run_seed(4) == 11
    monkeypatch.setenv("RNNCOURSE_SEED", "seven")
    with pytest.raises(ValueError, match="RNNCOURSE_SEED must be an integer, got 'seven'"):
        run_seed(0)


def test_set_seeds_seeds_torch_with_the_overridden_seed(monkeypatch):
    monkeypatch.setenv("RNNCOURSE_SEED", "7")
    assert set_seeds(0) == 7 == current_seed()
    ours = torch.nn.Linear(3, 2).weight.detach().clone()
    torch.manual_seed(7)                       # the oracle: PyTorch seeded directly
    assert torch.equal(ours, torch.nn.Linear(3, 2).weight.detach())
    assert np.random.rand() != pytest.approx(np.random.RandomState(0).rand())
    assert torch.get_num_threads() == 1
    monkeypatch.delenv("RNNCOURSE_SEED")
    assert set_seeds(0) == 0


def fit_once(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("RNNCOURSE_SEED", raising=False)
    else:
        monkeypatch.setenv("RNNCOURSE_SEED", value)
    set_seeds(0)
    x = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    model = torch.nn.Linear(3, 1)
    history = torch_fit(model, torch.nn.functional.mse_loss, torch.optim.SGD(model.parameters(), lr=0.05),
                        x, y, epochs=3, batch_size=8, every=3)
    return history["loss"]


def test_torch_fit_follows_the_run_seed(monkeypatch, capsys):
    default, again, other = fit_once(monkeypatch, None), fit_once(monkeypatch, "0"), fit_once(monkeypatch, "3")
    assert default == again, "the same seed must give the same training run"
    assert default != other, "another RNNCOURSE_SEED must change the weights and the minibatch order"


def test_headline_records_for_the_robustness_report(tmp_path, monkeypatch):
    path = tmp_path / "headlines.jsonl"
    monkeypatch.setenv("RNNCOURSE_HEADLINES", str(path))
    assert headline("lstm_mse", np.float32(0.25)) == 0.25
    headline("accuracy", 1)
    assert [json.loads(line) for line in path.read_text().splitlines()] == [
        {"name": "lstm_mse", "value": 0.25}, {"name": "accuracy", "value": 1.0}]
    with pytest.raises(ValueError, match="identifier"):
        headline("test MSE", 1.0)
    with pytest.raises(TypeError, match="must be a number, got list"):
        headline("mse", [1, 2])
