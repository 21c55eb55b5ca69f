# -*- coding: utf-8 -*-
# Copyright: hardening.rhel developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hardening.rhel.fapolicyd_config: one round trip per task (plugin_utils/binary_cache.py)."""

from __future__ import annotations

from ansible_collections.hardening.rhel.plugins.plugin_utils.binary_cache import BinaryModuleAction


class ActionModule(BinaryModuleAction):
    pass
