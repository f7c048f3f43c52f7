"""Type-checked by ``test_typing.py``: ``@Runnable.method`` keeps signatures for type checkers.

Every ``type: ignore`` below must be needed (mypy runs with ``--warn-unused-ignores``): it
proves that a wrong call is caught, which it would not be if the decorator erased the
signature.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type, reveal_type

from tiffin.runners import MethodHandle, Runnable, Runner


class Model(Runnable):
    def __init__(self, scale: float) -> None:
        self.scale = scale

    @Runnable.method
    def predict(self, rows: list[float], *, clip: bool = False) -> list[float]:
        return [row * self.scale for row in rows]

    @Runnable.method(batchable=True, batch_dim=(0, 1), max_batch_size=32)
    async def embed(self, text: str) -> list[float]:
        return [float(len(text))]


model = Model(2.0)
assert_type(model.predict([1.0], clip=True), list[float])
reveal_type(Model.predict)
reveal_type(model.embed)
model.predict("not rows")  # type: ignore[arg-type]
_ = model.embed(text=1)  # type: ignore[arg-type]

runner = Runner(Model, init_params={"scale": 2.0}, max_batch_size=8)
assert_type(runner.predict, MethodHandle)
assert_type(runner.run([1.0]), Any)
Runner(model, workers="2")  # type: ignore[arg-type]
Runnable.method(batchable=1.5)  # type: ignore[call-overload]
