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


def test_dvr_names_follow_neutron():
    # as seen in the DVR lab: router 2f5fd90d-..., ports b2944473-...
    # (fg-b2944473-4a in fip-<ext>) and 154de81f-... (sg-154de81f-02)
    router = "2f5fd90d-a026-43c8-bac1-15cde919c499"
    assert names.rfp_device(router) == "rfp-2f5fd90d-a"
    assert names.fpr_device(router) == "fpr-2f5fd90d-a"
    assert names.fg_device("b2944473-4aa2-46ae-aaff-1aa6005783ba") == \
        "fg-b2944473-4a"
    assert names.sg_device("154de81f-025b-40ea-8118-eb34bda8f550") == \
        "sg-154de81f-02"
    assert names.snat_namespace(router.upper()) == "snat-" + router
    assert names.fip_namespace(PORT) == "fip-" + PORT
    for derive in (names.rfp_device, names.fpr_device, names.fg_device,
                   names.sg_device, names.snat_namespace,
                   names.fip_namespace):
        with pytest.raises(UnsafeNameError):
            derive("2f5fd90d-a026-43c8-bac1-15cde919c499\n")
        with pytest.raises(UnsafeNameError):
            derive("-oProxyCommand=sh")


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
