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

from hypothesis import given
from hypothesis import strategies as st
import pytest

from osc_netdiag.errors import UnsafeNameError
from osc_netdiag import names
from osc_netdiag import probes

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


# Independent statements of the allow-lists (osc_netdiag/names.py), written
# without regular expressions, so a check that refuses (or lets through)
# everything disagrees with them.
DEVICE_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@-")
NETNS_CHARS = DEVICE_CHARS - set(":@")
FILTER_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=,.:/x-")


def is_safe_device(text):
    return (1 <= len(text) <= 15 and set(text) <= DEVICE_CHARS
            and text[0] not in ".:@-")


def is_safe_netns(text):
    return (1 <= len(text) <= 63 and set(text) <= NETNS_CHARS
            and text[0] not in ".-")


def is_safe_filter(text):
    return (1 <= len(text) <= 200 and set(text) <= FILTER_CHARS
            and text[0] not in ",.:/-")


def accepted(check, text):
    try:
        return check(text) == text
    except UnsafeNameError:
        return False


# What Neutron and os-vif derive from UUIDs (names.py's docstring): every one
# must pass its check, whatever the UUID.
DEVICE_DERIVATIONS = (names.tap_device, names.qbr_device, names.qvb_device,
                      names.qvo_device, names.qr_device, names.qg_device,
                      names.dhcp_tap_device, names.rfp_device, names.fpr_device,
                      names.fg_device, names.sg_device)
NAMESPACE_DERIVATIONS = (names.qrouter_namespace, names.qdhcp_namespace,
                         names.snat_namespace, names.fip_namespace)
BRIDGES = ("br-int", "br-tun", "br-ex", "br-eth1", "br-provider", "br_phys-1")


@given(st.uuids())
def test_every_derived_name_passes_its_check(object_id):
    for derive in DEVICE_DERIVATIONS:
        name = derive(str(object_id))
        assert len(name) == 14 and names.checked_device(name) == name
        assert is_safe_device(name)
    for derive in NAMESPACE_DERIVATIONS:
        name = derive(str(object_id))
        assert name.endswith("-" + str(object_id))
        assert names.checked_netns(name) == name
        assert is_safe_netns(name)
        assert probes.in_netns(name, ("ip", "-j", "addr"))[:4] == (
            "ip", "netns", "exec", name)


@given(st.uuids())
def test_derived_names_keep_neutron_prefixes(object_id):
    text = str(object_id)
    assert names.tap_device(text) == "tap" + text[:11]
    assert names.qr_device(text) == "qr-" + text[:11]
    assert names.qg_device(text) == "qg-" + text[:11]
    assert names.rfp_device(text) == "rfp-" + text[:10]
    assert names.qrouter_namespace(text) == "qrouter-" + text
    assert names.qdhcp_namespace(text.upper()) == "qdhcp-" + text


@pytest.mark.parametrize("bridge", BRIDGES)
def test_bridge_and_patch_names_pass(bridge):
    assert names.checked_device(bridge) == bridge
    int_side, phy_side = names.patch_names(bridge)
    assert (int_side, phy_side) == ("int-" + bridge, "phy-" + bridge)


@given(st.uuids(), st.sampled_from(sorted(set(" ;$`'\"\n\\|&<>()*?!#~%^[]{}/=,\t\x00é"))),
       st.integers(0, 13))
def test_derived_name_with_one_bad_character_is_refused(object_id, bad, where):
    name = names.tap_device(str(object_id))
    broken = name[:where] + bad + name[where + 1:]
    assert not accepted(names.checked_device, broken)
    assert not accepted(names.checked_netns, "qrouter-" + str(object_id) + bad)


@given(st.uuids(), st.integers(1, 20))
def test_too_long_or_option_like_names_are_refused(object_id, extra):
    name = names.tap_device(str(object_id))
    assert not accepted(names.checked_device, name + "x" * (1 + extra))
    assert not accepted(names.checked_device, "-" + name[1:])
    assert not accepted(names.checked_device, name + "\n")
    assert not accepted(names.checked_netns, "-" + str(object_id))
    assert not accepted(names.checked_netns, "qdhcp-" + str(object_id) * 2)


@given(st.text(max_size=40))
def test_any_text_device_check_agrees_with_the_rule(text):
    assert accepted(names.checked_device, text) == is_safe_device(text)


@given(st.text(alphabet=sorted(DEVICE_CHARS | set(" ;$\n")), max_size=20))
def test_near_valid_text_device_check_agrees_with_the_rule(text):
    assert accepted(names.checked_device, text) == is_safe_device(text)


@given(st.text(alphabet=sorted(NETNS_CHARS | set(":@ ;\n")), max_size=70))
def test_near_valid_text_netns_check_agrees_with_the_rule(text):
    assert accepted(names.checked_netns, text) == is_safe_netns(text)


@given(st.integers(0, 254), st.integers(1, 4094), st.integers(0, 2 ** 24 - 1))
def test_generated_flow_filters_pass(table, vlan, vni):
    for text in (f"table={table}", f"table={table},dl_vlan={vlan}",
                 f"table=4,tun_id=0x{vni:x}", f"dl_vlan={vlan}",
                 f"table={table},in_port=int-br-eth1,dl_vlan={vlan}"):
        assert names.checked_flow_filter(text) == text


@given(st.integers(0, 254), st.sampled_from(sorted(set(" ;$`'\"\n\\|&<>()*?"))))
def test_flow_filter_with_one_bad_character_is_refused(table, bad):
    assert not accepted(names.checked_flow_filter, f"table={table}{bad}dl_vlan=1")
    assert not accepted(names.checked_flow_filter, f"-table={table}")


@given(st.text(max_size=300))
def test_flow_filters_allow_list(text):
    ok = accepted(names.checked_flow_filter, text)
    if ok:
        assert not text.startswith("-")
        assert not set(text) & set(" ;$`'\"\n\\|&<>()*?")
    assert ok == is_safe_filter(text)
