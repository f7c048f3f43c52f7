"""tiffin.frameworks.pytorch: eager modules, TorchScript and torch.export programs."""

from __future__ import annotations

import sys
import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tiffin.exceptions import InvalidArgument, MissingDependency
from tiffin.frameworks import picklable_model
from tiffin.models import Model

pytest.importorskip("torch")
import torch

from tiffin.frameworks import pytorch as tp

ReImport = Callable[[Model], Model]
CountWarnings = Callable[[Callable[[], object]], int]


class TinyNet(torch.nn.Module):
    """A two-layer MLP with dropout, so eval mode matters."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = torch.nn.Linear(4, 8)
        self.dropout = torch.nn.Dropout(0.5)
        self.out = torch.nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        result: torch.Tensor = self.out(self.dropout(torch.relu(self.hidden(x))))
        return result


@pytest.fixture(scope="module")
def net() -> TinyNet:
    """A TinyNet trained for a few steps on synthetic data, left in training mode."""
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = torch.stack([x[:, 0] + x[:, 1], x[:, 2] - x[:, 3]], dim=1)
    model = TinyNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(20):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    return model


@pytest.fixture
def x() -> Any:
    return torch.randn(5, 4, generator=torch.Generator().manual_seed(1))


def scripted(net: TinyNet) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is deprecated
        return torch.jit.script(net)


def expected(net: TinyNet, x: Any) -> np.ndarray:
    net.eval()
    try:
        with torch.no_grad():
            return net(x).numpy()  # type: ignore[no-any-return]
    finally:
        net.train()


def predict(module: Any, x: Any) -> np.ndarray:
    with torch.no_grad():
        return module(x).numpy()  # type: ignore[no-any-return]


def test_an_eager_module_predicts_as_before_after_a_round_trip(net: TinyNet, x: Any) -> None:
    tp.save_model("mlp", net)
    loaded = tp.load_model("mlp")
    assert type(loaded) is TinyNet
    assert not loaded.training
    np.testing.assert_allclose(predict(loaded, x), expected(net, x), rtol=1e-6)


def test_a_torchscript_module_predicts_as_before_after_a_round_trip(net: TinyNet, x: Any) -> None:
    tp.save_model("mlp", scripted(net))
    loaded = tp.load_model("mlp")
    assert isinstance(loaded, torch.jit.ScriptModule)
    assert not loaded.training
    np.testing.assert_allclose(predict(loaded, x), expected(net, x), rtol=1e-6)


def test_an_exported_program_predicts_as_before_after_a_round_trip(net: TinyNet, x: Any) -> None:
    net.eval()
    try:
        batch = torch.export.Dim("batch")
        program = torch.export.export(net, (x,), dynamic_shapes=({0: batch},))
    finally:
        net.train()
    tp.save_model("mlp", program)
    loaded = tp.load_model("mlp")
    assert isinstance(loaded, torch.export.ExportedProgram)
    np.testing.assert_allclose(predict(loaded.module(), x), expected(net, x), rtol=1e-6)


def test_an_eager_module_whose_class_is_gone_names_the_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nets = types.ModuleType("tiffin_test_nets")
    exec("import torch\nclass Gone(torch.nn.Linear):\n    pass\n", nets.__dict__)
    monkeypatch.setitem(sys.modules, "tiffin_test_nets", nets)
    tp.save_model("gone", nets.Gone(2, 2))
    monkeypatch.delitem(sys.modules, "tiffin_test_nets")
    with pytest.raises(MissingDependency, match=r"class tiffin_test_nets\.Gone.*importable"):
        tp.load_model("gone")


def test_the_default_signature_is_a_batchable_call(net: TinyNet) -> None:
    model = tp.save_model("mlp", net)
    assert model.signatures == {"__call__": {"batchable": True, "batch_dim": 0}}


def test_the_format_and_class_are_recorded(net: TinyNet) -> None:
    eager = tp.save_model("mlp", net).options
    script = tp.save_model("mlp", scripted(net)).options
    assert (eager["format"], eager["class"]) == ("eager", f"{__name__}.TinyNet")
    assert script["format"] == "torchscript"


def test_an_eager_module_is_marked_as_pickle(net: TinyNet) -> None:
    assert tp.save_model("mlp", net).pickle_based


def test_a_torchscript_module_is_not_marked_as_pickle(net: TinyNet) -> None:
    assert not tp.save_model("mlp", scripted(net)).pickle_based


def test_an_imported_eager_module_warns_once(
    net: TinyNet, reimport: ReImport, unsafe_warnings: CountWarnings
) -> None:
    model = reimport(tp.save_model("mlp", net))
    assert unsafe_warnings(lambda: tp.load_model(model.tag)) == 1


def test_an_imported_torchscript_module_does_not_warn(
    net: TinyNet, reimport: ReImport, unsafe_warnings: CountWarnings
) -> None:
    model = reimport(tp.save_model("mlp", scripted(net)))
    assert unsafe_warnings(lambda: tp.load_model(model.tag)) == 0


def test_an_object_that_is_not_a_module_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"torch\.nn\.Module.*tiffin\.picklable_model"):
        tp.save_model("mlp", lambda x: x)


def test_get_refuses_a_model_of_another_framework(net: TinyNet) -> None:
    model = tp.save_model("mlp", net)
    with pytest.raises(InvalidArgument, match=r"tiffin\.pytorch\.load_model\(\)"):
        picklable_model.get(model.tag)


def test_unknown_load_options_are_refused_listing_the_valid_ones(net: TinyNet) -> None:
    tp.save_model("mlp", net)
    with pytest.raises(InvalidArgument, match=r"\['map_location'\].*\['device'\]"):
        tp.load_model("mlp", map_location="cpu")


def test_an_absent_accelerator_is_refused_naming_auto(net: TinyNet) -> None:
    tp.save_model("mlp", net)
    with pytest.raises(InvalidArgument, match='device="auto"'):
        tp.load_model("mlp", device=f"cuda:{torch.cuda.device_count()}")


def test_a_device_that_is_not_one_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="not a torch device"):
        tp.resolve_device("gpu-please")


def test_auto_picks_a_device_this_machine_has() -> None:
    device = tp.resolve_device("auto")
    assert device.type == ("cuda" if torch.cuda.is_available() else device.type)
    torch.zeros(1, device=device)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("kind", ["eager", "torchscript", "exported_program"])
def test_a_model_loads_onto_a_cuda_device(net: TinyNet, x: Any, kind: str) -> None:
    net.eval()
    try:
        builders: dict[str, Callable[[], Any]] = {
            "eager": lambda: net,
            "torchscript": lambda: scripted(net),
            "exported_program": lambda: torch.export.export(net, (x,)),
        }
        model = builders[kind]()
    finally:
        net.train()
    tp.save_model("mlp", model)
    loaded = tp.load_model("mlp", device="cuda")
    module = loaded.module() if kind == "exported_program" else loaded
    with torch.no_grad():
        got = module(x.cuda()).cpu().numpy()
    np.testing.assert_allclose(got, expected(net, x), rtol=1e-4, atol=1e-5)
