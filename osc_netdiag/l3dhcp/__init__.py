"""DHCP, DNS, router and floating-IP diagnosis (``dhcp check``, ``dns
check``, ``router check``, ``floatingip check``); ``ip reclaim`` is all API:
resolve/reclaim.py."""
