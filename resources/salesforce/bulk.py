"""Bulk API 2.0 through simple-salesforce: ingest upserts, with results joined back by
key, and query jobs read as rows.

simple-salesforce returns only counts per job; the per-record outcome is in the job's
successfulResults / failedResults / unprocessedrecords CSVs, which echo the input columns,
so the external-id column is the join key.

The CSV is handed to simple-salesforce as a file, not as a string: it cuts an upload
into jobs where the UTF-8 bytes of its lines pass the data's size, and measures a string
with `sys.getsizeof`, one byte a character for Latin-1 text. German names ('Müller',
'Süßwaren') take two bytes a character in UTF-8, so the last few records of a load went
out as a second job (54,355 Accounts and then 10). A file is measured in its bytes.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from simple_salesforce import Salesforce

from .results import WriteResult, failure, from_bulk_failure, from_bulk_success
from .values import csv_value


def _rows(text: str) -> Iterator[dict[str, str]]:
    if text.strip():
        yield from csv.DictReader(io.StringIO(text))


_ABSENT = object()


def _cells(record: Mapping[str, Any], columns: Sequence[str]) -> list[str]:
    """A record's CSV row: a field it does not name stays empty (Bulk API leaves the
    record's value as it is), None is #N/A (set null); text, nearly every value, as is."""
    return [("" if (v := record.get(c, _ABSENT)) is _ABSENT
             else v if type(v) is str else csv_value(v)) for c in columns]


def bulk_upsert(
    sf: Salesforce,
    sobject: str,
    external_id_field: str,
    records: Sequence[Mapping[str, Any]],
    *,
    poll_seconds: float,
) -> Iterator[list[WriteResult]]:
    """One list of results for the whole upload, in input order (simple-salesforce makes
    one job unless the CSV passes ~100 MB)."""
    columns = list(dict.fromkeys(k for rec in records for k in rec))
    keys = [csv_value(rec.get(external_id_field, "")) for rec in records]
    handler = getattr(sf.bulk2, sobject)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", suffix=".csv") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(_cells(rec, columns) for rec in records)
        fh.flush()
        jobs = handler.upsert(csv_file=fh.name, external_id_field=external_id_field,
                              wait=poll_seconds)  # type: ignore[arg-type]  # int in the stub
    outcome: dict[str, WriteResult] = {}
    for job in jobs:
        job_id = str(job["job_id"])
        for row in _rows(handler.get_successful_records(job_id)):
            key = row.get(external_id_field, "")
            outcome[key] = from_bulk_success(key, row)
        for row in _rows(handler.get_failed_records(job_id)):
            key = row.get(external_id_field, "")
            outcome[key] = from_bulk_failure(key, row)
        for row in _rows(handler.get_unprocessed_records(job_id)):
            key = row.get(external_id_field, "")
            outcome[key] = failure(key, "UNPROCESSED", "the bulk job did not process this row")
    yield [outcome.get(key) or failure(key, "NOT_REPORTED", "absent from the job's results")
           for key in keys]


def bulk_query(sf: Salesforce, sobject: str, soql_text: str, *, include_deleted: bool,
               poll_seconds: float) -> Iterator[dict[str, str | None]]:
    """The rows of one query job, page by page (50,000 rows a page). Bulk API writes
    null as an empty cell, so an empty cell comes back as None, as REST would give it."""
    handler = getattr(sf.bulk2, sobject)
    run = handler.query_all if include_deleted else handler.query
    for page in run(soql_text, wait=poll_seconds):  # type: ignore[arg-type]  # int in the stub
        for row in _rows(str(page)):
            yield {k: v if v != "" else None for k, v in row.items()}
