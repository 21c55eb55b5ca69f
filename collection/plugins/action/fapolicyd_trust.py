# -*- coding: utf-8 -*-
# Copyright: hardening.rhel developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hardening.rhel.fapolicyd_trust: one round trip per task
(plugin_utils/binary_cache.py), and the option collection_binaries: the collection's own
binaries, cached on the host first, are added to the paths to trust."""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.hardening.rhel.plugins.plugin_utils.binary_cache import BinaryModuleAction


class ActionModule(BinaryModuleAction):

    def prepare(self, module_args, task_vars):
        if "collection_binaries" not in module_args:
            return module_args, {}
        try:
            wanted = boolean(module_args.pop("collection_binaries"), strict=True)
        except TypeError as e:
            return None, {"failed": True, "msg": "collection_binaries: %s" % e}
        if not wanted:
            return module_args, {}
        why = self.fast_path_refusal()
        if why is not None:
            # where the standard path puts the binaries: the remote user's remote_tmp, as
            # ActionBase._make_tmp_path expands it (with become, the login user's home)
            remote_tmp = self._remote_expand_user(self.get_shell_option("remote_tmp", default="~/.ansible/tmp"),
                                                  sudoable=False)
            return None, {"skipped": True, "changed": False, "remote_tmp": remote_tmp,
                          "msg": "the collection's binaries are not cached on this host (%s): they run from "
                                 "Ansible's remote_tmp %s, the standard way" % (why, remote_tmp)}
        paths = self.cache_all()
        module_args["paths"] = list(module_args.get("paths") or []) + paths
        return module_args, {"collection_binaries": paths}
