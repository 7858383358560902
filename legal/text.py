"""Structure of a legal document body: title lines, preamble, numbered sections.

Bodies are plain text (see ``legal/documents/``): the title, ``Version ...``,
``Effective ...``, a preamble, then sections whose headings are the only lines that
start with ``<n>. ``. Paragraphs are separated by blank lines; wrapped lines are
joined back together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(\d+)\. (\S.*)$")


@dataclass
class Section:
    number: int
    heading: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class ParsedDocument:
    title: str
    version_line: str
    effective_line: str
    preamble: list[str]
    sections: list[Section]


def _paragraphs(lines: list[str]) -> list[str]:
    text = "\n".join(lines).strip()
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def parse(body: str) -> ParsedDocument:
    lines = body.replace("\r\n", "\n").split("\n")
    if len(lines) < 4:
        raise ValueError("A legal document needs a title, a version line and an effective-date line.")
    title, version_line, effective_line = (line.strip() for line in lines[:3])
    preamble: list[str] = []
    sections: list[Section] = []
    current: list[str] = preamble
    for line in lines[3:]:
        match = _HEADING.match(line)
        if match:
            sections.append(Section(int(match.group(1)), match.group(2).strip()))
            current = []
            sections[-1].paragraphs = current
        else:
            current.append(line)
    numbers = [s.number for s in sections]
    if numbers != list(range(1, len(sections) + 1)):
        raise ValueError(f"Sections must be numbered 1..n in order; found {numbers}")
    parsed_sections = [Section(s.number, s.heading, _paragraphs(s.paragraphs)) for s in sections]
    return ParsedDocument(title, version_line, effective_line, _paragraphs(preamble), parsed_sections)
