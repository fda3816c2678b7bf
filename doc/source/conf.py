project = "osc-netdiag"
copyright = "osc-netdiag developers"
extensions = ["cliff.sphinxext", "reno.sphinxext"]
master_doc = "index"
exclude_patterns = []
html_theme = "alabaster"
autoprogram_cliff_application = "openstack"
