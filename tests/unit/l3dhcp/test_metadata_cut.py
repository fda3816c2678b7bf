"""The agent's config lines cut short (a lost connection) are unreadable
output, never a different value: ``enable_isolated_metadata = tr`` is not
"false"."""

from osc_netdiag import models
from osc_netdiag.checks.engine import Report
from osc_netdiag.l3dhcp import metadata

from tests.unit.l3dhcp.test_metadata import ISOLATED_FLAGS, real_answers, view


def test_config_lines_cut_inside_a_value_are_a_skip():
    # The real grep of the lab's dhcp_agent.ini (enable_isolated_metadata =
    # true), cut inside its first value: what a dropped stream leaves.
    cut = ISOLATED_FLAGS[:ISOLATED_FLAGS.index("true") + 2]
    assert cut == "enable_isolated_metadata = tr"
    report = Report()
    metadata.check(report, view(real_answers(cut)), "qdhcp-x", "tapx", None)
    assert report.findings == []
    [hop] = report.hops
    assert hop.status == models.Status.SKIP
    assert hop.state != "not configured"
