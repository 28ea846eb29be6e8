"""The pip locker: pip inputs to exact, hashed pins per platform, through uv or pip-tools."""
