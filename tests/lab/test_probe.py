"""Parsing recorded lldpcli/vtysh output and deriving convergence expectations (no lab needed)."""

from __future__ import annotations

import json
from dataclasses import replace

from engine.lab.probe import BgpSession, LldpNeighbour, bgp_sessions, expectations, parse_lldp
from tests.lab.helpers import chain_spec

# recorded on r1 of a 2-router lab: `lldpcli -f json0 show neighbors`, `show bgp summary json`
LLDP_JSON0 = """\
{
 "lldp": [
  {
   "interface": [
    {
     "name": "eth1",
     "via": "LLDP",
     "rid": "1",
     "age": "0 day, 00:00:00",
     "chassis": [
      {
       "id": [
        {
         "type": "mac",
         "value": "52:81:08:a0:b9:15"
        }
       ],
       "name": [
        {
         "value": "r2"
        }
       ],
       "descr": [
        {
         "value": "Debian GNU/Linux 12 (bookworm) Linux 6.18.44-fc-v669 x86_64"
        }
       ],
       "mgmt-ip": [
        {
         "value": "198.18.0.12"
        }
       ],
       "mgmt-iface": [
        {
         "value": "2"
        }
       ],
       "capability": [
        {
         "type": "Bridge",
         "enabled": false
        },
        {
         "type": "Router",
         "enabled": true
        },
        {
         "type": "Wlan",
         "enabled": false
        },
        {
         "type": "Station",
         "enabled": false
        }
       ]
      }
     ],
     "port": [
      {
       "id": [
        {
         "type": "ifname",
         "value": "eth1"
        }
       ],
       "descr": [
        {
         "value": "eth1"
        }
       ],
       "ttl": [
        {
         "value": "4"
        }
       ]
      }
     ]
    }
   ]
  }
 ]
}
"""
BGP_SUMMARY = """\
{
 "ipv4Unicast": {
  "routerId": "198.19.0.1",
  "as": 65001,
  "vrfId": 0,
  "vrfName": "default",
  "tableVersion": 2,
  "ribCount": 3,
  "ribMemory": 576,
  "peerCount": 1,
  "peerMemory": 741464,
  "peers": {
   "198.18.1.1": {
    "hostname": "r2",
    "remoteAs": 65002,
    "localAs": 65001,
    "version": 4,
    "msgRcvd": 5,
    "msgSent": 5,
    "tableVersion": 0,
    "outq": 0,
    "inq": 0,
    "peerUptime": "00:00:03",
    "peerUptimeMsec": 3000,
    "peerUptimeEstablishedEpoch": 1795778866,
    "pfxRcd": 1,
    "pfxSnt": 2,
    "state": "Established",
    "peerState": "OK",
    "connectionsEstablished": 1,
    "connectionsDropped": 0,
    "desc": "r2",
    "idType": "ipv4"
   }
  },
  "failedPeers": 0,
  "displayedPeers": 1,
  "totalPeers": 1,
  "dynamicPeers": 0,
  "bestPath": {
   "multiPathRelax": "false"
  }
 }
}
"""


def test_parse_lldp_json0() -> None:
    assert parse_lldp(json.loads(LLDP_JSON0)) == (LldpNeighbour("eth1", "r2", "eth1"),)


def test_parse_lldp_without_neighbours() -> None:
    assert parse_lldp({"lldp": [{}]}) == ()


def test_bgp_sessions_from_summary() -> None:
    assert bgp_sessions(json.loads(BGP_SUMMARY)) == (
        BgpSession("ipv4Unicast", "198.18.1.1", 65002, "Established", 1),
    )


def test_expectations_of_chain_spec() -> None:
    mgmt = {n.name: str(n.mgmt_address.ip) for n in chain_spec().nodes}
    wants = {w.node: w for w in expectations(chain_spec(), mgmt)}
    assert wants["r2"].peers == {"198.18.1.0", "198.18.1.3"}
    assert wants["r1"].prefixes == {"198.19.0.2/32", "198.19.0.3/32"}
    assert wants["srv1"].frr is False
    assert dict(wants["srv1"].lldp) == {"eth1": ("r1", "eth2")}
    assert dict(wants["r1"].lldp) == {"eth1": ("r2", "eth1"), "eth2": ("srv1", "eth1")}


def test_peer_group_names_are_not_peers() -> None:
    spec = chain_spec()
    r1 = spec.node("r1")
    grouped = r1.frr_config.replace(
        " neighbor 198.18.1.1 remote-as 65002\n",
        " neighbor SPINES peer-group\n neighbor SPINES remote-as external\n"
        " neighbor 198.18.1.1 peer-group SPINES\n",
    )
    spec = replace(spec, nodes=(replace(r1, frr_config=grouped), *spec.nodes[1:]))
    mgmt = {n.name: str(n.mgmt_address.ip) for n in spec.nodes}
    assert next(w for w in expectations(spec, mgmt) if w.node == "r1").peers == {"198.18.1.1"}
