"""Errors that the CLI turns into a one-line message and a non-zero exit code."""


class CcauditError(Exception):
    """A problem with the user's input or environment, explained in one line (no traceback)."""

    exit_code = 2


class InputError(CcauditError):
    """Bad input: a file that is missing, corrupt, truncated or not in the expected format."""


class ConfigError(CcauditError):
    """Missing or invalid configuration (for example no Flickr API key)."""


class DiskFullError(CcauditError):
    """The file system ran out of space (ENOSPC) while ccaudit wrote; the data is as before."""


_ENOSPC_TEXTS = ("no space left on device", "disk is full", "not enough space on the disk")


def disk_full_error(exc: BaseException, default_path: object = None) -> DiskFullError | None:
    """A one-line DiskFullError if `exc` (or any exception it was raised from or during) is ENOSPC:
    an OSError with that errno, or a DuckDB error that quotes the OS message. None otherwise.

    DuckDB reports a failed checkpoint write as a FatalException and every later statement on the
    connection as "database has been invalidated", each chained on the last; the path comes from
    its 'Could not write file "PATH"' when present, else `default_path` (the database)."""
    import errno
    import re

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current)
        is_enospc = (isinstance(current, OSError) and current.errno == errno.ENOSPC) or any(
            marker in text.lower() for marker in _ENOSPC_TEXTS
        )
        if is_enospc:
            quoted = re.search(r'(?:write|create|open|extend|truncate)[^"\n]*"([^"\n]+)"', text)
            path = (quoted.group(1) if quoted else None) or getattr(current, "filename", None)
            if path:
                where = f" at {path}"
            else:  # e.g. Arrow writing a staged Parquet file: the database's disk or the temporary one
                import tempfile

                where = (
                    f" at {default_path} or {tempfile.gettempdir()} (temporary files)"
                    if default_path
                    else f" (temporary files go to {tempfile.gettempdir()})"
                )
            return DiskFullError(
                f"disk full{where}: free some space and run the command again "
                "(what was being written was not committed; the data stored before is unchanged)"
            )
        current = current.__cause__ or current.__context__
    return None


class DatabaseLockedError(CcauditError):
    """The DuckDB file is held by another process beyond the lock-wait limit.

    `holder` is "writer" or "reader" (DuckDB allows one read-write process or many read-only ones,
    never both); `pid` is the holder's process id when DuckDB's message names it.
    """

    def __init__(self, path, holder: str, pid: int | None, waited: float, wanted_write: bool, note: str = ""):
        self.path, self.holder, self.pid, self.waited, self.wanted_write = (
            path,
            holder,
            pid,
            waited,
            wanted_write,
        )
        who = f"a {holder}" + (f" (PID {pid})" if pid else "")
        if holder == "reader":
            advice = (
                "close that read-only session (a DuckDB shell, a notebook, `ccaudit lookup`/`report`), or "
                "point long-lived readers at the edition (`ccaudit publish-db`), which never blocks writers"
            )
        else:
            advice = (
                "another ccaudit command or Airflow task is writing; run again when it ends, raise "
                "CCAUDIT_LOCK_WAIT, or read the edition (`ccaudit publish-db`) instead"
            )
        super().__init__(
            f"database {path} is in use by another process: {who} holds it "
            f"(waited {waited:.1f} s, CCAUDIT_LOCK_WAIT); " + (f"{note}; " if note else "") + advice
        )
