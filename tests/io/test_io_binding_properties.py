"""Property tests of the body binding rule (SPEC §3), over generated APIs and bodies.

The rule, as the SPEC states it:
- a JSON object whose keys are all parameter names, including every required one, binds by
  name;
- otherwise an API with exactly one required parameter receives the whole body;
- parameters with defaults are optional; an API without parameters takes ``{}``/``null``;
- anything else is a BadInput that names the missing and unknown fields.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tiffin.exceptions import BadInput
from tiffin.io import JSON, InputSpec, Param

NAMES = ["input_data", "batch_size", "model_name", "x", "y"]
OTHER_KEYS = ["features", "extra", "X", ""]

json_scalars = st.none() | st.booleans() | st.integers(-10, 10) | st.text(max_size=3)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def apis(draw: st.DrawFn) -> InputSpec:
    """An API with 0-4 uniquely named JSON parameters, each required or not."""
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4))
    required = draw(st.lists(st.booleans(), min_size=len(names), max_size=len(names)))
    return InputSpec(
        Param(name, JSON(), Param.empty if is_required else None)
        for name, is_required in zip(names, required, strict=True)
    )


@st.composite
def bodies(draw: st.DrawFn, api: InputSpec) -> Any:
    """Objects keyed by (mostly) parameter names, or any other JSON value."""
    keys = st.sampled_from([p.name for p in api.params] + OTHER_KEYS)
    objects = st.dictionaries(keys, json_values, max_size=5)
    return draw(objects | json_values)


def binds_by_name(api: InputSpec, body: Any) -> bool:
    return isinstance(body, dict) and api.required <= body.keys() <= api.names


@given(data=st.data(), api=apis())
def test_binding_follows_the_rule(data: st.DataObject, api: InputSpec) -> None:
    """Every body binds by name, whole, to nothing, or fails, exactly as the rule says."""
    body = data.draw(bodies(api))
    raw = orjson.dumps(body)
    if binds_by_name(api, body):
        assert api.bind(raw, "application/json") == body
    elif len(api.required) == 1:
        (name,) = api.required
        assert api.bind(raw, "application/json") == {name: body}
    elif body is None and not api.required:
        assert api.bind(raw, "application/json") == {}
    else:
        with pytest.raises(BadInput):
            api.bind(raw, "application/json")


@given(data=st.data(), api=apis())
def test_binding_errors_name_every_missing_and_unknown_field(
    data: st.DataObject, api: InputSpec
) -> None:
    """A refused object names each missing required field and each unknown key."""
    body = data.draw(st.dictionaries(st.sampled_from(NAMES + OTHER_KEYS), json_values, max_size=5))
    assume(not binds_by_name(api, body) and len(api.required) != 1)
    with pytest.raises(BadInput) as caught:
        api.bind_json(body)
    for name in api.required - body.keys():
        assert f'"{name}"' in caught.value.message
    for key in body.keys() - api.names:
        assert f'"{key}"' in caught.value.message


@given(api=apis())
def test_bound_keyword_arguments_always_include_every_required_parameter(api: InputSpec) -> None:
    """Whatever binds, the keyword arguments hold each required parameter and nothing else."""
    for body in (b"", b"{}", b"null", b"[1]", b'{"x": 1}'):
        try:
            kwargs = api.bind(body, "application/json")
        except BadInput:
            continue
        assert api.required <= kwargs.keys() <= api.names


@given(api=apis(), value=json_values)
def test_a_lone_required_parameter_can_always_be_sent_by_name(api: InputSpec, value: Any) -> None:
    """For a single required parameter, ``{name: value}`` always delivers ``value``."""
    assume(len(api.required) == 1)
    (name,) = api.required
    assert api.bind(orjson.dumps({name: value}), None) == {name: value}
