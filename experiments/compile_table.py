"""The compile table: each compiled program (``mopa compile ... --test N``) scored before and
after compiling on held-out test examples that no optimizer saw, one row per compile.

Read from the program files compile writes (``program.json`` carries its own ``compile``
result: the before/after means and paired CIs of after − before on the test examples), found
anywhere under the results' ``--runs`` directory. A compile without test examples has only
validation numbers, which for MIPROv2 and GEPA chose the program: it is listed as such, not
tabulated.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from mopa.jsonl import read_json
from mopa.scoring.intervals import Interval
from mopa.scoring.registry import get_metric

METRICS = ("meteor", "rougeL", "reader")
# Which optimizers can do their job with a 270M base model as their own prompt LM: bootstrap
# only collects demos the student writes itself; the others ask an LM to write instructions.
NEEDS_CAPABLE_LM = {
    "bootstrap": "no: it keeps the student's own traces as demos",
    "mipro": "yes: an LM writes candidate instructions (--prompt-lm)",
    "copro": "yes: an LM rewrites the instruction (--prompt-lm)",
    "gepa": "yes: an LM reflects on failures and rewrites prompts (--reflection-lm)",
}


def compiled_programs(runs: str | Path) -> list[tuple[Path, dict]]:
    """Every program file under ``runs`` that records a compile, sorted by path."""
    found = []
    for path in sorted(Path(runs).rglob("program.json")):
        data = read_json(path)
        if isinstance(data, dict) and isinstance(data.get("compile"), dict):
            found.append((path, data["compile"]))
    return found


def _cell(part: dict, metric: str) -> str:
    before, after = part["before"].get(metric), part["after"].get(metric)
    delta = part["after_vs_before"].get(metric)
    if before is None or after is None or delta is None:
        return "—"
    return f"{before:.3f} → {after:.3f} ({Interval(**delta).format(signed=True, star=True)})"


def compile_section(runs: str | Path) -> str:
    """The section's Markdown ('' when no compile is under ``runs``)."""
    found = compiled_programs(runs)
    if not found:
        return ""
    labels = [get_metric(m).label for m in METRICS]
    head = ["Task", "Program", "Optimizer", "train/val", "n test", *labels, "empty before → after"]
    lines = ["## `compile` — prompts compiled by a DSPy optimizer, before and after, on held-out "
             "test examples", "",
             "Each cell: the uncompiled program's mean → the compiled one's (paired-bootstrap 95% "
             "CI of after − before; * = excludes 0), on test examples disjoint by id from train "
             "and val that no optimizer saw.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    untested = []
    for path, result in found:
        test, program = result.get("test"), result["program"]
        if not test:
            untested.append(path)
            continue
        shape = (f" {len(program['agents'])}×{program['layers']}" if program.get("agents")
                 else "")
        row = [program["task"], f"{program['preset']}{shape}", result["optimizer"],
               f"{result['train']}/{result['val']}", str(test["n"]),
               *(_cell(test, m) for m in METRICS),
               f"{test['before'].get('empty', '?')} → {test['after'].get('empty', '?')}"]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    commands = [r["command"] for _, r in found if r.get("command")]
    if commands:
        lines += ["Commands:", "", *(f"- `{shlex.join(c)}`" for c in commands), ""]
    if untested:
        lines += ["Compiled without test examples (validation numbers only, not tabulated): "
                  + ", ".join(f"`{p}`" for p in untested), ""]
    lines += ["Which optimizers need a capable prompt LM (the embedded 270M base model cannot "
              "write instructions):", ""]
    lines += [f"- `{name}`: {why}" for name, why in NEEDS_CAPABLE_LM.items()]
    return "\n".join(lines) + "\n"
