"""Generate the "catalogue" reference fixtures for nntrain using real Keras 3.

This is the second fixture generator (the first is generate_keras_fixtures.py,
whose files it leaves untouched). Run from the repository root:

    python3 -m venv v && v/bin/pip install tensorflow-cpu keras && \
        v/bin/python Tests/Fixtures/generate_catalogue_fixtures.py

Optionally pass file stems to regenerate only some of them, e.g.
    v/bin/python Tests/Fixtures/generate_catalogue_fixtures.py losses metrics

It writes these files into Tests/NNTests/Fixtures/:

  keras_catalogue_losses.json       every built-in loss class: value and
                                    d value / d y_pred, plus which string
                                    names keras.losses.get accepts
  keras_catalogue_activations.json  the remaining activations: values and
                                    gradients of sum(w * f(x))
  keras_catalogue_optimizers.json   fit() trajectories of one small model for
                                    every optimizer, clipping option and
                                    learning-rate schedule, plus "notes" on
                                    the exact update rules
  keras_catalogue_metrics.json      stateful metric results after two batches
  keras_catalogue_training.json     fit() features: validation_data,
                                    class_weight, sample_weight,
                                    initial_epoch and callbacks
                                    (EarlyStopping, ReduceLROnPlateau,
                                    CSVLogger, TerminateOnNaN), each with the
                                    verbose=2 log text

Encoding (same as generate_keras_fixtures.py): every tensor is
{"shape": [...], "data": [flat row-major floats]}; floats are float32 values
written as Python floats, i.e. exactly. Integer labels are stored as floats
too. The only non-finite numbers (in the terminate_on_nan case) are written as
the strings "NaN", "Infinity" and "-Infinity".

Everything except the "log_text" entries (which contain timings) is
deterministic: seeds are fixed, shuffle=False, oneDNN is off and the CPU is
used.
"""

import os

os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ.setdefault("PYTHONHASHSEED", "0")

import contextlib  # noqa: E402
import inspect  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

tf.get_logger().setLevel("ERROR")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT_DIR = os.path.join(REPO, "Tests", "NNTests", "Fixtures")

F32 = np.float32


# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------

def num(v):
    """A float32 scalar as an exact Python float (non-finite -> string)."""
    v = float(F32(v))
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def tensor(a):
    a = np.asarray(a, dtype=F32)
    return {"shape": [int(d) for d in a.shape],
            "data": [num(v) for v in a.reshape(-1)]}


