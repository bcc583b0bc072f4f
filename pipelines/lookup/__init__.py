"""Lookup: "am I in it?" for a photographer (names, NSIDs, links, photo ids)."""
