"""Experiment trackers: a run's conditions logged to the tracker's run (MLflow, `mlflow.py`)."""
