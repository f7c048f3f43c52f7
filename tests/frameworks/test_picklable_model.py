"""tiffin.frameworks.picklable_model: any Python object, stored with cloudpickle."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tiffin.exceptions import InvalidArgument
from tiffin.frameworks import picklable_model as tpm
from tiffin.frameworks import sklearn
from tiffin.models import Model

ReImport = Callable[[Model], Model]
CountWarnings = Callable[[Callable[[], object]], int]


class Polynomial:
    """A least-squares polynomial fit: a model that belongs to no framework."""

    def __init__(self, degree: int) -> None:
        self.degree = degree
        self.coefficients: np.ndarray | None = None

    def fit(self, x: np.ndarray, y: np.ndarray) -> Polynomial:
        self.coefficients = np.polyfit(x, y, self.degree)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        assert self.coefficients is not None
        return np.polyval(self.coefficients, x)


@pytest.fixture
def polynomial() -> Polynomial:
    x = np.linspace(-1, 1, 50)
    return Polynomial(degree=3).fit(x, x**3 - x + 0.5)


def test_an_object_predicts_as_before(polynomial: Polynomial) -> None:
    tpm.save_model("poly", polynomial)
    loaded = tpm.load_model("poly")
    x = np.linspace(-2, 2, 9)
    assert type(loaded) is Polynomial
    np.testing.assert_allclose(loaded.predict(x), polynomial.predict(x))


def test_a_function_defined_in_place_round_trips() -> None:
    offset = 3

    def shift(x: int) -> int:
        return x + offset

    tpm.save_model("shift", shift)
    assert tpm.load_model("shift")(4) == 7


def test_predict_is_preferred_as_the_default_signature(polynomial: Polynomial) -> None:
    model = tpm.save_model("poly", polynomial)
    assert model.signatures == {"predict": {"batchable": False, "batch_dim": 0}}


def test_a_callable_serves_call() -> None:
    model = tpm.save_model("double", lambda x: 2 * x)
    assert list(model.signatures) == ["__call__"]


def test_an_object_with_nothing_to_serve_needs_signatures() -> None:
    with pytest.raises(InvalidArgument, match="pass signatures="):
        tpm.save_model("nothing", object())


def test_explicit_signatures_are_kept(polynomial: Polynomial) -> None:
    model = tpm.save_model("poly", polynomial, signatures={"fit": None})
    assert model.signatures == {"fit": {"batchable": False, "batch_dim": 0}}


def test_a_model_is_marked_as_pickle(polynomial: Polynomial) -> None:
    assert tpm.save_model("poly", polynomial).pickle_based


def test_an_imported_model_warns_once(
    polynomial: Polynomial, reimport: ReImport, unsafe_warnings: CountWarnings
) -> None:
    model = reimport(tpm.save_model("poly", polynomial))
    assert unsafe_warnings(lambda: tpm.load_model(model.tag)) == 1


def test_get_refuses_a_model_of_another_framework(polynomial: Polynomial) -> None:
    model = tpm.save_model("poly", polynomial)
    with pytest.raises(InvalidArgument, match=r"tiffin\.picklable_model\.load_model\(\)"):
        sklearn.get(model.tag)


def test_load_options_are_refused(polynomial: Polynomial) -> None:
    tpm.save_model("poly", polynomial)
    with pytest.raises(InvalidArgument, match="takes no options"):
        tpm.load_model("poly", fast=True)
