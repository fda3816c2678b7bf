from osc_netdiag.checks.catalogue import CATALOGUE, finding
from osc_netdiag.models import Severity


def test_codes_are_stable_shaped():
    for code, (severity, remedy) in CATALOGUE.items():
        assert code.startswith("NETDIAG_") and code.upper() == code
        assert isinstance(severity, Severity)
        assert remedy.strip()


def test_finding_fills_remedy_and_marks_missing_values():
    item = finding("NETDIAG_TAP_DOWN", "compute1:tapx", "down", host="compute1",
                   device="tapx")
    assert "ip link set tapx up on compute1" in item.remedy
    item = finding("NETDIAG_TAP_DOWN", "compute1:tapx", "down")
    assert "<device>" in item.remedy
