"""``find_runners``: every runner a service instance (or class) holds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from tiffin.runners._runner import Runner

__all__ = ["find_runners"]


def find_runners(obj: object) -> list[Runner]:
    """The runners reachable from ``obj``'s attributes, each once, in attribute order.

    Looks at the instance's own attributes, then the class attributes along the MRO, and one
    level into lists, tuples, sets and dict values held there (``self.runners = [a, b]``).
    Nothing is called: properties and other descriptors are skipped, not evaluated. ``obj``
    may also be a class, for finding the runners declared on it before it is instantiated.
    """
    found: dict[int, Runner] = {}
    for value in _attribute_values(obj):
        for candidate in _with_contents(value):
            if isinstance(candidate, Runner):
                found.setdefault(id(candidate), candidate)
    return list(found.values())


def _attribute_values(obj: object) -> Iterator[object]:
    if not isinstance(obj, type):
        yield from getattr(obj, "__dict__", {}).values()
    owner = obj if isinstance(obj, type) else type(obj)
    for klass in owner.__mro__:
        yield from vars(klass).values()


def _with_contents(value: object) -> Iterable[object]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return (value, *value)
    if isinstance(value, Mapping):
        return (value, *value.values())
    return (value,)
