"""torch tensors on the wire: nested lists in JSON, .npy in binary."""

from __future__ import annotations

import io

import numpy as np
import pytest

from tiffin.exceptions import BadInput
from tiffin.io._media import NPY
from tiffin.io._tensor import TorchTensor

torch = pytest.importorskip("torch")


def test_nested_lists_become_a_tensor_of_the_declared_dtype() -> None:
    """JSON lists decode to a tensor, converted to the declared dtype."""
    tensor = TorchTensor(dtype=torch.float32, shape=(-1, 2)).from_json([[1, 2]])
    assert isinstance(tensor, torch.Tensor)
    assert tensor.dtype == torch.float32
    assert tensor.tolist() == [[1.0, 2.0]]


def test_tensor_shapes_are_enforced() -> None:
    """A tensor of the wrong shape is a BadInput naming both shapes."""
    with pytest.raises(BadInput, match=r"shape \(any, 2\), received shape \(1, 3\)"):
        TorchTensor(shape=(-1, 2)).from_json([[1, 2, 3]])


def test_npy_bodies_become_tensors() -> None:
    """An .npy body decodes to a tensor holding the same values."""
    buffer = io.BytesIO()
    np.save(buffer, np.arange(4, dtype=np.int64))
    tensor = TorchTensor().from_bytes(buffer.getvalue(), NPY)
    assert tensor.tolist() == [0, 1, 2, 3]


def test_bfloat16_travels_as_float32() -> None:
    """bfloat16, which numpy lacks, is decoded via float32 and converted."""
    tensor = TorchTensor(dtype="bfloat16").from_json([1.5])
    assert tensor.dtype == torch.bfloat16


def test_tensor_results_are_numpy_for_json_and_npy() -> None:
    """Tensor results become numpy arrays for JSON and .npy bodies."""
    tensor = torch.tensor([[1.0, 2.0]], dtype=torch.bfloat16)
    assert TorchTensor().to_json(tensor).tolist() == [[1.0, 2.0]]
    body = TorchTensor().to_bytes(torch.tensor([1, 2]), NPY)
    assert np.load(io.BytesIO(body)).tolist() == [1, 2]


def test_string_values_are_refused() -> None:
    """Strings cannot form a tensor; the caller gets a BadInput."""
    with pytest.raises(BadInput, match="expected numbers for a tensor"):
        TorchTensor().from_json(["a"])


def test_validate_accepts_tensors_and_lists() -> None:
    """In-process calls may pass tensors or lists; both are checked."""
    descriptor = TorchTensor(dtype="float32", shape=(2,))
    assert descriptor.validate(torch.tensor([1, 2])).dtype == torch.float32
    assert descriptor.validate([1, 2]).dtype == torch.float32
    with pytest.raises(BadInput):
        descriptor.validate(torch.zeros(3))
