"""The publishing settings: ``params/publishing.yaml``'s disclosure rule and small-numbers rule, read
and validated.

Which small counts a published table below force level suppresses (``disclosure``: the range, the
symbol shown, whether one more count is hidden so a total cannot give it away). Configuration, so
it lives here; :mod:`perfkit.stats.disclosure` applies the rule and re-exports these names.
``small_numbers`` (:class:`SmallNumbers`, :func:`load_small_numbers`): below which count an official
offence group is shown as counts over a longer window, without a percentage change or a test.
``board_pdf`` (:func:`board_pdf`): whether the Board paper is also published as a PDF.
``public_board_paper`` (:func:`public_board_paper`): whether the public edition has a Board paper too.

Examples
--------
>>> Rule()
Rule(smallest=1, largest=4, symbol='[c]', secondary=True)
>>> SmallNumbers()
SmallNumbers(below=50, years=3)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from perfkit import config
from perfkit.config.params import Node, content_key, load_yaml

__all__ = ["Rule", "load_rule", "SmallNumbers", "load_small_numbers", "board_pdf", "public_board_paper"]


@dataclass(frozen=True)
class Rule:
    """Suppress counts from ``smallest`` to ``largest``; show ``symbol`` instead."""

    smallest: int = 1
    largest: int = 4
    symbol: str = "[c]"
    secondary: bool = True


def load_rule() -> Rule:
    """The rule in ``params/publishing.yaml`` (defaults when the file is absent), read again
    whenever the file's content changes."""
    path = config.params_dir() / "publishing.yaml"
    return _rule_for(str(path), content_key(path))


@lru_cache(maxsize=4)
def _rule_for(path: str, digest: str) -> Rule:
    if not digest:
        return Rule()
    node = Node(load_yaml(Path(path)), "params/publishing.yaml").child("disclosure")
    node.only({"smallest", "largest", "symbol", "secondary"})
    smallest = node.int("smallest", 1, minimum=1)
    largest = node.int("largest", 4, minimum=smallest)
    return Rule(smallest, largest, node.str("symbol", "[c]"), node.bool("secondary", True))


@dataclass(frozen=True)
class SmallNumbers:
    """The small-numbers rule: a count-of-offences measure of the official statistics whose count
    in either 12-month period compared is below ``below`` is shown as counts over ``years`` years
    against the ``years`` before, with no percentage change and no test of significance."""

    below: int = 50
    years: int = 3


def load_small_numbers() -> SmallNumbers:
    """The rule in ``params/publishing.yaml`` (``small_numbers:``; defaults when absent), read again
    whenever the file's content changes."""
    path = config.params_dir() / "publishing.yaml"
    return _small_for(str(path), content_key(path))


@lru_cache(maxsize=4)
def _small_for(path: str, digest: str) -> SmallNumbers:
    if not digest:
        return SmallNumbers()
    root = Node(load_yaml(Path(path)) or {}, "params/publishing.yaml")
    if root.get("small_numbers", None) is None:
        return SmallNumbers()
    node = root.child("small_numbers")
    node.only({"below", "years"})
    return SmallNumbers(node.int("below", 50, minimum=1), node.int("years", 3, minimum=2))


def board_pdf() -> bool:
    """``board_pdf`` of ``params/publishing.yaml``: whether a run writes the Board paper's PDF
    (``board/board-pack.pdf``) beside its HTML; true when the file or the key is absent. An office
    that circulates only the HTML paper can turn it off (the PDF takes a third of a full run).

    Raises
    ------
    ConfigError
        If the key is not true or false (the message names the file and key).
    """
    return _setting("board_pdf", True)


def public_board_paper() -> bool:
    """``public_board_paper`` of ``params/publishing.yaml``: whether a run also writes the Board
    paper's public edition (``board-pack.html`` at the quarter's root, made from the public pages
    only, and its PDF when :func:`board_pdf` is true), for a committee system that publishes Board
    papers beside the agenda. False when the file or the key is absent.

    Raises
    ------
    ConfigError
        If the key is not true or false (the message names the file and key).
    """
    return _setting("public_board_paper", False)


def _setting(key: str, default: bool) -> bool:
    """A true-or-false key of ``params/publishing.yaml``, ``default`` when the file or key is absent;
    read once per content of the file."""
    path = config.params_dir() / "publishing.yaml"
    return _setting_in(str(path), content_key(path), key, default)


@lru_cache(maxsize=16)
def _setting_in(path: str, digest: str, key: str, default: bool) -> bool:
    if not digest:
        return default
    return Node(load_yaml(Path(path)) or {}, "params/publishing.yaml").bool(key, default)
