"""Which checked host a finding is about, read from its subject (the
checks write ``host``, ``host:device`` or ``host->other``): for the
pictures and metrics that group findings by host."""


def finding_host(subject, hosts):
    """The longest of ``hosts`` the subject names first; "" if none."""
    best = ""
    for host in hosts:
        if (subject == host or subject.startswith(host + ":")
                or subject.startswith(host + "->")) and len(host) > len(best):
            best = host
    return best
