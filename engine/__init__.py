"""underlay: GitOps configuration-as-code for the infrastructure underneath an organisation."""

__version__ = "0.1.0"
