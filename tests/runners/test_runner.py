"""``Runner``: construction, method handles, defaults, lifecycle and ``info()``."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tiffin.runners
from tiffin.exceptions import InvalidArgument, ServiceUnavailable
from tiffin.runners import MethodConfig, MethodHandle, Runnable, Runner

MakeRunner = Callable[..., Runner]


class LinearModel:
    """A tiny numpy model: a weight vector and a bias."""

    def __init__(self, weights: np.ndarray) -> None:
        self.weights = weights

    def predict(self, rows: np.ndarray) -> np.ndarray:
        result: np.ndarray = rows @ self.weights[:-1] + self.weights[-1]
        return result

    def predict_proba(self, rows: np.ndarray) -> np.ndarray:
        scores = 1 / (1 + np.exp(-self.predict(rows)))
        return np.stack([1 - scores, scores], axis=1)


def load_custom_model(model_path: str) -> LinearModel:
    return LinearModel(np.load(model_path))


class CustomRunner(Runnable):
    """The seed's "Custom Runner" sample, with its placeholder filled."""

    def __init__(self, model_path: str) -> None:
        self.model = self.load_model(model_path)

    def load_model(self, model_path: str) -> LinearModel:
        return load_custom_model(model_path)

    @tiffin.runners.Runnable.method
    def predict(self, input_data: Any) -> dict[str, Any]:
        result = self.model.predict(input_data)
        return {"prediction": result, "confidence": 0.95}


