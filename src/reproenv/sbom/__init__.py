"""The environment's software bill of materials: a CycloneDX document made from the lock."""
