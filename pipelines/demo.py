"""`ccaudit demo`: the whole pipeline on synthetic data, in a few seconds.

Generates a YFCC100M-format sample with known ground truth and derived-dataset manifests drawn
from it, ingests them, records an example opt-out, validates and writes the report. Every number
in the demo report comes from queries over the demo database; the report says it is synthetic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings
from .errors import CcauditError

DEMO_ROWS = 300_000
DEMO_SEED = 2019  # the year IBM published Diversity in Faces
DEMO_BAD_LINES = 25


@dataclass
class DemoResult:
    db_path: Path
    report_dir: Path
    steps: list[tuple[str, str]] = field(default_factory=list)
    validation_success: bool | None = None
    seconds: float = 0.0

    def summary_text(self) -> str:
        lines = [f"  {name:<10} {detail}" for name, detail in self.steps]
        lines.append(f"demo finished in {self.seconds:.1f}s")
        lines.append(f"database: {self.db_path}")
        lines.append(f"report:   {self.report_dir / 'report.html'}")
        lines.append(f"search:   {self.report_dir / 'search.html'}")
        if self.validation_success is False:
            lines.append("validation: a critical expectation failed (see the report's quality section)")
        return "\n".join(lines)


def run_demo(settings: Settings, out_dir: Path, rows: int = DEMO_ROWS, seed: int = DEMO_SEED) -> DemoResult:
    from .db import connect
    from .ingest.manifests import ingest_manifest
    from .ingest.yfcc import ingest_yfcc
    from .optout import add_optout
    from .publish.edition import publish_edition
    from .publish.report import publish_report
    from .synth.manifests import generate_manifests
    from .synth.yfcc import generate_yfcc
    from .validate.suites import validate

    started = time.monotonic()
    data_dir = out_dir / "data"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CcauditError(f"cannot use {out_dir} as the demo folder: {exc.strerror or exc}") from None
    steps: list[tuple[str, str]] = []

    yfcc_path = data_dir / "yfcc100m_dataset_sample.tsv.zst"
    if not _generated_with(yfcc_path, rows, seed):
        generated = generate_yfcc(yfcc_path, rows=rows, seed=seed, bad_lines=DEMO_BAD_LINES)
        steps.append(("generate", generated.summary_text()))
    manifests = generate_manifests(yfcc_path, data_dir / "manifests", seed=seed)
    steps.append(("manifests", f"{len(manifests)} synthetic dataset manifests in {data_dir / 'manifests'}"))

    with connect(settings.db_path) as con:
        for result in ingest_yfcc(con, [yfcc_path], progress=False):
            steps.append(("ingest", result.summary_text()))
        # An opt-out requested before the datasets were (re)built: the report must flag the
        # uploader's photos that are still distributed.
        _record_demo_optout(con, add_optout)
        for spec in manifests:
            loaded = ingest_manifest(
                con,
                spec.format,
                dataset=spec.dataset,
                version=spec.version,
                paths=list(spec.paths),
                **spec.options,
            )
            steps.append(("manifest", loaded.summary_text()))
        validation = validate(con)
        steps.append(("validate", validation.summary_text().splitlines()[0]))
        report = publish_report(con, out_dir=out_dir / "reports", publish_mode="pseudonymous")
        report.edition_dir = publish_edition(
            con, out_dir / "reports" / "editions", publish_mode="pseudonymous", now=report.generated_at
        ).folder
        steps.append(("report", report.summary_text().splitlines()[0]))
        steps.append(
            (
                "edition",
                (
                    f"readers' edition in {report.edition_dir} (`ccaudit serve --edition "
                    f"{out_dir / 'reports' / 'editions'}` browses it)"
                ),
            )
        )

    return DemoResult(
        db_path=settings.db_path,
        report_dir=Path(report.report_dir),
        steps=steps,
        validation_success=validation.success,
        seconds=time.monotonic() - started,
    )


def _generated_with(path: Path, rows: int, seed: int) -> bool:
    """Reuse a sample generated earlier with the same parameters (generation is deterministic)."""
    import json

    truth_path = path.with_name(path.name + ".truth.json")
    if not (path.exists() and truth_path.exists()):
        return False
    truth = json.loads(truth_path.read_text())
    return truth.get("rows") == rows and truth.get("seed") == seed


def _record_demo_optout(con, add_optout) -> None:
    """Opt out the busiest uploader of the sample, once."""
    top = con.execute(
        "SELECT owner_nsid FROM yfcc_photos GROUP BY owner_nsid ORDER BY count(*) DESC, owner_nsid LIMIT 1"
    ).fetchone()
    if top is None:
        return
    already = con.execute(
        "SELECT count(*) FROM optouts WHERE kind = 'user' AND value = ?", [top[0]]
    ).fetchone()[0]
    if not already:
        add_optout(con, "user", top[0], note="demo: an uploader who asked to be removed from every dataset")
