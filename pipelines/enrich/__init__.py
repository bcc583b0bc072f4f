"""Enrich: re-check photos and uploaders against the live Flickr API (client in `pipelines.flickr`)."""
