"""Tests of scripts/module-cycles.py on tiny crates written to a temporary folder.

    python3 -m unittest discover -s scripts/tests    (or: make cycles)
"""

import importlib.util
import io
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

_SCRIPT = Path(__file__).resolve().parent.parent / "module-cycles.py"
_spec = importlib.util.spec_from_file_location("module_cycles", _SCRIPT)
mc = importlib.util.module_from_spec(_spec)
sys.modules["module_cycles"] = mc  # dataclasses look their module up there
_spec.loader.exec_module(mc)


class Fixture(unittest.TestCase):
    """A crate folder with the given files under src/."""

    def crate(self, files: dict) -> Path:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        root = Path(tmp.name) / "fixture"
        for rel, text in files.items():
            f = root / "src" / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    def edges(self, crate: Path, target: str = "lib") -> set:
        warnings = []
        (t,) = [t for t in mc.targets_of(crate, warnings) if t.name == target]
        self.assertEqual(warnings, [])
        return {(mc.show(s), mc.show(d)) for s, d in mc.edges_of(t)}

    def cycles(self, crate: Path) -> list:
        warnings = []
        found = []
        for t in mc.targets_of(crate, warnings):
            for comp, _ in mc.find_cycles(t):
                found.append([mc.show(m) for m in comp])
        return found

    def run_cli(self, crate: Path) -> tuple:
        out = io.StringIO()
        n = mc.report([crate], out=out)
        return n, out.getvalue()


ACYCLIC = {
    "lib.rs": """
        //! Uses in comments are not edges: crate::a::Thing, [`crate::b`].
        pub mod a;
        pub mod b;
        mod c;
        pub use a::Thing; // a re-export of a child: not an edge
        pub use c as old_name; // TEMP-style alias of a child module
        pub struct Root;
        """,
    "a.rs": """
        use crate::b::{self, Helper as H};
        pub struct Thing<'a>(&'a str);
        pub fn f() -> char {
            let _s = "crate::c::x is text, not a path";
            let _r = r#"a "quoted" crate::c::y"#;
            let _q = '\\'';
            b::g();
            H::new();
            'x'
        }
        """,
    "b.rs": """
        /* a block /* nested */ comment naming super::a */
        pub struct Helper;
        impl Helper { pub fn new() -> Self { Helper } }
        pub fn g() -> crate::Root { crate::Root }
        macro_rules! m { () => { $crate::a::f() }; }
        #[cfg(test)]
        mod tests {
            use super::*;
            use crate::b::Helper;
            #[test]
            fn t() { let _ = g(); let _ = Helper::new(); }
        }
        """,
    "c/mod.rs": """
        mod d;
        pub(crate) use self::d::D;
        """,
    "c/d.rs": """
        pub struct D(pub super::super::Root);
        """,
}


class Acyclic(Fixture):
    def test_edges(self):
        crate = self.crate(ACYCLIC)
        self.assertEqual(
            self.edges(crate),
            {("a", "b"), ("b", "crate"), ("c::d", "crate")},
        )

    def test_no_cycle_exit_zero(self):
        n, out = self.run_cli(self.crate(ACYCLIC))
        self.assertEqual(n, 0, out)
        self.assertIn("no cycle", out)


class Cycles(Fixture):
    def test_two_siblings(self):
        crate = self.crate(
            {
                "lib.rs": "mod a;\nmod b;\n",
                "a.rs": "use crate::b::X;\npub struct Y;\n",
                "b.rs": "pub struct X;\nfn f() { let _ = super::a::Y; }\n",
            }
        )
        self.assertEqual(self.cycles(crate), [["a", "b"]])
        n, out = self.run_cli(crate)
        self.assertEqual(n, 1)
        self.assertIn("cycle in fixture (2 modules): a, b", out)
        self.assertIn("a.rs:1  use crate::b::X", out)
        self.assertIn("b.rs:2  super::a::Y", out)

    def test_parent_using_its_child(self):
        # Declaring `mod y;` is not an edge; using y's items is.
        crate = self.crate(
            {
                "lib.rs": "mod x;\n",
                "x/mod.rs": "mod y;\npub struct P;\nfn f() { y::z(); }\n",
                "x/y.rs": "use super::P;\npub fn z() {}\n",
            }
        )
        self.assertEqual(self.cycles(crate), [["x", "x::y"]])

    def test_private_use_of_a_child_is_an_edge(self):
        crate = self.crate(
            {
                "lib.rs": "mod k;\nuse k::K;\npub struct R;\nfn f(_: K) {}\n",
                "k.rs": "pub struct K(crate::R);\n",
            }
        )
        self.assertEqual(self.cycles(crate), [["crate", "k"]])

    def test_reexport_of_a_sibling_is_an_edge(self):
        crate = self.crate(
            {
                "lib.rs": "pub mod a;\npub mod b;\n",
                "a.rs": "pub use crate::b::B;\npub struct A;\n",
                "b.rs": "pub struct B(crate::a::A);\n",
            }
        )
        self.assertEqual(self.cycles(crate), [["a", "b"]])

    def test_path_through_an_imported_module(self):
        # `use crate::routes;` then `routes::system::f` counts for routes::system.
        crate = self.crate(
            {
                "lib.rs": "pub mod routes;\npub mod openapi;\n",
                "routes/mod.rs": "pub mod system;\n",
                "routes/system.rs": "pub fn f(_: crate::openapi::Doc) {}\n",
                "openapi.rs": (
                    "use crate::routes;\npub struct Doc;\n"
                    "fn g() { routes::system::f(Doc); }\n"
                ),
            }
        )
        self.assertEqual(self.cycles(crate), [["openapi", "routes::system"]])

    def test_three_modules_loop(self):
        crate = self.crate(
            {
                "lib.rs": "mod a;\nmod b;\nmod c;\nmod d;\n",
                "a.rs": "use crate::b::B;\npub struct A;\n",
                "b.rs": "use crate::c::{C, self as cc};\npub struct B;\n",
                "c.rs": "pub struct C(pub crate::a::A);\n",
                "d.rs": "use crate::a::A;\n",
            }
        )
        self.assertEqual(self.cycles(crate), [["a", "b", "c"]])
        _, out = self.run_cli(crate)
        self.assertIn("for example a -> b -> c -> a", out)

    def test_binary_is_its_own_tree(self):
        crate = self.crate(
            {
                "lib.rs": "pub mod a;\n",
                "a.rs": "pub struct A;\n",
                "main.rs": "mod cli;\nuse cli::Args;\npub struct M;\nfn main() {}\n",
                "cli.rs": "pub struct Args(crate::M);\n",
            }
        )
        self.assertEqual(self.cycles(crate), [["crate", "cli"]])
        self.assertEqual(self.edges(crate, "main"), {("crate", "cli"), ("cli", "crate")})
        self.assertEqual(self.edges(crate, "lib"), set())


class Lexer(unittest.TestCase):
    def test_literals_and_lifetimes(self):
        src = (
            "fn f<'a>(v: &'a u8) { let c = '\"'; let b = b'x'; let e = '\\''; "
            'let s = br#"crate::x "#; crate::y }'
        )
        self.assertEqual(
            " ".join(t.text for t in mc.tokenize(src)),
            "fn f < a > ( v : & a u8 ) { let c = ; let b = ; let e = ; "
            "let s = ; crate :: y }",
        )

    def test_line_numbers_after_multiline_string(self):
        toks = mc.tokenize('let s = "one\ntwo";\ncrate::z')
        self.assertEqual([t.line for t in toks if t.text == "crate"], [3])


if __name__ == "__main__":
    unittest.main()
