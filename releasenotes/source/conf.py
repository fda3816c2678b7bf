project = "osc-netdiag release notes"
extensions = ["reno.sphinxext"]
master_doc = "index"
