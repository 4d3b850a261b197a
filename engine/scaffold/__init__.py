"""`underlay init`: scaffolding of new infrastructure repositories."""
