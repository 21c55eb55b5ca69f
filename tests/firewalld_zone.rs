//! `firewalld_zone`, the real binary, on its offline path (a sandbox never talks to a bus): a
//! sandbox root laid out like a host with firewalld installed but not running — Debian's
//! firewalld 1.3.3 built-in zones, a few services, an ipset, an ICMP type, /etc/protocols and a
//! firewalld.conf with comments. The D-Bus path runs against the real daemon in the Molecule
//! scenario `firewalld_zone`.

use hardening_rhel_tests::Sandbox;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;

const CONF: &str = "/etc/firewalld/firewalld.conf";
const CONF_TEXT: &str = "# firewalld config file\n\n# default zone\nDefaultZone=public\n\n# Clean up on exit\nCleanupOnExit=yes\nUnknownKey=kept\n";

fn host() -> Sandbox {
    let sb = Sandbox::new();
    for z in [
        "block", "dmz", "drop", "external", "home", "internal", "public", "trusted", "work",
    ] {
        sb.copy(
            &format!("tests/fixtures/firewalld/zones/{z}.xml"),
            &format!("/usr/lib/firewalld/zones/{z}.xml"),
        );
    }
    for s in ["ssh", "http", "https", "dhcpv6-client", "dns"] {
        sb.file(
            &format!("/usr/lib/firewalld/services/{s}.xml"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service/>\n",
        );
    }
    sb.file(
        "/etc/firewalld/ipsets/blocked.xml",
        "<ipset type=\"hash:net\"/>\n",
    )
    .file(
        "/usr/lib/firewalld/icmptypes/echo-request.xml",
        "<icmptype/>\n",
    )
    .file("/etc/protocols", "ip\t0\tIP\nicmp\t1\tICMP\ngre\t47\tGRE\n")
    .file(CONF, CONF_TEXT);
    sb
}

fn ok(v: &Value) -> &Value {
    assert!(v.get("failed").is_none(), "module failed: {v}");
    v
}

fn web() -> Value {
    json!({
        "name": "web",
        "target": "REJECT",
        "short": "Web",
        "services": ["http", "https"],
        "ports": ["8443/tcp", "60000-60010/udp"],
        "protocols": ["gre"],
        "sources": ["192.0.2.0/24", "2001:db8::/32", "ipset:blocked"],
        "icmp_blocks": ["echo-request"],
        "rich_rules": ["rule family=ipv4 source address=192.0.2.10 service name=ssh log prefix=lb level=info limit value=3/minute accept"],
        "forward_ports": [{"port": 80, "protocol": "tcp", "to_port": 8080}],
        "masquerade": true,
        "default": true,
        "_ansible_diff": true,
    })
}

#[test]
fn new_zone_written_as_firewalld_writes_it_and_default_set_then_idempotent() {
    let sb = host();
    let r = sb.run("firewalld_zone", web());
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(r["daemon_running"], false);
    assert_eq!(r["runtime_applied"], false);
    assert!(r["msg"].as_str().unwrap().contains("not running"), "{r}");
    assert_eq!(r["default_zone"], "web");
    let xml = sb.read("/etc/firewalld/zones/web.xml").unwrap();
    assert_eq!(
        xml,
        r#"<?xml version="1.0" encoding="utf-8"?>
<zone target="%%REJECT%%">
  <short>Web</short>
  <service name="http"/>
  <service name="https"/>
  <port port="8443" protocol="tcp"/>
  <port port="60000-60010" protocol="udp"/>
  <protocol value="gre"/>
  <icmp-block name="echo-request"/>
  <masquerade/>
  <forward-port port="80" protocol="tcp" to-port="8080"/>
  <rule family="ipv4">
    <source address="192.0.2.10"/>
    <service name="ssh"/>
    <log prefix="lb" level="info">
      <limit value="3/m"/>
    </log>
    <accept/>
  </rule>
  <source address="192.0.2.0/24"/>
  <source address="2001:db8::/32"/>
  <source ipset="blocked"/>
</zone>
"#
    );
    let mode = std::fs::metadata(sb.path("/etc/firewalld/zones"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o750);
    assert_eq!(
        sb.read(CONF).unwrap(),
        CONF_TEXT.replace("DefaultZone=public", "DefaultZone=web")
    );
    assert_eq!(r["zone"]["permanent"]["target"], "REJECT");
    assert_eq!(
        r["zone"]["permanent"]["rich_rules"][0],
        "rule family=\"ipv4\" source address=\"192.0.2.10\" service name=\"ssh\" log prefix=\"lb\" level=\"info\" limit value=\"3/m\" accept"
    );
    assert!(r["zone"]["runtime"].is_null());
    // the diff shows the zone file and firewalld.conf
    let diffs = r["diff"].as_array().unwrap();
    assert_eq!(diffs.len(), 2, "{r}");
    assert_eq!(diffs[0]["after"], xml.as_str());

    // the same task again, and the rule spelled differently: nothing to do
    let before = sb.snapshot();
    let mut again = web();
    again["rich_rules"] = json!(["rule family=\"ipv4\" source address=192.0.2.10 service name=\"ssh\" log level=info prefix=\"lb\" limit value=\"3/m\" accept"]);
    let r2 = sb.run("firewalld_zone", again);
    ok(&r2);
    assert_eq!(r2["changed"], false, "{r2}");
    sb.assert_unchanged(&before);
    assert!(!sb.exists("/etc/firewalld/zones/web.xml.old"));
}

#[test]
fn builtin_zone_starts_from_usr_lib_and_keeps_old_copy() {
    let sb = host();
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": ["https"], "_ansible_diff": true}),
    );
    ok(&r);
    assert_eq!(r["changed"], true);
    let public = sb.read("/etc/firewalld/zones/public.xml").unwrap();
    // additive: the built-in's ssh and dhcpv6-client stay, https is added, <forward/> kept
    assert!(public.contains("<service name=\"ssh\"/>\n  <service name=\"dhcpv6-client\"/>\n  <service name=\"https\"/>"), "{public}");
    assert!(public.contains("<forward/>"));
    assert!(public.contains("<short>Public</short>"));
    // the diff's before is the built-in
    assert!(r["diff"][0]["before"]
        .as_str()
        .unwrap()
        .contains("dhcpv6-client"));
    assert!(!sb.exists("/etc/firewalld/zones/public.xml.old"));

    // exclusive: exactly ssh; the previous file becomes public.xml.old
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": ["ssh"], "exclusive": true}),
    );
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(
        sb.read("/etc/firewalld/zones/public.xml.old").unwrap(),
        public
    );
    let now = sb.read("/etc/firewalld/zones/public.xml").unwrap();
    assert!(
        now.contains("<service name=\"ssh\"/>")
            && !now.contains("https")
            && !now.contains("dhcpv6")
    );

    // remove without exclusive
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "remove": {"services": ["ssh"]}}),
    );
    ok(&r);
    assert!(!sb
        .read("/etc/firewalld/zones/public.xml")
        .unwrap()
        .contains("<service"));
    assert_eq!(sb.read(CONF).unwrap(), CONF_TEXT, "default untouched");
}

