"""Flickr API access: a rate-limited, retrying client (`client`), typed views of its JSON
(`models`), the token bucket (`ratelimit`) and `ccaudit enrich` (`enrich`).

Import the submodules directly (`from pipelines.enrich.run import enrich`); this package
imports nothing at load time so `import pipelines` stays light for DAG files.
"""
