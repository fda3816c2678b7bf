#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""The verdicts mutmut stored in mutants/, counted, or the mutants to run next.

Run by tools/mutation with mutmut's virtualenv (it imports mutmut):

    mutation_report.py report [GLOB...]     figures and the survivors
    mutation_report.py unjudged [GLOB...]   names of the mutants with no verdict
    mutation_report.py sample N [GLOB...]   N of those, drawn at random
    mutation_report.py import-time          judge the import-time functions

A survivor named in tests/mutation-equivalent.rst (its name in double
backticks) is one no behaviour can tell from the original: it is counted
apart and its diff is not printed again.
"""

import collections
import fnmatch
import json
import math
import os
import random
import re
import subprocess
import sys

from mutmut.configuration import config
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files

# A timeout counts as killed: the mutant made a covered test hang.
KILLED = {"killed", "timeout", "caught by type check"}
UNJUDGED = "not checked"
# A run stopped by hand leaves its running mutants so; they were not judged.
INTERRUPTED = "check was interrupted by user"
EQUIVALENTS_FILE = "tests/mutation-equivalent.rst"
# The draw is the same every time unless asked otherwise, so a sample can
# be re-run (to re-judge it after new tests) and compared.
SEED = int(os.environ.get("MUTATION_SEED", "12"))

# Functions that run only while their module is imported (building the flow
# parser's fast-path pattern, installing its lazy fields). mutmut learns
# which tests cover a function by watching calls, so it credits these to
# whichever test happened to import the module first, and judges their
# mutants by that one unrelated test alone. They are judged here instead:
# each mutant in a fresh interpreter (so the import runs with the mutant
# active) against the tests of the flow parser.
IMPORT_TIME = (
    "osc_netdiag.parsers._ofctl_fields.x__nested__mutmut_*",
    "osc_netdiag.parsers.ofctl.x__install_lazy_fields__mutmut_*",
    "osc_netdiag.parsers.ofctl.x\u01c1_Lazy\u01c1__init____mutmut_*",
    "osc_netdiag.parsers.ofctl.x\u01c1_Lazy\u01c1__set_name____mutmut_*",
)
IMPORT_TIME_TESTS = (
    "tests/unit/parsers/test_flow_fast_path.py",
    "tests/unit/parsers/test_known_values.py",
    "tests/unit/parsers/test_properties.py",
    "tests/unit/parsers/test_captures.py",
    "tests/unit/test_vlanmap_flow_parser.py",
    "tests/unit/mutation/test_parser_edges.py",
)
# Every draw of --sample (a "# draw" line, then its names), so the report can
# tell the last random draw's verdicts from those of named or whole runs
# (mutmut runs fastest-first, so a partly run module is not a random draw).
DRAWN = "mutants/sample-drawn.txt"
# Kept beside mutmut's own records, which a later mutmut run would rewrite.
IMPORT_TIME_VERDICTS = "mutants/import-time-verdicts.json"
IMPORT_TIME_LIMIT_S = 900


def load_verdicts(globs):
    """(path, mutant name, status) of every mutant matching the globs."""
    config()
    fresh = import_time_verdicts()
    verdicts = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for name, code in sorted(data.exit_code_by_key.items()):
            if globs and not any(fnmatch.fnmatch(name, g) for g in globs):
                continue
            if is_import_time(name):
                # mutmut's verdict came from the wrong test: only a verdict
                # of the fresh-interpreter judge counts, if it judged this
                # very change.
                kept = fresh.get(name)
                code = None
                if kept and kept["diff"] == get_diff_for_mutant(name, path=path):
                    code = kept["exit_code"]
            status = status_by_exit_code[code]
            verdicts.append((path, name, UNJUDGED if status == INTERRUPTED else status))
    return verdicts


def is_import_time(name):
    return any(fnmatch.fnmatch(name, pattern) for pattern in IMPORT_TIME)


def import_time_verdicts():
    try:
        with open(IMPORT_TIME_VERDICTS, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def judge_import_time():
    """Run each import-time mutant's tests in a fresh interpreter; store it."""
    config()
    fresh = import_time_verdicts()
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for name in sorted(data.exit_code_by_key):
            if not is_import_time(name):
                continue
            diff = get_diff_for_mutant(name, path=path)
            if name in fresh and fresh[name]["diff"] == diff:
                continue
            env = dict(os.environ, MUTANT_UNDER_TEST=name)
            env.pop("CI", None)
            try:
                code = subprocess.run(
                    [sys.executable, "-m", "pytest", "-x", "-q",
                     "-p", "no:cacheprovider", *IMPORT_TIME_TESTS],
                    cwd="mutants", env=env, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=IMPORT_TIME_LIMIT_S).returncode
            except subprocess.TimeoutExpired:
                code = 36
            # pytest: 0 all passed, 1 a test failed, 2 interrupted (an
            # import error while collecting, here a kill), others internal.
            code = {0: 0, 1: 1, 2: 1}.get(code, code)
            fresh[name] = {"exit_code": code, "diff": diff}
            print(f"{status_by_exit_code[code]}: {name}", flush=True)
            with open(IMPORT_TIME_VERDICTS, "w", encoding="utf-8") as f:
                json.dump(fresh, f, indent=1, sort_keys=True)


