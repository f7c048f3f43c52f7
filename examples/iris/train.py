"""Train a small iris classifier and save it to the local model store as ``iris``."""

from __future__ import annotations

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

import tiffin


def main() -> None:
    features, labels = load_iris(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(features, labels, random_state=0)
    classifier = LogisticRegression(max_iter=1000).fit(x_train, y_train)
    model = tiffin.sklearn.save_model(
        "iris",
        classifier,
        metadata={"accuracy": classifier.score(x_test, y_test), "dataset": "iris"},
        labels={"owner": "demo", "stage": "dev"},
    )
    print(f"Model saved: {model.tag} ({model.path})")


if __name__ == "__main__":
    main()
