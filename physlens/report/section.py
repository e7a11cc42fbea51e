"""A report section: one experiment's interpretations, figures and headline numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from physlens.methods.base import Interpretation, _jsonable


@dataclass
class Figure:
    """A figure as inline SVG text (no files, no network), with a caption."""

    caption: str
    svg: str


@dataclass
class Section:
    """One experiment of the tour or one block of a report.

    ``passed`` is the experiment's headline claim checked against truth (for example
    "both oscillator laws recovered exactly"); ``values`` go to results.json.
    """

    key: str
    title: str
    text: str
    passed: bool
    interpretations: list[Interpretation] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    tables: list[Any] = field(default_factory=list)  # pandas DataFrames shown as HTML tables, or ready HTML text
    verdict_labels: tuple[str, str] = ("recovered", "not recovered")  # what the badge says when passed / not

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "passed": bool(self.passed),
            "values": _jsonable(self.values),
            "interpretations": [i.to_dict() for i in self.interpretations],
        }
