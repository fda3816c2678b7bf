import pathlib

from osc_netdiag.checks.catalogue import CATALOGUE

DOC = pathlib.Path(__file__).parents[2] / "doc" / "source" / "findings.rst"


def test_every_code_is_documented():
    text = DOC.read_text()
    missing = [code for code in CATALOGUE if f"``{code}``" not in text]
    assert missing == []


def test_every_documented_code_exists():
    import re
    documented = set(re.findall(r"``(NETDIAG_[A-Z_]+)``", DOC.read_text()))
    assert documented - set(CATALOGUE) == set()
