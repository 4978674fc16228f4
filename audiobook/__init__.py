"""audiobook: turn a written article into a produced, chaptered audio edition and podcast feed.

The library API mirrors the CLI: :func:`audiobook.pipeline.build` does what ``audiobook build``
does, :func:`audiobook.pipeline.prepare` what ``audiobook sections`` shows.
"""

__version__ = "0.1.0"
