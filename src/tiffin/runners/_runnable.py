"""``Runnable``: the extension point that says what a runner runs, and ``MethodConfig``.

A runnable is an ordinary class. Its instance holds the model (loaded in ``__init__``); the
methods marked with ``@Runnable.method`` are what a :class:`~tiffin.runners.Runner` exposes.
Framework integrations subclass it and override two class-level hooks,
:meth:`Runnable.method_configs` and :meth:`Runnable.validate_init_params`, so that a runner
knows its methods and checks its parameters before any model is loaded.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeGuard, TypeVar, overload

from tiffin.exceptions import InvalidArgument

__all__ = ["MethodConfig", "Runnable"]

F = TypeVar("F", bound=Callable[..., Any])

# The attribute that marks a function as a runnable method; its value is the MethodConfig.
_MARK = "__tiffin_method__"


@dataclasses.dataclass(frozen=True, init=False)
class MethodConfig:
    """How a runner calls one method of a runnable.

    ``batch_dim`` is normalised to an ``(input_dim, output_dim)`` pair: ``0`` means
    ``(0, 0)``. ``max_batch_size`` and ``max_latency_ms`` bound adaptive batching and only
    apply to batchable methods; ``None`` leaves the choice to the runner.

        >>> MethodConfig("predict", batchable=True, batch_dim=1).batch_dim
        (1, 1)
    """

    name: str
    batchable: bool
    batch_dim: tuple[int, int]
    max_batch_size: int | None
    max_latency_ms: float | None

    def __init__(
        self,
        name: str,
        *,
        batchable: bool = False,
        batch_dim: int | tuple[int, int] = 0,
        max_batch_size: int | None = None,
        max_latency_ms: float | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise InvalidArgument(
                f"A runnable method name must be a Python identifier, not {name!r}."
            )
        pair = _check_options(batchable, batch_dim, max_batch_size, max_latency_ms)
        for field, value in (
            ("name", name),
            ("batchable", batchable),
            ("batch_dim", pair),
            ("max_batch_size", max_batch_size),
            ("max_latency_ms", max_latency_ms),
        ):
            object.__setattr__(self, field, value)

    @property
    def input_dim(self) -> int:
        """The axis along which inputs are concatenated into a batch."""
        return self.batch_dim[0]

    @property
    def output_dim(self) -> int:
        """The axis along which a batch's outputs are split back per request."""
        return self.batch_dim[1]


class Runnable:
    """Base class of everything a runner can run.

    Subclass it, load the model in ``__init__`` and mark the methods to expose::

        class Classifier(tiffin.Runnable):
            SUPPORTED_RESOURCES = ("cpu",)

            def __init__(self, path: str) -> None:
                self.model = load(path)

            @tiffin.Runnable.method(batchable=True)
            def predict(self, rows: np.ndarray) -> np.ndarray:
                return self.model.predict(rows)

    ``SUPPORTED_RESOURCES`` names the resources the runnable can use (``"cpu"``,
    ``"nvidia.com/gpu"``); ``SUPPORTS_CPU_MULTI_THREADING`` says whether one call already uses
    several CPU threads. Both are hints for placement and resource planning.
    """

    SUPPORTED_RESOURCES: ClassVar[tuple[str, ...]] = ("cpu",)
    SUPPORTS_CPU_MULTI_THREADING: ClassVar[bool] = False

    @overload
    @staticmethod
    def method(func: F, /) -> F: ...

    @overload
    @staticmethod
    def method(
        *,
        batchable: bool = False,
        batch_dim: int | tuple[int, int] = 0,
        max_batch_size: int | None = None,
        max_latency_ms: float | None = None,
    ) -> Callable[[F], F]: ...

    @staticmethod
    def method(
        func: F | None = None,
        /,
        *,
        batchable: bool = False,
        batch_dim: int | tuple[int, int] = 0,
        max_batch_size: int | None = None,
        max_latency_ms: float | None = None,
    ) -> F | Callable[[F], F]:
        """Mark a method of a runnable as one a runner exposes.

        Usable bare (``@Runnable.method``) or with options
        (``@Runnable.method(batchable=True, batch_dim=0, max_batch_size=64)``). The options
        are checked here, when the class body runs. The function is returned unchanged, so it
        stays an ordinary method with its own signature.
        """
        config = MethodConfig(
            "method",
            batchable=batchable,
            batch_dim=batch_dim,
            max_batch_size=max_batch_size,
            max_latency_ms=max_latency_ms,
        )

        def mark(target: F) -> F:
            _check_target(target)
            setattr(target, _MARK, dataclasses.replace(config, name=target.__name__))
            return target

        if func is None:
            return mark
        return mark(func)

    @classmethod
    def method_configs(cls, init_params: Mapping[str, Any]) -> dict[str, MethodConfig]:
        """The methods a runner of this class exposes, in declaration order.

        By default, the methods marked with ``@Runnable.method`` over the class's MRO; a
        subclass's mark replaces its base's, and an override without a mark keeps the base's
        config. Framework runnables override this to derive methods from a saved model's
        signatures, so that method handles exist before the model is loaded; an instance
        must then have a callable attribute of each name (a method, or one set in
        ``__init__``). A runner made from an instance passes empty ``init_params``.
        """
        configs: dict[str, MethodConfig] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                config = getattr(value, _MARK, None)
                if isinstance(config, MethodConfig):
                    configs[attr] = dataclasses.replace(config, name=attr)
                elif attr in configs and not callable(value):
                    del configs[attr]
        return configs

    @classmethod
    def validate_init_params(cls, init_params: Mapping[str, Any]) -> dict[str, Any]:
        """Check the parameters a runner will build this class with, and return them.

        By default the keys are checked against ``__init__``'s signature: unknown keys and
        missing required ones are an :class:`~tiffin.exceptions.InvalidArgument` that lists
        the valid ones. Framework runnables override this to check values too.
        """
        params = dict(init_params)
        try:
            signature = inspect.signature(cls)
        except (TypeError, ValueError):  # no introspectable signature: nothing to check
            return params
        _check_against(cls.__name__, signature, params)
        return params


