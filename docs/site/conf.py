# Sphinx configuration of the collection's docs site (antsibull-docs + Sphinx, as docs.ansible.com
# builds collection docs). Made with `antsibull-docs sphinx-init`, then: our titles; no
# intersphinx (the site builds offline, nothing is fetched).
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

project = 'hardening.rhel'
copyright = 'hardening.rhel developers'
title = 'hardening.rhel documentation'
html_short_title = 'hardening.rhel'

extensions = ['sphinx.ext.autodoc', 'sphinx_antsibull_ext', 'myst_parser']

# the topic pages (docs/*.md, copied to docs/ by build.sh): Markdown, links between them by file
# name, to a section by its heading's anchor
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3

pygments_style = 'ansible'

highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False

display_version = False

html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = 'any'

nitpicky = True