def equivalent_names():
    with open(EQUIVALENTS_FILE, encoding="utf-8") as f:
        return set(re.findall(r"``([\w.ǁ]+__mutmut_\d+)``", f.read()))


def module_of(name):
    # Names look like pkg.module.x_function__mutmut_3 or
    # pkg.module.xǁClassǁmethod__mutmut_3.
    return name.rpartition(".")[0]


def stratified_estimate(verdicts, drawn):
    """Kill rate of the set estimated from its judged mutants, and 95% range.

    Each module is a stratum in two parts: the mutants judged outside the
    last draw (named or whole runs, earlier draws: counted exactly) and the
    rest of the module, for which the last random draw's (--sample) judged
    mutants there stand, in proportion. The range is that of stratified sampling with the
    finite-population correction. A module with unjudged mutants and no
    judged draw is left out (its exact part stays in): returned apart.
    """
    parts = collections.defaultdict(lambda: [0, 0, 0, 0, 0])
    for _, name, status in verdicts:
        part = parts[module_of(name)]
        part[0] += 1
        if status == UNJUDGED:
            continue
        if name in drawn:
            part[3] += 1
            part[4] += status in KILLED
        else:
            part[1] += 1
            part[2] += status in KILLED
    size = killed = variance = 0.0
    uncovered = []
    for module, (total, exact, exact_killed, sampled, sampled_killed) in parts.items():
        rest = total - exact
        size += exact
        killed += exact_killed
        if not rest:
            continue
        if not sampled:
            uncovered.append((module, rest))
            continue
        rate = sampled_killed / sampled
        size += rest
        killed += rest * rate
        variance += rest * rest * rate * (1 - rate) / sampled * (1 - sampled / rest)
    estimate = killed / size
    spread = 1.96 * math.sqrt(variance) / size
    return (int(size), estimate, max(0.0, estimate - spread),
            min(1.0, estimate + spread), sorted(uncovered))


