"""Errors that the CLI turns into a one-line message and a non-zero exit code."""


class CcauditError(Exception):
    """A problem with the user's input or environment, explained in one line (no traceback)."""

    exit_code = 2


class InputError(CcauditError):
    """Bad input: a file that is missing, corrupt, truncated or not in the expected format."""


class ConfigError(CcauditError):
    """Missing or invalid configuration (for example no Flickr API key)."""


class DatabaseLockedError(CcauditError):
    """The DuckDB file is held by another process beyond the lock-wait limit.

    `holder` is "writer" or "reader" (DuckDB allows one read-write process or many read-only ones,
    never both); `pid` is the holder's process id when DuckDB's message names it.
    """

    def __init__(self, path, holder: str, pid: int | None, waited: float, wanted_write: bool, note: str = ""):
        self.path, self.holder, self.pid, self.waited, self.wanted_write = path, holder, pid, waited, wanted_write
        who = f"a {holder}" + (f" (PID {pid})" if pid else "")
        if holder == "reader":
            advice = ("close that read-only session (a DuckDB shell, a notebook, `ccaudit lookup`/`report`), or "
                      "point long-lived readers at the edition (`ccaudit publish-db`), which never blocks writers")
        else:
            advice = ("another ccaudit command or Airflow task is writing; run again when it ends, raise "
                      "CCAUDIT_LOCK_WAIT, or read the edition (`ccaudit publish-db`) instead")
        super().__init__(f"database {path} is in use by another process: {who} holds it "
                         f"(waited {waited:.1f} s, CCAUDIT_LOCK_WAIT); " + (f"{note}; " if note else "") + advice)
