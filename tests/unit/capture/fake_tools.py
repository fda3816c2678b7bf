"""Stand-ins for the host tools a capture script calls (ovs-vsctl,
tcpdump, ip, sysctl), installed as one shell script on a PATH folder, so
the real generated script runs on this machine without touching its OVS
or interfaces."""

import stat

TOOLS = ("ovs-vsctl", "tcpdump", "ip", "sysctl")


def install(folder, script, tools=TOOLS):
    """Write ``script`` as each tool in ``folder``/bin; return that bin."""
    bindir = folder / "bin"
    bindir.mkdir(exist_ok=True)
    for tool in tools:
        path = bindir / tool
        path.write_text(script)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return bindir
