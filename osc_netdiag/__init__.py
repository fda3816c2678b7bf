"""osc-netdiag: the Operations Guide's network troubleshooting, as commands."""
