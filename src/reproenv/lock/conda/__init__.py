"""The conda locker: environment files solved with py-rattler for the target platforms, and
conda-lock.yml / pixi.lock read and written."""