#[test]
fn check_mode_is_exact_and_touches_nothing() {
    let sb = host();
    let before = sb.snapshot();
    let mut a = web();
    a["_ansible_check_mode"] = json!(true);
    let r = sb.run("firewalld_zone", a);
    ok(&r);
    assert_eq!(r["changed"], true);
    assert!(
        r["msg"].as_str().unwrap().contains("would be written"),
        "{r}"
    );
    sb.assert_unchanged(&before);
    assert!(!sb.exists("/etc/firewalld/zones"));
    // and the check-mode report equals what the real run then does
    let real = sb.run("firewalld_zone", web());
    assert_eq!(real["zone"], r["zone"]);
    assert_eq!(
        r["diff"][0]["after"].as_str().unwrap(),
        sb.read("/etc/firewalld/zones/web.xml").unwrap()
    );
}

#[test]
fn bad_items_fail_naming_the_item_and_write_nothing() {
    let sb = host();
    let before = sb.snapshot();
    for (args, needle) in [
        (
            json!({"name": "public", "services": ["ssh", "nosuch"]}),
            "'nosuch' is not a service",
        ),
        (
            json!({"name": "public", "ports": ["443"]}),
            "'443' is port/protocol",
        ),
        (json!({"name": "public", "ports": ["70000/tcp"]}), "70000"),
        (
            json!({"name": "public", "sources": ["10.0.0.0/33"]}),
            "'10.0.0.0/33'",
        ),
        (
            json!({"name": "public", "sources": ["ipset:nope"]}),
            "ipset nope",
        ),
        (
            json!({"name": "public", "sources": ["00:11:22:33:44"]}),
            "00:11:22:33:44",
        ),
        (
            json!({"name": "public", "rich_rules": ["rule family=ipv4 source address=10.0.0.0/8 acept"]}),
            "acept",
        ),
        (
            json!({"name": "public", "icmp_blocks": ["ping"]}),
            "'ping' is not an ICMP type",
        ),
        (
            json!({"name": "public", "forward_ports": [{"port": 80, "protocol": "tcp"}]}),
            "to_port or to_addr",
        ),
        (json!({"name": "public", "target": "reject"}), "target"),
        (json!({"name": "much-too-long-zone-name"}), "1-17"),
        (json!({"name": "public", "colour": "red"}), "colour"),
        (json!({"name": "public", "state": "absent"}), "built in"),
        (
            json!({"name": "web", "state": "absent", "services": ["ssh"]}),
            "give only name",
        ),
        (json!({"name": "public", "permanent": false}), "no runtime"),
    ] {
        let r = sb.run("firewalld_zone", args.clone());
        assert_eq!(r["failed"], true, "{args}: {r}");
        assert!(r["msg"].as_str().unwrap().contains(needle), "{args}: {r}");
    }
    sb.assert_unchanged(&before);
}

