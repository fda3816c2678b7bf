#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

project = "osc-netdiag"
copyright = "osc-netdiag developers"
extensions = ["openstackdocstheme", "cliff.sphinxext", "reno.sphinxext",
              "netdiag_findings"]
master_doc = "index"
exclude_patterns = []

# the CLI reference is generated from the commands (cli.rst)
autoprogram_cliff_application = "openstack"

# -- openstackdocstheme -------------------------------------------------------
html_theme = "openstackdocs"
openstackdocs_repo_name = "x/osc-netdiag"
openstackdocs_bug_project = "osc-netdiag"
openstackdocs_bug_tag = "doc"
# the title is "osc-netdiag", not a name derived from the package metadata
openstackdocs_auto_name = False
