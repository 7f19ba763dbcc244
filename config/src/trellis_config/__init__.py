"""Trellis config server: ordered property sources per application and profile, from YAML in
a git repository, with ``{cipher}`` secrets and live refresh; and the client services use."""