#[test]
fn absent_removes_a_local_zone_keeping_old_copy() {
    let sb = host();
    ok(&sb.run(
        "firewalld_zone",
        json!({"name": "corp", "services": ["ssh"]}),
    ));
    let text = sb.read("/etc/firewalld/zones/corp.xml").unwrap();
    let r = sb.run("firewalld_zone", json!({"name": "corp", "state": "absent"}));
    ok(&r);
    assert_eq!(r["changed"], true);
    assert!(!sb.exists("/etc/firewalld/zones/corp.xml"));
    assert_eq!(sb.read("/etc/firewalld/zones/corp.xml.old").unwrap(), text);
    let r = sb.run("firewalld_zone", json!({"name": "corp", "state": "absent"}));
    assert_eq!(r["changed"], false, "{r}");
    // the default zone cannot be removed
    ok(&sb.run("firewalld_zone", json!({"name": "corp", "default": true})));
    let r = sb.run("firewalld_zone", json!({"name": "corp", "state": "absent"}));
    assert!(r["msg"].as_str().unwrap().contains("default zone"), "{r}");
}

// ---- lockout guard (over SSH as the sandbox's /proc makes it look; firewalld not running) ----

/// The connection 10.0.0.10 → 10.0.0.1:`port`, arriving on eth0 (the default route).
fn ssh_host(port: u16) -> Sandbox {
    let sb = host();
    sb.file(
        "/usr/lib/firewalld/services/ssh.xml",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service>\n  <short>SSH</short>\n  <port protocol=\"tcp\" port=\"22\"/>\n</service>\n",
    )
    .file(
        "/proc/net/route",
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n",
    )
    .over_ssh("admin", 1000, port);
    sb
}

#[test]
fn lockout_exclusive_public_without_the_sshd_port_is_refused() {
    let sb = ssh_host(22);
    let before = sb.snapshot();
    for check in [true, false] {
        let r = sb.run(
            "firewalld_zone",
            json!({"name": "public", "services": ["https"], "exclusive": true, "_ansible_check_mode": check}),
        );
        assert_eq!(r["failed"], true, "{r}");
        let msg = r["msg"].as_str().unwrap();
        assert!(msg.contains("the default zone public (interface eth0 is in no zone) has no service, port or rule accepting tcp port 22"), "{msg}");
        assert!(
            msg.contains("10.0.0.10") && msg.contains("allow_lockout"),
            "{msg}"
        );
    }
    sb.assert_unchanged(&before);
    // keeping ssh passes
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": ["ssh", "https"], "exclusive": true}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "passed");
}

#[test]
fn lockout_sshd_on_a_non_standard_port_and_a_default_switch_to_drop() {
    let sb = ssh_host(2222);
    // the admin opened 2222 in public: removing it cuts
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "ports": ["2222/tcp"]}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "passed");
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "remove": {"ports": ["2222/tcp"]}}),
    );
    assert_eq!(r["failed"], true, "{r}");
    assert!(r["msg"].as_str().unwrap().contains("tcp port 2222"), "{r}");
    // ssh (port 22) alone does not keep a session on 2222 (exclusive replaces the lists given)
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": ["ssh"], "ports": [], "exclusive": true}),
    );
    assert_eq!(r["failed"], true, "{r}");
    // making drop the default zone cuts; a zone holding the peer's source keeps it
    let r = sb.run("firewalld_zone", json!({"name": "drop", "default": true}));
    assert_eq!(r["failed"], true, "{r}");
    assert!(
        r["msg"].as_str().unwrap().contains("default zone drop"),
        "{r}"
    );
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "admin", "sources": ["10.0.0.0/24"], "ports": ["2222/tcp"]}),
    );
    ok(&r);
    let r = sb.run("firewalld_zone", json!({"name": "drop", "default": true}));
    ok(&r);
    assert_eq!(r["lockout_check"], "passed");
    // the override
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "admin", "state": "absent", "allow_lockout": true}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "overridden");
    assert!(
        r["warnings"].to_string().contains("default zone drop"),
        "{r}"
    );
}

