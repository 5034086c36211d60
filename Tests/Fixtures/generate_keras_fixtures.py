"""Generate reference fixtures for nntrain's tests using real Keras 3 (TF backend).

Run from the repository root:

    python3 -m venv v && v/bin/pip install tensorflow-cpu keras && \
        v/bin/python Tests/Fixtures/generate_keras_fixtures.py

It writes these files into Tests/NNTests/Fixtures/:

  keras_trajectories.json  small models trained with fit(): initial/final
                           weights, history, predictions, evaluate, and the
                           weights after a single optimizer step
  keras_losses.json        loss values and gradients (incl. Keras' implicit
                           use of logits behind sigmoid/softmax outputs)
  keras_activations.json   activation values and weighted-sum gradients
  keras_logs.json          the exact text Keras prints (fit/evaluate/predict
                           progress output, model.summary())

Every tensor is encoded as {"shape": [...], "data": [flat row-major floats]}.
Floats are float32 values written as Python floats (exact, not rounded).
The log fixtures are captured from child processes (this script re-invokes
itself with --child MODE) so that stdout is a real pipe / pseudo-terminal and
layer names start fresh ("sequential", "dense", "dense_1", ...).
"""

import os

os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

tf.get_logger().setLevel("ERROR")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT_DIR = os.path.join(REPO, "Tests", "NNTests", "Fixtures")

F32 = np.float32


# ---------------------------------------------------------------------------
# Encoding helpers
# ---------------------------------------------------------------------------

def tensor(a):
    a = np.asarray(a, dtype=F32)
    return {"shape": [int(d) for d in a.shape],
            "data": [float(v) for v in a.reshape(-1)]}


def f32(v):
    return float(F32(v))


def _dump(obj, indent=0):
    """JSON with nesting indentation but scalar lists on one line."""
    pad = " " * indent
    inner = " " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_dump(v, indent + 1)}"
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in obj):
            return "[" + ",".join(_dump(v) for v in obj) + "]"
        items = [inner + _dump(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"non-finite float in fixture: {obj}")
        return repr(obj)
    return json.dumps(obj, ensure_ascii=False)


def write_json(name, obj):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    text = _dump(obj) + "\n"
    json.loads(text)  # sanity check
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {path} ({len(text)} bytes)")


# ---------------------------------------------------------------------------
# Trajectory cases
# ---------------------------------------------------------------------------

def reg(l1=0.0, l2=0.0):
    return {"l1": float(l1), "l2": float(l2)}


def dense(units, activation="linear", use_bias=True, kernel_regularizer=None,
          bias_regularizer=None):
    return {"type": "dense", "units": units, "activation": activation,
            "use_bias": use_bias, "kernel_regularizer": kernel_regularizer,
            "bias_regularizer": bias_regularizer}


def act(name):
    return {"type": "activation", "activation": name}


def adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    return {"name": "adam", "learning_rate": learning_rate, "beta_1": beta_1,
            "beta_2": beta_2, "epsilon": epsilon}


def sgd(learning_rate=0.01, momentum=0.0, nesterov=False):
    return {"name": "sgd", "learning_rate": learning_rate,
            "momentum": momentum, "nesterov": nesterov}


def rmsprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
            centered=False):
    return {"name": "rmsprop", "learning_rate": learning_rate, "rho": rho,
            "momentum": momentum, "epsilon": epsilon, "centered": centered}


def one_hot(labels, n):
    out = np.zeros((len(labels), n), dtype=F32)
    out[np.arange(len(labels)), labels] = 1.0
    return out


def drug_trial_data(n, seed):
    """The side-effect trial: ages 13..100, ~95% side effects if age >= 65."""
    rng = np.random.default_rng(seed)
    ages = rng.integers(13, 101, size=n)
    p = np.where(ages >= 65, 0.95, 0.05)
    y = (rng.random(n) < p).astype(F32)
    x = ((ages.astype(F32) - F32(13)) / F32(87)).astype(F32).reshape(n, 1)
    return x, y


