"""Platform timestamps (naive Berlin time, German or ISO spelling) become aware UTC with DST
handled: the spring-forward gap is refused, the fall-back hour takes the earlier instant."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from concord.errors import ValidationError
from concord.normalise.timestamps import parse_date, to_local_naive, to_utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-15 10:00:00", utc(2024, 1, 15, 9)),  # CET, UTC+1
        ("2024-07-15 10:00:00", utc(2024, 7, 15, 8)),  # CEST, UTC+2
        ("2024-07-15 10:00", utc(2024, 7, 15, 8)),
        ("2024-07-15T10:00:00.250", utc(2024, 7, 15, 8, 0, 0, 250000)),
        ("2024-01-15T10:00:00Z", utc(2024, 1, 15, 10)),
        ("2024-01-15T10:00:00+01:00", utc(2024, 1, 15, 9)),
        ("2024-01-15T10:00:00.000+0000", utc(2024, 1, 15, 10)),  # Salesforce
        ("2024-01-15T10:00:00-05:00", utc(2024, 1, 15, 15)),
        ("15.01.2024 10:00", utc(2024, 1, 15, 9)),
        ("15.01.2024 10:00:30", utc(2024, 1, 15, 9, 0, 30)),
        ("5.7.2024 9:05", utc(2024, 7, 5, 7, 5)),
        ("15.01.2024, 10:00 Uhr", utc(2024, 1, 15, 9)),
        ("15.01.2024", utc(2024, 1, 14, 23)),  # local midnight
        ("2024-01-15", utc(2024, 1, 14, 23)),
        ("/Date(1326499200000+0000)/", utc(2012, 1, 14)),  # Xero's legacy JSON date
        (datetime(2024, 1, 15, 10), utc(2024, 1, 15, 9)),
        (datetime(2024, 1, 15, 10, tzinfo=timezone(timedelta(hours=2))), utc(2024, 1, 15, 8)),
        (date(2024, 6, 1), utc(2024, 5, 31, 22)),
    ],
)
def test_inputs_become_aware_utc(value: object, expected: datetime) -> None:
    result = to_utc(value)  # type: ignore[arg-type]
    assert result == expected
    assert result.utcoffset() == timedelta(0)


def test_local_zone_is_configurable() -> None:
    assert to_utc("2024-01-15 10:00:00", local_tz="America/New_York") == utc(2024, 1, 15, 15)


def test_spring_forward_gap_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        to_utc("2024-03-31 02:30:00")
    assert err.value.rule == "timestamp.nonexistent_local_time"


def test_gap_edges_exist() -> None:
    assert to_utc("2024-03-31 01:59:59") == utc(2024, 3, 31, 0, 59, 59)
    assert to_utc("2024-03-31 03:00:00") == utc(2024, 3, 31, 1)


def test_fall_back_hour_takes_the_earlier_instant() -> None:
    # 02:30 happened at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    assert to_utc("2024-10-27 02:30:00") == utc(2024, 10, 27, 0, 30)
    assert to_utc("27.10.2024 02:30") == utc(2024, 10, 27, 0, 30)
    assert to_utc(datetime(2024, 10, 27, 2, 30, fold=1)) == utc(2024, 10, 27, 0, 30)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "timestamp.empty"),
        ("garbage", "timestamp.syntax"),
        ("31.02.2024", "timestamp.syntax"),
        ("2024-13-01 10:00:00", "timestamp.syntax"),
        ("12:00", "timestamp.syntax"),
        ("15.01.24 10:00", "timestamp.syntax"),  # two-digit years are not guessed
        (12345, "timestamp.syntax"),
    ],
)
def test_unreadable_timestamps_are_refused(value: object, rule: str) -> None:
    with pytest.raises(ValidationError) as err:
        to_utc(value)  # type: ignore[arg-type]
    assert err.value.rule == rule


def test_to_local_naive_renders_the_platforms_wall_clock() -> None:
    assert to_local_naive(utc(2024, 7, 1, 10), "Europe/Berlin") == "2024-07-01 12:00:00"
    assert to_local_naive(utc(2024, 1, 1, 10, 0, 0, 999999), "Europe/Berlin") == (
        "2024-01-01 11:00:00"
    )


def test_to_local_naive_needs_an_aware_datetime() -> None:
    with pytest.raises(ValueError):
        to_local_naive(datetime(2024, 1, 1), "Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("01.03.2024", date(2024, 3, 1)),
        ("1.3.2024", date(2024, 3, 1)),
        (" 29.02.2024 ", date(2024, 2, 29)),
    ],
)
def test_parse_date_reads_iso_and_german_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2024-02-30", "01.03.2024 10:00", "x", "", "03/01/2024"])
def test_parse_date_refuses_non_dates(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_date(text)
    assert err.value.rule == "date.syntax"


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]  # Lord Howe: 30-min DST


def _last_sunday_of_october_0100_utc(year: int) -> datetime:
    """When the EU falls back (since 1996): last Sunday of October, 01:00 UTC."""
    day = datetime(year, 10, 31, 1, tzinfo=UTC)
    return day - timedelta(days=(day.weekday() + 1) % 7)


# Uniform instants almost never land in the fall-back hour, so half the examples are drawn
# from around EU transitions (both passes through the repeated hour and its edges).
around_eu_fall_back = st.builds(
    lambda year, seconds: _last_sunday_of_october_0100_utc(year) + timedelta(seconds=seconds),
    st.integers(1996, 2037),
    st.integers(-3600, 7200),
)


@settings(max_examples=300)
@given(
    instant=st.one_of(
        st.datetimes(
            min_value=datetime(1980, 1, 1), max_value=datetime(2037, 12, 31),
            timezones=st.just(UTC),
        ),
        around_eu_fall_back,
    ),
    zone=st.sampled_from(ZONES),
)
@example(instant=utc(2024, 10, 27, 1, 30), zone="Europe/Berlin")  # second 02:30 CET
@example(instant=utc(2024, 11, 3, 6, 30), zone="America/New_York")  # second 01:30 EST
@example(instant=utc(2024, 4, 6, 15, 15), zone="Australia/Lord_Howe")  # second 01:45
def test_utc_to_local_naive_and_back_returns_the_instant(instant: datetime, zone: str) -> None:
    instant = instant.replace(microsecond=0)
    back = to_utc(to_local_naive(instant, zone), local_tz=zone)
    local = instant.astimezone(ZoneInfo(zone))
    if local.fold == 0:
        assert back == instant
    else:
        # Second pass through the fall-back hour: the earlier instant with the same wall
        # clock is returned, earlier by exactly the DST shift.
        shift = local.replace(fold=0).utcoffset() - local.utcoffset()
        assert shift > timedelta(0)
        assert back == instant - shift


def test_the_eu_transition_helper_hits_the_repeated_hour() -> None:
    # Guards the property test above: its biased strategy must produce fold=1 instants.
    second_pass = _last_sunday_of_october_0100_utc(2024) + timedelta(minutes=30)
    assert second_pass == utc(2024, 10, 27, 1, 30)
    assert second_pass.astimezone(ZoneInfo("Europe/Berlin")).fold == 1
