"""TensorFlow / Keras 3 integration: models stored in Keras' native ``.keras`` format.

The ``.keras`` archive holds the architecture as JSON and the weights as HDF5, and loads
without unpickling. It is loaded with ``safe_mode=True``, which refuses to deserialise
Python code (``Lambda`` layers); pass ``safe_mode=False`` only for models you trust.

``load_model(tag, compile=True, safe_mode=True, custom_objects=None)`` returns the
``keras.Model``. Custom layers registered with ``keras.saving.register_keras_serializable``
are found when their module is imported; others can be passed as ``custom_objects``, here or
when saving (those given to ``save_model`` are used on every load).

``load_runner(tag, init_params=...)`` serves the model with :class:`TensorflowRunnable`, whose
docstring lists the init_params (device, devices, the mirrored strategy).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tiffin.exceptions import ConfigurationError, InvalidArgument
from tiffin.frameworks._base import Framework
from tiffin.frameworks._runnable import ModelRunnable
from tiffin.models import Model

__all__ = ["TensorflowRunnable", "framework", "get", "load_model", "load_runner", "save_model"]

_FILE = "model.keras"
_LOAD_OPTIONS: Mapping[str, Any] = {"compile": True, "safe_mode": True, "custom_objects": None}
# TensorFlow ships under several distribution names; the first one installed is recorded.
_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel")
# A TensorFlow device name, short ("/gpu:1", "GPU:1") or full ("/job:.../device:GPU:1").
_DEVICE = re.compile(
    r"(?:/job:\w+/replica:\d+/task:\d+)?/?(?:device:)?(cpu|gpu)(?::(\d+))?", re.IGNORECASE
)
_STRATEGIES = ("mirrored",)
# Methods that run the model forward, spread over the replicas of a strategy.
_FORWARD = ("__call__", "predict")


class TensorflowRunnable(ModelRunnable):
    """Serves a Keras model on one TensorFlow device, or mirrored over several.

    init_params, all optional:

    - ``device``: the one device the model runs on: ``"auto"`` (the default: the first GPU
      when there is one, else the CPU), ``"/gpu:0"``, ``"/cpu:0"``.
    - ``devices``: several devices, e.g. ``["/gpu:0", "/gpu:1"]``: the model is loaded under
      ``tf.distribute.MirroredStrategy(devices)`` (one replica per device) and each call's
      rows are split across the replicas. Logical CPUs (``["/cpu:0", "/cpu:1"]``) test this
      on a machine without GPUs: tiffin creates them when ``devices`` names more CPUs than
      TensorFlow has, which must happen before TensorFlow starts in the process (an error
      says so otherwise). Instead of ``device``.
    - ``strategy``: ``"mirrored"``, the distribution strategy: over ``devices``, or without
      them over every GPU (the CPU when there is none). Implied by several ``devices``.

    Devices are checked when the runner starts, not by ``load_runner``, so that a service
    meant for GPUs can be imported where there are none; devices that do not exist make the
    start fail with a message listing the visible ones and naming ``device="auto"``.

    ``__call__`` and ``predict`` run ``model(x, training=False)`` (never ``model.predict``,
    whose progress bar would go to the server's log) and return numpy arrays, in the same
    dicts and lists the model returns; other signatures call the method of that name in the
    strategy's scope. Inputs are numpy arrays, nested lists, tensors, or lists and dicts of
    them for models with several inputs.
    """

    SUPPORTED_RESOURCES = ("cpu", "nvidia.com/gpu")
    SUPPORTS_CPU_MULTI_THREADING = True
    INIT_PARAMS = {
        "device": 'the one device: "auto" (default), "/gpu:0" or "/cpu:0"',
        "devices": 'one replica per device, e.g. ["/gpu:0", "/gpu:1"] or ["/cpu:0", "/cpu:1"]',
        "strategy": '"mirrored": tf.distribute.MirroredStrategy over devices, or all GPUs',
    }

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        strategy = params.get("strategy")
        if strategy is not None and strategy not in _STRATEGIES:
            raise InvalidArgument(
                f"init_params['strategy'] is {' or '.join(map(repr, _STRATEGIES))} (one replica "
                f"per device with tf.distribute.MirroredStrategy), not {strategy!r}."
            )
        device = params.get("device")
        if device is not None:
            params["device"] = "auto" if device == "auto" else _device_name(device, "device")
        devices = params.get("devices")
        if devices is None:
            return
        if device is not None:
            raise InvalidArgument(
                "init_params['devices'] replaces device; give either device (one device) or "
                "devices (one replica per device)."
            )
        if isinstance(devices, str) or not isinstance(devices, (list, tuple)) or not devices:
            raise InvalidArgument(
                f'init_params["devices"] is a non-empty list of devices, e.g. ["/gpu:0", '
                f'"/gpu:1"], not {devices!r}; for one device use device="/gpu:0".'
            )
        names = [_device_name(entry, "an entry of devices") for entry in devices]
        if len(set(names)) < len(names):
            raise InvalidArgument(
                f"init_params['devices'] lists a device twice ({', '.join(names)}); each "
                "replica needs its own device (logical CPUs: /cpu:0, /cpu:1, ...)."
            )
        params["devices"] = names

    def load(self, framework: Any, stored: Model) -> Any:
        import keras

        self._lock = threading.Lock()
        self.strategy: Any = None
        if keras.backend.backend() != "tensorflow":
            placed = {**self.params, "device": self.params.get("device", "auto")}
            if placed.get("strategy") or placed.get("devices") or placed["device"] != "auto":
                raise ConfigurationError(
                    f"init_params device, devices and strategy need Keras' TensorFlow backend, "
                    f"but it runs on {keras.backend.backend()}; set KERAS_BACKEND=tensorflow."
                )
            self._scope: Callable[[], Any] = contextlib.nullcontext
            return framework.load_model(stored)
        import tensorflow as tf

        devices = self.params.get("devices") or [self.params.get("device", "auto")]
        devices = _available(tf, devices)
        if self.params.get("strategy") or len(devices) > 1:
            given = self.params.get("devices") or self.params.get("device")
            self.strategy = tf.distribute.MirroredStrategy(devices if given else None)
            self._scope = self.strategy.scope
        else:
            self._scope = lambda: tf.device(devices[0])
        with self._scope():
            model = framework.load_model(stored)
        self._step = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
        return model

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        inputs = [_as_input(value) for value in args]
        if method in _FORWARD and len(inputs) == 1 and not kwargs:
            if self.strategy is not None and self.strategy.num_replicas_in_sync > 1:
                with self._lock:  # one distributed step at a time: it already uses every device
                    return self._mirrored(inputs[0])
            with self._scope():
                return _to_numpy(self.model.predict_on_batch(inputs[0]))
        function = self.model if method == "__call__" else getattr(self.model, method)
        with self._scope():
            return _to_numpy(function(*inputs, **kwargs))

    def _mirrored(self, x: Any) -> Any:
        """``model(x)`` with x's rows split across the strategy's replicas."""
        import numpy as np
        import tensorflow as tf

        strategy, replicas = self.strategy, self.strategy.num_replicas_in_sync
        if len(tf.nest.flatten(x)[0]) < replicas:  # not a row for every replica
            with strategy.scope():
                return _to_numpy(self.model(x, training=False))
        parts = [
            tf.nest.map_structure(lambda a, i=i: np.array_split(np.asarray(a), replicas)[i], x)
            for i in range(replicas)
        ]
        # Called under each replica's device scope, so each part is copied to its device.
        values = strategy.experimental_distribute_values_from_function(
            lambda context: tf.nest.map_structure(
                tf.convert_to_tensor, parts[context.replica_id_in_sync_group]
            )
        )
        results = strategy.experimental_local_results(strategy.run(self._step, args=(values,)))
        return tf.nest.map_structure(
            lambda *pieces: np.concatenate([np.asarray(piece) for piece in pieces]), *results
        )


class TensorflowFramework(Framework):
    name = "tensorflow"
    # Keras 3 reads and writes .keras files on any backend; TensorFlow is the default one.
    package = "keras"
    distribution = "tensorflow"
    extra = "tensorflow"
    pickle_based = False
    runnable = TensorflowRunnable

    def check_model(self, model: Any) -> None:
        import keras

        if not isinstance(model, keras.Model):
            raise InvalidArgument(
                f"tiffin.tensorflow.save_model expects a Keras 3 model (keras.Model, "
                f"keras.Sequential or a functional model), not {type(model).__name__}; save "
                "other objects with tiffin.picklable_model."
            )

    def default_signatures(self, model: Any) -> dict[str, Any]:
        return {
            "__call__": {"batchable": True, "batch_dim": 0},
            "predict": {"batchable": True, "batch_dim": 0},
        }

    def save(self, model: Any, path: Path) -> dict[str, Any]:
        import keras

        model.save(path / _FILE)
        return {
            "file": _FILE,
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
            "pickle": False,
        }

    def load(self, model: Model, **kwargs: Any) -> Any:
        import keras

        unknown = sorted(set(kwargs) - set(_LOAD_OPTIONS))
        if unknown:
            raise InvalidArgument(
                f"tiffin.tensorflow.load_model got unknown options {unknown}; the options are "
                f"{sorted(_LOAD_OPTIONS)}."
            )
        options = {**_LOAD_OPTIONS, **kwargs}
        custom_objects = {**model.custom_objects, **(options["custom_objects"] or {})}
        return keras.models.load_model(
            model.file(model.options.get("file", _FILE)),
            custom_objects=custom_objects or None,
            compile=options["compile"],
            safe_mode=options["safe_mode"],
        )

    def framework_version(self) -> str | None:
        for distribution in _DISTRIBUTIONS:
            try:
                return importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                continue
        return None


def _device_name(value: object, what: str) -> str:
    """A device name in the short form TensorFlow prints, e.g. ``"/gpu:1"``."""
    match = _DEVICE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidArgument(
            f'init_params {what} is a TensorFlow device such as "/gpu:0" or "/cpu:1", not '
            f"{value!r}."
        )
    return f"/{match.group(1).lower()}:{match.group(2) or 0}"


def _available(tf: Any, devices: list[str]) -> list[str]:
    """``devices`` with ``"auto"`` resolved, once each exists (creating logical CPUs)."""
    gpus = tf.config.list_physical_devices("GPU")
    gpu_count = sum(len(tf.config.get_logical_device_configuration(g) or [g]) for g in gpus)
    devices = [("/gpu:0" if gpus else "/cpu:0") if d == "auto" else d for d in devices]
    absent = [d for d in devices if d.startswith("/gpu:") and int(d[5:]) >= gpu_count]
    if absent:
        visible = [f"/gpu:{i}" for i in range(gpu_count)] + ["/cpu:0"]
        raise ConfigurationError(
            f"init_params name {', '.join(absent)}, which TensorFlow does not see here; it "
            f'sees {", ".join(visible)}. Use device="auto" to take a GPU only when one is '
            'present, devices=["/cpu:0", "/cpu:1"] for logical CPUs (tiffin creates them), '
            "or run where these GPUs are."
        )
    cpus = [int(d[5:]) for d in devices if d.startswith("/cpu:")]
    if cpus and max(cpus) > 0:
        _ensure_logical_cpus(tf, max(cpus) + 1)
    return devices


def _ensure_logical_cpus(tf: Any, count: int) -> None:
    """Split the CPU into ``count`` logical devices, which only works before TF starts."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    configured = tf.config.get_logical_device_configuration(cpu)
    if configured is not None and len(configured) >= count:
        return
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError as exc:  # TensorFlow has already started in this process
        have = len(tf.config.list_logical_devices("CPU"))
        if have >= count:
            return
        raise ConfigurationError(
            f"init_params name /cpu:{count - 1}, but TensorFlow already runs in this process "
            f"with {have} CPU device(s), and logical CPUs can only be made before it starts. "
            "Start this runner (runner.init()) before other TensorFlow work in the process, "
            "or make them first thing yourself: tf.config.set_logical_device_configuration("
            'tf.config.list_physical_devices("CPU")[0], '
            f"[tf.config.LogicalDeviceConfiguration()] * {count})."
        ) from exc


def _as_input(value: Any) -> Any:
    """Nested lists of numbers as an array; a list of arrays (several inputs) as it is."""
    if not isinstance(value, list) or any(hasattr(item, "shape") for item in value):
        return value
    import numpy as np

    try:
        return np.asarray(value)
    except ValueError:  # ragged: for the model to take or refuse
        return value


def _to_numpy(value: Any) -> Any:
    """``value`` with every tensor as a numpy array, in the same dicts, lists and tuples."""
    import keras

    if isinstance(value, Mapping):
        return {key: _to_numpy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_numpy(item) for item in value)
    if value is None or isinstance(value, (str, bytes, int, float)):
        return value
    return keras.ops.convert_to_numpy(value)


framework = TensorflowFramework()
save_model = framework.save_model
load_model = framework.load_model
get = framework.get
load_runner = framework.load_runner
