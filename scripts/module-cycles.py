#!/usr/bin/env python3
"""Module cycles of the Rust crates: which module uses which, and every loop.

    scripts/module-cycles.py                      every crate under crates/
    scripts/module-cycles.py crates/persistence   one crate (or several)

For each crate target (src/lib.rs, src/main.rs, src/bin/*.rs) the module tree
is read from the `mod name;` declarations, as rustc does (name.rs or
name/mod.rs; lib.rs and main.rs are the crate root, x/mod.rs is `x`). Then
every file's uses of its own crate are collected: the paths that start with
`crate::`, `super::`, `self::` or a child module's name, in `use` statements
and inline in code (including attributes), and the paths that go through a
name a `use` bound (`use crate::routes;` then `routes::system::live`). A path
counts for the longest prefix of it that is a module file:
`crate::referrals::NewChild` is an edge to `referrals`, `crate::StoreResult`
an edge to the crate root.

Not edges:
  - a module's uses of itself, which includes `use super::*` in an inline
    `#[cfg(test)] mod tests { ... }` block of the same file;
  - a parent declaring `mod child;` (but a parent *using* a child's items is);
  - a `pub use` (any `pub(...)` too) by a module of one of its own
    descendants: a re-export only publishes the child's items under the
    parent's path (like `pub mod` does), the parent's code does not use them.
    A re-export of anything else (a sibling, a parent) is an edge.
Comments (doc comments included), string and char literals and `$crate` in
macros are skipped.

Prints each strongly connected component of more than one module with the
edges inside it (file:line and the path used, so that one sees what to move)
and exits 1 if there is any; exits 0 and prints a one-line summary otherwise.
Python 3 standard library only; tests in scripts/tests/.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# --------------------------------------------------------------------------
# Lexer: identifiers, `::` and single punctuation, with their line numbers;
# comments, literals and lifetimes dropped.


@dataclass(frozen=True)
class Tok:
    text: str
    line: int


def _is_ident_start(c: str) -> bool:
    return c == "_" or c.isalpha()


def _is_ident_char(c: str) -> bool:
    return c == "_" or c.isalnum()


def tokenize(src: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n, line = 0, len(src), 1

    def skip_quoted(j: int) -> int:
        """From just after an opening `"`, to just after its closing `"`."""
        nonlocal line
        while j < n:
            c = src[j]
            if c == "\\":
                if j + 1 < n and src[j + 1] == "\n":
                    line += 1
                j += 2
                continue
            if c == "\n":
                line += 1
            if c == '"':
                return j + 1
            j += 1
        return n

    def skip_raw(j: int) -> int | None:
        """At `r`, `r#`..: a raw string `r#*"..."#*`; None if it is not one."""
        nonlocal line
        k = j + 1
        hashes = 0
        while k < n and src[k] == "#":
            hashes += 1
            k += 1
        if k >= n or src[k] != '"':
            return None
        close = '"' + "#" * hashes
        end = src.find(close, k + 1)
        end = n if end < 0 else end + len(close)
        line += src.count("\n", j, end)
        return end

    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif src.startswith("//", i):
            end = src.find("\n", i)
            i = n if end < 0 else end
        elif src.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if src[i] == "\n":
                        line += 1
                    i += 1
        elif c == '"':
            i = skip_quoted(i + 1)
        elif c in "bc" and i + 1 < n and src[i + 1] == '"':
            i = skip_quoted(i + 2)
        elif c == "r" and i + 1 < n and src[i + 1] in '"#' and (
            end := skip_raw(i)
        ) is not None:
            i = end
        elif c in "bc" and src.startswith("r", i + 1) and (end := skip_raw(i + 1)) is not None:
            i = end
        elif c == "b" and i + 1 < n and src[i + 1] == "'":
            i += 1  # byte char literal: handled as a char literal below
        elif c == "'":
            # A char literal ('x', '\n', '\u{..}') or a lifetime/label ('a).
            if i + 1 < n and src[i + 1] == "\\":
                j = i + 2
                while j < n and src[j] != "'":
                    j += 1
                i = j + 1
            elif i + 2 < n and src[i + 2] == "'":
                i += 3
            else:
                i += 1  # a lifetime: its name follows as an identifier
        elif c == "r" and src.startswith("r#", i) and i + 2 < n and _is_ident_start(src[i + 2]):
            j = i + 2
            while j < n and _is_ident_char(src[j]):
                j += 1
            toks.append(Tok(src[i + 2 : j], line))
            i = j
        elif _is_ident_start(c):
            j = i
            while j < n and _is_ident_char(src[j]):
                j += 1
            toks.append(Tok(src[i:j], line))
            i = j
        elif c.isdigit():
            j = i
            while j < n and (_is_ident_char(src[j]) or src[j] == "."):
                if src[j] == "." and not (j + 1 < n and src[j + 1].isdigit()):
                    break
                j += 1
            toks.append(Tok("0", line))
            i = j
        elif src.startswith("::", i):
            toks.append(Tok("::", line))
            i += 2
        else:
            toks.append(Tok(c, line))
            i += 1
    return toks


# --------------------------------------------------------------------------
# Parsing: `mod` declarations, `use` trees and inline paths of one file.


@dataclass
class RawUse:
    """A path as written, before it is made absolute."""

    segments: list[str]  # e.g. ["super", "audit", "record"]; a glob ends with "*"
    line: int
    text: str  # how to show it
    inline: tuple[str, ...]  # the inline modules (`mod x { .. }`) it sits in
    reexport: bool  # a `pub use`
    binds: str | None = None  # the name a `use` brings into scope


@dataclass
class ParsedFile:
    mods: list[str] = field(default_factory=list)  # `mod x;` at file level
    uses: list[RawUse] = field(default_factory=list)


PATH_STARTS = {"crate", "super", "self"}


def _parse_use_tree(
    toks: list[Tok], i: int, prefix: list[str], out: list[tuple[list[str], str | None]]
) -> int:
    """Parses one use tree at toks[i]; appends each full path with the name
    it binds (None for a glob or `_`) to out; returns the index after it."""
    path = list(prefix)
    if i < len(toks) and toks[i].text == "::":  # `use ::ext::x` (2015 style)
        path.append("::")
        i += 1

    def rename(k: int, name: str) -> tuple[int, str | None]:
        if k + 1 < len(toks) and toks[k].text == "as":
            other = toks[k + 1].text
            return k + 2, (None if other == "_" else other)
        return k, name

    while i < len(toks):
        t = toks[i].text
        if t == "{":
            i += 1
            while i < len(toks) and toks[i].text != "}":
                before = i
                i = _parse_use_tree(toks, i, path, out)
                if i < len(toks) and toks[i].text == ",":
                    i += 1
                if i == before:
                    i += 1  # not a use tree: step over it
            return i + 1
        if t == "*":
            out.append((path + ["*"], None))
            return i + 1
        if not _is_ident_start(t[0]):
            return i  # anything unexpected: stop at it
        if t == "self" and prefix and path == prefix:
            # `{self, ..}`: the prefix itself
            i, bound = rename(i + 1, path[-1])
            out.append((list(path), bound))
            return i
        path.append(t)
        i += 1
        if i < len(toks) and toks[i].text == "::":
            i += 1
            continue
        i, bound = rename(i, t)
        out.append((path, bound))
        return i
    return i


def parse_file(src: str) -> ParsedFile:
    toks = tokenize(src)
    pf = ParsedFile()
    n = len(toks)
    depth = 0
    inline: list[tuple[str, int]] = []  # (name, brace depth inside it)
    i = 0

    def inline_names() -> tuple[str, ...]:
        return tuple(name for name, _ in inline)

    def is_reexport(k: int) -> bool:
        """Whether the `use` at toks[k] is preceded by a visibility."""
        j = k - 1
        if j >= 0 and toks[j].text == ")":
            while j >= 0 and toks[j].text != "(":
                j -= 1
            j -= 1
        return j >= 0 and toks[j].text == "pub"

    while i < n:
        t = toks[i].text
        if t == "{":
            depth += 1
            i += 1
            continue
        if t == "}":
            depth -= 1
            if inline and inline[-1][1] > depth:
                inline.pop()
            i += 1
            continue
        if t == "mod" and i + 2 < n and _is_ident_start(toks[i + 1].text[0]):
            name, after = toks[i + 1].text, toks[i + 2].text
            if after == ";" and not inline:
                pf.mods.append(name)
            elif after == "{":
                depth += 1
                inline.append((name, depth))
                i += 3
                continue
            i += 2
            continue
        if t == "pub" and i + 2 < n and toks[i + 1].text == "(" and toks[i + 2].text == "in":
            # `pub(in crate::x)`: a visibility, not a use
            while i < n and toks[i].text != ")":
                i += 1
            continue
        if t == "use" and not (i + 1 < n and toks[i + 1].text == "<"):
            paths: list[tuple[list[str], str | None]] = []
            end = _parse_use_tree(toks, i + 1, [], paths)
            reexport = is_reexport(i)
            for p, binds in paths:
                shown = "::".join(p)
                pf.uses.append(
                    RawUse(p, toks[i].line, f"use {shown}", inline_names(), reexport, binds)
                )
            while end < n and toks[end].text != ";":
                end += 1
            i = end + 1
            continue
        if _is_ident_start(t[0]) and i + 1 < n and toks[i + 1].text == "::":
            prev = toks[i - 1].text if i else ""
            if prev in ("::", "$", "."):
                # the middle of a path, `$crate` in a macro, a method's turbofish
                i += 1
                continue
            segs = [t]
            j = i + 1
            while j + 1 < n and toks[j].text == "::" and _is_ident_start(toks[j + 1].text[0]):
                segs.append(toks[j + 1].text)
                j += 2
            pf.uses.append(RawUse(segs, toks[i].line, "::".join(segs), inline_names(), False))
            i = j
            continue
        i += 1
    return pf


# --------------------------------------------------------------------------
# Module trees and edges.

Mod = tuple[str, ...]  # module path from the target's root; () is the root


@dataclass
class Target:
    name: str  # "lib", "main", "bin/x"
    root_file: Path
    files: dict[Mod, Path] = field(default_factory=dict)
    parsed: dict[Mod, ParsedFile] = field(default_factory=dict)


@dataclass
class Edge:
    src: Mod
    dst: Mod
    where: list[tuple[Path, int, str]]


def _child_file(parent_file: Path, parent_is_dir_owner: bool, name: str) -> Path | None:
    base = parent_file.parent if parent_is_dir_owner else parent_file.with_suffix("")
    for cand in (base / f"{name}.rs", base / name / "mod.rs"):
        if cand.is_file():
            return cand
    return None


def load_target(name: str, root_file: Path, warnings: list[str]) -> Target:
    target = Target(name, root_file)
    stack: list[tuple[Mod, Path, bool]] = [((), root_file, True)]
    while stack:
        mod, path, owns_dir = stack.pop()
        target.files[mod] = path
        pf = parse_file(path.read_text(encoding="utf-8"))
        target.parsed[mod] = pf
        for child in pf.mods:
            f = _child_file(path, owns_dir, child)
            if f is None:
                warnings.append(f"{path}: no file for `mod {child};`")
                continue
            stack.append((mod + (child,), f, f.name == "mod.rs"))
    return target


def absolute(
    use: RawUse, mod: Mod, children: set[str], aliases: dict[tuple[str, ...], dict[str, list[str]]]
) -> list[str] | None:
    """The path from the crate root, or None for another crate's path."""
    segs = use.segments
    here = list(mod) + list(use.inline)
    first = segs[0]
    if first == "crate":
        return segs[1:]
    if first in ("self", "super"):
        base = here
        k = 0
        while k < len(segs) and segs[k] in ("self", "super"):
            if segs[k] == "super":
                if not base:
                    return None  # `super` above the root: not ours to judge
                base = base[:-1]
            k += 1
        return base + segs[k:]
    if not use.inline and first in children:
        return list(mod) + segs
    bound = aliases.get(use.inline, {}).get(first)
    if bound is not None and len(segs) > 1:
        return bound + segs[1:]
    return None