def case_data(name):
    """Deterministic (x, y) for each case (float32)."""
    if name == "notes_sigmoid_sparse":
        return drug_trial_data(50, seed=101)
    if name == "notes_sigmoid_sparse_fast":
        return drug_trial_data(48, seed=102)
    rng = np.random.default_rng(abs(hash_name(name)))
    if name == "softmax_categorical_sgd_momentum":
        x = rng.normal(size=(23, 3)).astype(F32)
        y = one_hot(rng.integers(0, 4, size=23), 4)
        return x, y
    if name == "sigmoid_binary_nesterov":
        x = rng.normal(size=(30, 2)).astype(F32)
        noise = rng.normal(scale=0.5, size=30)
        y = ((x[:, 0] - 0.5 * x[:, 1] + noise) > 0).astype(F32).reshape(30, 1)
        return x, y
    if name == "linear_mse_adam":
        x = rng.normal(size=(20, 4)).astype(F32)
        y = rng.normal(size=(20, 3)).astype(F32)
        return x, y
    if name == "activation_layer_softmax_sparse":
        x = rng.normal(size=(21, 3)).astype(F32)
        y = rng.integers(0, 3, size=21).astype(F32)
        return x, y
    if name == "sigmoid_mse_sgd":
        x = rng.normal(size=(16, 2)).astype(F32)
        y = rng.uniform(0.0, 1.0, size=(16, 2)).astype(F32)
        return x, y
    if name == "softmax_binary":
        x = rng.normal(size=(18, 2)).astype(F32)
        y = one_hot(rng.integers(0, 2, size=18), 2)
        return x, y
    if name == "categorical_probabilities_linear_relu":
        x = rng.uniform(0.0, 1.0, size=(12, 3)).astype(F32)
        y = one_hot(rng.integers(0, 3, size=12), 3)
        return x, y
    if name == "tanh_l2_bias_sgd_plain":
        x = rng.normal(size=(10, 2)).astype(F32)
        y = rng.normal(size=(10, 2)).astype(F32)
        return x, y
    if name == "validation_split_softmax_adam":
        x = rng.normal(size=(25, 3)).astype(F32)
        y = rng.integers(0, 3, size=25).astype(F32)
        return x, y
    if name == "rmsprop_mse":
        x = rng.normal(size=(14, 2)).astype(F32)
        y = rng.normal(size=(14, 2)).astype(F32)
        return x, y
    if name == "rmsprop_momentum_sparse":
        x = rng.normal(size=(17, 2)).astype(F32)
        y = rng.integers(0, 3, size=17).astype(F32)
        return x, y
    if name == "acc_alias_binary_one_output":
        # 1-D labels of shape (15,); Keras expands them to (15, 1).
        x = rng.normal(size=(15, 2)).astype(F32)
        noise = rng.normal(scale=0.5, size=15)
        y = ((x[:, 0] + x[:, 1] + noise) > 0).astype(F32)
        return x, y
    raise KeyError(name)


def hash_name(name):
    # Stable (non-salted) small hash for per-case seeds.
    h = 0
    for ch in name:
        h = (h * 131 + ord(ch)) % 1000003
    return h


NOTES_LAYERS = [
    dense(16, "relu"),
    dense(32, "relu", kernel_regularizer=reg(l2=0.01)),
    dense(2, "sigmoid"),
]

