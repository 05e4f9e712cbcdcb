// The parser reports what Python itself would not compile, at Python's line,
// including what tree-sitter lets through (indentation, statement placement,
// argument order); and it accepts every valid program. Python's compile() is
// the judge, run live.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DiagnosticBag } from "../../src/diagnostics.js";
import { parsePython } from "../../src/parse/parser.js";
import { pythonJson } from "../helpers/python.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** Python's verdict for each text: the line of its SyntaxError, or null when it compiles. */
function pythonVerdicts(texts: string[]): Array<{ line: number | null; message: string } | null> {
  return pythonJson(
    `import json, sys, warnings
warnings.simplefilter("ignore")
out = []
for t in json.loads(sys.stdin.read()):
    try:
        compile(t, "<t>", "exec", dont_inherit=True)
        out.append(None)
    except SyntaxError as e:
        out.append({"line": e.lineno, "message": e.msg})
    except ValueError as e:
        out.append({"line": None, "message": str(e)})
print(json.dumps(out))`,
    JSON.stringify(texts),
  );
}

function nnx101(text: string) {
  const diags = new DiagnosticBag("t.py");
  parsePython("t.py", text.replace(/\r\n?/g, "\n"), diags);
  return diags.items.filter((d) => d.code === "NNX101");
}

const INVALID = [
  // Indentation tree-sitter accepts.
  "x = 1\n    y = 2\n",
  "def f():\nx = 1\n",
  "class A:\n",
  "class A:\n    def f(self):\n    return 1\n",
  "if x:\n        a = 1\n    b = 2\n",
  "def f():\n    x = 1\n\tx = 2\n",
  "    x = 1\n",
  "for i in range(3):\n\n# comment\ny = 1\n",
  // Statements tree-sitter accepts.
  "def f(x):\n    return return x\n",
  "return 3\n",
  "class A:\n    return 1\n",
  "x = yield 1\n",
  "for x in y:\n    def f():\n        break\n",
  "continue\n",
  "if x: for y in z: pass\n",
  "print x\n",
  "nonlocal x\n",
  "y := f(x)\n",
  "x = y := 1\n",
  "f(a=y:=1)\n",
  "x = lambda: y := 1\n",
  "not haiku as hk\n",
  "x = a as b\n",
  "m = hk: f(1)\n",
  "import jax,\n",
  "from jax import numpy,\n",
  // Arguments and parameters.
  "f(a=1, b)\n",
  "f(**k, b)\n",
  "f(**k, *a)\n",
  "f(a=1, a=2)\n",
  "def g(a, a): pass\n",
  "def g(a=1, b): pass\n",
  "def g(*, **k): pass\n",
  "def g(/, x): pass\n",
  "def g(*a, *b): pass\n",
  "lambda a, a: 1\n",
  "def f(x: int. y: int): pass\n",
  // Tokens.
  "x = 01\n",
  "x = 1_\n",
  "x = 10L\n",
  "x = a ? b\n",
  "x = `a`\n",
  "x = 'abc\ny = 1\n",
  'x = """abc\n',
  "x = [1, 2\n",
  "x = (1, 2]\n",
  "x = 1)\n",
  "x = 1\0\n",
  "def setup\r(self): pass\n",
];

const VALID = [
  "def f(a, /, b, *, c=1, d): pass\n",
  "from jax import (numpy,\n    random,)\nimport jax, optax\n",
  "def f(*args, b, **kw): pass\n",
  "if x: y = 1; z = 2\n",
  "x = '''a\n  b'''\ny = 1\n",
  "x = (1,\n  2)\n  \ny = 3\n",
  "x = 1 \\\n  + 2\n",
  "def f():\n    '''doc'''\n",
  "f(x for x in y)\n",
  "f(*a, b, c=1, *d, **e)\n",
  "x = 1e5 + .5 + 5. + 1_000.0_1e-3j + 0x_1f + 00 + 3j + 0o17 + 0b1_0\n",
  "while x:\n    if y:\n        continue\n    else:\n        break\nelse:\n    pass\n",
  "def f():\n    x = lambda: (yield)\n",
  "async def f():\n    await g()\n",
  "x = 1\ry = 2\r\n",
  "def f():\n    if x:\n        x = g(a=-\n1, b=(c -\n  2))\n",
  "x = [y := 1, (z := 2)]\nif w := 3:\n    f(v := 4)\nwhile u := x[t := 0]:\n    pass\n",
  "with a as b:\n    pass\ntry:\n    pass\nexcept E as e:\n    pass\n",
  "é = 1  # $ ` ?\ns = '$ ? `'\n",
  "class A:\n    x: int\n\n    def f(self):  # c\n        # c\n        return 1\n",
];

describe("the parser reports what Python does not compile", () => {
  it("at Python's line, for programs tree-sitter accepts", () => {
    const verdicts = pythonVerdicts(INVALID);
    const rows = INVALID.map((text, i) => {
      const v = verdicts[i];
      const ours = nnx101(text);
      return { text, python: v?.message ?? "compiles", line: v?.line ?? null, ours };
    });
    for (const r of rows) {
      expect(r.python, r.text).not.toBe("compiles");
      expect(r.ours.length, r.text).toBeGreaterThan(0);
      // One of ours spans Python's line (Python gives none for null bytes).
      const line = r.line;
      if (line !== null) expect(r.ours.some((d) => d.span && d.span.line <= line && line <= d.span.endLine), `${JSON.stringify(r.text)}: ${r.python}`).toBe(true);
    }
  });

  it("and nothing for programs Python compiles", () => {
    const seeds = [
      ...readdirSync(join(ROOT, "fixtures")).flatMap((d) => readdirSync(join(ROOT, "fixtures", d)).filter((f) => f.endsWith(".py")).map((f) => join(ROOT, "fixtures", d, f))),
      ...readdirSync(join(ROOT, "test", "fuzz", "seeds")).map((f) => join(ROOT, "test", "fuzz", "seeds", f)),
    ].map((f) => readFileSync(f, "utf8"));
    const texts = [...VALID, ...seeds];
    expect(seeds.length).toBeGreaterThan(20);
    const verdicts = pythonVerdicts(texts);
    texts.forEach((text, i) => {
      expect(verdicts[i], text).toBeNull();
      expect(nnx101(text), text).toEqual([]);
    });
  });
});
