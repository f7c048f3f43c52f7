"""``Framework``: what every framework integration provides, and the functions built on it.

A framework module subclasses :class:`Framework`, overrides the hooks (``check_model``,
``default_signatures``, ``save``, ``load``) and exposes the bound methods as its public
functions::

    framework = SklearnFramework()
    save_model = framework.save_model
    load_model = framework.load_model
    get = framework.get
    load_runner = framework.load_runner
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

from tiffin.exceptions import InvalidArgument, MissingDependency
from tiffin.frameworks._runnable import ModelRunnable
from tiffin.models import Model, default_store
from tiffin.models._tag import TagLike
from tiffin.runners import Runner

__all__ = ["Framework"]


class Framework:
    """Base class of framework integrations (an extension point)."""

    #: The name recorded in each model's manifest, e.g. ``"sklearn"``.
    name: ClassVar[str]
    #: The module that must be importable, e.g. ``"sklearn"``.
    package: ClassVar[str]
    #: The distribution whose version is recorded, e.g. ``"scikit-learn"``.
    distribution: ClassVar[str]
    #: The ``tiffin[...]`` extra that installs the framework.
    extra: ClassVar[str]
    #: Whether saved files are pickles (loading them can run code).
    pickle_based: ClassVar[bool] = False
    #: The runnable that ``load_runner`` builds; subclasses accept framework init_params.
    runnable: ClassVar[type[ModelRunnable]] = ModelRunnable

    # -- hooks for subclasses ----------------------------------------------------------

    def check_model(self, model: Any) -> None:
        """Raise ``InvalidArgument`` if ``model`` is not something this framework saves."""

    def default_signatures(self, model: Any) -> dict[str, Any]:
        """The methods a runner exposes when ``save_model`` gets no ``signatures``."""
        return {"__call__": {"batchable": False}}

    def save(self, model: Any, path: Path) -> dict[str, Any]:
        """Write ``model``'s files under ``path``; return options needed to load them."""
        raise NotImplementedError

    def load(self, model: Model, **kwargs: Any) -> Any:
        """Return the native object stored in ``model``."""
        raise NotImplementedError

    def unpickles(self, model: Model) -> bool:
        """Whether loading ``model`` unpickles (runs code from the file).

        Decided by the format the loader dispatches on, never by the manifest's ``pickle``
        flag alone, which an imported archive controls.
        """
        return self.pickle_based

    # -- public functions --------------------------------------------------------------

    def save_model(
        self,
        name: str,
        model: Any,
        *,
        signatures: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        labels: Mapping[str, str] | None = None,
        custom_objects: Mapping[str, Any] | None = None,
        version: str | None = None,
    ) -> Model:
        """Save ``model`` to the local model store under ``name`` and return it.

        The save is atomic: the model appears in the store complete, or not at all.

        Args:
            name: the model's name (lowercase letters, digits, ``-``, ``_``, ``.``).
            model: the trained model object.
            signatures: methods a runner exposes, e.g. ``{"predict": {"batchable": True}}``.
            metadata: JSON-like facts (accuracy, dataset, ...); numpy values are converted.
            labels: string labels whose keys follow Kubernetes label-key rules.
            custom_objects: extra Python objects stored beside the model (with pickle).
            version: an explicit version; by default one is generated.
        """
        self.require()
        self.check_model(model)
        if signatures is None:
            signatures = self.default_signatures(model)
        with default_store().create(
            name,
            version=version,
            framework=self.name,
            framework_version=self.framework_version(),
            signatures=signatures,
            metadata=metadata,
            labels=labels,
            custom_objects=custom_objects,
            pickle_based=self.pickle_based,
        ) as writer:
            options = self.save(model, writer.path)
            pickle_based = bool(options.pop("pickle", self.pickle_based))
            writer.set_framework(self.name, self.framework_version(), pickle_based=pickle_based)
            writer.options.update(options)
        return default_store().get(writer.tag)

    def get(self, tag: TagLike) -> Model:
        """The stored model for ``tag``, checking that this framework saved it."""
        model = default_store().get(tag)
        if model.framework != self.name:
            raise InvalidArgument(
                f'Model "{model.tag}" was saved with tiffin.{model.framework}, not '
                f"tiffin.{self.name}: load it with tiffin.{model.framework}.load_model()."
            )
        return model

    def load_model(self, tag: TagLike | Model, **kwargs: Any) -> Any:
        """Load the native model object saved under ``tag``."""
        self.require()
        model = tag if isinstance(tag, Model) else self.get(tag)
        model.check()
        if self.unpickles(model):
            model.warn_if_untrusted()
        return self.load(model, **kwargs)

    def load_runner(
        self,
        tag: TagLike | Model,
        init_params: Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
        max_batch_size: int | None = None,
        max_latency_ms: float | None = None,
        placement: str | None = None,
        workers: int | None = None,
    ) -> Runner:
        """A runner for the model saved under ``tag``; ``run`` calls its first signature.

        The tag is resolved now, so every worker runs the same version even if a newer one
        is saved meanwhile. The model itself loads when the runner starts (at server start,
        or on the first call outside a server).

        Args:
            init_params: framework options (for scikit-learn ``n_jobs``, ``batch_size``,
                ``max_batch_size``); unknown keys are an error listing the valid ones.
            name: the runner's name; the model's name by default.
            max_batch_size, max_latency_ms: adaptive batching bounds for batchable methods.
            placement: ``"local"`` (this process) or another registered placement.
            workers: how many calls run at once on the runner's own executors.
        """
        model = tag if isinstance(tag, Model) else self.get(tag)
        params = dict(init_params or {})
        if "max_batch_size" in params:
            cap = params.pop("max_batch_size")
            max_batch_size = cap if max_batch_size is None else max_batch_size
        return Runner(
            self.runnable,
            name=name or model.name.replace("_", "-"),
            init_params={**params, "tag": str(model.tag)},
            max_batch_size=max_batch_size,
            max_latency_ms=max_latency_ms,
            placement=placement,
            workers=workers if workers is not None else self.runnable.default_workers(params),
            default_method=next(iter(model.signatures)),
        )

    # -- helpers -----------------------------------------------------------------------

    def require(self) -> ModuleType:
        """Import the framework, or explain how to install it."""
        try:
            return importlib.import_module(self.package)
        except ImportError as exc:
            raise MissingDependency(
                f"tiffin.{self.name} needs the {self.distribution} package, which is not "
                f"installed: run pip install 'tiffin[{self.extra}]'."
            ) from exc

    def framework_version(self) -> str | None:
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    def __repr__(self) -> str:
        return f"<tiffin framework {self.name!r}>"