CASES = [
    dict(name="notes_sigmoid_sparse", input_dim=1, layers=NOTES_LAYERS,
         optimizer=adam(learning_rate=1e-4),
         loss="sparse_categorical_crossentropy", metrics=["accuracy"],
         batch_size=10, epochs=3),
    dict(name="notes_sigmoid_sparse_fast", input_dim=1, layers=NOTES_LAYERS,
         optimizer=adam(learning_rate=0.01),
         loss="sparse_categorical_crossentropy", metrics=["accuracy"],
         batch_size=10, epochs=4),
    dict(name="softmax_categorical_sgd_momentum", input_dim=3,
         layers=[dense(8, "tanh"), dense(4, "softmax")],
         optimizer=sgd(0.1, momentum=0.9),
         loss="categorical_crossentropy", metrics=["accuracy"],
         batch_size=5, epochs=3),
    dict(name="sigmoid_binary_nesterov", input_dim=2,
         layers=[dense(6, "relu", kernel_regularizer=reg(l1=0.01),
                       bias_regularizer=reg(l1=0.001, l2=0.002)),
                 dense(1, "sigmoid")],
         optimizer=sgd(0.05, momentum=0.8, nesterov=True),
         loss="binary_crossentropy", metrics=["accuracy"],
         batch_size=7, epochs=3),
    dict(name="linear_mse_adam", input_dim=4,
         layers=[dense(5, "relu"), dense(3, "linear")],
         optimizer=adam(), loss="mean_squared_error", metrics=[],
         batch_size=6, epochs=3),
    dict(name="activation_layer_softmax_sparse", input_dim=3,
         layers=[dense(5), act("relu"), dense(3), act("softmax")],
         optimizer=adam(learning_rate=0.01),
         loss="sparse_categorical_crossentropy", metrics=["accuracy"],
         batch_size=4, epochs=2),
    dict(name="sigmoid_mse_sgd", input_dim=2,
         layers=[dense(4, "sigmoid"), dense(2, "sigmoid")],
         optimizer=sgd(0.5), loss="mean_squared_error", metrics=["accuracy"],
         batch_size=4, epochs=3),
    dict(name="softmax_binary", input_dim=2,
         layers=[dense(3, "tanh"), dense(2, "softmax")],
         optimizer=adam(learning_rate=0.01), loss="binary_crossentropy",
         metrics=["accuracy"], batch_size=5, epochs=2),
    dict(name="categorical_probabilities_linear_relu", input_dim=3,
         layers=[dense(4, "relu"), dense(3, "relu")],
         optimizer=sgd(0.01), loss="categorical_crossentropy", metrics=[],
         batch_size=4, epochs=2),
    dict(name="tanh_l2_bias_sgd_plain", input_dim=2,
         layers=[dense(3, "tanh", use_bias=False),
                 dense(2, "linear", bias_regularizer=reg(l2=0.1))],
         optimizer=sgd(0.1), loss="mse", metrics=[],
         batch_size=16, epochs=3),
    # fit(validation_split=0.2): the last 5 of 25 samples are held out
    # (before any shuffling) and give val_loss / val_accuracy each epoch.
    # "evaluate" and "predictions" still use all 25 samples.
    dict(name="validation_split_softmax_adam", input_dim=3,
         layers=[dense(6, "relu"), dense(3, "softmax")],
         optimizer=adam(learning_rate=0.01),
         loss="sparse_categorical_crossentropy", metrics=["accuracy"],
         batch_size=4, epochs=3, validation_split=0.2),
    dict(name="rmsprop_mse", input_dim=2,
         layers=[dense(4, "tanh"), dense(2, "linear")],
         optimizer=rmsprop(learning_rate=0.01), loss="mse", metrics=[],
         batch_size=5, epochs=3),
    dict(name="rmsprop_momentum_sparse", input_dim=2,
         layers=[dense(5, "relu"), dense(3, "softmax")],
         optimizer=rmsprop(learning_rate=0.005, momentum=0.5),
         loss="sparse_categorical_crossentropy", metrics=["accuracy"],
         batch_size=6, epochs=2),
    # metrics=["acc"]: the alias; the history/evaluate key is then "acc".
    dict(name="acc_alias_binary_one_output", input_dim=2,
         layers=[dense(3, "relu"), dense(1, "sigmoid")],
         optimizer=adam(learning_rate=0.01), loss="binary_crossentropy",
         metrics=["acc"], batch_size=4, epochs=2),
]

CASE_BY_NAME = {c["name"]: c for c in CASES}


def keras_regularizer(spec):
    if spec is None:
        return None
    return keras.regularizers.L1L2(l1=spec["l1"], l2=spec["l2"])


def build_model(case):
    layers = [keras.Input((case["input_dim"],))]
    for spec in case["layers"]:
        if spec["type"] == "dense":
            layers.append(keras.layers.Dense(
                spec["units"], activation=spec["activation"],
                use_bias=spec["use_bias"],
                kernel_regularizer=keras_regularizer(spec["kernel_regularizer"]),
                bias_regularizer=keras_regularizer(spec["bias_regularizer"])))
        else:
            layers.append(keras.layers.Activation(spec["activation"]))
    return keras.Sequential(layers)


