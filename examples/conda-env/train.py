"""Fit a classifier on generated data with a fixed seed and print its accuracy and the stack."""

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(0)
features = pd.DataFrame(rng.normal(size=(1000, 8)))
labels = (features.sum(axis=1) > 0).astype(int)
model = LogisticRegression().fit(features, labels)
print(f"accuracy: {model.score(features, labels):.4f} (numpy {np.__version__}, pandas {pd.__version__})")
