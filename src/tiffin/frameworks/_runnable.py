"""``ModelRunnable``: the runnable that serves a stored model's signatures.

Its only init parameter that matters to every framework is ``tag`` (an exact
``name:version``); a framework subclass declares the others it accepts in ``INIT_PARAMS``,
checks their values in ``check_params`` and adapts calls in ``call``. Everything it needs is
plain data, so a worker process can build it from the init parameters alone.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from tiffin.exceptions import InvalidArgument
from tiffin.models import Model, default_store
from tiffin.runners import MethodConfig, Runnable

__all__ = ["ModelRunnable", "check_threads", "check_whole_number"]


class ModelRunnable(Runnable):
    """Runs the methods recorded in a stored model's signatures on the loaded model."""

    #: The init parameters this runnable accepts besides ``tag``, with what each does.
    INIT_PARAMS: ClassVar[Mapping[str, str]] = {}

    def __init__(self, tag: str, **params: Any) -> None:
        from tiffin.frameworks import framework_for

        self.stored: Model = default_store().get(tag)
        self.params = params
        self.model = self.load(framework_for(self.stored.framework), self.stored)

    def load(self, framework: Any, stored: Model) -> Any:
        """Load the native model; subclasses apply init parameters here (device, threads)."""
        return framework.load_model(stored)

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run one call of ``method``; subclasses convert inputs and outputs here."""
        return getattr(self.model, method)(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        signatures = self.__dict__.get("stored")
        if signatures is not None and name in signatures.signatures:
            return functools.partial(self.call, name)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}.")

    @classmethod
    def method_configs(cls, init_params: Mapping[str, Any]) -> dict[str, MethodConfig]:
        stored = default_store().get(init_params["tag"])
        return {
            method: MethodConfig(
                method, batchable=options["batchable"], batch_dim=options["batch_dim"]
            )
            for method, options in stored.signatures.items()
        }

    @classmethod
    def validate_init_params(cls, init_params: Mapping[str, Any]) -> dict[str, Any]:
        params = dict(init_params)
        unknown = sorted(set(params) - set(cls.INIT_PARAMS) - {"tag"})
        if unknown:
            valid = ", ".join(f"{name!r} ({doc})" for name, doc in cls.INIT_PARAMS.items())
            raise InvalidArgument(
                f"Unknown init_params {', '.join(map(repr, unknown))} for a "
                f"{cls.__name__}; the valid ones are: {valid or 'none'}."
            )
        if "tag" not in params:
            raise InvalidArgument(f"{cls.__name__} needs init_params['tag'], a model tag.")
        cls.check_params(params)
        return params

    @classmethod
    def default_workers(cls, params: Mapping[str, Any]) -> int | None:
        """How many calls the runner runs at once when ``workers`` is not given (None: 1)."""
        return None

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        """Check (and normalise in place) the values of the init parameters."""


def check_whole_number(params: Mapping[str, Any], name: str, *, minimum: int, meaning: str) -> None:
    """Refuse ``params[name]`` unless it is absent, None or a whole number >= ``minimum``.

    ``meaning`` ends the message, e.g. ``"CPU threads (0 lets the framework choose)"``.
    """
    value = params.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgument(
            f"init_params[{name!r}] is a whole number >= {minimum} of {meaning}, not {value!r}."
        )


def check_threads(params: Mapping[str, Any], name: str, alias: str) -> None:
    """Refuse a thread count given as ``name`` or ``alias`` unless it is >= 1 or -1 (all
    CPUs), and refuse both names with different values."""
    for key in (name, alias):
        value = params.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or (value < 1 and value != -1)
        ):
            raise InvalidArgument(
                f"init_params[{key!r}] is a whole number of threads >= 1, or -1 for all CPUs, "
                f"not {value!r}."
            )
    both = params.get(name) is not None and params.get(alias) is not None
    if both and params[name] != params[alias]:
        raise InvalidArgument(
            f"init_params {name!r} and {alias!r} are the same setting and disagree; give only "
            f"{name!r}."
        )
