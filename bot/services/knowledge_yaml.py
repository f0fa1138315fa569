"""Reading YAML content files with line numbers, so every problem names its file and line.

PyYAML's composer gives each node its position; values are read from the node tree directly
(never through PyYAML's type guessing, so ``no`` stays the word "no" and ``2020-12`` stays text).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ContentProblem:
    """One problem in a content file."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        """The problem as file, line and message."""
        return f"{self.file}, line {self.line}: {self.message}"


class KnowledgeError(Exception):
    """Knowledge-base content is broken; ``problems`` lists each with its file and line."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        """An error listing every problem found in the content."""
        self.problems = problems
        count = f"{len(problems)} problems" if len(problems) != 1 else "1 problem"
        super().__init__(f"knowledge base: {count}\n" + "\n".join(f"  {p}" for p in problems))


def line_of(node: yaml.Node) -> int:
    """The 1-based line where ``node`` starts."""
    return node.start_mark.line + 1


def text_line(node: yaml.Node, offset: int) -> int:
    """The file line of line ``offset`` (1-based) inside a scalar's text.

    A block scalar (``|`` or ``>``) starts its text on the line after its indicator.
    """
    block = 1 if getattr(node, "style", None) in ("|", ">") else 0
    return line_of(node) + block + offset - 1


class YamlReader:
    """Reads one file's node tree and collects problems instead of stopping at the first."""

    def __init__(self, path: Path, problems: list[ContentProblem]) -> None:
        """A reader for one YAML file that records its problems in ``problems``."""
        self.path = path
        self.problems = problems
        # The line of the key each mapping value was given under: problems about a field name
        # ("unknown language 'fr'") point there rather than at the value's first line.
        self._key_lines: dict[int, int] = {}

    def key_line(self, value: yaml.Node) -> int:
        """The line of the key ``value`` belongs to (the value's own line if it has none)."""
        return self._key_lines.get(id(value), line_of(value))

    def fail(self, where: yaml.Node | int, message: str) -> None:
        """Record a problem at a node or a line number."""
        line = where if isinstance(where, int) else line_of(where)
        self.problems.append(ContentProblem(self.path, line, message))

    def compose(self) -> yaml.Node | None:
        """The file's node tree; None (with a problem recorded) if it is no readable YAML."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.fail(1, f"cannot read the file as UTF-8 text ({exc})")
            return None
        try:
            node = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            message = f"not valid YAML: {exc.problem or exc.context}"
            # The parser notices some mistakes a line late ("[Title" unclosed): name where it began.
            if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
                message += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
            self.fail(line, message)
            return None
        except yaml.YAMLError as exc:
            self.fail(1, f"not valid YAML: {exc}")
            return None
        if node is None:
            self.fail(1, "the file is empty")
        return node

    def mapping(self, node: yaml.Node, what: str) -> dict[str, yaml.Node] | None:
        """A mapping's items by key; duplicate or non-text keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a set of 'name: value' lines")
            return None
        items: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or not key_node.value.strip():
                self.fail(key_node, f"{what}: every name must be plain text")
                continue
            key = key_node.value.strip()
            if key in items:
                self.fail(key_node, f"{what}: '{key}' appears twice")
                continue
            items[key] = value_node
            self._key_lines[id(value_node)] = line_of(key_node)
        return items

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        """A list's items."""
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{what} must be a list (lines starting with '- ')")
            return None
        return list(node.value)

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        """A non-empty text value, trailing newline of block scalars removed."""
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{what} must be text, not a list or a mapping")
            return None
        value = node.value.strip()
        if not value:
            self.fail(node, f"{what} is empty")
            return None
        return value

    def strings(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        """A list of non-empty texts with their nodes (a single text counts as a list of one)."""
        if isinstance(node, yaml.ScalarNode):
            value = self.scalar(node, what)
            return [(value, node)] if value else []
        items = self.sequence(node, what) or []
        found = [(self.scalar(item, f"{what} item"), item) for item in items]
        return [(value, item) for value, item in found if value]


def content_files(folder: Path) -> list[Path]:
    """The ``*.yaml`` / ``*.yml`` files directly in ``folder``, by name (a stable order)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))
