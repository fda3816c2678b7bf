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

"""The package's shape, enforced: imports go one way, top to bottom

    v1 (and plugin) -> api -> features -> runner, resolve -> backends
        -> inventory -> linux -> probes -> transport, checks -> parsers,
        names and the shared data

and no module is over 400 lines. A module may import its own layer or
any layer below; never one above (so nothing below the façade imports
it, and a backend never reaches into a feature).
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).parents[2] / "osc_netdiag"
MAX_LINES = 400

# top first; a module's layer is the first whose prefix names it
LAYERS = (
    ("cli", ("osc_netdiag.v1", "osc_netdiag.plugin")),
    ("facade", ("osc_netdiag.api",)),
    ("features", ("osc_netdiag.hostcheck", "osc_netdiag.vlanmap",
                  "osc_netdiag.l3dhcp", "osc_netdiag.capture",
                  "osc_netdiag.firewall")),
    ("pipeline", ("osc_netdiag.runner", "osc_netdiag.resolve")),
    ("backends", ("osc_netdiag.backends",)),
    ("reach", ("osc_netdiag.inventory",)),
    ("linux", ("osc_netdiag.linux",)),
    ("probes", ("osc_netdiag.probes", "osc_netdiag.probes_ovn",
                "osc_netdiag.probes_fw")),
    ("io", ("osc_netdiag.transport", "osc_netdiag.checks",
            "osc_netdiag.ssh_config")),
    ("base", ("osc_netdiag",)),
)
# what the commands may use besides the façade: exit codes and errors
# they print, and the option types they parse with (cheap, no I/O)
CLI_MAY_USE = ("osc_netdiag.api", "osc_netdiag.v1", "osc_netdiag.exitcodes",
               "osc_netdiag.errors", "osc_netdiag.outdir",
               "osc_netdiag.transport.hostkeys", "osc_netdiag.transport.pool")


def module_name(path):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(name):
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return rank
    return None


def imports_of(path):
    """Every osc_netdiag module ``path`` imports, at any depth (function
    level imports count: they are imports all the same).
    """
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            # "from package import module" imports the module; "from
            # module import name" the module
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if _is_module(full) else node.module)
    return {n for n in found if n.split(".")[0] == "osc_netdiag"
            and _is_module(n)}


def _is_module(name):
    path = ROOT.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


MODULES = sorted(ROOT.rglob("*.py"))


def upward_imports(paths):
    bad = []
    for path in paths:
        name = module_name(path)
        rank = layer_of(name)
        for target in sorted(imports_of(path)):
            if layer_of(target) < rank:
                bad.append(f"{name} -> {target}")
            elif rank == 0 and target != "osc_netdiag" and not any(
                    target == p or target.startswith(p + ".")
                    for p in CLI_MAY_USE):
                bad.append(f"{name} -> {target} (commands use the façade)")
    return bad


def test_no_module_imports_a_layer_above_it():
    assert upward_imports(MODULES) == []


def code_lines(text):
    """The lines of a module after its licence header (the comment block
    at its top), which is the same boilerplate in every file.
    """
    lines = text.splitlines()
    start = 0
    while start < len(lines) and lines[start].startswith("#"):
        start += 1
    return len(lines) - start


def test_no_module_is_over_the_line_limit():
    long = [f"{module_name(p)}: {n}" for p in MODULES
            if (n := code_lines(p.read_text())) > MAX_LINES]
    assert long == []


def test_the_licence_header_is_all_the_line_limit_leaves_out():
    header = "".join(f"# line {i}\n" for i in range(11))
    body = "\n".join(["x = 1"] * MAX_LINES) + "\n"
    assert code_lines(header + body) == MAX_LINES
    assert code_lines(header + "\n" + body) == MAX_LINES + 1
    assert code_lines(body + header) == MAX_LINES + 11


@pytest.mark.parametrize("source,expected", [
    ("from osc_netdiag import api\n", ["osc_netdiag.runner -> osc_netdiag.api"]),
    ("def f():\n    from osc_netdiag.v1 import output\n",
     ["osc_netdiag.runner -> osc_netdiag.v1.output"]),
    ("from osc_netdiag.l3dhcp.common import checked_path\n",
     ["osc_netdiag.runner -> osc_netdiag.l3dhcp.common"]),
    ("from osc_netdiag.transport import pool\n", []),
])
def test_the_check_sees_an_import_back_up(tmp_path, monkeypatch, source,
                                          expected):
    # a stand-in for runner.py with one more import
    fake = ROOT / "runner.py"
    copy = tmp_path / "runner.py"
    copy.write_text(source)
    monkeypatch.setattr(pathlib.Path, "relative_to",
                        lambda self, other: pathlib.PurePath(
                            "osc_netdiag", "runner.py") if self == copy
                        else pathlib.PurePath.relative_to(self, other))
    assert fake.exists()
    assert upward_imports([copy]) == expected


def sdk_calls(path):
    """Calls of an SDK proxy's methods (``<x>.network.<m>(...)``, or
    through a name bound to ``<x>.network``/``<x>.compute``, or a
    ``net_api`` parameter) and ``has_service``: talking to the API.
    """
    tree = ast.parse(path.read_text())
    proxies = {"net_api"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and \
                isinstance(node.value, ast.Attribute) and \
                node.value.attr in ("network", "compute"):
            proxies.update(t.id for t in node.targets
                           if isinstance(t, ast.Name))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or \
                not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        if node.func.attr == "has_service" or (
                isinstance(owner, ast.Attribute)
                and owner.attr in ("network", "compute")) or (
                isinstance(owner, ast.Name) and owner.id in proxies):
            found.append(f"{module_name(path)}:{node.lineno}")
    return found


def test_only_the_resolve_package_talks_to_the_api():
    outside = [p for p in MODULES
               if not module_name(p).startswith("osc_netdiag.resolve")]
    assert [c for p in outside for c in sdk_calls(p)] == []
    # and the check sees them where they are
    assert sdk_calls(ROOT / "resolve" / "hosts.py")