def make_optimizer(spec):
    if spec["name"] == "adam":
        return keras.optimizers.Adam(learning_rate=spec["learning_rate"],
                                     beta_1=spec["beta_1"],
                                     beta_2=spec["beta_2"],
                                     epsilon=spec["epsilon"])
    if spec["name"] == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=spec["learning_rate"],
                                        rho=spec["rho"],
                                        momentum=spec["momentum"],
                                        epsilon=spec["epsilon"],
                                        centered=spec["centered"])
    assert spec["name"] == "sgd", spec
    return keras.optimizers.SGD(learning_rate=spec["learning_rate"],
                                momentum=spec["momentum"],
                                nesterov=spec["nesterov"])


def initial_weights(case):
    """Seeded glorot_uniform kernels (Keras default) + small random biases."""
    keras.utils.set_random_seed(hash_name(case["name"]) % 10000)
    model = build_model(case)
    weights = [np.array(w, dtype=F32) for w in model.get_weights()]
    rng = np.random.default_rng(hash_name(case["name"]) + 7)
    positive = case["name"] == "categorical_probabilities_linear_relu"
    for i, w in enumerate(weights):
        if w.ndim == 1:
            if positive:
                weights[i] = rng.uniform(0.05, 0.3, size=w.shape).astype(F32)
            else:
                weights[i] = rng.uniform(-0.1, 0.1, size=w.shape).astype(F32)
    if positive:
        # Case 9: make hidden units and output columns 0/1 positive, but push
        # output column 2 negative so some relu outputs are exactly 0 (the
        # loss then clips them) while no row is all zeros (0/0 would be NaN).
        weights[0] = np.abs(weights[0])
        weights[2] = np.abs(weights[2])
        weights[2][:, 2] *= F32(-0.5)
        weights[3][2] = F32(0.35)
    return weights


def fresh_compiled_model(case, weights):
    model = build_model(case)
    model.set_weights(weights)
    model.compile(optimizer=make_optimizer(case["optimizer"]),
                  loss=case["loss"], metrics=list(case["metrics"]))
    return model


def resolved_metric_info(model):
    """Class names of compiled metrics (e.g. what 'accuracy' resolved to)."""
    info = []
    try:
        cm = model._compile_metrics
        for group in getattr(cm, "_flat_metrics", []) or []:
            for m in getattr(group, "metrics", [group]) or []:
                if m is not None:
                    info.append({"name": m.name, "class": type(m).__name__})
    except Exception as e:  # pragma: no cover - introspection only
        info.append({"error": repr(e)})
    return info


def run_trajectory(case):
    x, y = case_data(case["name"])
    w0 = initial_weights(case)
    bs, epochs = case["batch_size"], case["epochs"]
    vsplit = float(case.get("validation_split", 0.0))

    model = fresh_compiled_model(case, w0)
    hist = model.fit(x, y, batch_size=bs, epochs=epochs, shuffle=False,
                     validation_split=vsplit, verbose=0)
    metric_info = resolved_metric_info(model)
    final = [np.array(w, dtype=F32) for w in model.get_weights()]
    preds = model.predict(x, batch_size=bs, verbose=0)
    ev = model.evaluate(x, y, batch_size=bs, verbose=0, return_dict=True)
    opt_config = model.optimizer.get_config()
    jit = bool(model.jit_compile)

    # Single optimizer step from the same starting point (on the first
    # batch, which is a training batch also with validation_split).
    model1 = fresh_compiled_model(case, w0)
    model1.fit(x[:bs], y[:bs], batch_size=bs, epochs=1, shuffle=False,
               verbose=0)
    step1 = [np.array(w, dtype=F32) for w in model1.get_weights()]

    opt = dict(case["optimizer"])
    for k in list(opt):
        if k != "name" and k in opt_config:
            opt[k] = opt_config[k] if isinstance(opt_config[k], bool) \
                else float(opt_config[k])

    out = {
        "name": case["name"],
        "input_dim": case["input_dim"],
        "layers": case["layers"],
        "optimizer": opt,
        "loss": case["loss"],
        "metrics": list(case["metrics"]),
        "batch_size": bs,
        "epochs": epochs,
        "shuffle": False,
        "validation_split": vsplit,
        "x": tensor(x),
        "y": tensor(y),
        "initial_weights": [tensor(w) for w in w0],
        "history": {k: [f32(v) for v in vals]
                    for k, vals in hist.history.items()},
        "final_weights": [tensor(w) for w in final],
        "predictions": tensor(preds),
        "evaluate": {k: f32(v) for k, v in ev.items()},
        "first_step_weights": [tensor(w) for w in step1],
        "resolved_metrics": metric_info,
        "jit_compile": jit,
    }
    return out