def aliases_of(pf: ParsedFile, mod: Mod, children: set[str]) -> dict[tuple[str, ...], dict[str, list[str]]]:
    """The names each scope's `use` statements bind to a path of this crate
    (`use crate::routes;` binds `routes`, `use crate::catalogue as cat;`
    binds `cat`), so that `routes::system::live` counts for `routes::system`.
    A scope is approximated by the inline module the `use` sits in."""
    aliases: dict[tuple[str, ...], dict[str, list[str]]] = defaultdict(dict)
    for _ in range(3):  # a `use` may go through a name another one binds
        for use in pf.uses:
            if use.binds is None or not use.text.startswith("use "):
                continue
            path = absolute(use, mod, children, aliases)
            if path is not None:
                aliases[use.inline][use.binds] = path
    return aliases


def resolve(path: list[str], modules: set[Mod]) -> Mod:
    for k in range(len(path), -1, -1):
        if tuple(path[:k]) in modules:
            return tuple(path[:k])
    return ()


def edges_of(target: Target) -> dict[tuple[Mod, Mod], Edge]:
    modules = set(target.files)
    children_of: dict[Mod, set[str]] = defaultdict(set)
    for m in modules:
        if m:
            children_of[m[:-1]].add(m[-1])
    edges: dict[tuple[Mod, Mod], Edge] = {}
    for mod, pf in target.parsed.items():
        aliases = aliases_of(pf, mod, children_of[mod])
        for use in pf.uses:
            path = absolute(use, mod, children_of[mod], aliases)
            if path is None:
                continue
            dst = resolve([s for s in path if s != "*"], modules)
            if dst == mod:
                continue
            if use.reexport and dst[: len(mod)] == mod:
                continue  # a parent re-exporting its descendant
            e = edges.setdefault((mod, dst), Edge(mod, dst, []))
            e.where.append((target.files[mod], use.line, use.text))
    return edges


