"""What every backend and feature reads on a Linux host, whatever the
Neutron backend: taps and veths, namespaces and their devices, routes,
iptables NAT rules. Below the backends; imports nothing above them."""