def plain(obj):
    """Config dicts -> JSON-able values (numpy scalars, tuples, ...)."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj)
    return obj


def render(obj, depth=0):
    """Indented JSON, but lists of scalars kept on a single line."""
    pad, inner = " " * depth, " " * (depth + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        body = ",\n".join(f"{inner}{json.dumps(k)}: {render(v, depth + 1)}"
                          for k, v in obj.items())
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if not any(isinstance(v, (dict, list, tuple)) for v in obj):
            return "[" + ",".join(render(v) for v in obj) + "]"
        body = ",\n".join(inner + render(v, depth + 1) for v in obj)
        return "[\n" + body + "\n" + pad + "]"
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"raw non-finite float {obj}; use num()")
        return repr(obj)
    return json.dumps(obj, ensure_ascii=False)


def save(name, payload):
    os.makedirs(OUT_DIR, exist_ok=True)
    doc = {"keras": keras.__version__, "tensorflow": tf.__version__}
    doc.update(payload)
    text = render(doc) + "\n"
    json.loads(text)
    path = os.path.join(OUT_DIR, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"wrote {path} ({len(text)} bytes)")


def defaults_of(fn, skip=("self", "x", "name", "dtype", "kwargs")):
    out = {}
    for p in inspect.signature(fn).parameters.values():
        if p.name in skip or p.default is inspect.Parameter.empty:
            continue
        out[p.name] = plain(p.default)
    return out


# ---------------------------------------------------------------------------
# 1. Losses
# ---------------------------------------------------------------------------

ONE = F32(1.0)

# Regression-style targets / predictions, errors from tiny to ~2.6.
REG_TRUE = np.array([[0.5, -1.0, 2.0],
                     [0.0, 0.3, -0.7],
                     [1.5, 1.5, 0.25],
                     [-2.0, 0.8, 1.0]], dtype=F32)
REG_PRED = np.array([[0.7, -0.2, 1.9],
                     [0.4, 0.3, 0.6],
                     [-1.1, 1.2, 0.25],
                     [-0.5, 0.75, 3.0]], dtype=F32)
# Positive targets for MSLE / Poisson (with exact zeros) and a negative
# prediction for MSLE's clip at 0.
POS_TRUE = np.array([[0.0, 1.0, 3.0],
                     [2.0, 0.5, 0.0],
                     [4.0, 1.5, 0.25],
                     [1.0, 0.0, 2.5]], dtype=F32)
POS_PRED = np.array([[0.2, 1.4, 2.0],
                     [2.5, 0.0, 0.3],
                     [3.0, -0.5, 0.75],
                     [1.0, 0.6, 0.1]], dtype=F32)
# Probabilities: one exact 0 and one exact 1.0 (clipping); rows need not sum
# to 1 (categorical crossentropy renormalises them).
PROBS = np.array([[0.2, 0.7, 0.1],
                  [0.0, 0.6, 0.4],
                  [0.05, 1.0, 0.25],
                  [0.3, 0.3, 0.2]], dtype=F32)
LOGITS = np.array([[1.5, -0.5, 0.25],
                   [-2.0, 0.0, 3.0],
                   [12.0, -1.0, 0.5],
                   [0.1, 0.2, -9.0]], dtype=F32)
ONE_HOT = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]], dtype=F32)
SPARSE = np.array([1, 2, 0, 2], dtype=np.int32)
BINARY = np.array([[0, 1, 0], [1, 1, 0], [0, 1, 1], [1, 0, 1]], dtype=F32)
BINARY_SOFT = np.array([[0, 1, 0], [1, 1, 0], [0, 1, 0.3], [1, 0, 1]],
                       dtype=F32)
PLUS_MINUS = (2 * BINARY - 1).astype(F32)
MARGINS = np.array([[-1.2, 0.8, 0.3],
                    [1.5, -0.4, -2.0],
                    [0.0, 2.2, 0.9],
                    [0.6, -0.1, -1.0]], dtype=F32)
# KL divergence target distributions with a zero entry.
DIST_TRUE = np.array([[0.2, 0.8, 0.0],
                      [0.1, 0.3, 0.6],
                      [0.5, 0.25, 0.25],
                      [0.0, 0.0, 1.0]], dtype=F32)

# canonical name -> (class name, candidate names for keras.losses.get)
LOSS_NAMES = {
    "mean_squared_error": ("MeanSquaredError",
                           ["mean_squared_error", "mse", "MSE",
                            "MeanSquaredError"]),
    "mean_absolute_error": ("MeanAbsoluteError",
                            ["mean_absolute_error", "mae", "MAE",
                             "MeanAbsoluteError"]),
    "mean_absolute_percentage_error": (
        "MeanAbsolutePercentageError",
        ["mean_absolute_percentage_error", "mape", "MAPE",
         "MeanAbsolutePercentageError"]),
    "mean_squared_logarithmic_error": (
        "MeanSquaredLogarithmicError",
        ["mean_squared_logarithmic_error", "msle", "MSLE",
         "MeanSquaredLogarithmicError"]),
    "squared_hinge": ("SquaredHinge", ["squared_hinge", "SquaredHinge"]),
    "hinge": ("Hinge", ["hinge", "Hinge"]),
    "categorical_hinge": ("CategoricalHinge",
                          ["categorical_hinge", "CategoricalHinge"]),
    "log_cosh": ("LogCosh", ["log_cosh", "logcosh", "LogCosh"]),
    "categorical_crossentropy": (
        "CategoricalCrossentropy",
        ["categorical_crossentropy", "CategoricalCrossentropy", "cce",
         "CCE"]),
    "sparse_categorical_crossentropy": (
        "SparseCategoricalCrossentropy",
        ["sparse_categorical_crossentropy", "SparseCategoricalCrossentropy",
         "scce", "SCCE"]),
    "binary_crossentropy": ("BinaryCrossentropy",
                            ["binary_crossentropy", "bce", "BCE",
                             "BinaryCrossentropy"]),
    "kl_divergence": ("KLDivergence",
                      ["kl_divergence", "kld", "KLD", "KLDivergence",
                       "kullback_leibler_divergence"]),
    "poisson": ("Poisson", ["poisson", "Poisson"]),
    "cosine_similarity": ("CosineSimilarity",
                          ["cosine_similarity", "CosineSimilarity",
                           "cosine_proximity", "cosine"]),
    "huber": ("Huber", ["huber", "Huber", "huber_loss"]),
}

# (id, canonical loss, config, y_true, y_pred)
LOSS_CASES = [
    ("mse", "mean_squared_error", {}, REG_TRUE, REG_PRED),
    ("mae", "mean_absolute_error", {}, REG_TRUE, REG_PRED),
    ("mape", "mean_absolute_percentage_error", {}, REG_PRED, REG_TRUE),
    ("mape_zero_target", "mean_absolute_percentage_error", {},
     REG_TRUE, REG_PRED),
    ("msle", "mean_squared_logarithmic_error", {}, POS_TRUE, POS_PRED),
    ("squared_hinge_01", "squared_hinge", {}, BINARY, MARGINS),
    ("squared_hinge_pm1", "squared_hinge", {}, PLUS_MINUS, MARGINS),
    ("hinge_01", "hinge", {}, BINARY, MARGINS),
    ("hinge_pm1", "hinge", {}, PLUS_MINUS, MARGINS),
    ("categorical_hinge", "categorical_hinge", {}, ONE_HOT, MARGINS),
    ("log_cosh", "log_cosh", {}, REG_TRUE, REG_PRED),
    ("cce_probs", "categorical_crossentropy", {}, ONE_HOT, PROBS),
    ("cce_logits", "categorical_crossentropy", {"from_logits": True},
     ONE_HOT, LOGITS),
    ("cce_probs_smoothing", "categorical_crossentropy",
     {"label_smoothing": 0.1}, ONE_HOT, PROBS),
    ("cce_logits_smoothing", "categorical_crossentropy",
     {"from_logits": True, "label_smoothing": 0.1}, ONE_HOT, LOGITS),
    ("scce_probs", "sparse_categorical_crossentropy", {}, SPARSE, PROBS),
    ("scce_logits", "sparse_categorical_crossentropy",
     {"from_logits": True}, SPARSE, LOGITS),
    ("bce_probs", "binary_crossentropy", {}, BINARY_SOFT, PROBS),
    ("bce_logits", "binary_crossentropy", {"from_logits": True},
     BINARY_SOFT, LOGITS),
    ("bce_probs_smoothing", "binary_crossentropy", {"label_smoothing": 0.2},
     BINARY_SOFT, PROBS),
    ("bce_logits_smoothing", "binary_crossentropy",
     {"from_logits": True, "label_smoothing": 0.2}, BINARY_SOFT, LOGITS),
    ("kl_divergence", "kl_divergence", {}, DIST_TRUE, PROBS),
    ("poisson", "poisson", {}, POS_TRUE, PROBS * F32(3)),
    ("cosine_similarity", "cosine_similarity", {}, REG_TRUE, REG_PRED),
    ("huber", "huber", {}, REG_TRUE, REG_PRED),
    ("huber_delta_0.5", "huber", {"delta": 0.5}, REG_TRUE, REG_PRED),
]


def loss_value_and_grad(loss_obj, y_true, y_pred):
    yt = tf.constant(y_true)
    yp = tf.constant(y_pred, dtype=tf.float32)

    @tf.function
    def run(p):
        with tf.GradientTape() as tape:
            tape.watch(p)
            value = loss_obj(yt, p)
        return value, tape.gradient(value, p)

    v, g = run(yp)
    return v.numpy(), g.numpy()


def generate_losses():
    accepted, rejected = {}, []
    for canonical, (_, candidates) in LOSS_NAMES.items():
        ok = []
        for cand in candidates:
            try:
                keras.losses.get(cand)
                ok.append(cand)
            except (ValueError, TypeError):
                rejected.append(cand)
        accepted[canonical] = ok
    cases = []
    for case_id, canonical, config, y_true, y_pred in LOSS_CASES:
        class_name = LOSS_NAMES[canonical][0]
        loss_obj = getattr(keras.losses, class_name)(**config)
        value, grad = loss_value_and_grad(loss_obj, y_true, y_pred)
        # The function form must agree with the class form (mean over batch).
        fn = keras.losses.get(canonical)
        fvalue = np.mean(fn(tf.constant(y_true),
                            tf.constant(y_pred), **config).numpy())
        assert abs(float(fvalue) - float(value)) <= 1e-5 * max(
            1.0, abs(float(value))), (case_id, fvalue, value)
        cases.append({
            "id": case_id,
            "loss": canonical,
            "class_name": class_name,
            "config": config,
            "y_true": tensor(y_true),
            "y_pred": tensor(y_pred),
            "value": num(value),
            "gradient": tensor(grad),
            "aliases": accepted[canonical],
        })
        print(f"  loss {case_id:24s} {float(value):.7g}")
    save("keras_catalogue_losses.json", {
        "epsilon": keras.backend.epsilon(),
        "reduction": "sum_over_batch_size (mean over all per-sample losses)",
        "rejected_names": rejected,
        "class_defaults": {
            LOSS_NAMES[c][0]: defaults_of(
                getattr(keras.losses, LOSS_NAMES[c][0]).__init__)
            for c in LOSS_NAMES},
        "cases": cases,
    })


# ---------------------------------------------------------------------------
# 2. Activations
# ---------------------------------------------------------------------------

ACT_X = np.array([-6, -5, -4, -3, -2.5, -2, -1.5, -1, -0.5,
                  0, 0.5, 1, 1.5, 2, 3, 4, 5, 6], dtype=F32).reshape(3, 6)
ACT_X_SMALL = np.array([-3, -2.5, -2, -1.5, -1, -0.75, -0.5, -0.25, 0,
                        0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3],
                       dtype=F32).reshape(3, 6)

ACTIVATION_CASES = [
    ("elu", {}), ("elu", {"alpha": 0.5}),
    ("selu", {}), ("softplus", {}), ("softsign", {}),
    ("swish", {}), ("silu", {}),
    ("gelu", {}), ("gelu", {"approximate": True}),
    ("hard_sigmoid", {}), ("exponential", {}),
    ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.1}),
    ("relu6", {}),
    # extras present in Keras 3
    ("hard_silu", {}), ("mish", {}), ("celu", {}), ("log_sigmoid", {}),
    ("hard_tanh", {}), ("soft_shrink", {}), ("tanh_shrink", {}),
    ("sparse_plus", {}), ("squareplus", {}),
]


def generate_activations():
    rng = np.random.default_rng(2024)
    w = rng.normal(size=(3, 6)).astype(F32)
    w_t = tf.constant(w)
    cases, defaults = [], {}
    for name, config in ACTIVATION_CASES:
        try:
            fn = keras.activations.get(name)
        except ValueError:
            print(f"  activation {name}: not available, skipped")
            continue
        defaults[name] = defaults_of(fn)
        x = ACT_X_SMALL if name == "exponential" else ACT_X

        @tf.function
        def run(xt):
            with tf.GradientTape() as tape:
                tape.watch(xt)
                yt = fn(xt, **config)
                s = tf.reduce_sum(w_t * yt)
            return yt, tape.gradient(s, xt)

        y, g = run(tf.constant(x))
        cases.append({"name": name, "function": fn.__name__,
                      "config": config, "x": tensor(x), "w": tensor(w),
                      "y": tensor(y.numpy()),
                      "gradient_of_sum_weighted": tensor(g.numpy())})
        print(f"  activation {name} {config}")
    by = {(c["name"], json.dumps(c["config"])): c for c in cases}
    sw, si = by[("swish", "{}")], by[("silu", "{}")]
    same = (keras.activations.get("swish") is keras.activations.get("silu")
            and sw["y"] == si["y"]
            and sw["gradient_of_sum_weighted"]
            == si["gradient_of_sum_weighted"])
    hs = by.get(("hard_silu", "{}"))
    notes = ("swish and silu are the same function object (x*sigmoid(x)). "
             "hard_sigmoid(x) = relu6(x + 3) / 6 = clip(x/6 + 0.5, 0, 1) in "
             "Keras 3 (not Keras 2's 0.2*x + 0.5). gelu(approximate=False) "
             "uses erf: 0.5*x*(1+erf(x/sqrt(2))); approximate=True uses "
             "0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x^3))). selu uses "
             "alpha=1.67326324, scale=1.05070098. Gradients at kinks "
             "(x = 0, +-3, 6) are whatever TensorFlow's gradient ops give; "
             "see the fixtures.")
    save("keras_catalogue_activations.json", {
        "defaults": defaults,
        "silu_is_swish": bool(same),
        "hard_swish_is_hard_silu": bool(
            hs is not None and keras.activations.get("hard_swish")
            is keras.activations.get("hard_silu")),
        "notes": notes,
        "cases": cases,
    })


# ---------------------------------------------------------------------------
# Shared trajectory machinery (optimizers and training features)
# ---------------------------------------------------------------------------

def dense(units, activation="linear"):
    return {"type": "dense", "units": units, "activation": activation,
            "use_bias": True, "kernel_regularizer": None,
            "bias_regularizer": None}


def build(input_dim, layers):
    stack = [keras.Input((input_dim,))]
    for spec in layers:
        stack.append(keras.layers.Dense(spec["units"],
                                        activation=spec["activation"]))
    return keras.Sequential(stack)


def start_weights(input_dim, layers, seed):
    """Seeded glorot_uniform kernels and small nonzero uniform biases."""
    keras.utils.set_random_seed(seed)
    model = build(input_dim, layers)
    weights = [np.array(w, dtype=F32) for w in model.get_weights()]
    rng = np.random.default_rng(seed + 1)
    for i, w in enumerate(weights):
        if w.ndim == 1:
            b = rng.uniform(0.02, 0.1, size=w.shape) * rng.choice([-1, 1],
                                                                  w.shape)
            weights[i] = b.astype(F32)
    return weights


def optimizer_record(name, opt):
    cfg = plain(opt.get_config())
    out = {"name": name, "config_name": cfg.pop("name")}
    lr = cfg.get("learning_rate")
    if isinstance(lr, dict):
        cfg["learning_rate"] = {"schedule": lr["class_name"],
                                "config": plain(lr["config"])}
    out.update(cfg)
    return out


def captured(fn):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = fn()
    return result, buf.getvalue()


def trajectory(spec):
    """Train one case. spec keys:
    name, input_dim, layers, optimizer_name, make_optimizer (callable),
    loss, metrics, batch_size, epochs, x, y, weights0, and optionally
    validation_split, validation_data, class_weight, sample_weight,
    initial_epoch, callbacks (callable -> list), log (bool).
    """
    x, y, w0 = spec["x"], spec["y"], spec["weights0"]
    bs, epochs = spec["batch_size"], spec["epochs"]
    vsplit = float(spec.get("validation_split", 0.0))

    def compiled():
        model = build(spec["input_dim"], spec["layers"])
        model.set_weights(w0)
        model.compile(optimizer=spec["make_optimizer"](), loss=spec["loss"],
                      metrics=list(spec["metrics"]))
        return model

    def fit_kwargs():
        kw = dict(batch_size=bs, epochs=epochs, shuffle=False,
                  validation_split=vsplit)
        for key in ("validation_data", "class_weight", "sample_weight",
                    "initial_epoch"):
            if key in spec:
                kw[key] = spec[key]
        return kw

    # Silent run: the numbers (and anything callbacks print).
    keras.utils.set_random_seed(1)
    model = compiled()
    callbacks = spec["callbacks"]() if "callbacks" in spec else []
    hist, stdout = captured(lambda: model.fit(
        x, y, verbose=0, callbacks=callbacks, **fit_kwargs()))
    final = [np.array(w, dtype=F32) for w in model.get_weights()]
    # The optimizer as compiled (a callback such as ReduceLROnPlateau changes it while training).
    opt_rec = optimizer_record(spec["optimizer_name"], spec["make_optimizer"]())
    iterations = int(model.optimizer.iterations.numpy())
    preds = model.predict(x, batch_size=bs, verbose=0)
    ev = model.evaluate(x, y, batch_size=bs, verbose=0, return_dict=True)

    # Single optimizer step on the first batch (same weighting, no callbacks).
    keras.utils.set_random_seed(1)
    model1 = compiled()
    kw1 = {}
    if "class_weight" in spec:
        kw1["class_weight"] = spec["class_weight"]
    if "sample_weight" in spec:
        kw1["sample_weight"] = spec["sample_weight"][:bs]
    model1.fit(x[:bs], y[:bs], batch_size=bs, epochs=1, shuffle=False,
               verbose=0, **kw1)
    step1 = [np.array(w, dtype=F32) for w in model1.get_weights()]

    out = {
        "name": spec["name"],
        "input_dim": spec["input_dim"],
        "layers": spec["layers"],
        "optimizer": opt_rec,
        "loss": spec["loss"],
        "metrics": list(spec["metrics"]),
        "batch_size": bs,
        "epochs": epochs,
        "shuffle": False,
        "validation_split": vsplit,
        "x": tensor(x),
        "y": tensor(y),
        "initial_weights": [tensor(w) for w in w0],
        "history": {k: [num(v) for v in vals]
                    for k, vals in hist.history.items()},
        "final_weights": [tensor(w) for w in final],
        "predictions": tensor(preds),
        "evaluate": {k: num(v) for k, v in ev.items()},
        "first_step_weights": [tensor(w) for w in step1],
        "optimizer_iterations": iterations,
    }
    if stdout:
        out["stdout"] = stdout
    if spec.get("log", False):
        keras.utils.set_random_seed(1)
        model2 = compiled()
        cbs2 = spec["callbacks"]() if "callbacks" in spec else []
        hist2, log = captured(lambda: model2.fit(
            x, y, verbose=2, callbacks=cbs2, **fit_kwargs()))
        assert {k: [num(v) for v in vals] for k, vals in
                hist2.history.items()} == out["history"], spec["name"]
        out["log_text"] = log
    return out, model, callbacks


# ---------------------------------------------------------------------------
# 3. Optimizers
# ---------------------------------------------------------------------------

OPT_LAYERS = [dense(5, "tanh"), dense(3, "softmax")]
sched = keras.optimizers.schedules

OPTIMIZER_CASES = [
    ("sgd_momentum_nesterov", "sgd",
     lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True)),
    ("adam_amsgrad", "adam",
     lambda: keras.optimizers.Adam(0.02, amsgrad=True)),
    ("adamw_default_decay", "adamw",
     lambda: keras.optimizers.AdamW(0.02)),
    ("adamw_decay_0.01", "adamw",
     lambda: keras.optimizers.AdamW(0.02, weight_decay=0.01)),
    ("rmsprop_centered_momentum", "rmsprop",
     lambda: keras.optimizers.RMSprop(0.01, centered=True, momentum=0.3)),
    ("adagrad_default", "adagrad", lambda: keras.optimizers.Adagrad()),
    ("adagrad_lr_0.05", "adagrad", lambda: keras.optimizers.Adagrad(0.05)),
    ("adadelta_lr_1", "adadelta", lambda: keras.optimizers.Adadelta(1.0)),
    ("adamax", "adamax", lambda: keras.optimizers.Adamax(0.02)),
    ("nadam", "nadam", lambda: keras.optimizers.Nadam(0.02)),
    ("lion", "lion", lambda: keras.optimizers.Lion(0.005)),
    ("adam_clipnorm", "adam",
     lambda: keras.optimizers.Adam(0.02, clipnorm=0.1)),
    ("sgd_clipvalue", "sgd",
     lambda: keras.optimizers.SGD(0.5, clipvalue=0.01)),
    ("adam_global_clipnorm", "adam",
     lambda: keras.optimizers.Adam(0.02, global_clipnorm=0.05)),
    ("sgd_exponential_decay", "sgd",
     lambda: keras.optimizers.SGD(sched.ExponentialDecay(
         0.1, decay_steps=3, decay_rate=0.5, staircase=False))),
    ("sgd_exponential_decay_staircase", "sgd",
     lambda: keras.optimizers.SGD(sched.ExponentialDecay(
         0.1, decay_steps=3, decay_rate=0.5, staircase=True))),
    ("sgd_piecewise_constant", "sgd",
     lambda: keras.optimizers.SGD(sched.PiecewiseConstantDecay(
         boundaries=[4, 8], values=[0.1, 0.05, 0.01]))),
    ("sgd_cosine_decay", "sgd",
     lambda: keras.optimizers.SGD(sched.CosineDecay(
         0.1, decay_steps=10, alpha=0.1))),
]

OPTIMIZER_NOTES = """\
Keras 3.15 (TF backend) optimizer rules. All maths in float32; t = iterations
+ 1 where `iterations` counts completed optimizer steps (0 before the first
step). Hyper-parameters such as beta_1 are cast to float32 before use.

