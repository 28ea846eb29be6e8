"""`reproenv mirror`: copy every digest the lock pins to the user's registry, byte for byte,
and (on request) record that registry in the lock so builds pull from it."""
