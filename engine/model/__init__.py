"""Typed models of the inventory (pydantic v2) and the layout that maps files to kinds."""

from engine.model.inventory import (
    Cable,
    Contract,
    Device,
    Server,
    Service,
    Site,
    Sla,
    Vendor,
)
from engine.model.layout import COLLECTIONS, Collection, Inventory

__all__ = [
    "COLLECTIONS",
    "Cable",
    "Collection",
    "Contract",
    "Device",
    "Inventory",
    "Server",
    "Service",
    "Site",
    "Sla",
    "Vendor",
]
