"""`reproenv archive` and `restore`: one tarball with the image of the lock (an OCI layout that
`docker load` takes), the project's lock, spec and generated files, the build and run records
and the SBOM; restored on an engine without a network."""
