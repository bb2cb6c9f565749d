"""Who may connect to whom under a set of NetworkPolicies, as the Kubernetes API defines it.

A pod selected by no policy of a direction is not isolated in that direction; a selected pod
accepts only what some rule of a selecting policy allows. A connection needs the client's egress
and the server's ingress. Enough of the API for the tests: label selectors (matchLabels and the
four matchExpressions operators), pod and namespace peers, ipBlock with except, numeric ports.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Labels = Mapping[str, str]
NAMESPACE_NAME = "kubernetes.io/metadata.name"  # the label Kubernetes sets on every namespace


@dataclass(frozen=True)
class Pod:
    labels: Labels
    namespace: Labels = field(default_factory=dict)  # the labels of the pod's namespace


@dataclass(frozen=True)
class Address:
    ip: str


Endpoint = Pod | Address


def selects(selector: Mapping[str, Any] | None, labels: Labels) -> bool:
    if selector is None:
        return False
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        ok = {
            "In": present and labels.get(key) in values,
            "NotIn": not present or labels.get(key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }[operator]
        if not ok:
            return False
    return True


def _peer_matches(peer: Mapping[str, Any], other: Endpoint, own_namespace: Labels) -> bool:
    if "ipBlock" in peer:
        if not isinstance(other, Address):
            return False  # pod-to-pod traffic is matched by pod and namespace selectors
        block = peer["ipBlock"]
        ip = ipaddress.ip_address(other.ip)
        if ip not in ipaddress.ip_network(block["cidr"]):
            return False
        return not any(ip in ipaddress.ip_network(cidr) for cidr in block.get("except", []))
    if not isinstance(other, Pod):
        return False
    namespace_ok = (
        selects(peer["namespaceSelector"], other.namespace)
        if "namespaceSelector" in peer
        else dict(other.namespace) == dict(own_namespace)
    )
    pod_ok = selects(peer["podSelector"], other.labels) if "podSelector" in peer else True
    return namespace_ok and pod_ok


def _port_matches(ports: Sequence[Mapping[str, Any]] | None, port: int) -> bool:
    if not ports:
        return True
    return any(p.get("protocol", "TCP") == "TCP" and p.get("port") in (None, port) for p in ports)


def _allows(
    policies: Sequence[Mapping[str, Any]], pod: Pod, other: Endpoint, port: int, direction: str
) -> bool:
    kind, peers_key = {"Egress": ("egress", "to"), "Ingress": ("ingress", "from")}[direction]
    selecting = [
        p
        for p in policies
        if p["metadata"].get("namespace") == pod.namespace.get(NAMESPACE_NAME)  # a policy's own namespace
        and selects(p["spec"]["podSelector"] or {"matchLabels": {}}, pod.labels)
        and direction in p["spec"].get("policyTypes", ["Ingress"])
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get(kind, []):
            peers = rule.get(peers_key)
            if (
                not peers or any(_peer_matches(peer, other, pod.namespace) for peer in peers)
            ) and _port_matches(rule.get("ports"), port):
                return True
    return False


def can_connect(policies: Sequence[Mapping[str, Any]], client: Pod, server: Endpoint, port: int) -> bool:
    """The client may open a TCP connection to the server's port (both ends' policies agree)."""
    if not _allows(policies, client, server, port, "Egress"):
        return False
    return not isinstance(server, Pod) or _allows(policies, server, client, port, "Ingress")
