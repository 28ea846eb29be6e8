"""`reproenv publish`: the image of the current lock pushed to a registry, its digest verified."""