ORDER OF ONE STEP (BaseOptimizer.apply): gradients of the total loss
(including regularisation penalties) -> drop None gradients -> divide by
loss_scale_factor if set -> clip (_clip_gradients) -> decoupled weight decay
(_apply_weight_decay) -> per-variable update_step(grad, var, lr) ->
constraints -> iterations += 1. `lr` is read ONCE per step as
optimizer.learning_rate, i.e. schedule(iterations) evaluated with the
iteration count BEFORE the increment (first step uses schedule(0)). The same
lr value is used by weight decay.

CLIPPING (only one of the three may be set; ValueError otherwise; checked in
the order clipnorm, global_clipnorm, clipvalue):
  clipnorm c: each variable's gradient separately, g * c / max(||g||_2, c)
    with ||g|| the L2 norm of the whole tensor (tf.clip_by_norm).
  global_clipnorm c: n = sqrt(sum over ALL gradients of sum(g^2));
    every g *= c * min(1/n, 1/c)  (i.e. scaled by c/n when n > c).
  clipvalue v: g = clip(g, -v, v) elementwise.

WEIGHT DECAY (weight_decay != None; any optimizer accepts it, AdamW requires
it, default 0.004): before the update step, for every trainable variable
(kernels AND biases; nothing excluded by default):
  var = var - var * weight_decay * lr      (decoupled, lr-scaled).
