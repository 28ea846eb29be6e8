"""Train a classifier on generated data with a fixed seed and print its accuracy."""

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

SEED = 0

features, labels = make_classification(
    n_samples=2000, n_features=20, n_informative=8, random_state=SEED
)
train_x, test_x, train_y, test_y = train_test_split(
    features, labels, test_size=0.25, random_state=SEED
)
model = LogisticRegression(max_iter=1000).fit(train_x, train_y)
print(f"accuracy: {model.score(test_x, test_y):.4f}")
