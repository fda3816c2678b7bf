"""The firewall view: what a port's security groups intend and what its
host enforces, on either ML2/OVS firewall driver (``port firewall``,
and the firewall hop of ``port trace``)."""
