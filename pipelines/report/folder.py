"""The report folder: out_dir/<day>[-n]/, marked as ccaudit's, written whole or not at all.

Everything is written to a hidden temporary folder beside the target and renamed into place at the
end, so readers never see half a report. A folder without the marker file is someone else's and is
never written into; the root and the system's folders are refused outright.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path

from .. import __version__
from ..errors import CcauditError

MARKER = ".ccaudit-report"
SUMMARY_FORMAT = 1  # summary.json's layout; earlier editions are read only when it matches


def _is_ours(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def earlier_summaries(out_dir: Path) -> list[tuple[Path, dict]]:
    """(folder, summary.json) of every report ccaudit wrote into out_dir whose summary this version reads.

    A damaged summary is skipped, not fatal: it is someone's old edition.
    """
    found = []
    for folder in out_dir.iterdir() if out_dir.is_dir() else []:
        summary = folder / "summary.json"
        if not (folder.is_dir() and _is_ours(folder) and summary.is_file()):
            continue
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("format") == SUMMARY_FORMAT:
            found.append((folder, data))
    return found


def previous_summary(found: list[tuple[Path, dict]]) -> dict | None:
    """summary.json of the latest of the earlier reports `earlier_summaries` found."""
    return max(found, key=lambda f: (f[1].get("generated_at", ""), f[0].name))[1] if found else None


def choose_report_dir(out_dir: Path, day: str) -> Path:
    """out_dir/<day>, or <day>-2, -3 … when earlier reports of the same day exist.

    A folder of that name that ccaudit did not create is someone else's: refuse, never write into it.
    """
    for n in range(1, 1000):
        candidate = out_dir / (day if n == 1 else f"{day}-{n}")
        if not candidate.exists():
            return candidate
        if not _is_ours(candidate):
            raise CcauditError(
                f"{candidate} exists and was not created by ccaudit (no {MARKER} file); "
                "refusing to write into it — choose another --out"
            )
    raise CcauditError(f"too many reports for {day} in {out_dir}")


# `--out /` would create /<date>: the root and the system's own folders are never a report folder.
_SYSTEM_DIRS = frozenset(
    {
        "/",
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib32",
        "/lib64",
        "/media",
        "/mnt",
        "/opt",
        "/proc",
        "/run",
        "/sbin",
        "/srv",
        "/sys",
        "/usr",
        "/var",
    }
)
_SYSTEM_TREES = (
    "/proc/",
    "/sys/",
    "/dev/",
    "/boot/",
    "/etc/",
    "/bin/",
    "/sbin/",
    "/lib/",
    "/lib64/",
    "/usr/",
)


def refuse_system_dir(out_dir: Path) -> None:
    """CcauditError for the file system root or a system folder (also reached through .. or a symlink)."""
    resolved = os.path.realpath(out_dir)
    if resolved in _SYSTEM_DIRS or resolved.startswith(_SYSTEM_TREES):
        raise CcauditError(
            f"--out {out_dir} is a system folder ({resolved}); choose a folder of your own, "
            "e.g. --out reports"
        )


def prepare_out_dir(out_dir: Path, day: str) -> None:
    """Create out_dir if needed; refuse a file, or a folder for `day` that ccaudit did not create."""
    refuse_system_dir(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise CcauditError(f"--out {out_dir} is a file, not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    choose_report_dir(out_dir, day)


def _publish(tmp: Path, out_dir: Path, day: str) -> Path:
    """Rename the finished temporary folder into place (retrying the suffix if another run won the race)."""
    for _ in range(10):
        target = choose_report_dir(out_dir, day)
        try:
            os.rename(tmp, target)
            return target
        except OSError:
            if not target.exists():
                raise
    raise CcauditError(f"could not publish the report into {out_dir}")


def write_report_folder(files: dict[str, str], out_dir: Path, day: str, generated_at: str) -> Path:
    """Write the files into a hidden temporary folder in out_dir, then rename it into place."""
    tmp = Path(os.path.join(out_dir, f".{day}.tmp-{secrets.token_hex(4)}"))
    try:
        tmp.mkdir()
        (tmp / MARKER).write_text(
            json.dumps({"created_by": "ccaudit", "version": __version__, "generated_at": generated_at}) + "\n"
        )
        for name, text in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
        return _publish(tmp, out_dir, day)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
