"""Do the claims registers guard the claims? Break optlib on purpose and see which claim tests fail.

Each mutation below turns one claim of the book false by changing one line of optlib (momentum that
forgets its history, NAG that takes the gradient where momentum does, AdaGrad that stops accumulating, …).
For each, a copy of optlib with that one change is put first on the path, and the chapters' claims
registers (tests/test_claims_*.py, tests/test_ch234_claims.py) are run against it. A mutation that no
claim test notices is a claim the book states but does not guard: this script then exits with status 1.

    python tests/mutation.py            # every mutation (a few minutes)
    python tests/mutation.py nag adam   # the mutations whose name contains one of these words

The unit tests of optlib (tests/test_optlib_*.py) would catch these changes too, and nbval would (every
stored output moves); the point here is the claims: the sentences of the book, each quoted by its test.
It is a maintainer's check, run by hand or by `make mutate`, not part of `make test` (each mutation
re-runs the registers: minutes, not seconds).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTERS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_claims_*.py")) + \
    ["tests/test_ch234_claims.py"]

#: (name, file in optlib/, the line as it is, the line broken, the claim it makes false)
MUTATIONS = [
    ("momentum-forgets", "momentum.py",
     "V = self.gamma * state.V + self.lr * g   # V_t = γ V_{t−1} + α g_t\n        theta_next = theta - V"
     "                   # θ_t = θ_{t−1} − V_t\n        return theta_next, MomentumState(V=V)",
     "V = self.lr * g\n        theta_next = theta - V\n        return theta_next, MomentumState(V=V)",
     "momentum keeps a velocity: it leaves a saddle and crosses a plateau sooner than GD"),
    ("nag-no-lookahead", "momentum.py",
     "g = grad(theta_temp)                     # g_t = ∇J(θ_temp)",
     "g = grad(theta)",
     "NAG takes its gradient at the look-ahead point, and overshoots less than momentum"),
    ("adagrad-no-sum", "adaptive.py",
     "G = state.G + g * g               # G_t = G_{t−1} + g_t ⊙ g_t",
     "G = g * g",
     "AdaGrad's rates only fall: the running sum G_t never shrinks"),
    ("adagrad-eps-inside", "adaptive.py",
     "theta_next = theta - self.lr / (np.sqrt(G) + self.eps) * g\n        return theta_next, AdaGradState(G=G)",
     "theta_next = theta - self.lr / np.sqrt(G + self.eps) * g\n        return theta_next, AdaGradState(G=G)",
     "ε sits outside the root, as in the notes"),
    ("rmsprop-sum", "adaptive.py",
     "G = self.beta * state.G + (1 - self.beta) * g * g",
     "G = self.beta * state.G + g * g",
     "RMSProp averages the squared gradients (its first step is α/√(1−β) for a constant gradient)"),
    ("adam-no-bias-correction", "adam.py",
     "        if not self.bias_correction:\n            return state.m, state.v",
     "        if True:\n            return state.m, state.v",
     "Adam's bias correction makes m̂_t the gradient from t = 1 for a constant gradient"),
    ("adam-second-moment-of-g", "adam.py",
     "v = self.beta2 * state.v + (1 - self.beta2) * g * g",
     "v = self.beta2 * state.v + (1 - self.beta2) * np.abs(g)",
     "Adam divides by the root of the average squared gradient (a step of about η, whatever the scale)"),
    ("adamw-decay-through-v-hat", "adam_variants.py",
     "decayed = theta * (1 - self.lr * self.weight_decay)    # θ_{t−1}(1 − ηλ): the decoupled decay",
     "decayed = theta - self.lr * self.weight_decay * theta / (np.sqrt(v_hat) + self.eps)",
     "AdamW's decay is decoupled: every coordinate shrinks by the same factor, unlike L2 in Adam"),
    ("amsgrad-forgets", "adam_variants.py",
     "v_max = np.maximum(state.v_max, v)                     # v_t^max = max(v_{t−1}^max, v_t)",
     "v_max = v",
     "AMSGrad divides by the largest second moment seen: its step does not grow back as Adam's does"),
    ("tuning-ties-to-larger-alpha", "tuning.py",
     "best = min(reached, key=lambda t: (t.iterations, t.lr))",
     "best = min(reached, key=lambda t: (t.iterations, -t.lr))",
     "the tuning protocol: ties go to the smaller α"),
]


#: the register run first for each mutation (the chapter whose claim it breaks): if one of its tests fails,
#: the mutation is caught and the other registers need not run; if none does, every register runs
FIRST = {"momentum-forgets": "ch03", "nag-no-lookahead": "ch04", "adagrad-no-sum": "ch05",
         "adagrad-eps-inside": "ch05", "rmsprop-sum": "ch06", "adam-no-bias-correction": "ch07",
         "adam-second-moment-of-g": "ch07", "adamw-decay-through-v-hat": "ch09", "amsgrad-forgets": "ch09",
         "tuning-ties-to-larger-alpha": "ch08"}


def run_one(name: str, filename: str, old: str, new: str, timeout: int = 900) -> tuple[int, list[str]]:
    """(pytest's exit status, the names of the claim tests that failed) with optlib mutated: the mutation's
    own chapter's register first (:data:`FIRST`), then, if it catches nothing, all of them."""
    with tempfile.TemporaryDirectory(prefix=f"mutant-{name}-") as tmp:
        copy = Path(tmp) / "optlib"
        shutil.copytree(ROOT / "optlib", copy, ignore=shutil.ignore_patterns("__pycache__"))
        path = copy / filename
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"mutation {name}: the line to break is not (exactly once) in optlib/{filename}; "
                             f"update tests/mutation.py")
        path.write_text(text.replace(old, new), encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=tmp + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   PYTHONDONTWRITEBYTECODE="1")
        # pytest's own script (not python -m pytest, which would put the repository, and its optlib, first)
        pytest = Path(sys.executable).with_name("pytest")
        check = subprocess.run([sys.executable, "-c", "import optlib; print(optlib.__file__)"], env=env,
                               capture_output=True, text=True, cwd=tmp)
        if not check.stdout.strip().startswith(tmp):
            raise SystemExit(f"mutation {name}: the mutated copy is not the optlib imported ({check.stdout})")
        # two workers (pytest-xdist), as make test-unit: all the registers take about a minute of CPU
        own = [r for r in REGISTERS if f"_{FIRST.get(name, '-')}" in r]
        for registers in ([own] if own else []) + [REGISTERS]:
            proc = subprocess.run([str(pytest), "-p", "no:cacheprovider", "-n", "2", "-q", "-rf", "--maxfail=5",
                                   *registers],
                                  env=env, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
            failed = sorted(set(re.findall(r"^FAILED (\S+?)(?: - |$)", proc.stdout, re.M)))
            if proc.returncode != 0 and failed:
                break
        return proc.returncode, failed


def main(words: list[str]) -> int:
    chosen = [m for m in MUTATIONS if not words or any(w in m[0] for w in words)]
    missed = 0
    for name, filename, old, new, claim in chosen:
        code, failed = run_one(name, filename, old, new)
        caught = code != 0 and bool(failed)
        missed += not caught
        print(f"{'caught' if caught else 'MISSED'}  {name:28s} ({claim})")
        for f in failed[:5]:
            print(f"          fails {f}")
        sys.stdout.flush()
    print(f"{len(chosen) - missed} of {len(chosen)} mutations of optlib make a claim test fail")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
