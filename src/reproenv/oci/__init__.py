"""A read-only OCI distribution client: pin images by digest, read their configs.

Nothing is re-exported here, so that importing `reproenv.oci.reference` (the reference grammar,
which the build and lock hot paths use) does not load httpx through `client`.
"""