/// `enabled` edits firewalld.service's wants link with `systemctl enable` (offline: a stopped
/// daemon, a chroot, an image build), never starts it, and is idempotent; `applied_at` says when
/// the zone takes effect (no daemon here: when it starts; an image build: its first boot).
#[test]
fn enabled_links_the_unit_offline_and_applied_at_says_when() {
    let sb = host();
    sb.with_systemctl();
    let link = "/etc/systemd/system/multi-user.target.wants/firewalld.service";
    let args = json!({"name": "public", "services": ["ssh"], "exclusive": true,
                      "default": true, "enabled": true});
    let mut check = args.clone();
    check["_ansible_check_mode"] = json!(true);
    let r = sb.run("firewalld_zone", check);
    ok(&r);
    assert_eq!(r["changed"], true);
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("firewalld.service would be enabled"),
        "{r}"
    );
    assert!(sb.calls("systemctl").is_empty() && !sb.exists(link));
    let r = sb.run("firewalld_zone", args.clone());
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(sb.calls("systemctl"), vec!["enable firewalld.service"]);
    assert!(sb.path(link).symlink_metadata().is_ok());
    assert_eq!(r["enabled"], true);
    assert_eq!(r["applied_at"], "service_start", "{r}");
    let r = sb.run("firewalld_zone", args.clone());
    ok(&r);
    assert_eq!(r["changed"], false, "{r}");
    assert_eq!(sb.calls("systemctl").len(), 1);
    // an image being built (bootc's directory, no boot entries): first boot
    sb.dir("/usr/lib/bootc/kargs.d");
    let r = sb.run("firewalld_zone", args.clone());
    ok(&r);
    assert_eq!(r["applied_at"], "first_boot", "{r}");
    // a chroot: links are still edited (they are the root's), disable removes the link
    let host_root = tempfile::tempdir().unwrap();
    sb.chroot(Some(host_root.path()));
    let mut off = args.clone();
    off["enabled"] = json!(false);
    let r = sb.run("firewalld_zone", off);
    ok(&r);
    assert_eq!(r["changed"], true);
    assert!(sb.path(link).symlink_metadata().is_err());
}

// ---- lockout guard: the ways in people use (issue 30) ----

const ADMINS: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ipset type=\"hash:net\">\n  <entry>10.0.0.0/24</entry>\n</ipset>\n";

/// SSH allowed only from the `admins` ipset (zone mgmt), the default zone drop: set up through
/// the module itself, each step passed by the guard naming the ipset path.
fn ipset_allowlist() -> Sandbox {
    let sb = ssh_host(22);
    sb.file("/etc/firewalld/ipsets/admins.xml", ADMINS);
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "mgmt", "sources": ["ipset:admins"], "services": ["ssh"]}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "passed");
    let r = sb.run("firewalld_zone", json!({"name": "drop", "default": true}));
    ok(&r);
    assert_eq!(r["lockout_check"], "passed", "{r}");
    assert!(
        r["lockout_path"][0]
            .as_str()
            .unwrap()
            .contains("zone mgmt (its sources hold 10.0.0.10): service ssh"),
        "{r}"
    );
    sb
}

fn refused(r: &Value, want: &str) {
    assert_eq!(r["failed"], true, "{r}");
    assert_eq!(r["lockout_check"], "refused", "{r}");
    assert!(r["msg"].as_str().unwrap().contains(want), "{want}: {r}");
}

#[test]
fn lockout_an_ipset_allowlist_is_a_way_in_and_its_cuts_are_refused() {
    let sb = ipset_allowlist();
    let before = sb.snapshot();
    // the issue's case: the zone's lists emptied
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "mgmt", "ports": [], "services": [], "exclusive": true, "_ansible_check_mode": true}),
    );
    refused(
        &r,
        "zone mgmt (its sources hold 10.0.0.10) has no service, port or rule accepting tcp port 22",
    );
    // target DROP on that zone
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "mgmt", "target": "DROP", "services": [], "exclusive": true}),
    );
    refused(&r, "zone mgmt");
    // the source removed: the default zone drop takes the peer
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "mgmt", "remove": {"sources": ["ipset:admins"]}}),
    );
    refused(&r, "default zone drop");
    sb.assert_unchanged(&before);
    // with allow_lockout the change is made (the next connection would be cut)
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "mgmt", "services": [], "exclusive": true, "allow_lockout": true}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "overridden");
    assert!(!sb
        .read("/etc/firewalld/zones/mgmt.xml")
        .unwrap()
        .contains("ssh"));
}

