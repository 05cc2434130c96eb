"""Hostile OpenSLO: the test documents with values replaced by any YAML type or removed never crash the
import; every problem is one line starting with the file and a line number."""

from __future__ import annotations

import copy
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slokit.convert.model import ImportOptions
from slokit.convert.openslo import convert
from slokit.convert.write import render

SHOP = Path(__file__).parent / "openslo" / "shop.yaml"
DOCUMENTS = list(yaml.safe_load_all(SHOP.read_text()))
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 100),
    st.floats(allow_nan=True),
    st.sampled_from(["", "x", "1M", "5m", "Prometheus", "{{.window}}", "sum(", "2020-01-21", "lte", "page"]),
    st.just([]),
    st.just({}),
    st.just([1, "a"]),
    st.just({"a": {"b": 1}}),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_documents_give_problems_never_a_crash(data: st.DataObject) -> None:
    documents = copy.deepcopy(DOCUMENTS)
    for _ in range(data.draw(st.integers(1, 3))):
        document = data.draw(st.sampled_from(documents))
        path = data.draw(st.sampled_from(list(_paths(document))))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and data.draw(st.booleans()):
            del parent[path[-1]]
        else:
            # A copy: st.just hands out one object, which set inside itself would make a cycle.
            parent[path[-1]] = copy.deepcopy(data.draw(VALUES))
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "shop.yaml"
        file.write_text(yaml.safe_dump_all(documents))
        conversion = convert([file], ImportOptions(kind="operational", team="ops"))
        for service in conversion.services:
            render(service)
    for problem in conversion.problems:
        assert re.fullmatch(rf"{re.escape(str(file))}:\d+: [^\n]+", str(problem)), str(problem)