Adam(weight_decay=w) is therefore identical to AdamW(weight_decay=w); AdamW
has no other differences from Adam.

SGD(lr=0.01, momentum=0.0, nesterov=False):
  momentum == 0: var -= lr * g
  else: m = momentum * m - lr * g  (m starts at 0)
        nesterov: var += momentum * m - lr * g   (m is the NEW m)
        else:     var += m

ADAM(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
  alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
  m += (g - m) * (1 - beta_1)
  v += (g^2 - v) * (1 - beta_2)
  amsgrad: v_hat = max(v_hat, v) (v_hat starts at 0) and v_hat replaces v
           below (v itself keeps its EMA)
  var -= m * alpha / (sqrt(v) + epsilon)
  Note epsilon is added to sqrt(v) of the UNcorrected v (the "epsilon hat"
  form), not to sqrt(v_hat_corrected).

ADAMW = Adam + decoupled weight decay above (weight_decay default 0.004).

RMSPROP(lr=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
  v = rho * v + (1 - rho) * g^2
  centered: a = rho * a + (1 - rho) * g; denom = v - a^2 + epsilon
  else:     denom = v + epsilon
  inc = lr * g / sqrt(denom)       (epsilon INSIDE the sqrt)
  momentum > 0: mom = momentum * mom + inc; var -= mom
  else: var -= inc

ADAGRAD(lr=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
  acc starts at initial_accumulator_value; acc += g^2
  var -= lr * g / sqrt(acc + epsilon)   (epsilon inside the sqrt)

ADADELTA(lr=0.001, rho=0.95, epsilon=1e-7):
  Eg = rho * Eg + (1 - rho) * g^2
  delta = -sqrt(Edx + epsilon) * g / sqrt(Eg + epsilon)   (old Edx)
  Edx = rho * Edx + (1 - rho) * delta^2
  var += lr * delta            (Keras 1.0 learning rate = the paper's rule)

ADAMAX(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
  m += (g - m) * (1 - beta_1)
  u = max(beta_2 * u, |g|)
  var -= lr * m / ((1 - beta_1^t) * (u + epsilon))

NADAM(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
  mu(s) = beta_1 * (1 - 0.5 * 0.96^s)
  A scalar variable u_product (starts 1.0) is updated ONCE per step, before
  any variable is updated: u_product *= mu(t).
  Per variable, with u_t = mu(t), u_t1 = mu(t+1), P = u_product (already
  including u_t), P1 = P * u_t1:
    m += (g - m) * (1 - beta_1)
    v += (g^2 - v) * (1 - beta_2)
    m_hat = u_t1 * m / (1 - P1) + (1 - u_t) * g / (1 - P)
    v_hat = v / (1 - beta_2^t)
    var -= lr * m_hat / (sqrt(v_hat) + epsilon)

LION(lr=0.001, beta_1=0.9, beta_2=0.99):
  var -= lr * sign(beta_1 * m + (1 - beta_1) * g)   (sign(0) = 0)
  m = beta_2 * m + (1 - beta_2) * g

LEARNING-RATE SCHEDULES (called with step = iterations before the
increment, as float32):
  ExponentialDecay(lr0, decay_steps, decay_rate, staircase):
    p = step / decay_steps (floor(p) if staircase); lr = lr0 * decay_rate^p
  PiecewiseConstantDecay(boundaries, values): values[0] if step <=
    boundaries[0]; values[i] if boundaries[i-1] < step <= boundaries[i];
    values[-1] if step > boundaries[-1].  (Boundaries are inclusive on the
    upper side: with [4, 8] steps 0..4 use values[0].)
  CosineDecay(lr0, decay_steps, alpha=0.0, warmup_target=None):
    s = min(step, decay_steps);
    lr = lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)
  get_config() of an optimizer with a schedule stores the schedule config
  (here under "learning_rate": {"schedule": ..., "config": ...}); the
  per-step values actually used are in "learning_rate_per_step".

fit() on this model: 22 samples, batch 5 -> 5 steps per epoch (last batch 2
samples), 15 steps in 3 epochs. Epoch "loss" = sum over batches of
(batch loss * batch size) / samples seen, computed with the weights before
each step's update.
"""


def optimizer_data():
    rng = np.random.default_rng(31337)
    x = rng.normal(size=(22, 3)).astype(F32)
    score = np.stack([x[:, 0], x[:, 1] - x[:, 2], -x[:, 0] + 0.5 * x[:, 2]],
                     axis=1) + rng.normal(scale=0.7, size=(22, 3))
    y = np.argmax(score, axis=1).astype(F32)
    return x, y


def generate_optimizers():
    x, y = optimizer_data()
    w0 = start_weights(3, OPT_LAYERS, seed=4242)
    cases = []
    for case_name, opt_name, factory in OPTIMIZER_CASES:
        spec = dict(name=case_name, input_dim=3, layers=OPT_LAYERS,
                    optimizer_name=opt_name, make_optimizer=factory,
                    loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"], batch_size=5, epochs=3, x=x, y=y,
                    weights0=w0)
        out, model, _ = trajectory(spec)
        opt = factory()
        steps = out["optimizer_iterations"]
        if isinstance(opt._learning_rate,
                      keras.optimizers.schedules.LearningRateSchedule):
            out["learning_rate_per_step"] = [
                num(opt._learning_rate(tf.constant(s, dtype=tf.int64)))
                for s in range(steps)]
        cases.append(out)
        print(f"  optimizer {case_name:32s} loss={out['history']['loss']}")
    save("keras_catalogue_optimizers.json", {
        "notes": OPTIMIZER_NOTES,
        "optimizer_defaults": {
            n: defaults_of(getattr(keras.optimizers, c).__init__)
            for n, c in [("sgd", "SGD"), ("adam", "Adam"),
                         ("adamw", "AdamW"), ("rmsprop", "RMSprop"),
                         ("adagrad", "Adagrad"), ("adadelta", "Adadelta"),
                         ("adamax", "Adamax"), ("nadam", "Nadam"),
                         ("lion", "Lion")]},
        "trajectories": cases,
    })


# ---------------------------------------------------------------------------
# 4. Metrics
# ---------------------------------------------------------------------------

def metric_batches():
    cat1_true = np.eye(4, dtype=F32)[[1, 1, 3, 2, 0]]
    cat1_pred = np.array([[0.1, 0.6, 0.2, 0.1],
                          [0.3, 0.3, 0.2, 0.2],      # argmax tie 0/1
                          [0.25, 0.25, 0.25, 0.25],  # all tied
                          [0.5, 0.1, 0.2, 0.2],      # 2/3 tie at top-2 edge
                          [0.05, 0.05, 0.1, 0.8]], dtype=F32)
    cat2_true = np.eye(4, dtype=F32)[[0, 3, 2, 1, 2]]
    cat2_pred = np.array([[0.7, 0.1, 0.1, 0.1],
                          [0.1, 0.4, 0.4, 0.1],      # tie, true is 4th
                          [0.2, 0.35, 0.35, 0.1],    # tie 1/2, true 2
                          [0.3, 0.2, 0.4, 0.1],      # true is 3rd
                          [0.0, 0.5, 0.5, 0.0]], dtype=F32)
    bin1_true = np.array([[1], [0], [1], [0], [1]], dtype=F32)
    bin1_pred = np.array([[0.9], [0.5], [0.5], [0.7], [0.3]], dtype=F32)
    bin2_true = np.array([[0], [1], [1], [0], [0]], dtype=F32)
    bin2_pred = np.array([[0.2], [0.7], [0.71], [0.3], [0.0]], dtype=F32)
    reg1_true = np.array([[0.0, 1.0, 2.0], [0.5, -0.5, 3.0],
                          [1.0, 1.0, 1.0], [2.0, 0.0, -1.0],
                          [0.25, 0.75, 4.0]], dtype=F32)
    reg1_pred = np.array([[0.1, 0.8, 2.5], [0.5, 0.5, 2.0],
                          [1.2, 0.9, -0.3], [1.5, 0.2, -1.0],
                          [0.0, 1.0, 3.5]], dtype=F32)
    reg2_true = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 1.0],
                          [3.0, 1.5, 0.2], [0.7, 0.7, 0.7],
                          [2.0, 1.0, 0.0]], dtype=F32)
    reg2_pred = np.array([[0.9, 2.2, 0.4], [0.3, -0.2, 1.1],
                          [2.0, 1.5, 0.6], [0.7, 0.0, 1.7],
                          [2.5, 0.5, 0.1]], dtype=F32)
    return {
        "categorical": [(cat1_true, cat1_pred), (cat2_true, cat2_pred)],
        "sparse": [(np.argmax(cat1_true, 1).astype(F32), cat1_pred),
                   (np.argmax(cat2_true, 1).astype(F32), cat2_pred)],
        "binary": [(bin1_true, bin1_pred), (bin2_true, bin2_pred)],
        "regression": [(reg1_true, reg1_pred), (reg2_true, reg2_pred)],
    }


# (metric name as listed, class name, config, data kind, sample weights?)
METRIC_CASES = [
    ("binary_accuracy", "BinaryAccuracy", {}, "binary"),
    ("binary_accuracy", "BinaryAccuracy", {"threshold": 0.7}, "binary"),
    ("categorical_accuracy", "CategoricalAccuracy", {}, "categorical"),
    ("sparse_categorical_accuracy", "SparseCategoricalAccuracy", {},
     "sparse"),
    ("top_k_categorical_accuracy", "TopKCategoricalAccuracy", {},
     "categorical"),
    ("top_k_categorical_accuracy", "TopKCategoricalAccuracy", {"k": 2},
     "categorical"),
    ("sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy",
     {"k": 2}, "sparse"),
    ("mean_squared_error", "MeanSquaredError", {}, "regression"),
    ("mean_absolute_error", "MeanAbsoluteError", {}, "regression"),
    ("mean_absolute_percentage_error", "MeanAbsolutePercentageError", {},
     "regression"),
    ("mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", {},
     "regression"),
    ("Precision", "Precision", {}, "binary"),
    ("Recall", "Recall", {}, "binary"),
    ("AUC", "AUC", {}, "binary"),
    ("AUC", "AUC", {"curve": "PR"}, "binary"),
]


def generate_metrics():
    data = metric_batches()
    cases = []
    for name, class_name, config, kind in METRIC_CASES:
        m = getattr(keras.metrics, class_name)(**config)
        batches, after_first = [], None
        for i, (yt, yp) in enumerate(data[kind]):
            m.update_state(tf.constant(yt), tf.constant(yp))
            batches.append({"y_true": tensor(yt), "y_pred": tensor(yp)})
            if i == 0:
                after_first = num(m.result())
        case = {"metric": name, "class_name": class_name, "config": config,
                "batches": batches, "value": num(m.result()),
                "value_after_first_batch": after_first,
                "result_name": m.name}
        # String-name lookup: what compile(metrics=[name]) would resolve.
        try:
            got = keras.metrics.get(name)
            case["get_resolves_to"] = getattr(got, "__name__",
                                              type(got).__name__)
        except ValueError:
            case["get_resolves_to"] = None
        cases.append(case)
        print(f"  metric {class_name:30s} {config} -> {case['value']}")
    # Weighted variants: the same metrics with per-sample weights.
    weighted = []
    sw = [np.array([1.0, 0.5, 2.0, 0.0, 1.5], dtype=F32),
          np.array([0.25, 1.0, 1.0, 3.0, 0.5], dtype=F32)]
    for class_name, kind in [("CategoricalAccuracy", "categorical"),
                             ("BinaryAccuracy", "binary"),
                             ("MeanSquaredError", "regression"),
                             ("Precision", "binary"), ("AUC", "binary")]:
        m = getattr(keras.metrics, class_name)()
        batches = []
        for (yt, yp), w in zip(data[kind], sw):
            m.update_state(tf.constant(yt), tf.constant(yp),
                           sample_weight=tf.constant(w))
            batches.append({"y_true": tensor(yt), "y_pred": tensor(yp),
                            "sample_weight": tensor(w)})
        weighted.append({"class_name": class_name, "config": {},
                         "batches": batches, "value": num(m.result())})
    auc = keras.metrics.AUC()
    save("keras_catalogue_metrics.json", {
        "defaults": {c: defaults_of(getattr(keras.metrics, c).__init__)
                     for c in sorted({cc for _, cc, _, _ in METRIC_CASES})},
        "auc_default_thresholds": [num(t) for t in auc.thresholds],
        "notes": (
            "value = result() after update_state on both batches (state "
            "accumulates: accuracy-type metrics keep total and count, so the "
            "value is the mean over all 10 rows; Precision/Recall keep "
            "TP/FP/FN counts; AUC keeps confusion counts at num_thresholds "
            "thresholds). Thresholded metrics predict positive when y_pred > "
            "threshold (strict). argmax ties pick the first index. "
            "Top-k uses tf.math.in_top_k: classes tied with the k-th largest "
            "score all count as in the top k. AUC: thresholds = "
            "[0 - 1e-7, i/(n-1) for i=1..n-2, 1 + 1e-7]; summation_method "
            "'interpolation' (ROC: trapezoid; PR: Davis & Goadrich "
            "interpolation). 'weighted_cases' pass sample_weight to "
            "update_state (weighted mean / weighted counts)."),
        "cases": cases,
        "weighted_cases": weighted,
    })


# ---------------------------------------------------------------------------
# 5. Training features
# ---------------------------------------------------------------------------

TRAIN_LAYERS = [dense(6, "relu"), dense(3, "softmax")]


def training_data():
    rng = np.random.default_rng(777)
    x = rng.normal(size=(38, 3)).astype(F32)
    score = np.stack([x[:, 0] + x[:, 1], -x[:, 1] + 0.5 * x[:, 2],
                      x[:, 2] - x[:, 0]], axis=1)
    score = score + rng.normal(scale=0.6, size=score.shape)
    y = np.argmax(score, axis=1).astype(F32)
    return x[:30], y[:30], x[30:], y[30:]


class EpochEndWeights(keras.callbacks.Callback):
    """Snapshots the weights at every epoch end (before EarlyStopping)."""

    def __init__(self):
        super().__init__()
        self.snapshots = []

    def on_epoch_end(self, epoch, logs=None):
        self.snapshots.append([np.array(w, dtype=F32)
                               for w in self.model.get_weights()])


def callback_record(cb_class, kwargs):
    config = defaults_of(cb_class.__init__)
    config.update(plain(kwargs))
    return {"name": cb_class.__name__, "config": config}


def generate_training():
    x, y, xv, yv = training_data()
    w0 = start_weights(3, TRAIN_LAYERS, seed=9090)
    sample_weight = np.random.default_rng(55).uniform(
        0.2, 2.0, size=30).astype(F32)
    class_weight = {0: 1.0, 1: 2.0, 2: 0.5}

    def base(name, lr=0.01, **extra):
        spec = dict(name=name, input_dim=3, layers=TRAIN_LAYERS,
                    optimizer_name="adam",
                    make_optimizer=lambda: keras.optimizers.Adam(lr),
                    loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"], batch_size=7, epochs=3, x=x, y=y,
                    weights0=w0, log=True)
        spec.update(extra)
        return spec

    cases = []

    # validation_data
    out, _, _ = trajectory(base("validation_data", validation_data=(xv, yv)))
    out["validation_x"], out["validation_y"] = tensor(xv), tensor(yv)
    cases.append(out)

    # class_weight
    out, model, _ = trajectory(base("class_weight", class_weight=class_weight))
    out["class_weight"] = {str(k): float(v) for k, v in class_weight.items()}
    cases.append(out)
    cw_model = model

    # sample_weight
    out, model, _ = trajectory(base("sample_weight",
                                    sample_weight=sample_weight))
    out["sample_weight"] = tensor(sample_weight)
    ev_w = model.evaluate(x, y, batch_size=7, sample_weight=sample_weight,
                          verbose=0, return_dict=True)
    out["evaluate_with_sample_weight"] = {k: num(v) for k, v in ev_w.items()}
    sw_checks = weighting_checks(model, x, y, sample_weight, ev_w)
    out["weighting_checks"] = sw_checks
    cases.append(out)

    # class_weight rule check on the trained class_weight model
    cw_sw = np.array([class_weight[int(v)] for v in y], dtype=F32)
    ev_cw = cw_model.evaluate(x, y, batch_size=7, sample_weight=cw_sw,
                              verbose=0, return_dict=True)
    cases[1]["weighting_checks"] = weighting_checks(cw_model, x, y, cw_sw,
                                                    ev_cw)

    # initial_epoch
    out, _, _ = trajectory(base("initial_epoch", epochs=4, initial_epoch=2))
    out["initial_epoch"] = 2
    cases.append(out)

    # early_stopping (restore_best_weights); record weights at each epoch end
    es_kwargs = dict(monitor="loss", patience=1, min_delta=0.01,
                     restore_best_weights=True)
    out, _, cbs = trajectory(base(
        "early_stopping", lr=0.3, epochs=10,
        callbacks=lambda: [EpochEndWeights(),
                           keras.callbacks.EarlyStopping(**es_kwargs)]))
    recorder, es = cbs
    out["callback"] = callback_record(keras.callbacks.EarlyStopping,
                                      es_kwargs)
    out["stopped_epoch"] = int(es.stopped_epoch)
    out["best_epoch"] = int(es.best_epoch)
    out["epoch_end_weights"] = [[tensor(w) for w in ws]
                                for ws in recorder.snapshots]
    cases.append(out)
    assert len(out["history"]["loss"]) < 10, "early stopping did not trigger"

    # reduce_lr
    rl_kwargs = dict(monitor="loss", factor=0.5, patience=1, min_delta=0.05,
                     min_lr=0.001)
    out, model, _ = trajectory(base(
        "reduce_lr", lr=0.005, epochs=6,
        callbacks=lambda: [keras.callbacks.ReduceLROnPlateau(**rl_kwargs)]))
    out["callback"] = callback_record(keras.callbacks.ReduceLROnPlateau,
                                      rl_kwargs)
    out["final_learning_rate"] = num(model.optimizer.learning_rate.numpy())
    cases.append(out)

    # csv_logger
    tmpdir = tempfile.mkdtemp(prefix="nntrain_csv_")
    csv_path = os.path.join(tmpdir, "log.csv")
    out, _, _ = trajectory(base(
        "csv_logger", validation_split=0.2,
        callbacks=lambda: [keras.callbacks.CSVLogger(csv_path)]))
    with open(csv_path, "r", encoding="utf-8", newline="") as fh:
        out["csv_text"] = fh.read()
    out["callback"] = callback_record(keras.callbacks.CSVLogger,
                                      {"filename": "log.csv"})
    os.remove(csv_path)
    os.rmdir(tmpdir)
    cases.append(out)

    # terminate_on_nan: linear model, mse, SGD with a huge learning rate
    yr = np.stack([x[:, 0] - 2 * x[:, 1], x[:, 2] + 1], axis=1).astype(F32)
    lin_layers = [dense(2, "linear")]
    spec = dict(name="terminate_on_nan", input_dim=3, layers=lin_layers,
                optimizer_name="sgd",
                make_optimizer=lambda: keras.optimizers.SGD(1e10),
                loss="mean_squared_error", metrics=[], batch_size=7,
                epochs=5, x=x, y=yr,
                weights0=start_weights(3, lin_layers, seed=1234), log=True,
                callbacks=lambda: [keras.callbacks.TerminateOnNaN()])
    out, _, _ = trajectory(spec)
    out["callback"] = callback_record(keras.callbacks.TerminateOnNaN, {})
    cases.append(out)

    for c in cases:
        print(f"  training {c['name']:16s} history={c['history']}")

    save("keras_catalogue_training.json", {
        "notes": TRAINING_NOTES,
        "trajectories": cases,
    })


def weighting_checks(model, x, y, sw, ev_weighted):
    """Recompute evaluate(sample_weight=...) candidates from predictions."""
    p = model.predict(x, batch_size=7, verbose=0).astype(np.float64)
    p = np.clip(p / p.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)
    ce = -np.log(p[np.arange(len(y)), y.astype(int)])
    swd = sw.astype(np.float64)
    correct = (np.argmax(p, axis=1) == y).astype(np.float64)
    per_batch = []
    for s in range(0, len(y), 7):
        sl = slice(s, s + 7)
        per_batch.append((np.sum(ce[sl] * swd[sl]) / len(ce[sl]),
                          len(ce[sl])))
    batch_mean = sum(v * n for v, n in per_batch) / len(y)
    return {
        "loss_sum_w_l_over_batch_size_then_size_weighted_mean":
            float(batch_mean),
        "loss_sum_w_l_over_sum_w": float(np.sum(ce * swd) / np.sum(swd)),
        "loss_unweighted_mean": float(np.mean(ce)),
        "accuracy_unweighted": float(np.mean(correct)),
        "accuracy_weighted": float(np.sum(correct * swd) / np.sum(swd)),
        "keras_evaluate_with_sample_weight": {
            k: num(v) for k, v in ev_weighted.items()},
    }


TRAINING_NOTES = """\
Model: input 3 -> Dense(6, relu) -> Dense(3, softmax); Adam; sparse
categorical crossentropy; metrics ["accuracy"] (SparseCategoricalAccuracy);
30 samples; batch 7 (5 steps per epoch, last batch 2 samples); shuffle False.
terminate_on_nan uses input 3 -> Dense(2, linear), mse, SGD(1e10).

Logged epoch loss = sum over batches of (batch loss * batch size) / number
of samples (Mean tracker weighted by batch size); each batch loss uses the
weights before that batch's update. The batch loss with sample weights w
(class_weight is turned into per-sample weights w_i = class_weight[y_i],
1.0 for classes missing from the dict) is sum_i(w_i * l_i) / batch_size
(NOT divided by sum of weights). Metrics passed as `metrics=` are NOT
weighted by sample_weight/class_weight (only `weighted_metrics=` are), so
"accuracy" is the plain fraction correct. "evaluate" is unweighted;
"evaluate_with_sample_weight" and "weighting_checks" verify the rule above.

validation_data / validation_split: val_* metrics are computed after each
epoch with the end-of-epoch weights, batch size = batch_size, and the same
size-weighted mean. validation_split takes the LAST fraction of the samples
(int(n * split) rounded as Keras does) before any shuffling.

initial_epoch=2, epochs=4: runs epochs with indices 2 and 3 (printed as
"Epoch 3/4", "Epoch 4/4"); history has 2 entries; optimizer iterations start
from 0 anyway.

EarlyStopping(monitor, min_delta, patience, restore_best_weights): at each
epoch end: if restore_best_weights and no best weights yet, snapshot the
current weights. wait += 1. If (current - min_delta) < best (mode min;
best = None counts as improvement) then best = current, best_epoch = epoch,
snapshot weights, wait = 0. Otherwise, if wait >= patience and epoch > 0,
stop training (after this epoch; the epoch is in the history). At
on_train_end, if restore_best_weights the best snapshot is restored --
also when training ran all epochs without stopping. min_delta is compared
against the best value, so small improvements do not reset `best`.

ReduceLROnPlateau(monitor, factor, patience, min_delta, min_lr,
cooldown=0): at each epoch end logs["learning_rate"] is set to the CURRENT
lr (before any reduction in this epoch), so history["learning_rate"][e] is
the lr used during epoch e. Then: if in cooldown (counter > 0): counter -= 1,
wait = 0. If current < best - min_delta (mode min) -> best = current,
wait = 0; elif not in cooldown: wait += 1; if wait >= patience: if old_lr >
float32(min_lr): new_lr = max(old_lr * factor, min_lr), set it, cooldown
counter = cooldown, wait = 0.

CSVLogger: header "epoch,<sorted log keys>" (sorted alphabetically), rows
with epoch index from 0, values written with Python str() of the float,
line terminator "\\r\\n" (csv.excel dialect), separator ",".

TerminateOnNaN: after every batch, if logs["loss"] (the running epoch mean)
is NaN or +-Inf it prints "Batch <batch index>: Invalid loss, terminating
training" and sets stop_training; the loop stops after that batch and the
epoch still ends normally (on_epoch_end runs, so the history gets the
partial epoch's running mean, possibly inf/nan).
"""


# ---------------------------------------------------------------------------

GENERATORS = {
    "losses": generate_losses,
    "activations": generate_activations,
    "optimizers": generate_optimizers,
    "metrics": generate_metrics,
    "training": generate_training,
}


def main(argv):
    keras.utils.set_random_seed(0)
    wanted = argv or list(GENERATORS)
    for key in wanted:
        print(key)
        GENERATORS[key]()


if __name__ == "__main__":
    main(sys.argv[1:])
