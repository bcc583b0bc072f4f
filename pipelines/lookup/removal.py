"""Removal requests a photographer can send: one per dataset version holding their photos.

The wording lives here only. `ccaudit lookup --removal-request` fills it in Python; the search
index carries REQUEST_TEMPLATE and each source's route line and address to search.html, whose
JavaScript only substitutes the same fields, so page and CLI give the same text (tested).

Routes come from the dataset catalogue (pipelines/catalog/datasets.toml): an e-mail address or a
form URL only where a source publishes one, and otherwise what the dataset says to do, or that no
route is published.
"""

from __future__ import annotations

REQUEST_TEMPLATE = (
    "{route}\n"
    "\n"
    "To: {to}\n"
    "Subject: Removal request: my Flickr photos in {dataset}\n"
    "\n"
    "Hello,\n"
    "\n"
    "I am the photographer behind the Flickr account {account}. {dataset} holds {count} of my photos, "
    "listed below. Please remove them, and anything derived from them, from the dataset and from every "
    "copy you distribute, and tell me when this is done.\n"
    "\n"
    "{links}\n"
    "\n"
    "Thank you.\n"
)
FIELDS = ("route", "to", "dataset", "account", "count", "links")


def route_line(catalog: dict | None) -> str:
    """How to send the request, with its source, in one paragraph."""
    catalog = catalog or {}
    who = catalog.get("publisher") or "the dataset's publisher"
    page = catalog.get("home_page")
    kind, contact, asks = (
        catalog.get("removal_kind"),
        catalog.get("removal_contact"),
        catalog.get("removal_asks"),
    )
    source = catalog.get("removal_source")
    if kind == "form":
        line = f"Use {who}'s removal form" + (
            f": {contact}" if contact else " (no form address is published)"
        )
    elif kind == "email":
        line = f"Send this by e-mail to {who}" + (f" at {contact}" if contact else "")
        if not contact:
            line += ". No e-mail address is published in ccaudit's sources" + (
                f"; look for one on {page}" if page else ""
            )
    else:
        return (
            f"No removal route is published for this dataset. You can still send this to {who}"
            + (f" (see {page})" if page else "")
            + "."
        )
    if asks:
        line += f". The route asks for {asks}"
    return line + "." + (f" Source: {source}." if source else "")


def recipient(catalog: dict | None) -> str:
    """The To: line: a published e-mail address, else what to do instead."""
    catalog = catalog or {}
    if catalog.get("removal_kind") == "email" and catalog.get("removal_contact"):
        return catalog["removal_contact"]
    return "(no published address)"


def mailto_address(catalog: dict | None) -> str | None:
    catalog = catalog or {}
    return catalog.get("removal_contact") if catalog.get("removal_kind") == "email" else None


def photo_link(owner: str | None, photo_id: int) -> str:
    """The photo's page on Flickr: under its account when known, else Flickr's id-only form."""
    if owner:
        return f"https://www.flickr.com/photos/{owner}/{photo_id}/"
    return f"https://www.flickr.com/photo.gne?id={photo_id}"


def request_text(
    catalog: dict | None, dataset: str, account: str, owner: str | None, photo_ids: list[int]
) -> str:
    count = f"{len(photo_ids):,}"
    links = "\n".join(photo_link(owner, pid) for pid in photo_ids)
    return REQUEST_TEMPLATE.format(
        route=route_line(catalog),
        to=recipient(catalog),
        dataset=dataset,
        account=account,
        count=count,
        links=links,
    )
