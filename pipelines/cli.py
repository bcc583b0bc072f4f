"""The `ccaudit` command line: a thin layer over the library in `pipelines`.

This module builds the parser and runs main(); each command's handler (pipelines/cli_commands.py)
calls one library function and prints what it did. Errors the user
can fix (bad input, missing key, database in use) print one line and exit non-zero, no traceback.
"""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .cli_commands import (
    _db_path,
    cmd_demo,
    cmd_enrich,
    cmd_generate_yfcc,
    cmd_ingest_manifest,
    cmd_ingest_yfcc,
    cmd_lookup,
    cmd_migrate,
    cmd_optout_add,
    cmd_optout_import,
    cmd_optout_list,
    cmd_publish_db,
    cmd_report,
    cmd_serve,
    cmd_validate,
)
from .config import ENVIRONMENT, check_environment
from .errors import CcauditError, disk_full_error
from .textsafe import escape_controls


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value}")
    return value


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


class _DeprecatedAlias(argparse.Action):
    """An old spelling of a flag: stores into the new flag's dest and warns once on stderr.

    `deprecated_for` names the flag to use instead (scripts/gen_docs.py lists the alias under it).
    """

    def __init__(self, option_strings, dest, deprecated_for: str, **kwargs):
        super().__init__(option_strings, dest, **kwargs)
        self.deprecated_for = deprecated_for
        self._warned = False

    def __call__(self, parser, namespace, values, option_string=None):
        if not self._warned:
            self._warned = True
            print(
                f"ccaudit: warning: {option_string} is deprecated, use {self.deprecated_for}", file=sys.stderr
            )
        setattr(namespace, self.dest, values)


def _epilog() -> str:
    """Every variable in config.ENVIRONMENT, so `ccaudit --help` names them all (meanings: docs/cli.md)."""
    names = ", ".join(variable.name for variable in ENVIRONMENT)
    return (
        f"Environment: {names} (what each means: docs/cli.md#environment). "
        "Run `ccaudit COMMAND --help` for the flags of one command."
    )


def _version_text() -> str:
    from .migrations import latest_version

    return f"ccaudit {__version__} (schema version {latest_version()})"


# --- parser -----------------------------------------------------------------------------------


