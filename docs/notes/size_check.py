"""List modules over 400 lines and functions over 50 lines (ast) under bakeoff/ and baselines/.

usage: python size_check.py REPO_ROOT
"""
import ast
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
for path in sorted([*root.glob("bakeoff/**/*.py"), *root.glob("baselines/**/*.py")]):
    text = path.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    rel = path.relative_to(root)
    if lines > 400:
        print(f"MODULE   {rel}: {lines} lines")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = node.end_lineno - node.lineno + 1
            if n > 50:
                print(f"FUNCTION {rel}:{node.lineno} {node.name}: {n} lines")
print("done")
