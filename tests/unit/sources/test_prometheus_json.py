"""Range answers read straight into arrays (slokit.sources.prometheus_json), and everything else by json."""

from __future__ import annotations

import gc
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from slokit.settings import PrometheusSettings
from slokit.sources.prometheus_answer import Malformed, Points, matrix
from slokit.sources.prometheus_http import PrometheusApi
from slokit.sources.prometheus_json import decode

START = 1_790_640_300  # 2026-09-29T00:05:00Z


def body(*series: object, compact: bool = True) -> bytes:
    """An answer as Prometheus writes it: no spaces between tokens."""
    result = [{"metric": {"job": f"s{i}"}, "values": values} for i, values in enumerate(series)]
    answer = {"status": "success", "data": {"resultType": "matrix", "result": result}}
    return json.dumps(answer, separators=(",", ":") if compact else None).encode()


def go_float(value: float) -> str:
    """A value as Prometheus formats it (strconv.FormatFloat 'f', -1): NaN, +Inf, -Inf, decimals."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def test_a_range_answer_is_read_without_a_python_object_per_point(httpserver: HTTPServer) -> None:
    # json.loads made a list per point, each counted towards a garbage collection over every live object:
    # the collections alone cost a 9,504-point answer 10 ms. Counted here as GC-tracked objects alive.
    pairs = [[START + 300 * i, str(1000 + i % 7)] for i in range(10_000)]
    httpserver.expect_request("/api/v1/query_range").respond_with_data(body(pairs))
    api = PrometheusApi(PrometheusSettings(url=httpserver.url_for("")), httpserver.url_for("").rstrip("/"))
    api.get("query_range", {"query": "up"})  # connections, caches
    gc.collect()
    gc.disable()
    try:
        before = gc.get_count()[0]
        data = api.get("query_range", {"query": "up"})
        tracked = gc.get_count()[0] - before
    finally:
        gc.enable()
    assert tracked < 1_000, tracked
    (series,) = matrix(data)
    assert series.metric == {"job": "s0"}
    assert np.array_equal(series.points.seconds, [START + 300 * i for i in range(10_000)])
    assert np.array_equal(series.points.samples, [1000 + i % 7 for i in range(10_000)])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.integers(1, 4_000_000_000) | st.floats(1, 4e9, allow_nan=False).map(lambda t: round(t, 3)),
                st.floats(allow_nan=True, allow_infinity=True),
            ),
            min_size=1,
            max_size=30,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_the_arrays_hold_the_numbers_the_server_wrote(series: list[list[tuple[float, float]]]) -> None:
    sent = [[[t, go_float(v)] for t, v in pairs] for pairs in series]
    decoded = decode(body(*sent))
    result = decoded["data"]["result"]
    assert len(result) == len(series)
    for item, pairs in zip(result, series, strict=True):
        assert isinstance(item["values"], Points)
        assert item["values"].seconds.tolist() == [float(t) for t, _ in pairs]
        assert np.array_equal(item["values"].samples, [v for _, v in pairs], equal_nan=True)


CANONICAL = [[START, "1"], [START + 300, "2"]]
NOT_CANONICAL = {
    "spaces, as json.dumps writes": body(CANONICAL, compact=False),
    "a value true": body([[START, "1"], [START + 300, True]]),
    "a value 1_000": body([[START, "1_000"]]),
    "an empty value": body([[START, ""]]),
    "a time as a string": body([[str(START), "1"]]),
    "a time NaN": body([["TIME", "1"]]).replace(b'"TIME"', b"NaN"),
    "a time with a leading zero": body([["TIME", "1"]]).replace(b'"TIME"', b"0" + str(START).encode()),
    "a value Inf5": body([[START, "Inf5"]]),
    "a value -+Inf": body([[START, "-+Inf"]]),
    "a value Inf, which json spells otherwise": body([[START, "Inf"]]),
    "a value -0, which json reads as 0": body([[START, "-0"]]),
    "a value NaN twice": body([[START, "NaNNaN"]]),
    "a value 1.2.3": body([[START, "1.2.3"]]),
    "a pair of 3": body([[START, "1", "2"]]),
    "a pair of 1": body([[START]]),
    "a key ending in values beside the series": (
        b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"a\\"values":[[1,"2"]],'
        b'"values":[[1,"3"]]}]}}'
    ),
    "the values key twice": (
        b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"]],'
        b'"values":[[1,"3"],[2,"4"]]}]}}'
    ),
    "values inside the labels": (
        b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"values":[[1,"2"]]},'
        b'"values":[]}]}}'
    ),
    "a vector with values": (
        b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"values":[[1,"2"]]}]}}'
    ),
}


@pytest.mark.parametrize("case", NOT_CANONICAL)
def test_an_answer_not_written_as_servers_write_it_is_read_by_json(case: str) -> None:
    sent = NOT_CANONICAL[case]
    try:
        expected = json.loads(sent)
    except ValueError:
        with pytest.raises(ValueError):
            decode(sent)
        return
    assert decode(sent) == expected  # the same lists, for prometheus_answer to check and name


def test_a_label_quoting_values_is_kept_and_the_series_still_read_into_arrays() -> None:
    sent = body(CANONICAL).replace(b'"job":"s0"', b'"job":"\\"values\\":[[1,\\"2\\"]]"')
    (item,) = decode(sent)["data"]["result"]
    assert item["metric"] == {"job": '"values":[[1,"2"]]'}
    assert isinstance(item["values"], Points)
    assert item["values"].samples.tolist() == [1.0, 2.0]


def test_a_body_that_is_not_json_raises_as_json_does() -> None:
    with pytest.raises(ValueError):
        decode(b'{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1,"2"]]')


def test_a_malformed_pair_gets_the_same_message_either_way() -> None:
    for sent in (
        body([[START, "1"], [START + 300, "abc"]]),
        body([[START, "1"], [START + 300, "abc"]], compact=False),
    ):
        with pytest.raises(Malformed, match=f'^a value "abc" at {START + 300} that is not a number$'):
            matrix(decode(sent)["data"])
