"""Probe this host's NVIDIA GPUs and driver, for `reproenv doctor` and `gpu = "auto"` locking:
NVML, else nvidia-smi, else /proc, and whether Docker can hand the GPUs to containers. Every way
out to the machine is a parameter of `probe.probe_host`, so tests feed it real captures."""
