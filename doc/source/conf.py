import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

project = "osc-netdiag"
copyright = "osc-netdiag developers"
extensions = ["cliff.sphinxext", "reno.sphinxext", "netdiag_findings"]
master_doc = "index"
exclude_patterns = []
html_theme = "alabaster"
autoprogram_cliff_application = "openstack"
