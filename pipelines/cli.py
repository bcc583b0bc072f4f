"""The `ccaudit` command line: a thin layer over the library in `pipelines`.

Each command parses its flags, calls one library function and prints what it did. Errors the user
can fix (bad input, missing key, database in use) print one line and exit non-zero, no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__
from .config import Settings
from .errors import CcauditError

MANIFEST_FORMATS = ("clip-subset", "ffhq", "coco", "open-images", "megaface-paths", "pipa", "flickr30k", "csv",
                    "yfcc-columns")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _settings(args) -> Settings:
    return Settings.from_env(db=getattr(args, "db", None))


def _connect(args, read_only: bool = False):
    from .db import connect

    return connect(_settings(args).db_path, read_only=read_only)


def _print_json(value) -> None:
    print(json.dumps(value, indent=2, default=str, ensure_ascii=False))


# --- commands ---------------------------------------------------------------------------------

def cmd_demo(args) -> int:
    import os

    from .demo import run_demo

    out_dir = Path(args.out)
    settings = _settings(args)
    if getattr(args, "db", None) is None and not os.environ.get("CCAUDIT_DB"):
        # Keep the demo self-contained: its database lives with its data and report.
        settings = settings.with_db(out_dir / "ccaudit.duckdb")
    result = run_demo(settings, out_dir=out_dir)
    print(result.summary_text())
    return 0


def cmd_generate_yfcc(args) -> int:
    from .generate import generate_yfcc

    result = generate_yfcc(Path(args.out), rows=args.rows, layout=args.layout, seed=args.seed,
                           users=args.users, bad_lines=args.bad_lines, form=args.format)
    print(result.summary_text())
    return 0


def cmd_ingest_yfcc(args) -> int:
    from .ingest.yfcc import ingest_yfcc

    with _connect(args) as con:
        results = ingest_yfcc(con, [p if p == "-" else Path(p) for p in args.paths], progress=not args.quiet,
                              stdin_name=args.stdin_name)
    for result in results:
        print(result.summary_text())
    return 0


def cmd_ingest_manifest(args) -> int:
    from .ingest.manifests import ingest_manifest

    options = {key: getattr(args, key) for key in ("id_column", "url_column", "owner_column",
                                                   "license_column", "author_column", "delimiter")
               if getattr(args, key, None) is not None}
    with _connect(args) as con:
        result = ingest_manifest(con, args.format, dataset=args.dataset, version=args.version,
                                 paths=[Path(p) for p in args.paths], **options)
    print(result.summary_text())
    return 0


def cmd_enrich(args) -> int:
    from .flickr.enrich import enrich

    settings = _settings(args)
    result = enrich(settings, dataset=args.dataset, limit=args.limit, max_age_days=args.max_age,
                    deadline_seconds=args.deadline, progress=not args.quiet)
    print(result.summary_text())
    return 0


def cmd_validate(args) -> int:
    from .quality import validate

    with _connect(args) as con:
        result = validate(con)
    print(result.summary_text())
    return 0 if result.success else 1


def cmd_report(args) -> int:
    from .reports.build import build_report

    with _connect(args) as con:
        result = build_report(con, out_dir=Path(args.out), publish_mode=args.publish_mode)
    print(result.summary_text())
    return 0


def cmd_lookup(args) -> int:
    from .lookup import lookup

    with _connect(args, read_only=True) as con:
        result = lookup(con, args.query)
    if args.json:
        _print_json(result.as_dict())
    else:
        print(result.as_text())
    return 0 if result.found else 1


def cmd_optout_add(args) -> int:
    from .optout import add_optout

    kind, value = ("user", args.user) if args.user else ("photo", args.photo)
    with _connect(args) as con:
        entry = add_optout(con, kind, value, note=args.note)
    print(f"opt-out recorded: {entry.kind} {entry.value} at {entry.requested_at:%Y-%m-%d %H:%M:%S} UTC")
    return 0


def cmd_optout_list(args) -> int:
    from .optout import list_optouts

    with _connect(args, read_only=True) as con:
        entries = list_optouts(con)
    if args.json:
        _print_json([entry.as_dict() for entry in entries])
    else:
        for entry in entries:
            print(f"{entry.requested_at:%Y-%m-%d %H:%M:%S}  {entry.kind:5}  {entry.value}  {entry.note or ''}".rstrip())
        print(f"{len(entries)} opt-out(s)")
    return 0


def cmd_optout_import(args) -> int:
    from .optout import import_optouts

    with _connect(args) as con:
        count = import_optouts(con, Path(args.csv))
    print(f"imported {count} opt-out(s) from {args.csv}")
    return 0


# --- parser -----------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    db_flag = argparse.ArgumentParser(add_help=False)
    db_flag.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                         help="DuckDB file (default: $CCAUDIT_DB, else ./ccaudit.duckdb)")

    parser = argparse.ArgumentParser(
        prog="ccaudit", parents=[db_flag],
        description="Audit Creative Commons image datasets drawn from Flickr: ingest YFCC100M and "
                    "dataset manifests into DuckDB, re-check photos on Flickr, validate, and report.",
        epilog="Environment: CCAUDIT_DB, FLICKR_API_KEY, CCAUDIT_FLICKR_API_URL, CCAUDIT_FLICKR_RATE. "
               "Run `ccaudit COMMAND --help` for the flags of one command.")
    parser.add_argument("--version", action="version", version=f"ccaudit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser("demo", parents=[db_flag], help="generate sample data, ingest, validate and report it",
                               description="Generate a synthetic YFCC100M sample and derived datasets, "
                                           "ingest them, validate them and write a report.")
    demo.add_argument("--out", default="demo-out",
                      help="folder for the sample data, the database (unless --db) and the report (default: demo-out)")
    demo.set_defaults(func=cmd_demo)

    generate = commands.add_parser("generate", help="generate synthetic data with known ground truth")
    generate_kinds = generate.add_subparsers(dest="kind", metavar="KIND", required=True)
    gen_yfcc = generate_kinds.add_parser(
        "yfcc", help="a YFCC100M-format metadata file",
        description="Write a YFCC100M-format file (compressed by the suffix of OUT: .bz2, .gz, .zst or none) "
                    "and its ground truth beside it as OUT.truth.json.")
    gen_yfcc.add_argument("out", metavar="OUT", help="output file, e.g. sample.tsv.bz2")
    gen_yfcc.add_argument("--rows", type=_positive_int, required=True, help="number of rows")
    gen_yfcc.add_argument("--layout", type=int, choices=(25, 23), default=25,
                          help="25 fields (single-file release, default) or 23 (2014 shards)")
    gen_yfcc.add_argument("--seed", type=_positive_int, default=0, help="random seed >= 0 (same seed, same file)")
    gen_yfcc.add_argument("--users", type=_positive_int, default=None,
                          help="number of distinct uploaders (default: about rows/170, as in YFCC100M)")
    gen_yfcc.add_argument("--bad-lines", type=_positive_int, default=0,
                          help="mix in this many malformed lines (recorded in the ground truth)")
    gen_yfcc.add_argument("--format", choices=("tsv", "sqlite", "jsonl-shards", "parquet"), default="tsv",
                          help="tsv: the Webscope file (default); sqlite: the Multimedia Commons file "
                               "(table yfcc100m_dataset); jsonl-shards: a folder OUT of gzip JSON-lines shards "
                               "000.gz...fff.gz as the yfcc100m downloader writes; parquet: one file. The "
                               "same rows as the 25-field TSV of the same seed")
    gen_yfcc.set_defaults(func=cmd_generate_yfcc)

    ingest = commands.add_parser("ingest", help="load YFCC100M files or dataset manifests into the database")
    ingest_kinds = ingest.add_subparsers(dest="kind", metavar="KIND", required=True)
    ing_yfcc = ingest_kinds.add_parser(
        "yfcc", parents=[db_flag], help="YFCC100M metadata: the TSV (23 or 25 fields), JSON lines, Parquet or SQLite",
        description="Load YFCC100M metadata: the Webscope TSV (.bz2, .gz, .zst or plain; 23 or 25 fields), JSON "
                    "lines with the YFCC column names (e.g. a folder of gzip shards), Parquet, or the Multimedia "
                    "Commons SQLite file, recognised from their content. A folder means its files. Every record "
                    "ends in yfcc_photos or ingest_rejects; re-ingesting a file replaces its rows.")
    ing_yfcc.add_argument("paths", nargs="+", metavar="PATH")
    ing_yfcc.add_argument("--quiet", action="store_true", help="no progress bar")
    ing_yfcc.add_argument("--stdin-name", metavar="NAME", default=None,
                          help="source name recorded for PATH - (standard input; default: stdin); "
                               "re-ingesting the same name replaces its rows")
    ing_yfcc.set_defaults(func=cmd_ingest_yfcc)

    ing_manifest = ingest_kinds.add_parser(
        "manifest", parents=[db_flag], help="a derived dataset's manifest",
        description="Load the manifest of a dataset derived from Flickr; items are resolved to Flickr photo ids. "
                    "Re-ingesting a dataset version replaces it.")
    ing_manifest.add_argument("paths", nargs="+", metavar="PATH")
    ing_manifest.add_argument("--format", required=True, choices=MANIFEST_FORMATS)
    ing_manifest.add_argument("--dataset", required=True, help="dataset name, e.g. megaface")
    ing_manifest.add_argument("--version", default=None, help="dataset version (default: today's date)")
    ing_manifest.add_argument("--id-column", help="csv format: column with a Flickr photo id")
    ing_manifest.add_argument("--url-column", help="csv format: column with a Flickr URL (page, static, flic.kr)")
    ing_manifest.add_argument("--owner-column", help="csv format: column with an NSID or path alias")
    ing_manifest.add_argument("--license-column", help="csv format: column with a license name, URL or id")
    ing_manifest.add_argument("--author-column", help="csv format: column with the author credit")
    ing_manifest.add_argument("--delimiter", help="csv format: field delimiter (default: sniffed; use '\\t' for TSV)")
    ing_manifest.set_defaults(func=cmd_ingest_manifest)

    enrich = commands.add_parser(
        "enrich", parents=[db_flag], help="re-check photos and uploaders on the live Flickr API",
        description="Call flickr.photos.getInfo for photos of interest (items of datasets first) and "
                    "flickr.people.getInfo for their uploaders; results are appended to flickr_checks "
                    "and uploaders. Needs FLICKR_API_KEY (get one at https://www.flickr.com/services/apps/create/). "
                    "Calls are paced to CCAUDIT_FLICKR_RATE per hour (default 3600, Flickr's limit per key) and "
                    "retried on transient errors. Resumable: after --limit, --deadline or a crash, run it again "
                    "to continue where it stopped.")
    enrich.add_argument("--dataset", help="only photos of this dataset")
    enrich.add_argument("--limit", type=_positive_int, help="check at most N photos in this run")
    enrich.add_argument("--max-age", type=_positive_int, default=30, metavar="DAYS",
                        help="skip photos checked within DAYS days (default 30)")
    enrich.add_argument("--deadline", type=_positive_int, metavar="SECONDS",
                        help="start no call after SECONDS (e.g. 3300 in an hourly schedule); rerun to continue")
    enrich.add_argument("--quiet", action="store_true", help="no progress bar")
    enrich.set_defaults(func=cmd_enrich)

    validate = commands.add_parser("validate", parents=[db_flag], help="run the Great Expectations suites",
                                   description="Validate the tables with the suites in expectations/. "
                                               "Exit code 1 when a critical expectation fails.")
    validate.set_defaults(func=cmd_validate)

    report = commands.add_parser("report", parents=[db_flag], help="write the audit report",
                                 description="Write the report (HTML, Markdown, CSV per table, summary.json).")
    report.add_argument("--out", default="reports", help="output folder; the report goes to OUT/<date>/ (default: reports)")
    report.add_argument("--publish-mode", choices=("full", "pseudonymous"), default="pseudonymous",
                        help="pseudonymous (default) replaces NSIDs, nicknames and photo URLs with keyed hashes")
    report.set_defaults(func=cmd_report)

    lookup = commands.add_parser("lookup", parents=[db_flag], help="am I in it? find a person's or a photo's items",
                                 description="Find which datasets hold photos of an uploader or a photo. QUERY is a "
                                             "username or nickname, an NSID, a Flickr photo URL or a photo id.")
    lookup.add_argument("query", metavar="QUERY")
    lookup.add_argument("--json", action="store_true", help="machine-readable output")
    lookup.set_defaults(func=cmd_lookup)

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
    opt_import = optout_verbs.add_parser("import", parents=[db_flag], help="import opt-outs from a CSV (kind,value[,requested_at,note])")
    opt_import.add_argument("csv", metavar="CSV")
    opt_import.set_defaults(func=cmd_optout_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CcauditError as exc:
        print(f"ccaudit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ccaudit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
