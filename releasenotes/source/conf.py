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

# The release notes of osc-netdiag, built by reno from releasenotes/notes
# and the git history (tox -e releasenotes).

project = "osc-netdiag release notes"
copyright = "osc-netdiag developers"
extensions = ["openstackdocstheme", "reno.sphinxext"]
master_doc = "index"
exclude_patterns = []

# reno versions the notes from git tags; the theme's own version is unused
version = ""
release = ""

# -- openstackdocstheme -------------------------------------------------------
html_theme = "openstackdocs"
openstackdocs_repo_name = "x/osc-netdiag"
openstackdocs_bug_project = "osc-netdiag"
openstackdocs_bug_tag = "releasenotes"
openstackdocs_auto_name = False
