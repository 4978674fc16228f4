"""Progress of a build on stderr, for the commands that build (build, edition)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from audiobook import pipeline
from audiobook.cli_options import err
from audiobook.models import Segment


class RichReporter(pipeline.Reporter):
    """Status lines and two progress bars on stderr: sentences spoken (with sections done),
    then sentences encoded into the episode, each with elapsed time and ETA. Speech runs
    ahead of the encoder, so one bar alone would sit at 100% while the MP3 is still being
    written."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.progress: Progress | None = None
        self.task: Any = None
        self.encode_task: Any = None
        self.section_sizes: dict[int, int] = {}
        self.done_in_section: dict[int, int] = {}

    def note(self, message: str) -> None:
        if not self.quiet:
            err.print(message, markup=False)

    def start_speaking(self, segments: Sequence[Segment]) -> None:
        for seg in segments:
            self.section_sizes[seg.section] = self.section_sizes.get(seg.section, 0) + 1
        if self.quiet:
            return
        self.progress = Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            TextColumn("{task.fields[sections]}"),
            MofNCompleteColumn(),
            TextColumn("sentences"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err,
        )
        self.progress.start()
        self.task = self.progress.add_task(
            "speaking", total=len(segments), sections=self._sections_text()
        )
        self.encode_task = self.progress.add_task("encoding", total=len(segments), sections="")

    def _sections_text(self) -> str:
        done = sum(1 for s, n in self.section_sizes.items() if self.done_in_section.get(s, 0) >= n)
        return f"sections {done}/{len(self.section_sizes)} ·"

    def spoke(self, segment: Segment) -> None:
        self.done_in_section[segment.section] = self.done_in_section.get(segment.section, 0) + 1
        if self.progress is not None:
            self.progress.update(self.task, advance=1, sections=self._sections_text())

    def encoded(self, segment: Segment) -> None:
        if self.progress is not None:
            self.progress.update(self.encode_task, advance=1)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
