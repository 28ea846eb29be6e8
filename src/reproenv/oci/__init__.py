"""An OCI distribution client: pin images by digest, read their configs, copy them (push.py).

Nothing is re-exported here, so that importing `reproenv.oci.reference` (the reference grammar,
which the build and lock hot paths use) does not load httpx through `client`.
"""