def drawn_names():
    """The names of the last draw: it stands for the rest of the set.

    A draw is taken from the mutants unjudged at the time, so the last one
    is a random draw of what is still unjudged. Earlier draws, judged whole
    since (and often re-judged after tests written for their survivors),
    count as judged mutants like any other, not as a sample.
    """
    try:
        with open(DRAWN, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return set()
    marks = [i for i, line in enumerate(lines) if line.startswith("#")]
    last = lines[marks[-1] + 1:] if marks else lines
    return {line for line in last if line}


def report(globs):
    verdicts = load_verdicts(globs)
    if not verdicts:
        sys.exit("no mutants match: run tools/mutation first")
    equivalent = equivalent_names()
    per_module = collections.defaultdict(lambda: [0, 0, 0])  # total, judged, killed
    for _, name, status in verdicts:
        counts = per_module[module_of(name)]
        counts[0] += 1
        if status != UNJUDGED:
            counts[1] += 1
            counts[2] += status in KILLED
    print("module: killed of judged (mutants in module)")
    for module, (total, judged, killed) in sorted(per_module.items()):
        share = f"{100.0 * killed / judged:.1f}%" if judged else "-"
        print(f"  {module}: {killed} of {judged} ({total}) {share}")

    judged = [v for v in verdicts if v[2] != UNJUDGED]
    if not judged:
        sys.exit("no mutants judged yet")
    survivors = [v for v in judged if v[2] not in KILLED]
    explained = [v for v in survivors if v[1] in equivalent]
    unexplained = [v for v in survivors if v[1] not in equivalent]
    killed = len(judged) - len(survivors)
    unjudged = len(verdicts) - len(judged)
    if unjudged:
        covered, estimate, low, high, uncovered = stratified_estimate(
            verdicts, drawn_names())
        print(f"warning: {unjudged} of {len(verdicts)} mutants not judged; "
              f"the figure covers the {len(judged)} judged")
        print(f"estimated over {covered} of the {len(verdicts)} mutants: "
              f"{100.0 * estimate:.1f}% killed (95% range {100.0 * low:.1f}"
              f"-{100.0 * high:.1f}%; judged outside the last random draw: "
              "exact; the rest of each module: that draw's verdicts there)")
        for module, rest in uncovered:
            print(f"  outside the estimate: {rest} of {module} (no judged draw)")
        waiting = sum(1 for _, name, status in verdicts
                      if status == UNJUDGED and name in drawn_names())
        if waiting:
            # mutmut runs the fastest mutants first: a draw judged in part
            # leans to them.
            print(f"warning: {waiting} drawn mutants not judged yet; the "
                  "estimate is a random draw's only once its draw is judged whole")
    print(f"survivors explained as equivalent in {EQUIVALENTS_FILE}: "
          f"{len(explained)}; not explained: {len(unexplained)}")
    for _, name, status in explained:
        print(f"equivalent: {name}")
    # A listed name that a run killed is a wrong explanation, or one left
    # behind by a change of the code: the line is to be removed.
    for _, name, status in judged:
        if name in equivalent and status in KILLED:
            print(f"listed as equivalent but {status}: {name}")
    print(f"killed {killed} of {len(judged)} mutants "
          f"({100.0 * killed / len(judged):.1f}%)")
    for path, name, status in unexplained:
        module, _, mangled = name.rpartition(".")
        function = mangled.rpartition("__mutmut_")[0][2:].replace("ǁ", ".")
        print(f"{status}: {module} {function} ({name})")
        for line in get_diff_for_mutant(name, path=path).splitlines()[2:]:
            if line[:1] in "+-":
                print(f"    {line}")


def unjudged_names(globs):
    # The import-time functions are left to their own judge (see above).
    return [name for _, name, status in load_verdicts(globs)
            if status == UNJUDGED and not is_import_time(name)]


def main(argv):
    command, args = argv[0], argv[1:]
    if command == "report":
        report(args)
    elif command == "unjudged":
        print("\n".join(unjudged_names(args)))
    elif command == "import-time":
        judge_import_time()
    elif command == "sample":
        names = unjudged_names(args[1:])
        count = min(int(args[0]), len(names))
        chosen = sorted(random.Random(SEED).sample(names, count))
        with open(DRAWN, "a", encoding="utf-8") as f:
            f.write(f"# draw: seed {SEED}, {count} of {len(names)} unjudged\n")
            f.write("".join(name + "\n" for name in chosen))
        print("\n".join(chosen))
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