def _check_against(owner: str, signature: inspect.Signature, params: dict[str, Any]) -> None:
    accepted = {
        name: parameter
        for name, parameter in signature.parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    }
    takes_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    valid = ", ".join(repr(name) for name in accepted) or "none"
    unknown = sorted(set(params) - set(accepted))
    if unknown and not takes_any:
        raise InvalidArgument(
            f"{owner} does not take init_params {', '.join(map(repr, unknown))}; "
            f"the valid ones are: {valid}."
        )
    missing = [n for n, p in accepted.items() if p.default is p.empty and n not in params]
    if missing:
        raise InvalidArgument(
            f"{owner} needs init_params {', '.join(map(repr, missing))}; pass them as "
            f"init_params={{{', '.join(f'{name!r}: ...' for name in missing)}}}."
        )


def _check_target(target: object) -> None:
    if isinstance(target, (staticmethod, classmethod, property)):
        raise TypeError(
            f"@Runnable.method cannot mark a {type(target).__name__}; put it on a plain "
            "method (def or async def) of the runnable class."
        )
    if not inspect.isfunction(target):
        raise TypeError(
            f"@Runnable.method marks a method, not {type(target).__name__}; give options as "
            "keywords, e.g. @Runnable.method(batchable=True)."
        )


def _as_pair(batch_dim: object) -> tuple[int, int]:
    if _is_int(batch_dim):
        return (batch_dim, batch_dim)
    if isinstance(batch_dim, tuple) and len(batch_dim) == 2:
        first, second = batch_dim
        if _is_int(first) and _is_int(second):
            return (first, second)
    raise TypeError(
        f"batch_dim is an axis or an (input_dim, output_dim) pair of axes, not {batch_dim!r}; "
        "write batch_dim=0 or batch_dim=(0, 1)."
    )


def _check_options(
    batchable: object, batch_dim: object, max_batch_size: object, max_latency_ms: object
) -> tuple[int, int]:
    if not isinstance(batchable, bool):
        raise TypeError(f"batchable is True or False, not {batchable!r}.")
    pair = _as_pair(batch_dim)
    if max_batch_size is not None and not (_is_int(max_batch_size) and max_batch_size > 0):
        raise InvalidArgument(
            f"max_batch_size is a positive number of rows, not {max_batch_size!r}."
        )
    if max_latency_ms is not None and not _is_positive_number(max_latency_ms):
        raise InvalidArgument(
            f"max_latency_ms is a positive number of milliseconds, not {max_latency_ms!r}."
        )
    if not batchable and (max_batch_size is not None or max_latency_ms is not None):
        raise InvalidArgument(
            "max_batch_size and max_latency_ms only apply to batchable methods; add "
            "batchable=True or drop them."
        )
    return pair


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_positive_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and value > 0