def sccs(nodes: list[Mod], succ: dict[Mod, list[Mod]]) -> list[list[Mod]]:
    """Tarjan's strongly connected components (iterative)."""
    index: dict[Mod, int] = {}
    low: dict[Mod, int] = {}
    on_stack: set[Mod] = set()
    stack: list[Mod] = []
    out: list[list[Mod]] = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(succ.get(start, [])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ.get(w, []))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
    return out


def show(mod: Mod) -> str:
    return "::".join(mod) if mod else "crate"


def find_cycles(target: Target) -> list[tuple[list[Mod], list[Edge]]]:
    edges = edges_of(target)
    succ: dict[Mod, list[Mod]] = defaultdict(list)
    for s, d in sorted(edges):
        succ[s].append(d)
    found = []
    for comp in sccs(sorted(target.files), succ):
        if len(comp) < 2:
            continue
        members = set(comp)
        inside = [e for (s, d), e in sorted(edges.items()) if s in members and d in members]
        found.append((sorted(comp), inside))
    found.sort(key=lambda c: c[0])
    return found


def shortest_loop(start: Mod, inside: list[Edge]) -> list[Mod]:
    """A shortest path start -> .. -> start over the edges of one component."""
    succ: dict[Mod, list[Mod]] = defaultdict(list)
    for e in inside:
        succ[e.src].append(e.dst)
    prev: dict[Mod, Mod] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in succ[v]:
                if w == start:
                    back = [v]
                    while back[-1] != start:
                        back.append(prev[back[-1]])
                    return back[::-1] + [start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start]


