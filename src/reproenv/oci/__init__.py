"""An OCI distribution client: pin images by digest, read their configs, copy them (push.py).

Nothing is re-exported here, so that importing `reproenv.oci.reference` (the reference grammar,
which the build and lock hot paths use) does not load httpx through `client`.

httpx loads its command-line client on import whenever rich, click and pygments are installed
(typer installs them), which nearly doubles its import time: about 0.05 s of a cold lock, whose
base image lookup waits on it. reproenv never runs that client, and httpx falls back to a stub
when the import fails, which a None in sys.modules makes it do (encode/httpx#3547 would make
the import lazy).
"""

import sys

sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
