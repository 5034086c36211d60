"""Generate real Keras 3 model files for nntrain's load/save tests.

Run from the repository root (any Python with tensorflow + keras 3 + h5py):

    python3 -m venv v && v/bin/pip install tensorflow-cpu keras h5py && \
        v/bin/python Tests/Fixtures/generate_keras_files.py

It writes into Tests/NNTests/Fixtures/keras_files/:

  notes_adam.keras       input 1; Dense(16, relu), Dense(32, relu, l2(0.01)),
                         Dense(2, sigmoid); Adam(1e-3),
                         sparse_categorical_crossentropy, ["accuracy"];
                         trained 2 epochs on 40 samples; model.save()
  notes.weights.h5       model.save_weights() of that same trained model
  activation_sgd.keras   input 3; Dense(5), Activation(relu), Dense(3),
                         Activation(softmax); SGD(0.1, momentum=0.9,
                         nesterov=True); categorical_crossentropy; 1 epoch
  mse_rmsprop.keras      input 2; Dense(4, tanh, use_bias=False), Dense(1);
                         RMSprop(); mse; ["mae"]; 1 epoch
  uncompiled.keras       input 4; Dense(3, relu), Dense(2); never compiled
  keras_files.json       for every file above: prediction input/outputs,
                         model.get_weights(), the optimizer variables (in
                         model.optimizer.variables order), model.to_json()

Every tensor is encoded as {"shape": [...], "data": [flat row-major floats]}
(float32 values written exactly as Python floats; the optimizer's integer
`iterations` counter is written the same way). Each model is built after
keras.backend.clear_session() so layer names start fresh ("dense",
"dense_1", ...), exactly as a fresh Python process would name them.
"""

import os
import zipfile

os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

import json  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

tf.get_logger().setLevel("ERROR")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT_DIR = os.path.join(REPO, "Tests", "NNTests", "Fixtures", "keras_files")

F32 = np.float32


def tensor(a):
    a = np.asarray(a)
    return {"shape": [int(d) for d in a.shape],
            "dtype": str(a.dtype),
            "data": [float(v) for v in a.astype(np.float64).reshape(-1)]}


def fresh(seed):
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

def notes_model():
    fresh(1)
    model = keras.Sequential([
        keras.Input(shape=(1,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(32, activation="relu",
                           kernel_regularizer=keras.regularizers.l2(0.01)),
        keras.layers.Dense(2, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = np.linspace(0.0, 1.0, 40, dtype=F32).reshape(40, 1)
    y = (x[:, 0] > 0.5).astype(np.int32)
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    px = np.array([[0.0], [0.25], [0.5], [0.75], [1.0]], dtype=F32)
    return model, px


def activation_sgd_model():
    fresh(2)
    model = keras.Sequential([
        keras.Input(shape=(3,)),
        keras.layers.Dense(5),
        keras.layers.Activation("relu"),
        keras.layers.Dense(3),
        keras.layers.Activation("softmax"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1,
                                                 momentum=0.9,
                                                 nesterov=True),
                  loss="categorical_crossentropy")
    n = 24
    x = (np.arange(n * 3, dtype=F32).reshape(n, 3) % 7) / 7.0
    labels = np.arange(n) % 3
    y = np.eye(3, dtype=F32)[labels]
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    px = np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5], [0.0, 0.0, 0.0]],
                  dtype=F32)
    return model, px


def mse_rmsprop_model():
    fresh(3)
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(4, activation="tanh", use_bias=False),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.RMSprop(), loss="mse",
                  metrics=["mae"])
    n = 20
    x = np.stack([np.linspace(-1, 1, n), np.linspace(1, -1, n) ** 2],
                 axis=1).astype(F32)
    y = (x[:, :1] * 2.0 - x[:, 1:] + 0.5).astype(F32)
    model.fit(x, y, epochs=1, batch_size=10, shuffle=False, verbose=0)
    px = np.array([[0.0, 0.0], [0.5, -0.5], [-1.0, 1.0]], dtype=F32)
    return model, px


def uncompiled_model():
    fresh(4)
    model = keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Dense(3, activation="relu"),
        keras.layers.Dense(2),
    ])
    px = np.array([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.0, 2.0]], dtype=F32)
    return model, px


# ---------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------

def record(model, px):
    entry = {
        "predict_x": tensor(px),
        "predict_y": tensor(model.predict(px, verbose=0)),
        "weights": [tensor(w) for w in model.get_weights()],
        "weight_paths": [w.path for w in model.weights],
        "optimizer_variables": None,
        "to_json": model.to_json(),
    }
    if getattr(model, "optimizer", None) is not None:
        entry["optimizer_variables"] = [
            {"name": v.name, "path": v.path, **tensor(v.numpy())}
            for v in model.optimizer.variables
        ]
    return entry


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    out = {"keras": keras.__version__, "tensorflow": tf.__version__,
           "files": {}}

    model, px = notes_model()
    model.save(os.path.join(OUT_DIR, "notes_adam.keras"))
    # The archive's config.json alone, for the tests that read a to_json()-style config file.
    with zipfile.ZipFile(os.path.join(OUT_DIR, "notes_adam.keras")) as archive, \
            open(os.path.join(OUT_DIR, "notes_adam.keras.config.json"), "wb") as config:
        config.write(archive.read("config.json"))
    model.save_weights(os.path.join(OUT_DIR, "notes.weights.h5"))
    rec = record(model, px)
    out["files"]["notes_adam.keras"] = rec
    # Same trained model; the file holds only layer weights (and the
    # optimizer variables, which save_weights() also writes).
    out["files"]["notes.weights.h5"] = rec

    for name, build in [("activation_sgd.keras", activation_sgd_model),
                        ("mse_rmsprop.keras", mse_rmsprop_model),
                        ("uncompiled.keras", uncompiled_model)]:
        model, px = build()
        model.save(os.path.join(OUT_DIR, name))
        out["files"][name] = record(model, px)

    path = os.path.join(OUT_DIR, "keras_files.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")

    # Sanity check: every archive loads back and predicts the same.
    for name, rec in out["files"].items():
        if not name.endswith(".keras"):
            continue
        loaded = keras.saving.load_model(os.path.join(OUT_DIR, name))
        x = np.array(rec["predict_x"]["data"], dtype=F32).reshape(
            rec["predict_x"]["shape"])
        y = np.array(rec["predict_y"]["data"], dtype=F32).reshape(
            rec["predict_y"]["shape"])
        np.testing.assert_allclose(loaded.predict(x, verbose=0), y,
                                   rtol=1e-6, atol=1e-6)
    print("wrote", OUT_DIR)


if __name__ == "__main__":
    main()
