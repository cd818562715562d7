"""File built-ins: read CSV into rows and write rows as CSV.

Both are plain sync plugins, so the engine runs them in a worker thread: file I/O never
blocks the event loop.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Any

from engine.plugins.builtin._common import fail, rows_at
from engine.plugins.sdk import ExecutionContext, Plugin, Port

__all__ = ["PLUGINS", "ReadCsv", "WriteCsv"]

_INT = re.compile(r"-?(?:0|[1-9]\d*)")
_FLOAT = re.compile(r"-?(?:0|[1-9]\d*)?\.\d+(?:[eE][-+]?\d+)?|-?(?:0|[1-9]\d*)(?:\.\d*)?[eE][-+]?\d+")
_COMMON = {
    "delimiter": {"type": "string", "minLength": 1, "maxLength": 1, "default": ",",
                  "description": "Field separator (one character, e.g. , ; or a tab)"},
    "encoding": {"type": "string", "default": "utf-8", "description": "Text encoding of the file"},
}


def _typed(text: str) -> Any:
    """CSV text as a number or null where it plainly is one ('007' stays text)."""
    if text == "":
        return None
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


def _path(raw: Any) -> Path:
    if not isinstance(raw, str) or not raw.strip():
        raise fail("'path' must be a file path")
    return Path(raw).expanduser()


class ReadCsv(Plugin):
    """Reads CSV from a file or from text into a list of row objects."""

    id = "csv_read"
    name = "Read CSV"
    description = (
        "Read CSV into rows (one object per line, keyed by the header). Source: the 'path' "
        "param or input, or CSV 'text'. Numbers become numbers and empty cells null unless "
        "'infer_types' is off."
    )
    category = "Files"
    params_schema = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "default": "", "description": "CSV file to read"},
            "text": {"type": "string", "format": "multiline", "default": "",
                     "description": "CSV text (used when no path is given)"},
            **_COMMON,
            "has_header": {"type": "boolean", "default": True,
                           "description": "The first line names the columns"},
            "columns": {"type": "array", "items": {"type": "string"}, "default": [],
                        "description": "Column names (without a header, or to rename)"},
            "infer_types": {"type": "boolean", "default": True,
                            "description": "Turn numeric cells into numbers, empty ones to null"},
        },
        "additionalProperties": False,
    }
    inputs = (Port("path", "string", "CSV file (overrides the param)"),
              Port("text", "string", "CSV text (overrides the param)"))
    outputs = (Port("rows", "array", "One object per CSV line"),
               Port("columns", "array", "Column names"), Port("count", "integer", "Rows read"))

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        source = input.get("path") or params.get("path")
        text = input.get("text") or params.get("text")
        if source:
            path = _path(source)
            try:
                with path.open(encoding=params.get("encoding", "utf-8"), newline="") as handle:
                    text = handle.read()
            except FileNotFoundError:
                raise fail(f"CSV file not found: {path}") from None
            except (OSError, UnicodeError, LookupError) as exc:
                raise fail(f"cannot read {path}: {exc}") from None
        elif not isinstance(text, str) or not text:
            raise fail("give a 'path' to a CSV file or the CSV 'text'")
        return _parse_csv(text, params, context)


def _parse_csv(text: str, params: dict[str, Any], context: ExecutionContext) -> dict[str, Any]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=params.get("delimiter", ","))
    columns: list[str] = list(params.get("columns") or [])
    header_pending = bool(params.get("has_header", True))
    infer = params.get("infer_types", True)
    rows: list[dict[str, Any]] = []
    try:
        for record in reader:
            if not record:
                continue  # blank line
            if header_pending:
                header_pending = False
                columns = columns or record
                continue
            if not columns:
                columns = [f"column{i + 1}" for i in range(len(record))]
            if len(record) > len(columns):
                raise fail(f"CSV line {reader.line_num} has {len(record)} cells but there are "
                           f"only {len(columns)} columns")
            cells = record + [""] * (len(columns) - len(record))
            rows.append({c: _typed(v) if infer else v for c, v in zip(columns, cells, strict=True)})
            if len(rows) % 10_000 == 0 and context.cancelled.is_set():
                raise fail("stopped: the run was cancelled")
    except csv.Error as exc:
        raise fail(f"malformed CSV near line {reader.line_num}: {exc}") from None
    return {"rows": rows, "columns": columns, "count": len(rows)}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class WriteCsv(Plugin):
    """Writes rows as CSV to a file, or returns the CSV text."""

    id = "csv_write"
    name = "Write CSV"
    description = (
        "Write rows (a list of objects) as CSV to 'path', or output the CSV 'text' when no "
        "path is given. Columns: the 'columns' param, else every field in order of first "
        "appearance. Nested values are written as JSON."
    )
    category = "Files"
    params_schema = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "default": "",
                     "description": "File to write (empty: output the text instead)"},
            "mode": {"type": "string", "enum": ["overwrite", "append"], "default": "overwrite",
                     "description": "Replace the file, or add lines at its end"},
            "columns": {"type": "array", "items": {"type": "string"}, "default": [],
                        "description": "Columns and their order (others are left out); "
                                       "appending to a file follows its header"},
            "include_header": {"type": "boolean", "default": True,
                               "description": "Write the column names first (append: only to "
                                              "a new file)"},
            "rows_field": {"type": "string", "default": "rows", "minLength": 1,
                           "description": "Field of the input holding the rows"},
            **_COMMON,
        },
        "additionalProperties": False,
    }
    inputs = (Port("rows", "array", "Rows to write", required=True),
              Port("path", "string", "File to write (overrides the param)"))
    outputs = (Port("path", "string", "The file written"),
               Port("text", "string", "The CSV (when no path is given)"),
               Port("count", "integer", "Rows written"))

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        rows = rows_at(input, params.get("rows_field") or "rows")
        columns: list[str] = list(params.get("columns") or [])
        if not columns:
            columns = list(dict.fromkeys(key for row in rows for key in row))
        raw_path = input.get("path") or params.get("path")
        append = params.get("mode") == "append"
        path = _path(raw_path) if raw_path else None
        encoding = params.get("encoding", "utf-8")
        new_file = path is None or not append or not path.exists() or path.stat().st_size == 0
        if path is not None and not new_file and not params.get("columns") and params.get(
                "include_header", True):
            columns = _existing_header(path, encoding, params.get("delimiter", ",")) or columns
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=params.get("delimiter", ","), lineterminator="\n")
        if params.get("include_header", True) and new_file:
            writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        text = buffer.getvalue()
        if path is None:
            return {"text": text, "count": len(rows)}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if append:
                with path.open("a", encoding=encoding, newline="") as handle:
                    handle.write(text)
            else:
                # Write aside and rename, so a failure never leaves half a file.
                partial = path.with_name(f".{path.name}.partial")
                partial.write_text(text, encoding=encoding, newline="")
                os.replace(partial, path)
        except (OSError, UnicodeError, LookupError) as exc:
            raise fail(f"cannot write {path}: {exc}") from None
        return {"path": str(path.resolve()), "count": len(rows)}


def _existing_header(path: Path, encoding: str, delimiter: str) -> list[str]:
    """The column names on the first line of an existing CSV file (appending keeps them)."""
    try:
        with path.open(encoding=encoding, newline="") as handle:
            return next(csv.reader(handle, delimiter=delimiter), [])
    except (OSError, UnicodeError, LookupError, csv.Error) as exc:
        raise fail(f"cannot read the header of {path}: {exc}") from None


PLUGINS: list[type[Plugin]] = [ReadCsv, WriteCsv]
