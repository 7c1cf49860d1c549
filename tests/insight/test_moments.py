"""The moments an operator types, and the clear error for anything else."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from jetpack_tui.data.insight.moments import MomentError, parse_moment, parse_span

NOW = 1_700_000_000.0


@pytest.mark.parametrize("text, expected", [
    ("now", NOW), ("-2h", NOW - 7200), ("-30m", NOW - 1800), ("-1h30m", NOW - 5400), ("- 45s", NOW - 45),
    ("-1d", NOW - 86400), ("2h ago", NOW - 7200), ("1.5h ago", NOW - 5400), ("-1w", NOW - 604800),
    ("2023-11-14T22:13:20Z", NOW), ("2023-11-14 23:13:20+01:00", NOW), ("1700000000", NOW),
    ("1700000000.5", NOW + 0.5),
])
def test_accepted_forms(text, expected):
    assert parse_moment(text, NOW) == pytest.approx(expected)


def test_without_an_offset_it_is_local_time():
    expected = datetime(2023, 11, 14, 22, 13, 20).timestamp()  # naive: the machine's local time
    assert parse_moment("2023-11-14T22:13:20", NOW) == expected
    assert parse_moment("2023-11-14", NOW) == datetime(2023, 11, 14).timestamp()
    assert datetime.fromtimestamp(parse_moment("2023-11-14T22:13:20Z", NOW), timezone.utc).hour == 22


@pytest.mark.parametrize("text", ["", "  ", "yesterday", "-2x", "2h", "--2h", "2023-13-01", "-h", "1e9",
                                  "9" * 400, "2023-11-14T25:00", "\x1b[31m-2h"])
def test_anything_else_is_a_clear_error(text):
    with pytest.raises(MomentError) as raised:
        parse_moment(text, NOW)
    message = str(raised.value)
    assert ("expected" in message or "after 1970" in message) and "\n" not in message and len(message) < 300


def test_spans():
    assert parse_span("12h") == 43200 and parse_span("1h30m") == 5400 and parse_span("7d") == 604800
    for bad in ("", "0h", "-1h", "soon"):
        with pytest.raises(MomentError):
            parse_span(bad)