def targets_of(crate: Path, warnings: list[str]) -> list[Target]:
    src = crate / "src"
    roots = []
    if (src / "lib.rs").is_file():
        roots.append(("lib", src / "lib.rs"))
    if (src / "main.rs").is_file():
        roots.append(("main", src / "main.rs"))
    for b in sorted((src / "bin").glob("*.rs")) if (src / "bin").is_dir() else []:
        roots.append((f"bin/{b.stem}", b))
    targets = [load_target(name, f, warnings) for name, f in roots]
    reached = {p.resolve() for t in targets for p in t.files.values()}
    for f in sorted(src.rglob("*.rs")):
        if f.resolve() not in reached:
            warnings.append(f"{f}: not reached from any crate root (not checked)")
    return targets


def report(crates: list[Path], out=sys.stdout, base: Path | None = None) -> int:
    """Checks the crates, prints what it finds; the number of cycles."""
    total_cycles = 0
    total_modules = 0
    total_edges = 0
    for crate in crates:
        warnings: list[str] = []
        for target in targets_of(crate, warnings):
            total_modules += len(target.files)
            total_edges += len(edges_of(target))
            label = crate.name if target.name == "lib" else f"{crate.name} ({target.name})"
            for comp, inside in find_cycles(target):
                total_cycles += 1
                names = ", ".join(show(m) for m in comp)
                print(f"cycle in {label} ({len(comp)} modules): {names}", file=out)
                loop = " -> ".join(show(m) for m in shortest_loop(comp[0], inside))
                print(f"  for example {loop}", file=out)
                for e in inside:
                    print(f"  {show(e.src)} -> {show(e.dst)}", file=out)
                    for path, line, text in e.where[:4]:
                        shown = path.relative_to(base) if base and path.is_relative_to(base) else path
                        print(f"      {shown}:{line}  {text}", file=out)
                    if len(e.where) > 4:
                        print(f"      ... and {len(e.where) - 4} more", file=out)
        for w in warnings:
            print(f"warning: {w}", file=out)
    verdict = f"{total_cycles} cycle(s)" if total_cycles else "no cycle"
    print(
        f"module-cycles: {len(crates)} crate(s), {total_modules} modules, "
        f"{total_edges} edges: {verdict}",
        file=out,
    )
    return total_cycles


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("crates", nargs="*", type=Path, help="crate folders (default: crates/*)")
    args = ap.parse_args(argv)
    repo = Path(__file__).resolve().parent.parent
    crates = args.crates or sorted(p for p in (repo / "crates").iterdir() if (p / "src").is_dir())
    for c in crates:
        if not (c / "src").is_dir():
            print(f"module-cycles: {c} has no src/ folder", file=sys.stderr)
            return 2
    base = Path.cwd()
    return 1 if report([c.resolve() for c in crates], base=base) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