def generate_trajectories():
    cases = []
    for case in CASES:
        print(f"  trajectory {case['name']}")
        cases.append(run_trajectory(case))
    # Sanity: case 9 should have some exact-zero outputs but no all-zero rows.
    c9 = next(c for c in cases
              if c["name"] == "categorical_probabilities_linear_relu")
    p = np.array(c9["predictions"]["data"]).reshape(c9["predictions"]["shape"])
    print(f"  case9: zero outputs={int((p == 0).sum())}, "
          f"all-zero rows={int((p.sum(axis=1) == 0).sum())}")
    write_json("keras_trajectories.json", {
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "trajectories": cases,
    })
    return cases


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------

ONE_MINUS_ULP = float(np.nextafter(F32(1.0), F32(0.0)))  # 0.99999994


def loss_callable(name, from_logits=None):
    """The loss object exactly as model.compile(loss=name) builds it.

    compile() wraps the function from keras.losses.get(name) in a
    LossFunctionWrapper (reduction "sum_over_batch_size" = mean over batch).
    """
    from keras.src.losses.losses import LossFunctionWrapper

    fn = keras.losses.get(name)
    if from_logits is None:
        return LossFunctionWrapper(fn, name=name)
    return LossFunctionWrapper(fn, name=name, from_logits=from_logits)


