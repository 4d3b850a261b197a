"""Generated example labs (benchmarks, smoke tests): routers r1..rN in eBGP, plus servers.

Router i: AS 65000+i, loopback 198.19.0.i/32 announced, mgmt 198.18.0.(10+i); cables are /31s
from 198.18.1.0 upward; server k hangs off router ((k-1) mod N)+1 on a /31 from 198.18.3.0
upward, mgmt 198.18.0.(200+k).
"""

from __future__ import annotations

from collections import defaultdict
from ipaddress import IPv4Address, IPv4Interface

from engine.lab.spec import LabLink, LabNode, LabSpec

_CABLES = IPv4Address("198.18.1.0")
_SERVER_CABLES = IPv4Address("198.18.3.0")


def bgp_lab(routers: int, servers: int = 0, ring: bool = False) -> LabSpec:
    """A chain (or ring) of `routers` FRR routers, and `servers` Linux servers cabled to them."""
    pairs = [(i, i + 1) for i in range(1, routers)] + (
        [(routers, 1)] if ring and routers > 2 else []
    )
    ports: dict[str, int] = defaultdict(int)
    iface: dict[int, list[str]] = defaultdict(list)
    bgp: dict[int, list[str]] = defaultdict(list)
    links = []
    for k, (a, b) in enumerate(pairs):
        pa, pb = _next_port(ports, f"r{a}"), _next_port(ports, f"r{b}")
        ipa, ipb = _CABLES + 2 * k, _CABLES + 2 * k + 1
        links.append(LabLink(f"r{a}", pa, f"r{b}", pb))
        iface[a].append(
            f"interface {pa}\n description to r{b}:{pb}\n ip address {ipa}/31\nexit\n!\n"
        )
        iface[b].append(
            f"interface {pb}\n description to r{a}:{pa}\n ip address {ipb}/31\nexit\n!\n"
        )
        bgp[a].append(f" neighbor {ipb} remote-as {65000 + b}\n neighbor {ipb} description r{b}\n")
        bgp[b].append(f" neighbor {ipa} remote-as {65000 + a}\n neighbor {ipa} description r{a}\n")
    servers_nodes = []
    for k in range(1, servers + 1):
        r = (k - 1) % routers + 1
        port, gw, addr = (
            _next_port(ports, f"r{r}"),
            _SERVER_CABLES + 2 * k,
            _SERVER_CABLES + 2 * k + 1,
        )
        links.append(LabLink(f"r{r}", port, f"srv{k}", "eth1"))
        iface[r].append(
            f"interface {port}\n description to srv{k}:eth1\n ip address {gw}/31\nexit\n!\n"
        )
        servers_nodes.append(
            LabNode(
                f"srv{k}",
                "linux",
                IPv4Interface(f"198.18.0.{200 + k}/24"),
                interfaces=(("eth1", f"{addr}/31"),),
            )
        )
    routers_nodes = [
        LabNode(
            f"r{i}",
            "frr",
            IPv4Interface(f"198.18.0.{10 + i}/24"),
            frr_config=_frr_config(i, "".join(iface[i]), "".join(bgp[i])),
        )
        for i in range(1, routers + 1)
    ]
    return LabSpec(nodes=tuple(routers_nodes + servers_nodes), links=tuple(links))


def _next_port(ports: dict[str, int], node: str) -> str:
    ports[node] += 1
    return f"eth{ports[node]}"


def _frr_config(i: int, interfaces: str, neighbors: str) -> str:
    return (
        f"frr defaults traditional\nhostname r{i}\n"
        "log file /var/log/frr/frr.log informational\nservice integrated-vtysh-config\n!\n"
        f"{interfaces}interface lo\n ip address 198.19.0.{i}/32\nexit\n!\n"
        f"router bgp {65000 + i}\n bgp router-id 198.19.0.{i}\n no bgp ebgp-requires-policy\n"
        f"{neighbors} !\n address-family ipv4 unicast\n  network 198.19.0.{i}/32\n"
        " exit-address-family\nexit\n!\nend\n"
    )
