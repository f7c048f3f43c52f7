"""``find_runners``: the runners a service holds."""

from __future__ import annotations

from typing import Any

from tiffin.runners import Runnable, Runner, find_runners


class Echo(Runnable):
    @Runnable.method
    def echo(self, value: Any) -> Any:
        return value


def test_finds_runners_in_instance_attributes() -> None:
    class Service:
        def __init__(self) -> None:
            self.runner = Runner(Echo, name="a")

    service = Service()
    assert find_runners(service) == [service.runner]


def test_finds_runners_in_class_attributes_including_inherited_ones() -> None:
    class Base:
        base_runner = Runner(Echo, name="base")

    class Service(Base):
        own_runner = Runner(Echo, name="own")

    assert [r.name for r in find_runners(Service())] == ["own", "base"]


def test_finds_runners_declared_on_a_class_before_it_is_instantiated() -> None:
    class Service:
        runner = Runner(Echo, name="a")

    assert find_runners(Service) == [Service.runner]


def test_finds_runners_held_in_lists_and_dicts() -> None:
    first, second = Runner(Echo, name="first"), Runner(Echo, name="second")

    class Service:
        def __init__(self) -> None:
            self.runners = [first]
            self.by_name = {"second": second}

    assert find_runners(Service()) == [first, second]


def test_reports_each_runner_once() -> None:
    shared = Runner(Echo)

    class Service:
        runner = shared

        def __init__(self) -> None:
            self.alias = shared

    assert find_runners(Service()) == [shared]


def test_does_not_evaluate_properties() -> None:
    evaluated: list[bool] = []

    class Service:
        @property
        def runner(self) -> Runner:
            evaluated.append(True)
            return Runner(Echo)

    assert (find_runners(Service()), evaluated) == ([], [])


def test_finds_nothing_in_an_object_without_runners() -> None:
    assert find_runners(object()) == []
