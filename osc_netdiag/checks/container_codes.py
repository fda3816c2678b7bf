"""Finding codes of containerised deployments (merged into the
catalogue)."""

from osc_netdiag.models import Severity

W = Severity.WARNING

CODES = {
    "NETDIAG_OVS_IN_CONTAINER": (W, "Open vSwitch runs in the {runtime} "
                                 "container {container} on {host}: set "
                                 "'exec_prefix: {exec_prefix}' in {host}'s "
                                 "inventory entry (netdiag_exec_prefix in "
                                 "an Ansible inventory) and run again; "
                                 "with sudo, grant that prefix too."),
}