def compute_loss_case(name, activation, y_true, inp):
    y_true_t = tf.constant(y_true, dtype=tf.float32)
    inp_t = tf.constant(inp, dtype=tf.float32)
    act_fn = None if activation is None else keras.activations.get(activation)
    is_ce = name != "mean_squared_error"

    @tf.function
    def actual(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y_pred = x if act_fn is None else act_fn(x)
            v = loss_callable(name)(y_true_t, y_pred)
        return v, tape.gradient(v, x)

    @tf.function
    def probs_path(x):
        # tf.identity hides both the _keras_logits attribute and the op type.
        with tf.GradientTape() as tape:
            tape.watch(x)
            y_pred = x if act_fn is None else act_fn(x)
            y_pred = tf.identity(y_pred)
            v = loss_callable(name)(y_true_t, y_pred)
        return v, tape.gradient(v, x)

    @tf.function
    def logits_path(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            v = loss_callable(name, from_logits=True)(y_true_t, x)
        return v, tape.gradient(v, x)

    v, g = actual(inp_t)
    vp, gp = probs_path(inp_t)
    g, gp = g.numpy(), gp.numpy()
    if is_ce:
        vl, gl = logits_path(inp_t)
        gl = gl.numpy()
        logits_used = bool(np.array_equal(g, gl))
        diff_l = float(np.max(np.abs(g - gl)))
    else:
        logits_used = False
        diff_l = None
    return {
        "loss": name,
        "output_activation": activation,
        "from_logits": False,
        "y_true": tensor(y_true),
        "input": tensor(inp),
        "value": f32(v.numpy()),
        "gradient": tensor(g),
        "expected_logits_used": logits_used,
        "max_abs_diff_vs_logits_formula": diff_l,
        "max_abs_diff_vs_probability_formula": float(np.max(np.abs(g - gp))),
        "probability_formula_value": f32(vp.numpy()),
    }


def generate_losses():
    # y_pred-like inputs in (0,1): row 1 has an exact 0, row 2 has an entry
    # just below 1 (clipped to 1-1e-7); categorical rows need not sum to 1.
    probs_input = np.array([
        [0.2, 0.7, 0.1],
        [0.0, 0.6, 0.3],
        [0.05, ONE_MINUS_ULP, 0.25],
        [0.3, 0.3, 0.2],
    ], dtype=F32)
    logits_input = np.array([
        [1.5, -0.5, 0.25],
        [-2.0, 0.0, 3.0],
        [20.0, -1.0, 0.5],
        [0.1, 0.2, -17.0],
    ], dtype=F32)
    targets = {
        ("sparse_categorical_crossentropy", "int"):
            np.array([1, 2, 0, 2], dtype=F32),
        ("categorical_crossentropy", "one_hot"):
            one_hot([1, 2, 0, 2], 3),
        ("categorical_crossentropy", "soft"):
            np.array([[0.0, 1.0, 0.0],
                      [0.2, 0.5, 0.1],   # soft and not normalised (sums 0.8)
                      [1.0, 0.0, 0.0],
                      [0.0, 0.0, 1.0]], dtype=F32),
        ("binary_crossentropy", "binary"):
            np.array([[0, 1, 0],
                      [1, 1, 0],
                      [0, 1, 0.3],
                      [1, 0, 1]], dtype=F32),
        ("mean_squared_error", "real"):
            np.array([[0.1, 0.9, 0.0],
                      [0.5, 0.5, 0.2],
                      [1.0, 0.25, 0.75],
                      [0.0, 0.4, 0.6]], dtype=F32),
    }
    cases = []
    for (name, variant), y_true in targets.items():
        for activation in (None, "sigmoid", "softmax"):
            inp = probs_input if activation is None else logits_input
            c = compute_loss_case(name, activation, y_true, inp)
            c["target_variant"] = variant
            cases.append(c)
            print(f"  loss {name:33s} {variant:8s} {str(activation):8s} "
                  f"value={c['value']:.6g} logits_used={c['expected_logits_used']}")
    write_json("keras_losses.json", {
        "keras": keras.__version__, "tensorflow": tf.__version__,
        "epsilon": keras.backend.epsilon(),
        "cases": cases})
    return cases


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------

def generate_activations():
    x = np.linspace(-20.0, 20.0, 15).astype(F32).reshape(3, 5)
    assert (x == 0).any()
    rng = np.random.default_rng(7)
    w = rng.normal(size=(3, 5)).astype(F32)
    cases = []
    for name in ("relu", "sigmoid", "softmax", "tanh", "linear"):
        fn = keras.activations.get(name)
        w_t = tf.constant(w)

        @tf.function
        def run(xt):
            with tf.GradientTape() as tape:
                tape.watch(xt)
                yt = fn(xt)
                s = tf.reduce_sum(w_t * yt)
            return yt, tape.gradient(s, xt)

        y, g = run(tf.constant(x))
        cases.append({"name": name, "x": tensor(x), "w": tensor(w),
                      "y": tensor(y.numpy()),
                      "gradient_of_sum_weighted": tensor(g.numpy())})
    write_json("keras_activations.json", {
        "keras": keras.__version__, "tensorflow": tf.__version__,
        "cases": cases})


# ---------------------------------------------------------------------------
# Logs (child processes)
# ---------------------------------------------------------------------------

def child(mode):
    """Runs in a fresh process; prints only what Keras prints."""
    notes = CASE_BY_NAME["notes_sigmoid_sparse"]
    acts = CASE_BY_NAME["activation_layer_softmax_sparse"]

    def notes_model():
        w0 = initial_weights(notes)
        return fresh_compiled_model(notes, w0)

    if mode.startswith("summary"):
        # Build (and name) the model first in this fresh process.
        case = acts if "activation_layers" in mode else notes
        model = build_model(case)
        model.compile(optimizer=make_optimizer(case["optimizer"]),
                      loss=case["loss"], metrics=list(case["metrics"]))
        if mode.endswith("_after_fit"):
            x, y = case_data(case["name"])
            model.fit(x, y, batch_size=case["batch_size"], epochs=1,
                      shuffle=False, verbose=0)
        if "_printfn" in mode:
            buf = []
            model.summary(print_fn=lambda s, **kw: buf.append(s))
            sys.stdout.write("".join(buf) if len(buf) == 1
                             else "\n".join(buf))
        else:
            model.summary()
        sys.stdout.flush()
        return

    x, y = case_data(notes["name"])
    bs = notes["batch_size"]
    model = notes_model()
    if mode == "fit_verbose2_epochs3":
        model.fit(x, y, batch_size=bs, epochs=3, shuffle=False, verbose=2)
    elif mode == "fit_verbose2_epochs1":
        model.fit(x, y, batch_size=bs, epochs=1, shuffle=False, verbose=2)
    elif mode in ("fit_verbose1_notty", "fit_verbose1_tty"):
        model.fit(x, y, batch_size=bs, epochs=2, shuffle=False, verbose=1)
    else:
        # evaluate / predict after the same 3-epoch fit as the fixture case.
        model.fit(x, y, batch_size=bs, epochs=3, shuffle=False, verbose=0)
        if mode == "evaluate_verbose1_notty":
            model.evaluate(x, y, batch_size=bs, verbose=1)
        elif mode == "evaluate_verbose2":
            model.evaluate(x, y, batch_size=bs, verbose=2)
        elif mode == "predict_verbose1_notty":
            model.predict(x, batch_size=bs, verbose=1)
        elif mode == "predict_verbose2":
            model.predict(x, batch_size=bs, verbose=2)
        else:
            raise SystemExit(f"unknown mode {mode}")
    sys.stdout.flush()


def child_env():
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONHASHSEED"] = "0"
    return env


def run_child_pipe(mode):
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", mode],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(),
        check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
        raise RuntimeError(f"child {mode} failed")
    return proc.stdout.decode("utf-8")


def run_child_pty(mode, translate_newlines):
    """Run a child whose stdout is a pseudo-terminal (80x24).

    With translate_newlines=False the terminal's output post-processing is
    switched off, so the captured bytes are exactly what Keras wrote.
    With True the usual tty "\\n" -> "\\r\\n" translation is kept, i.e. what
    a terminal emulator receives.
    """
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    attrs = termios.tcgetattr(slave)
    if not translate_newlines:
        attrs[1] &= ~termios.OPOST
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    env = child_env()
    env["TERM"] = "xterm-256color"
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--child", mode],
        stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE,
        env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO when the child side closes
            break
        if not data:
            break
        chunks.append(data)
    err = proc.stderr.read()
    proc.wait()
    os.close(master)
    if proc.returncode != 0:
        sys.stderr.write(err.decode("utf-8", "replace"))
        raise RuntimeError(f"pty child {mode} failed")
    return b"".join(chunks).decode("utf-8")


def generate_logs():
    logs = {}
    for mode in ("fit_verbose2_epochs3", "fit_verbose2_epochs1",
                 "fit_verbose1_notty", "evaluate_verbose1_notty",
                 "evaluate_verbose2", "predict_verbose1_notty",
                 "predict_verbose2"):
        print(f"  log {mode}")
        logs[mode] = run_child_pipe(mode)
    summaries = {
        "summary_notes": "summary_notes",
        "summary_notes_print_fn": "summary_notes_printfn",
        "summary_notes_after_fit": "summary_notes_after_fit",
        "summary_activation_layers": "summary_activation_layers",
        "summary_activation_layers_print_fn":
            "summary_activation_layers_printfn",
    }
    for key, mode in summaries.items():
        print(f"  log {key}")
        logs[key] = run_child_pipe(mode)
    print("  log fit_verbose1_tty")
    logs["fit_verbose1_tty"] = run_child_pty("fit_verbose1_tty", False)
    logs["fit_verbose1_tty_terminal_bytes"] = run_child_pty(
        "fit_verbose1_tty", True)
    logs["summary_notes_tty"] = run_child_pty("summary_notes", False)
    logs["_notes"] = (
        "All texts are exact stdout captures from fresh child processes. "
        "*_notty / verbose2 / summary_*: stdout is a pipe. "
        "fit_verbose1_tty and summary_notes_tty: stdout is an 80x24 pty with "
        "output post-processing (OPOST) disabled, i.e. the exact bytes Keras "
        "wrote; fit_verbose1_tty_terminal_bytes keeps the tty's \\n->\\r\\n "
        "translation. Progress-bar updates on a tty are time-throttled, so "
        "intermediate frames vary between runs. The fit/evaluate/predict "
        "runs use case notes_sigmoid_sparse (same data and initial weights); "
        "evaluate/predict run after a silent 3-epoch fit. "
        "summary_*_print_fn use model.summary(print_fn=...), which Keras "
        "calls once with the whole rendered table.")
    write_json("keras_logs.json", {
        "keras": keras.__version__, "tensorflow": tf.__version__, **logs})
    return logs


def main():
    keras.utils.set_random_seed(0)
    np.random.seed(0)
    print("trajectories")
    generate_trajectories()
    print("losses")
    generate_losses()
    print("activations")
    generate_activations()
    print("logs")
    generate_logs()


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
