"""Micro-benchmark of the IO hot path: ``python tests/io/bench_io.py``.

Not a test (no timing is asserted anywhere): it prints the framework's own cost per request
for the iris-sized case, to compare before and after a change on the same machine.
"""

from __future__ import annotations

import timeit
from typing import Any

import numpy as np

from tiffin.io import JSON, InputSpec, NumpyNdarray, OutputSpec


class Iris:
    def classify(self, input_data: NumpyNdarray) -> JSON: ...

    def typed(self, input_data: NumpyNdarray(dtype="float32", shape=(-1, 4))) -> JSON: ...  # type: ignore[valid-type]


def measure(label: str, call: Any, number: int = 200_000) -> None:
    seconds = min(timeit.repeat(call, number=number, repeat=3))
    print(f"{label:<40} {seconds / number * 1e6:6.2f} us")


def main() -> None:
    body = b'{"input_data": [[5.1, 3.5, 1.4, 0.2]]}'
    plain = InputSpec.from_function(Iris.classify)
    typed = InputSpec.from_function(Iris.typed)
    output = OutputSpec.from_function(Iris.classify)
    result = {"predictions": np.array([0]), "confidence": np.array([0.97])}
    measure("bind NumpyNdarray", lambda: plain.bind(body, "application/json"))
    measure("bind NumpyNdarray(float32, (-1, 4))", lambda: typed.bind(body, "application/json"))
    measure("render JSON with numpy values", lambda: output.render(result, "*/*"))


if __name__ == "__main__":
    main()
