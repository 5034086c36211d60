"""Checks that real Keras reads the files nntrain writes.

Run where Python with Keras 3 is available, after `swift build`:

    python3 -m venv v && v/bin/pip install tensorflow-cpu keras
    v/bin/python Tests/Fixtures/check_keras_reads_nntrain.py

It has nntrain train small models and save them (`.keras` and `.weights.h5`), loads each
with `keras.saving.load_model` / `load_weights`, and compares Keras's predictions, weights
and optimizer state with nntrain's (written beside them as .npy files). Exits non-zero on any
difference.
"""
import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import keras  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NNTRAIN = os.environ.get("NNTRAIN_BIN", os.path.join(ROOT, ".build", "debug", "nntrain"))

CASES = [
    ("notes", ["--layers", "16:relu,32:relu:l2=0.01,2:sigmoid", "--optimizer", "adam"]),
    ("sgd_momentum", ["--layers", "6:tanh,3:softmax", "--optimizer", "sgd", "--momentum", "0.9",
                      "--nesterov", "--learning-rate", "0.05"]),
    ("rmsprop_mse", ["--layers", "5:elu,1:linear", "--optimizer", "rmsprop", "--loss", "mse",
                     "--metrics", "mae"]),
    # Whole-number floats (momentum 0, learning rate 1) must reach Keras as floats.
    ("sgd_plain", ["--layers", "4:relu,3:softmax", "--optimizer", "sgd", "--learning-rate", "1"]),
]


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        rng = np.random.default_rng(7)
        x = rng.normal(size=(40, 3)).astype(np.float32)
        y = (x[:, 0] > 0).astype(np.float32) + (x[:, 1] > 0.5)
        np.save(os.path.join(folder, "x.npy"), x)
        np.save(os.path.join(folder, "y.npy"), y)
        for name, flags in CASES:
            model_path = os.path.join(folder, name + ".keras")
            weights_path = os.path.join(folder, name + ".weights.h5")
            predictions_path = os.path.join(folder, name + "_p.npy")
            labels = "y.npy"
            if name == "notes":
                np.save(os.path.join(folder, "y2.npy"), (y > 0).astype(np.float32))
                labels = "y2.npy"
            command = [NNTRAIN, "--x", os.path.join(folder, "x.npy"),
                       "--y", os.path.join(folder, labels), "--epochs", "3", "--verbose", "0",
                       "--batch-size", "8", "--save", model_path, "--save-weights", weights_path,
                       "--predictions-out", predictions_path] + flags
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            ours = np.load(predictions_path)
            model = keras.saving.load_model(model_path)
            theirs = model.predict(x, verbose=0)
            same = np.allclose(theirs, ours, rtol=1e-5, atol=1e-6)
            print(f"{name}.keras: keras predictions {'match' if same else 'DIFFER'}; "
                  f"optimizer {type(model.optimizer).__name__} iterations "
                  f"{int(model.optimizer.iterations.numpy())}")
            failures += not same
            clone = keras.models.clone_model(model)
            clone.build((None, 3))
            clone.load_weights(weights_path)
            same = all(np.array_equal(a, b) for a, b in zip(clone.get_weights(), model.get_weights()))
            print(f"{name}.weights.h5: weights {'match' if same else 'DIFFER'}")
            failures += not same
    print(json.dumps({"failures": failures}))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