def build_parser(manifest_formats: bool = True) -> argparse.ArgumentParser:
    """The CLI. `manifest_formats=False` leaves out `ingest manifest`'s --format choices and option
    flags, which come from importing every adapter module (0.3 s): main() asks for them only when
    the command line is an `ingest manifest` one."""
    db_flag = argparse.ArgumentParser(add_help=False)
    db_flag.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="DuckDB file (default: $CCAUDIT_DB, else ./ccaudit.duckdb)",
    )

    parser = argparse.ArgumentParser(
        prog="ccaudit",
        parents=[db_flag],
        description="Audit Creative Commons image datasets drawn from Flickr: ingest YFCC100M and "
        "dataset manifests into DuckDB, re-check photos on Flickr, validate, and report.",
        epilog=_epilog(),
    )
    parser.add_argument("--version", action="version", version=_version_text())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        parents=[db_flag],
        help="generate sample data, ingest, validate and report it",
        description="Generate a synthetic YFCC100M sample and derived datasets, "
        "ingest them, validate them and write a report.",
    )
    demo.add_argument(
        "--out",
        default="demo-out",
        help="folder for the sample data, the database (unless --db) and the report (default: demo-out)",
    )
    demo.set_defaults(func=cmd_demo)

    generate = commands.add_parser("generate", help="generate synthetic data with known ground truth")
    generate_kinds = generate.add_subparsers(dest="kind", metavar="KIND", required=True)
    gen_yfcc = generate_kinds.add_parser(
        "yfcc",
        help="a YFCC100M-format metadata file",
        description="Write a YFCC100M-format file (compressed by the suffix of OUT: .bz2, .gz, .zst or none) "
        "and its ground truth beside it as OUT.truth.json.",
    )
    gen_yfcc.add_argument("out", metavar="OUT", help="output file, e.g. sample.tsv.bz2")
    gen_yfcc.add_argument("--rows", type=_positive_int, required=True, help="number of rows")
    gen_yfcc.add_argument(
        "--layout",
        type=int,
        choices=(25, 23),
        default=25,
        help="25 fields (single-file release, default) or 23 (2014 shards)",
    )
    gen_yfcc.add_argument(
        "--seed", type=_positive_int, default=0, help="random seed >= 0 (same seed, same file)"
    )
    gen_yfcc.add_argument(
        "--users",
        type=_positive_int,
        default=None,
        help="number of distinct uploaders (default: about rows/170, as in YFCC100M)",
    )
    gen_yfcc.add_argument(
        "--bad-lines",
        type=_positive_int,
        default=0,
        help="mix in this many malformed lines (recorded in the ground truth)",
    )
    gen_yfcc.add_argument(
        "--format",
        choices=("tsv", "sqlite", "jsonl-shards", "parquet"),
        default="tsv",
        help="tsv: the Webscope file (default); sqlite: the Multimedia Commons file "
        "(table yfcc100m_dataset); jsonl-shards: a folder OUT of gzip JSON-lines shards "
        "000.gz...fff.gz as the yfcc100m downloader writes; parquet: one file. The "
        "same rows as the 25-field TSV of the same seed",
    )
    gen_yfcc.set_defaults(func=cmd_generate_yfcc)

    ingest = commands.add_parser("ingest", help="load YFCC100M files or dataset manifests into the database")
    ingest_kinds = ingest.add_subparsers(dest="kind", metavar="KIND", required=True)
    ing_yfcc = ingest_kinds.add_parser(
        "yfcc",
        parents=[db_flag],
        help="YFCC100M metadata: the TSV (23 or 25 fields), JSON lines, Parquet or SQLite",
        description="Load YFCC100M metadata: the Webscope TSV (.bz2, .gz, .zst or plain; 23 or 25 fields), JSON "
        "lines with the YFCC column names (e.g. a folder of gzip shards), Parquet, or the Multimedia "
        "Commons SQLite file, recognised from their content. A folder means its files. Every record "
        "ends in yfcc_photos or ingest_rejects; re-ingesting a file replaces its rows.",
    )
    ing_yfcc.add_argument(
        "paths", nargs="+", metavar="PATH", help="files, folders or globs; - for standard input"
    )
    ing_yfcc.add_argument("--quiet", action="store_true", help="no progress bar")
    ing_yfcc.add_argument(
        "--stdin-name",
        metavar="NAME",
        default=None,
        help="source name recorded for PATH - (standard input; default: stdin); "
        "re-ingesting the same name replaces its rows",
    )
    ing_yfcc.set_defaults(func=cmd_ingest_yfcc)

    ing_manifest = ingest_kinds.add_parser(
        "manifest",
        parents=[db_flag],
        help="a derived dataset's manifest",
        description="Load the manifest of a dataset derived from Flickr; items are resolved to Flickr photo ids. "
        "Re-ingesting a dataset version replaces it.",
    )
    ing_manifest.add_argument(
        "paths", nargs="+", metavar="PATH", help="the manifest file(s) of this dataset version"
    )
    if manifest_formats:
        from .ingest.manifests import formats

        declared = formats.discover()  # every adapter module's FORMAT: the choices and one flag per option
        ing_manifest.add_argument("--format", required=True, choices=list(declared))
    ing_manifest.add_argument("--dataset", required=True, help="dataset name, e.g. megaface")
    ing_manifest.add_argument(
        "--dataset-version",
        dest="version",
        metavar="V",
        default=None,
        help="dataset version (default: today's date)",
    )
    ing_manifest.add_argument(
        "--version",
        dest="version",
        action=_DeprecatedAlias,
        deprecated_for="--dataset-version",
        help=argparse.SUPPRESS,
    )
    if manifest_formats:
        for option, takers in formats.options(declared).values():
            ing_manifest.add_argument(option.flag, help=f"{', '.join(takers)} format: {option.help}")
    ing_manifest.add_argument(
        "--catalog-entry",
        metavar="KEY",
        help="link the dataset to this entry of the dataset catalogue (default: by name)",
    )
    ing_manifest.add_argument(
        "--collected-on",
        type=_iso_date,
        metavar="DATE",
        help="date the dataset collected its photos from Flickr (YYYY-MM-DD; default: the "
        "catalogue entry's collected_on, else the latest crawl date in the manifest, "
        "e.g. FFHQ's date_crawled): the report reads each photo's license then",
    )
    ing_manifest.set_defaults(func=cmd_ingest_manifest)

    enrich = commands.add_parser(
        "enrich",
        parents=[db_flag],
        help="re-check photos and uploaders on the live Flickr API",
        description="Call flickr.photos.getInfo for photos of interest (items of datasets first) and "
        "flickr.people.getInfo for their uploaders; results are appended to flickr_checks "
        "and uploaders. Needs FLICKR_API_KEY (get one at https://www.flickr.com/services/apps/create/). "
        "Calls are paced to CCAUDIT_FLICKR_RATE per hour (default 3600, Flickr's limit per key) and "
        "retried on transient errors. Resumable: after --limit, --deadline or a crash, run it again "
        "to continue where it stopped.",
    )
    enrich.add_argument("--dataset", help="only photos of this dataset")
    enrich.add_argument("--limit", type=_positive_int, help="check at most N photos in this run")
    enrich.add_argument(
        "--max-age",
        type=_positive_int,
        default=30,
        metavar="DAYS",
        help="skip photos checked within DAYS days (default 30)",
    )
    enrich.add_argument(
        "--deadline",
        type=_positive_int,
        metavar="SECONDS",
        help="start no call after SECONDS (e.g. 3300 in an hourly schedule); rerun to continue",
    )
    enrich.add_argument(
        "--merge-seconds",
        type=float,
        default=30.0,
        metavar="S",
        help="merge journaled answers into the database at least every S seconds (default 30; "
        "also every 500 answers and at the end)",
    )
    enrich.add_argument("--quiet", action="store_true", help="no progress bar")
    enrich.add_argument(
        "--sample",
        type=_positive_int,
        metavar="N",
        help="re-check only a uniform random sample of N photos per dataset (no YFCC100M tier); "
        "the same --seed with a larger N extends the same sample",
    )
    enrich.add_argument(
        "--seed",
        type=_positive_int,
        default=0,
        metavar="S",
        help="seed of the --sample (default 0; same seed, same photos)",
    )
    enrich.add_argument(
        "--no-license-history",
        action="store_true",
        help="skip flickr.photos.licenses.getLicenseHistory for dataset photos (halves the calls)",
    )
    enrich.set_defaults(func=cmd_enrich)

    validate = commands.add_parser(
        "validate",
        parents=[db_flag],
        help="run the Great Expectations suites",
        description="Validate the tables with the suites in expectations/. "
        "Exit code 1 when a critical expectation fails.",
    )
    validate.set_defaults(func=cmd_validate)

    report = commands.add_parser(
        "report",
        parents=[db_flag],
        help="write the audit report",
        description="Write the report (HTML, Markdown, CSV per table, summary.json).",
    )
    report.add_argument(
        "--out", default="reports", help="output folder; the report goes to OUT/<date>/ (default: reports)"
    )
    report.add_argument(
        "--publish-mode",
        choices=("full", "pseudonymous"),
        default="pseudonymous",
        help="pseudonymous (default) replaces NSIDs, nicknames and photo URLs with keyed hashes",
    )
    report.set_defaults(func=cmd_report)

    publish = commands.add_parser(
        "publish-db",
        parents=[db_flag],
        help="write the readers' edition (Parquet + a DuckDB file of views)",
        description="Write the published tables as Parquet plus a small DuckDB file of views with the same "
        "comments into a new folder OUT/<time>/ and point OUT/latest at it. Readers may keep it open "
        "while ccaudit writes. `ccaudit report` also writes one, into REPORT_OUT/editions.",
    )
    publish.add_argument(
        "--out", default="reports/editions", help="editions folder (default: reports/editions)"
    )
    publish.add_argument(
        "--publish-mode",
        choices=("full", "pseudonymous"),
        default="pseudonymous",
        help="pseudonymous (default) replaces people with keyed hashes, as the report does",
    )
    publish.set_defaults(func=cmd_publish_db)

    serve = commands.add_parser(
        "serve",
        help="browse the latest edition in Datasette on 127.0.0.1",
        description="Serve the latest edition with Datasette on 127.0.0.1 (faceted browsing, full-text search "
        "on photo titles, tags and descriptions, table and column descriptions, canned queries). "
        "Never opens the main database and never writes into the edition. --port 0 picks a free port.",
    )
    serve.add_argument("--port", type=_port, default=8001, help="port (default 8001; 0: any free port)")
    serve.add_argument(
        "--edition",
        default="reports/editions",
        metavar="DIR",
        help="an editions folder (its latest) or one edition (default: reports/editions)",
    )
    serve.set_defaults(func=cmd_serve)

    lookup = commands.add_parser(
        "lookup",
        parents=[db_flag],
        help="am I in it? find a person's or a photo's items",
        description="Find which datasets hold photos of an uploader or a photo. Each QUERY "
        "is text holding Flickr links of any form, NSIDs, photo ids or Download "
        "file names (every one is looked up), or else a username, nickname or "
        "path alias. Exit 0 found, 1 nothing found, 2 unreadable input.",
    )
    lookup.add_argument("query", metavar="QUERY", nargs="*", help="links, NSIDs, photo ids or a name")
    lookup.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="read references from FILE, one per line ('-' for standard input)",
    )
    lookup.add_argument(
        "--json", action="store_true", help="machine-readable output (shape in docs/lookup.md)"
    )
    lookup.add_argument(
        "--removal-request",
        action="store_true",
        help="also write, per dataset holding the photos, a ready-to-send removal request "
        "(the dataset's published route and every photo link)",
    )
    lookup.set_defaults(func=cmd_lookup)

    migrate = commands.add_parser(
        "migrate",
        parents=[db_flag],
        help="bring a database written by an older ccaudit up to date",
        description="Apply the schema migrations the database lacks, in one transaction (on failure the file "
        "is unchanged). Every writing command does this by itself; reading commands ask for it. "
        "A copy of the file is kept beside it before a migration that rewrites a table.",
    )
    migrate.add_argument("--dry-run", action="store_true", help="list what would run; change nothing")
    migrate.add_argument(
        "--no-backup",
        action="store_true",
        help="do not keep a copy of the file before a migration that rewrites a table",
    )
    migrate.set_defaults(func=cmd_migrate)

    optout = commands.add_parser("optout", help="the opt-out ledger")
    optout_verbs = optout.add_subparsers(dest="verb", metavar="VERB", required=True)
    opt_add = optout_verbs.add_parser("add", parents=[db_flag], help="record an opt-out request")
    who = opt_add.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", metavar="NSID", help="an uploader's NSID, e.g. 12345678@N00")
    who.add_argument("--photo", metavar="ID", help="a Flickr photo id")
    opt_add.add_argument("--note", help="free-text note")
    opt_add.set_defaults(func=cmd_optout_add)
    opt_list = optout_verbs.add_parser("list", parents=[db_flag], help="list recorded opt-outs")
    opt_list.add_argument("--json", action="store_true")
    opt_list.set_defaults(func=cmd_optout_list)
    opt_import = optout_verbs.add_parser(
        "import", parents=[db_flag], help="import opt-outs from a CSV (kind,value[,requested_at,note])"
    )
    opt_import.add_argument(
        "csv", metavar="CSV", help="header kind,value[,requested_at,note]; all rows or none"
    )
    opt_import.set_defaults(func=cmd_optout_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(manifest_formats="manifest" in words)
    args = parser.parse_args(argv)
    try:
        check_environment()  # every setting once, before any work: a bad one is one line
        return args.func(args)
    except CcauditError as exc:
        # One line, whatever the message quotes (file names, manifest text): controls are escaped.
        exc = disk_full_error(exc, default_path=_db_path(args)) or exc
        print(f"ccaudit: error: {escape_controls(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ccaudit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        # ENOSPC surfaces as an OSError or as a chain of DuckDB errors (from migrate(), a COMMIT, a
        # checkpoint): one line naming the place, not three tracebacks. Anything else is a bug.
        full = disk_full_error(exc, default_path=_db_path(args))
        if full is None:
            raise
        print(f"ccaudit: error: {escape_controls(full)}", file=sys.stderr)
        return full.exit_code


if __name__ == "__main__":
    sys.exit(main())
