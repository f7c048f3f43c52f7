"""``Runnable``, ``@Runnable.method`` and ``MethodConfig``."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import tiffin.runners
from tiffin.exceptions import InvalidArgument
from tiffin.runners import MethodConfig, Runnable


def test_bare_decorator_returns_the_function_unchanged() -> None:
    def predict(self: Any, x: int) -> int:
        return x

    assert Runnable.method(predict) is predict


def test_bare_decorator_records_a_non_batchable_config() -> None:
    class Model(Runnable):
        @Runnable.method
        def predict(self, x: int) -> int:
            return x

    assert Model.method_configs({}) == {"predict": MethodConfig("predict")}


def test_decorator_records_its_arguments() -> None:
    class Model(Runnable):
        @Runnable.method(batchable=True, batch_dim=(0, 1), max_batch_size=64, max_latency_ms=20)
        def predict(self, x: int) -> int:
            return x

    config = Model.method_configs({})["predict"]
    assert (config.batchable, config.batch_dim) == (True, (0, 1))
    assert (config.max_batch_size, config.max_latency_ms) == (64, 20)


def test_decorator_with_empty_parentheses_works_like_the_bare_one() -> None:
    class Model(Runnable):
        @Runnable.method()
        def predict(self, x: int) -> int:
            return x

    assert Model.method_configs({}) == {"predict": MethodConfig("predict")}


def test_an_integer_batch_dim_means_the_same_axis_for_inputs_and_outputs() -> None:
    config = MethodConfig("predict", batchable=True, batch_dim=1)
    assert (config.batch_dim, config.input_dim, config.output_dim) == ((1, 1), 1, 1)


def test_a_marked_method_stays_an_ordinary_method() -> None:
    class Model(Runnable):
        @Runnable.method(batchable=True)
        def predict(self, x: int) -> int:
            return x * 2

    assert Model().predict(21) == 42


def test_the_qualified_decorator_of_the_seed_works() -> None:
    class Model(tiffin.runners.Runnable):
        @tiffin.runners.Runnable.method
        def predict(self, x: int) -> int:
            return x

    assert list(Model.method_configs({})) == ["predict"]


@pytest.mark.parametrize(
    ("options", "error", "fix"),
    [
        pytest.param({"batchable": "yes"}, TypeError, "True or False", id="batchable-str"),
        pytest.param({"batch_dim": "0"}, TypeError, "batch_dim=0", id="batch-dim-str"),
        pytest.param({"batch_dim": (0,)}, TypeError, r"batch_dim=\(0, 1\)", id="batch-dim-1-tuple"),
        pytest.param({"batch_dim": True}, TypeError, "batch_dim=0", id="batch-dim-bool"),
        pytest.param(
            {"batchable": True, "max_batch_size": 0}, InvalidArgument, "positive", id="size-0"
        ),
        pytest.param(
            {"batchable": True, "max_batch_size": 2.5}, InvalidArgument, "positive", id="size-float"
        ),
        pytest.param(
            {"batchable": True, "max_batch_size": True}, InvalidArgument, "positive", id="size-bool"
        ),
        pytest.param(
            {"batchable": True, "max_latency_ms": 0}, InvalidArgument, "positive", id="latency-0"
        ),
        pytest.param(
            {"batchable": True, "max_latency_ms": float("nan")},
            InvalidArgument,
            "positive",
            id="latency-nan",
        ),
        pytest.param(
            {"batchable": True, "max_latency_ms": "20"},
            InvalidArgument,
            "positive",
            id="latency-str",
        ),
        pytest.param(
            {"max_batch_size": 8}, InvalidArgument, "add batchable=True", id="size-not-batchable"
        ),
    ],
)
def test_bad_decorator_arguments_raise_when_the_decorator_runs(
    options: dict[str, Any], error: type[Exception], fix: str
) -> None:
    with pytest.raises(error, match=fix):
        Runnable.method(**options)


def test_positional_options_raise_with_the_keyword_form() -> None:
    with pytest.raises(TypeError, match=r"@Runnable.method\(batchable=True\)"):
        Runnable.method(True)  # type: ignore[call-overload]


def test_marking_a_staticmethod_raises() -> None:
    with pytest.raises(TypeError, match="plain method"):

        class Model(Runnable):
            @Runnable.method
            @staticmethod
            def predict(x: int) -> int:
                return x


def test_method_configs_follow_declaration_order_over_the_mro() -> None:
    class Base(Runnable):
        @Runnable.method
        def first(self) -> None: ...

        @Runnable.method
        def second(self) -> None: ...

    class Child(Base):
        @Runnable.method
        def third(self) -> None: ...

    assert list(Child.method_configs({})) == ["first", "second", "third"]


def test_a_subclass_mark_replaces_the_base_config() -> None:
    class Base(Runnable):
        @Runnable.method
        def predict(self) -> None: ...

    class Child(Base):
        @Runnable.method(batchable=True, max_batch_size=8)
        def predict(self) -> None: ...

    assert Child.method_configs({})["predict"].max_batch_size == 8
    assert not Base.method_configs({})["predict"].batchable


def test_an_unmarked_override_keeps_the_base_config() -> None:
    class Base(Runnable):
        @Runnable.method(batchable=True)
        def predict(self) -> None: ...

    class Child(Base):
        def predict(self) -> None: ...

    assert Child.method_configs({})["predict"].batchable


def test_a_non_callable_override_removes_the_method() -> None:
    class Base(Runnable):
        @Runnable.method
        def predict(self) -> None: ...

        @Runnable.method
        def explain(self) -> None: ...

    class Child(Base):
        explain = None  # type: ignore[assignment]

    assert list(Child.method_configs({})) == ["predict"]


def test_a_method_marked_under_another_name_is_exposed_under_its_attribute_name() -> None:
    def implementation(self: Any) -> None: ...

    class Model(Runnable):
        predict = Runnable.method(implementation)

    assert Model.method_configs({})["predict"].name == "predict"


def test_validate_init_params_returns_the_known_params() -> None:
    class Model(Runnable):
        def __init__(self, path: str, scale: float = 1.0) -> None: ...

    assert Model.validate_init_params({"path": "m.npy"}) == {"path": "m.npy"}


def test_unknown_init_params_raise_listing_the_valid_ones() -> None:
    class Model(Runnable):
        def __init__(self, path: str, scale: float = 1.0) -> None: ...

    with pytest.raises(InvalidArgument, match=r"'device'; the valid ones are: 'path', 'scale'\."):
        Model.validate_init_params({"path": "m.npy", "device": "cuda"})


def test_missing_required_init_params_raise_naming_them() -> None:
    class Model(Runnable):
        def __init__(self, path: str) -> None: ...

    with pytest.raises(InvalidArgument, match=r"needs init_params 'path'"):
        Model.validate_init_params({})


def test_an_init_taking_any_keyword_accepts_any_init_params() -> None:
    class Model(Runnable):
        def __init__(self, **options: Any) -> None: ...

    assert Model.validate_init_params({"anything": 1}) == {"anything": 1}


def test_a_runnable_without_init_takes_no_init_params() -> None:
    class Model(Runnable): ...

    with pytest.raises(InvalidArgument, match="the valid ones are: none"):
        Model.validate_init_params({"path": "m.npy"})


def test_method_config_is_immutable() -> None:
    config = MethodConfig("predict")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.batchable = True  # type: ignore[misc]


def test_method_config_names_are_identifiers() -> None:
    with pytest.raises(InvalidArgument, match="Python identifier"):
        MethodConfig("predict-proba")


def test_resource_hints_default_to_a_single_threaded_cpu_runnable() -> None:
    assert (Runnable.SUPPORTED_RESOURCES, Runnable.SUPPORTS_CPU_MULTI_THREADING) == (
        ("cpu",),
        False,
    )