#[test]
fn lockout_an_ipset_that_cannot_be_judged_is_unknown_never_passed() {
    let sb = ipset_allowlist();
    // entries that time out are not in the permanent configuration
    sb.file(
        "/etc/firewalld/ipsets/admins.xml",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ipset type=\"hash:net\">\n  <option name=\"timeout\" value=\"600\"/>\n</ipset>\n",
    );
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "work", "services": ["https"]}),
    );
    assert_eq!(r["failed"], true, "{r}");
    assert_eq!(r["lockout_check"], "unknown", "{r}");
    assert!(r["msg"].as_str().unwrap().contains("ipset:admins"), "{r}");
    // a MAC set: the same
    sb.file(
        "/etc/firewalld/ipsets/admins.xml",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ipset type=\"hash:mac\">\n  <entry>52:54:00:12:34:56</entry>\n</ipset>\n",
    );
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "work", "services": ["https"]}),
    );
    assert_eq!(r["lockout_check"], "unknown", "{r}");
}

#[test]
fn lockout_removing_an_ipset_accept_rich_rule_is_refused() {
    let sb = ssh_host(22);
    sb.file("/etc/firewalld/ipsets/admins.xml", ADMINS);
    let rule = "rule family=\"ipv4\" source ipset=\"admins\" service name=\"ssh\" accept";
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": [], "rich_rules": [rule], "exclusive": true}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "passed", "{r}");
    assert!(r["lockout_path"].to_string().contains("rich rule"), "{r}");
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "remove": {"rich_rules": [rule]}}),
    );
    refused(&r, "default zone public");
}

#[test]
fn lockout_the_configuration_a_stopped_firewalld_will_load_is_judged() {
    // firewalld stopped, sshd on 2222, which no zone opens: the baseline zone (ssh only) would
    // cut the session when firewalld starts; refused, as is enabling the unit
    let sb = ssh_host(2222);
    sb.with_systemctl();
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": ["ssh"], "exclusive": true, "default": true}),
    );
    refused(&r, "firewalld is not running: from its next start");
    let r = sb.run("firewalld_zone", json!({"name": "public", "enabled": true}));
    refused(&r, "tcp port 2222");
    assert!(sb.calls("systemctl").is_empty());
    // the zone made right first, then enabling passes, naming the port
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": ["ssh"], "ports": ["2222/tcp"], "enabled": true}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "passed");
    assert!(
        r["lockout_path"].to_string().contains("port 2222/tcp"),
        "{r}"
    );
}

#[test]
fn lockout_host_policies_and_networkmanager_bindings_are_judged() {
    let sb = ssh_host(22);
    // a HOST policy with a negative priority that rejects the admin network comes first
    sb.file(
        "/etc/firewalld/policies/deny-admins.xml",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<policy target=\"CONTINUE\" priority=\"-10\">\n  <rule family=\"ipv4\">\n    <source address=\"10.0.0.0/24\"/>\n    <reject/>\n  </rule>\n  <ingress-zone name=\"ANY\"/>\n  <egress-zone name=\"HOST\"/>\n</policy>\n",
    );
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": ["ssh", "https"]}),
    );
    refused(&r, "policy deny-admins");
    let _ = std::fs::remove_file(sb.path("/etc/firewalld/policies/deny-admins.xml"));
    // eth0 bound to zone internal by a NetworkManager profile: public's ssh does not help
    sb.file(
        "/etc/NetworkManager/system-connections/eth0.nmconnection",
        "[connection]\nid=eth0\ntype=ethernet\ninterface-name=eth0\nzone=drop\n",
    );
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": ["ssh", "https"]}),
    );
    refused(&r, "bound by the NetworkManager profile");
    // a profile that does not name its interface may be the session's: unknown
    sb.file(
        "/etc/NetworkManager/system-connections/eth0.nmconnection",
        "[connection]\nid=eth0\ntype=ethernet\nzone=drop\n",
    );
    let r = sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": ["ssh", "https"]}),
    );
    assert_eq!(r["lockout_check"], "unknown", "{r}");
}