class Classifier(Runnable):
    """Two methods, neither ``__call__``: the first declared is the default."""

    def __init__(self, weights: list[float], scale: float = 1.0) -> None:
        self.model = LinearModel(np.asarray(weights) * scale)

    @Runnable.method(batchable=True)
    def predict(self, rows: np.ndarray) -> np.ndarray:
        return self.model.predict(rows)

    @Runnable.method(batchable=True, batch_dim=(0, 0))
    def predict_proba(self, rows: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(rows)


class Counted(Runnable):
    """Counts how often it is built."""

    built = 0

    def __init__(self) -> None:
        type(self).built += 1

    @Runnable.method
    def echo(self, value: Any) -> Any:
        return value


@pytest.fixture
def model_path(tmp_path: Path) -> str:
    path = tmp_path / "weights.npy"
    np.save(path, np.array([1.0, 2.0, 0.5]))
    return str(path)


@pytest.fixture
def counted() -> type[Counted]:
    class Fresh(Counted):
        built = 0

    return Fresh


def test_a_runner_from_an_instance_runs_the_seeds_custom_runner(
    make_runner: MakeRunner, model_path: str
) -> None:
    custom_runner = CustomRunner(model_path)
    runner = make_runner(custom_runner)

    result = runner.run(np.array([[1.0, 1.0], [2.0, 0.0]]))

    np.testing.assert_allclose(result["prediction"], [3.5, 2.5])
    assert result["confidence"] == 0.95


def test_a_runner_from_an_instance_is_ready_to_start_without_init_params(
    make_runner: MakeRunner, model_path: str
) -> None:
    runner = make_runner(CustomRunner(model_path))
    runner.init()
    assert runner.ready


def test_a_runner_from_a_class_builds_it_with_init_params(make_runner: MakeRunner) -> None:
    runner = make_runner(Classifier, init_params={"weights": [1.0, 1.0, 0.0], "scale": 2.0})
    np.testing.assert_allclose(runner.run(np.array([[1.0, 2.0]])), [6.0])


def test_a_runner_from_an_instance_refuses_init_params(model_path: str) -> None:
    with pytest.raises(InvalidArgument, match="already built"):
        Runner(CustomRunner(model_path), init_params={"model_path": model_path})


def test_unknown_init_params_raise_listing_the_valid_ones() -> None:
    with pytest.raises(InvalidArgument, match=r"'n_jobs'; the valid ones are: 'weights', 'scale'"):
        Runner(Classifier, init_params={"weights": [1.0], "n_jobs": 4})


def test_missing_init_params_raise_when_the_runner_is_made() -> None:
    with pytest.raises(InvalidArgument, match="needs init_params 'model_path'"):
        Runner(CustomRunner)


def test_anything_but_a_runnable_raises_naming_the_fix() -> None:
    with pytest.raises(TypeError, match="subclass tiffin.Runnable"):
        Runner(LinearModel)  # type: ignore[arg-type]


def test_a_runnable_without_methods_raises_naming_the_decorator() -> None:
    class Empty(Runnable): ...

    with pytest.raises(InvalidArgument, match="@tiffin.Runnable.method"):
        Runner(Empty)


def test_the_only_method_is_the_default(counted: type[Counted], make_runner: MakeRunner) -> None:
    assert make_runner(counted).default_method == "echo"


def test_the_first_declared_method_is_the_default_without_call() -> None:
    assert Runner(Classifier, init_params={"weights": [0.0]}).default_method == "predict"


def test_call_is_the_default_among_several_methods(make_runner: MakeRunner) -> None:
    class Model(Runnable):
        @Runnable.method
        def explain(self, x: int) -> str:
            return "explained"

        @Runnable.method
        def __call__(self, x: int) -> int:
            return x + 1

    runner = make_runner(Model)
    assert (runner.default_method, runner.run(1)) == ("__call__", 2)


def test_default_method_chooses_the_default(make_runner: MakeRunner) -> None:
    runner = make_runner(
        Classifier, init_params={"weights": [0.0, 0.0]}, default_method="predict_proba"
    )
    np.testing.assert_allclose(runner.run(np.array([[1.0]])), [[0.5, 0.5]])


def test_an_unknown_default_method_raises_listing_the_methods() -> None:
    with pytest.raises(InvalidArgument, match="choose one of: predict, predict_proba"):
        Runner(Classifier, init_params={"weights": [0.0]}, default_method="transform")


def test_each_method_has_a_handle(make_runner: MakeRunner) -> None:
    runner = make_runner(Classifier, init_params={"weights": [1.0, 0.0]})
    rows = np.array([[0.0]])
    np.testing.assert_allclose(runner.predict.run(rows), [0.0])
    np.testing.assert_allclose(runner.predict_proba.run(rows), [[0.5, 0.5]])


def test_a_handle_is_the_same_object_each_time() -> None:
    runner = Runner(Classifier, init_params={"weights": [0.0]})
    assert isinstance(runner.predict, MethodHandle)
    assert runner.predict is runner.predict


def test_an_unknown_attribute_raises_listing_the_methods() -> None:
    runner = Runner(Classifier, init_params={"weights": [0.0]})
    with pytest.raises(AttributeError, match="its methods are: predict, predict_proba"):
        runner.transform  # noqa: B018


def test_handle_reaches_a_method_that_a_runner_attribute_hides(make_runner: MakeRunner) -> None:
    class Model(Runnable):
        @Runnable.method
        def info(self) -> str:
            return "model info"

    assert make_runner(Model).handle("info").run() == "model info"


def test_methods_map_names_to_configs() -> None:
    runner = Runner(Classifier, init_params={"weights": [0.0]})
    assert runner.methods["predict"] == MethodConfig("predict", batchable=True)


@pytest.mark.parametrize(
    ("class_name", "expected"),
    [
        pytest.param("CustomRunner", "custom-runner", id="camel"),
        pytest.param("MLPClassifier", "mlp-classifier", id="acronym"),
        pytest.param("IrisV2", "iris-v2", id="digit"),
        pytest.param("_private_model", "private_model", id="snake"),
        pytest.param("X" * 80, "x" * 63, id="long"),
    ],
)
def test_the_default_name_is_a_tag_safe_form_of_the_class_name(
    class_name: str, expected: str
) -> None:
    runnable = type(class_name, (Counted,), {})
    assert Runner(runnable).name == expected


def test_an_upper_case_name_raises_with_the_lowercase_form() -> None:
    with pytest.raises(InvalidArgument, match='use "iris" instead'):
        Runner(Counted, name="Iris")


@pytest.mark.parametrize("name", ["", "-iris", "iris/1", "i" * 64])
def test_an_invalid_name_raises_with_the_rule(name: str) -> None:
    with pytest.raises(InvalidArgument, match="1 to 63 characters"):
        Runner(Counted, name=name)


@pytest.mark.parametrize("workers", [0, -1, True, "2"])
def test_workers_must_be_a_positive_integer(workers: Any) -> None:
    with pytest.raises(InvalidArgument, match="positive number"):
        Runner(Counted, workers=workers)


def test_an_unknown_placement_raises_listing_the_available_ones() -> None:
    with pytest.raises(InvalidArgument, match="use one of: 'local'"):
        Runner(Counted, placement="process")


def test_runner_limits_override_the_batchable_methods_own() -> None:
    runner = Runner(
        Classifier, init_params={"weights": [0.0]}, max_batch_size=32, max_latency_ms=50
    )
    config = runner.methods["predict"]
    assert (config.max_batch_size, config.max_latency_ms) == (32, 50)


def test_runner_limits_leave_methods_that_are_not_batchable_alone() -> None:
    class Model(Runnable):
        @Runnable.method(batchable=True)
        def predict(self) -> None: ...

        @Runnable.method
        def explain(self) -> None: ...

    assert Runner(Model, max_batch_size=8).methods["explain"].max_batch_size is None


def test_runner_limits_without_a_batchable_method_raise() -> None:
    with pytest.raises(InvalidArgument, match="only apply to batchable methods"):
        Runner(Counted, max_batch_size=8)


def test_an_invalid_runner_limit_raises() -> None:
    with pytest.raises(InvalidArgument, match="positive number of rows"):
        Runner(Classifier, init_params={"weights": [0.0]}, max_batch_size=0)


def test_making_a_runner_builds_nothing(counted: type[Counted]) -> None:
    runner = Runner(counted)
    assert (counted.built, runner.ready) == (0, False)


def test_the_first_call_starts_the_runner(counted: type[Counted], make_runner: MakeRunner) -> None:
    runner = make_runner(counted)
    assert runner.run("hello") == "hello"
    assert (counted.built, runner.ready) == (1, True)


def test_later_calls_reuse_the_runnable(counted: type[Counted], make_runner: MakeRunner) -> None:
    runner = make_runner(counted)
    runner.run(1)
    runner.echo.run(2)
    assert counted.built == 1


def test_init_is_idempotent(counted: type[Counted], make_runner: MakeRunner) -> None:
    runner = make_runner(counted)
    runner.init()
    runner.init()
    assert counted.built == 1


def test_concurrent_first_calls_build_the_runnable_once(
    counted: type[Counted], make_runner: MakeRunner
) -> None:
    runner = make_runner(counted)
    barrier = threading.Barrier(8)

    def call() -> None:
        barrier.wait()
        runner.run(None)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counted.built == 1


class Broken(Runnable):
    """Fails to load its model until ``fixed`` is set."""

    attempts = 0
    fixed = False

    def __init__(self) -> None:
        type(self).attempts += 1
        if not type(self).fixed:
            raise FileNotFoundError("no model at /models/iris.npy")

    @Runnable.method
    def predict(self, x: int) -> int:
        return x


@pytest.fixture
def broken() -> type[Broken]:
    class FreshBroken(Broken):
        attempts = 0
        fixed = False

    return FreshBroken


def test_a_model_that_fails_to_load_raises_naming_runner_and_cause(
    broken: type[Broken], make_runner: MakeRunner
) -> None:
    runner = make_runner(broken, name="iris")
    with pytest.raises(ServiceUnavailable, match=r'"iris" could not start.*FileNotFoundError'):
        runner.run(1)


def test_the_load_error_is_chained_to_the_original(
    broken: type[Broken], make_runner: MakeRunner
) -> None:
    runner = make_runner(broken)
    with pytest.raises(ServiceUnavailable) as raised:
        runner.init()
    assert isinstance(raised.value.__cause__, FileNotFoundError)


def test_info_reports_a_failed_load(broken: type[Broken], make_runner: MakeRunner) -> None:
    runner = make_runner(broken)
    with pytest.raises(ServiceUnavailable):
        runner.run(1)
    info = runner.info()
    assert (info["ready"], info["state"]) == (False, "failed")
    assert "no model at /models/iris.npy" in info["error"]


def test_calls_after_a_failed_load_fail_without_loading_again(
    broken: type[Broken], make_runner: MakeRunner
) -> None:
    runner = make_runner(broken)
    for _ in range(2):
        with pytest.raises(ServiceUnavailable, match="could not start"):
            runner.run(1)
    assert broken.attempts == 1


def test_init_retries_a_failed_load(broken: type[Broken], make_runner: MakeRunner) -> None:
    runner = make_runner(broken)
    with pytest.raises(ServiceUnavailable):
        runner.init()
    broken.fixed = True
    runner.init()
    assert (runner.run(7), runner.info()["error"]) == (7, None)


def test_calls_after_shutdown_are_refused(counted: type[Counted]) -> None:
    runner = Runner(counted)
    runner.run(1)
    runner.shutdown()
    with pytest.raises(ServiceUnavailable, match=r"shut down; call runner.init\(\)"):
        runner.run(1)


def test_init_restarts_a_runner_that_was_shut_down(
    counted: type[Counted], make_runner: MakeRunner
) -> None:
    runner = make_runner(counted)
    runner.run(1)
    runner.shutdown()
    runner.init()
    assert (runner.run(2), counted.built) == (2, 2)


def test_info_describes_the_runner_as_json(make_runner: MakeRunner) -> None:
    runner = make_runner(Classifier, name="iris", init_params={"weights": [0.0]})
    info = json.loads(json.dumps(runner.info()))
    assert info["name"] == "iris"
    assert info["runnable"].endswith("test_runner.Classifier")
    assert (info["placement"], info["ready"], info["error"]) == ("local", False, None)
    assert info["methods"]["predict_proba"] == {
        "batchable": True,
        "batch_dim": [0, 0],
        "max_batch_size": None,
        "max_latency_ms": None,
    }


def test_info_reports_readiness_once_started(make_runner: MakeRunner) -> None:
    runner = make_runner(Classifier, init_params={"weights": [0.0]})
    runner.init()
    assert (runner.info()["ready"], runner.info()["state"]) == (True, "ready")


def test_the_repr_names_the_runner_and_its_runnable() -> None:
    runner = Runner(Counted, name="echo")
    assert repr(runner) == "Runner('echo', runnable=Counted, placement='local', ready=False)"


def test_the_package_exports_a_sorted_public_api() -> None:
    assert tiffin.runners.__all__ == [
        "MethodConfig",
        "MethodHandle",
        "Runnable",
        "Runner",
        "find_runners",
    ]


def test_importing_runners_imports_no_ml_framework() -> None:
    code = (
        "import sys, tiffin.runners\n"
        "heavy = {'torch', 'sklearn', 'tensorflow', 'onnxruntime', 'xgboost', 'lightgbm'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


def test_a_method_named_like_a_runner_attribute_does_not_replace_it(
    make_runner: MakeRunner,
) -> None:
    class Model(Runnable):
        @Runnable.method
        def shutdown(self) -> str:
            return "model shutdown"

        @Runnable.method
        def _lock(self) -> str:
            return "model lock"

    runner = make_runner(Model)
    assert runner.handle("shutdown").run() == "model shutdown"
    assert runner.handle("_lock").run() == "model lock"
    assert not isinstance(runner.shutdown, MethodHandle)


class SavedModel:
    """Stands in for a stored model: signatures are known before the model is loaded."""

    signatures = {"predict": True, "predict_proba": True}

    def __init__(self) -> None:
        self.loads = 0

    def load(self) -> LinearModel:
        self.loads += 1
        return LinearModel(np.array([1.0, 0.0]))


class SignatureRunnable(Runnable):
    """How a framework runnable derives its methods from a saved model's signatures."""

    def __init__(self, model: SavedModel, batch_size: int | None = None) -> None:
        loaded = model.load()
        for name in model.signatures:
            setattr(self, name, getattr(loaded, name))

    @classmethod
    def method_configs(cls, init_params: Mapping[str, Any]) -> dict[str, MethodConfig]:
        model: SavedModel = init_params["model"]
        return {
            name: MethodConfig(name, batchable=batchable)
            for name, batchable in model.signatures.items()
        }


def test_a_framework_runnable_has_handles_before_its_model_loads() -> None:
    saved = SavedModel()
    runner = Runner(SignatureRunnable, init_params={"model": saved}, max_batch_size=16)
    assert isinstance(runner.predict_proba, MethodHandle)
    assert runner.methods["predict_proba"].max_batch_size == 16
    assert saved.loads == 0


def test_a_framework_runnable_runs_methods_set_on_its_instance(make_runner: MakeRunner) -> None:
    runner = make_runner(SignatureRunnable, init_params={"model": SavedModel()})
    np.testing.assert_allclose(runner.predict_proba.run(np.array([[0.0]])), [[0.5, 0.5]])


def test_init_params_that_are_not_a_mapping_raise() -> None:
    with pytest.raises(TypeError, match="mapping of keyword arguments"):
        Runner(Classifier, init_params=[("weights", [0.0])])  # type: ignore[arg-type]


def test_method_configs_that_do_not_map_names_to_configs_raise() -> None:
    class Wrong(Runnable):
        @classmethod
        def method_configs(cls, init_params: Mapping[str, Any]) -> dict[str, MethodConfig]:
            return {"predict": MethodConfig("transform")}

    with pytest.raises(TypeError, match=r"Wrong.method_configs\(\) maps each method name"):
        Runner(Wrong)
