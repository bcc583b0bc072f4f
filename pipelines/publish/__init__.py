"""Publish: what readers get after the report: the edition, the search index, Datasette, pseudonyms and the leak scan."""
