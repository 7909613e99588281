"""Parse one YAML document into plain Python values that remember where they were.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two
equal mapping keys, which Kestra rejects. So documents are *composed* (the node
graph carries start marks) and converted here into ``YMap``/``YList`` (a dict
and a list that keep the mark of every key and value). Scalars become ordinary
Python values; their marks live in the container that holds them.

The C composer (libyaml) is used when PyYAML was built with it: it is several
times faster than the pure-Python one, and the speed goal (1,000 flow files in
2 s) depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kestra_init.flows.marks import Mark
from kestra_init.project import yaml_loader

_STR = "tag:yaml.org,2002:str"


def _fast_resolver(base: Any) -> Any:
    """``base`` with a shorter tag resolution for scalars.

    The composer asks the loader for the tag of every scalar; PyYAML's general
    answer also walks path resolvers, which the safe loaders never have. This
    one gives the same tags (the implicit resolvers by first character, else
    `str`) in fewer steps: it is called about a hundred times per flow.
    """
    by_first = base.yaml_implicit_resolvers
    if by_first.get(None) or base.yaml_path_resolvers:
        return base  # a loader set up differently: keep its own answer

    class FastLoader(base):
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode:
                if implicit[0]:
                    for tag, pattern in by_first.get(value[:1], ()):
                        if pattern.match(value):
                            return tag
                return _STR
            return super().resolve(kind, value, implicit)

    return FastLoader


# libyaml's composer when PyYAML was built with it (the speed goal needs it).
_Loader = _fast_resolver(yaml_loader())

# Anchors and aliases can make a small text expand into a huge tree (the
# "billion laughs" document) or a loop (`a: &a [*a]`); both stop here.
MAX_NODES = 200_000
MAX_DEPTH = 200

_TAG = "tag:yaml.org,2002:"
_MERGE = _TAG + "merge"
_constructor = SafeConstructor()
_new_mark = tuple.__new__


class YMap(dict):
    """A mapping with the mark of each key and of each value."""

    __slots__ = ("key_marks", "mark", "value_marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[str, Mark] = {}
        self.value_marks: dict[str, Mark] = {}


class YList(list):
    """A sequence with the mark of each item."""

    __slots__ = ("item_marks", "mark")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []


@dataclass(frozen=True)
class DuplicateKey:
    key: str
    mark: Mark  # the second occurrence
    first: Mark


@dataclass(frozen=True)
class ParseError:
    message: str
    mark: Mark
    too_complex: bool = False


@dataclass
class ParsedDocument:
    """The value of one document (None when empty or unparsable) and what went wrong."""

    value: Any = None
    error: ParseError | None = None
    duplicates: list[DuplicateKey] = field(default_factory=list)


class _TooComplex(Exception):
    pass


def parse_document(text: str, first_line: int = 1) -> ParsedDocument:
    """Compose ``text`` (one YAML document) and convert it; never raises for bad input.

    ``first_line`` is the line of the document's first line in its file, so the
    marks point into the file rather than into the document.
    """
    offset = first_line - 1
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        # An unclosed quote or bracket is noticed at the end of the text; where
        # it was opened is the useful place to point at.
        if error.context_mark is not None and "end of stream" in (error.problem or ""):
            mark = error.context_mark
        where = Mark(mark.line + 1 + offset, mark.column + 1) if mark else Mark(first_line, 0)
        return ParsedDocument(error=ParseError(_describe(error), where))
    except yaml.YAMLError as error:
        return ParsedDocument(error=ParseError(str(error).strip(), Mark(first_line, 0)))
    except (RecursionError, MemoryError, ValueError) as error:
        # The pure-Python composer recurses once per nesting level; libyaml
        # stops itself earlier with a ScannerError.
        message = f"the document could not be read ({type(error).__name__})"
        return ParsedDocument(error=ParseError(message, Mark(first_line, 0), too_complex=True))
    if node is None:
        return ParsedDocument()
    converter = _Converter(offset)
    try:
        value = converter.convert(node, 0)
    except _TooComplex as error:
        return ParsedDocument(
            error=ParseError(str(error), Mark(first_line, 0), too_complex=True),
            duplicates=converter.duplicates,
        )
    return ParsedDocument(value=value, duplicates=converter.duplicates)


def _describe(error: yaml.MarkedYAMLError) -> str:
    parts = [error.context or "", error.problem or ""]
    return ", ".join(part.strip() for part in parts if part and part.strip()) or "invalid YAML"


class _Converter:
    def __init__(self, line_offset: int) -> None:
        self.offset = line_offset
        self.count = 0
        self.duplicates: list[DuplicateKey] = []

    def mark(self, node: Node) -> Mark:
        start = node.start_mark
        # tuple.__new__ skips the NamedTuple's Python-level constructor: marks are
        # made for every key and value, so this is measurable on large folders.
        return _new_mark(
            Mark, (start.line + 1 + self.offset, start.column + 1, getattr(node, "style", None))
        )

    def convert(self, node: Node, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooComplex(
                f"the document expands to more than {MAX_NODES:,} values "
                "(anchors and aliases that repeat themselves)"
            )
        if depth > MAX_DEPTH:
            raise _TooComplex(
                f"the document nests deeper than {MAX_DEPTH} levels "
                "(or an alias refers to a value that contains it)"
            )
        if isinstance(node, ScalarNode):
            return _scalar(node)
        if isinstance(node, SequenceNode):
            items = YList(self.mark(node))
            for child in node.value:
                items.append(self.convert(child, depth + 1))
                items.item_marks.append(self.mark(child))
            return items
        if isinstance(node, MappingNode):
            return self.mapping(node, depth)
        return None  # pragma: no cover - the composer makes only these three kinds

    def mapping(self, node: MappingNode, depth: int) -> YMap:
        result = YMap(self.mark(node))
        merged: list[tuple[str, Any, Mark, Mark]] = []
        key_marks, value_marks = result.key_marks, result.value_marks
        offset = self.offset + 1
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(self.merge_entries(value_node, depth))
                continue
            key = key_node.value if type(key_node) is ScalarNode else self.key(key_node)
            start = key_node.start_mark
            # Marks are made inline: two per entry, the linter's most frequent step.
            key_mark = _new_mark(Mark, (start.line + offset, start.column + 1, None))
            if key in key_marks:
                self.duplicates.append(DuplicateKey(key, key_mark, key_marks[key]))
            start = value_node.start_mark
            if type(value_node) is ScalarNode:
                # A scalar value, the common case: no recursion needed.
                self.count += 1
                if self.count > MAX_NODES:
                    self.convert(value_node, depth + 1)  # raises with the message
                tag = value_node.tag
                result[key] = value_node.value if tag == _STR else _scalar(value_node)
                value_marks[key] = _new_mark(
                    Mark, (start.line + offset, start.column + 1, value_node.style)
                )
            else:
                result[key] = self.convert(value_node, depth + 1)
                value_marks[key] = _new_mark(Mark, (start.line + offset, start.column + 1, None))
            key_marks[key] = key_mark
        # `<<: *base` fills in the keys the mapping does not set itself.
        for key, value, key_mark, value_mark in merged:
            if key not in result:
                result[key] = value
                key_marks[key] = key_mark
                value_marks[key] = value_mark
        return result

    def merge_entries(self, node: Node, depth: int) -> list[tuple[str, Any, Mark, Mark]]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        entries: list[tuple[str, Any, Mark, Mark]] = []
        for source in sources:
            value = self.convert(source, depth + 1)
            if isinstance(value, YMap):
                entries.extend(
                    (key, item, value.key_marks[key], value.value_marks[key])
                    for key, item in value.items()
                )
        return entries

    def key(self, node: Node) -> str:
        if isinstance(node, ScalarNode):
            return str(node.value)
        # A list or mapping used as a key: Kestra cannot read it either; keep a
        # readable stand-in so rules can still point at it.
        return f"<{'list' if isinstance(node, SequenceNode) else 'mapping'} used as a key>"


def _scalar(node: ScalarNode) -> Any:
    tag = node.tag
    if tag == _STR or not tag.startswith(_TAG):
        return node.value
    kind = tag[len(_TAG) :]
    try:
        if kind == "int":
            return _constructor.construct_yaml_int(node)
        if kind == "float":
            return _constructor.construct_yaml_float(node)
        if kind == "bool":
            return _constructor.construct_yaml_bool(node)
        if kind == "null":
            return None
    except (ConstructorError, ValueError, KeyError):
        pass
    # Timestamps, binary and anything else stay as the text that was written:
    # Kestra reads them as strings too.
    return node.value
