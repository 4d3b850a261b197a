"""The engine's own Python rules, one module per area: checks that look across objects, dates
or free text.

Each is published in the entry point group `underlay.rules` (pyproject.toml), exactly as an
organisation publishes its own, under the name a rule file uses in `assert: {python: NAME}`:

- naming: name-site-prefix
- secrets: no-plaintext-secrets
- lifecycle: os-version-minimum, end-of-support
- support: support-coverage, support-sla, contract-renewal
- cabling: cable-intersite-media, cable-end-descriptions
- servers: hypervisor-same-site
- circuits: circuit-contract, circuit-service-sla, circuit-renewal

`shared` holds their parameters' base and the one extract of the rules across objects.
"""

from engine.standards.builtin.support import sla_gaps

__all__ = ["sla_gaps"]  # the SLA comparison of support-sla, which the report shows too
