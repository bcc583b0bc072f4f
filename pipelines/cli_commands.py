"""The `ccaudit` command handlers: each calls one library function and prints what it did.

pipelines/cli.py builds the parser (each sub-command's `func` is one of these) and runs them in
main(), which turns the errors a user can fix into one line and a non-zero exit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .config import Settings, db_from_env
from .errors import CcauditError
from .textsafe import check_name, escape_controls, escape_json


def _settings(args) -> Settings:
    return Settings.from_env(db=getattr(args, "db", None))


def _connect(args, read_only: bool = False):
    from .db import connect

    return connect(_settings(args).db_path, read_only=read_only)


def _db_path(args) -> Path | None:
    try:
        return _settings(args).db_path
    except Exception:  # noqa: BLE001 - only used to name the place in an error message
        return None


def _print_json(value) -> None:
    print(escape_json(json.dumps(value, indent=2, default=str, ensure_ascii=False)))


# --- commands ---------------------------------------------------------------------------------


def cmd_demo(args) -> int:
    from .demo import run_demo

    out_dir = Path(args.out)
    settings = _settings(args)
    if getattr(args, "db", None) is None and not db_from_env():
        # Keep the demo self-contained: its database lives with its data and report.
        settings = settings.with_db(out_dir / "ccaudit.duckdb")
    result = run_demo(settings, out_dir=out_dir)
    print(result.summary_text())
    return 0


def cmd_generate_yfcc(args) -> int:
    from .synth.yfcc import generate_yfcc

    result = generate_yfcc(
        Path(args.out),
        rows=args.rows,
        layout=args.layout,
        seed=args.seed,
        users=args.users,
        bad_lines=args.bad_lines,
        form=args.format,
    )
    print(result.summary_text())
    return 0


def cmd_ingest_yfcc(args) -> int:
    from .db import DeferredConnection
    from .ingest.yfcc import ingest_yfcc

    db_path = _settings(args).db_path.resolve()
    try:  # staging files go beside the database, as before
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CcauditError(
            f"cannot create the folder for database {db_path}: {exc.strerror or exc}"
        ) from None
    # Staging (decompress, parse) needs no database: open it only when the load starts.
    with DeferredConnection(db_path) as con:
        results = ingest_yfcc(
            con,
            [p if p == "-" else Path(p) for p in args.paths],
            progress=not args.quiet,
            work_dir=db_path.parent,
            stdin_name=args.stdin_name,
        )
    for result in results:
        print(escape_controls(result.summary_text(), keep_newlines=True))
    return 0


def cmd_ingest_manifest(args) -> int:
    from .db import DeferredConnection
    from .ingest.manifests import formats, ingest_manifest

    options = {
        key: getattr(args, key)
        for key in formats.options(formats.discover())
        if getattr(args, key, None) is not None
    }
    with DeferredConnection(_settings(args).db_path) as con:  # opened when the staged manifest loads
        result = ingest_manifest(
            con,
            args.format,
            dataset=args.dataset,
            version=args.version,
            paths=[Path(p) for p in args.paths],
            catalog_entry=args.catalog_entry,
            collected_on=args.collected_on,
            **options,
        )
    print(escape_controls(result.summary_text(), keep_newlines=True))
    return 0


def cmd_enrich(args) -> int:
    from .enrich.run import enrich

    settings = _settings(args)
    if args.dataset is not None:  # matched whole: 'evil\n' is not a dataset name
        check_name("dataset", args.dataset)
    result = enrich(
        settings,
        dataset=args.dataset,
        limit=args.limit,
        max_age_days=args.max_age,
        deadline_seconds=args.deadline,
        progress=not args.quiet,
        merge_seconds=args.merge_seconds,
        sample=args.sample,
        seed=args.seed,
        license_history=not args.no_license_history,
    )
    print(result.summary_text())
    return 0


def cmd_validate(args) -> int:
    from .validate.suites import validate_database

    result = validate_database(_settings(args).db_path)
    print(result.summary_text())
    return 0 if result.success else 1


def cmd_report(args) -> int:
    from .publish.edition import publish_edition
    from .publish.report import publish_report

    with _connect(args, read_only=True) as con:
        result = publish_report(con, out_dir=Path(args.out), publish_mode=args.publish_mode)
        result.edition_dir = publish_edition(
            con, Path(args.out) / "editions", publish_mode=args.publish_mode, now=result.generated_at
        ).folder
    print(escape_controls(result.summary_text(), keep_newlines=True))
    return 0


def cmd_publish_db(args) -> int:
    from .publish.edition import publish_edition

    with _connect(args, read_only=True) as con:
        result = publish_edition(con, Path(args.out), publish_mode=args.publish_mode)
    print(result.summary_text())
    return 0


def cmd_serve(args) -> int:
    from .publish.datasette import serve

    return serve(Path(args.edition), port=args.port)


def cmd_lookup(args) -> int:
    from .lookup.answer import AliasResolver, read_inputs, run_lookup

    texts = read_inputs(args.query, args.from_file)
    settings = _settings(args)
    client = None
    if settings.flickr_api_key:  # path aliases the database does not know are asked of Flickr
        from .flickr.client import FlickrClient

        client = FlickrClient.from_settings(settings)
    try:
        with _connect(args, read_only=True) as con:
            run = run_lookup(con, texts, AliasResolver(client) if client else None)
    finally:
        if client:
            client.close()
    removal = getattr(args, "removal_request", False)
    if args.json:
        _print_json(run.as_dict(removal))
    elif text := run.as_text(removal):  # built once: for the busiest accounts it walks every photo
        print(text)
    for line in run.error_lines():
        print(line, file=sys.stderr)
    return run.exit_code


def cmd_migrate(args) -> int:
    from .db import migrate_file

    _plan, lines = migrate_file(_settings(args).db_path, dry_run=args.dry_run, backup=not args.no_backup)
    print(escape_controls("\n".join(lines), keep_newlines=True))
    return 0


def cmd_optout_add(args) -> int:
    from .optout import add_optout

    kind, value = ("user", args.user) if args.user else ("photo", args.photo)
    with _connect(args) as con:
        entry = add_optout(con, kind, value, note=args.note)
    print(
        f"opt-out recorded: {entry.kind} {entry.value} at {entry.requested_at:%Y-%m-%d %H:%M:%S} UTC"
        + (f" ({escape_controls(entry.note)})" if entry.note else "")
    )
    return 0


def cmd_optout_list(args) -> int:
    from .optout import list_optouts

    with _connect(args, read_only=True) as con:
        entries = list_optouts(con)
    if args.json:
        _print_json([entry.as_dict() for entry in entries])
    else:
        for entry in entries:
            note = escape_controls(entry.note or "")
            print(
                f"{entry.requested_at:%Y-%m-%d %H:%M:%S}  {entry.kind:5}  {escape_controls(entry.value)}  {note}".rstrip()
            )
        print(f"{len(entries)} opt-out(s)")
    return 0


def cmd_optout_import(args) -> int:
    from .optout import import_optouts

    with _connect(args) as con:
        count = import_optouts(con, Path(args.csv))
    print(f"imported {count} opt-out(s) from {escape_controls(args.csv)}")
    return 0
