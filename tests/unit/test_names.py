import pytest
from hypothesis import given
from hypothesis import strategies as st

from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag.errors import UnsafeNameError

PORT = "717073a8-d05e-4f5f-a3a5-3c1c29bd0e8a"


def test_device_names_follow_neutron():
    assert names.tap_device(PORT) == "tap717073a8-d0"
    assert names.qvo_device(PORT) == "qvo717073a8-d0"
    assert names.qbr_device(PORT) == "qbr717073a8-d0"
    assert names.qr_device(PORT) == "qr-717073a8-d0"
    assert names.qg_device(PORT) == "qg-717073a8-d0"
    assert names.qrouter_namespace(PORT) == "qrouter-" + PORT
    assert names.qdhcp_namespace(PORT.upper()) == "qdhcp-" + PORT
    assert all(len(n) == 14 for n in (names.tap_device(PORT),
                                      names.qr_device(PORT)))


@pytest.mark.parametrize("hostile", [
    "a;touch /tmp/x", "$(id)", "`id`", "-oProxyCommand=sh", "x'y", 'x"y',
    "a\nb", "é" * 255, "", "../../etc", "--help"])
def test_hostile_names_refused(hostile):
    with pytest.raises(UnsafeNameError):
        names.tap_device(hostile)
    with pytest.raises(UnsafeNameError):
        names.checked_device(hostile)
    with pytest.raises(UnsafeNameError):
        probes.dump_flows(hostile, "table=0")


@given(st.text(max_size=300))
def test_any_text_is_a_safe_device_name_or_refused(text):
    try:
        name = names.checked_device(text)
    except UnsafeNameError:
        return
    assert not name.startswith("-")
    assert len(name) <= 15
    assert all(c.isascii() and (c.isalnum() or c in "_.:@-") for c in name)


@given(st.text(max_size=300))
def test_flow_filters_allow_list(text):
    try:
        checked = names.checked_flow_filter(text)
    except UnsafeNameError:
        return
    assert not checked.startswith("-")
    assert not set(checked) & set(" ;$`'\"\n\\|&<>()*?")
