"""Benchmark for assignment 1 (GRU character LM). Prints its figures; not part of the tests.

    ./run python benchmarks/a1_gru.py [--minutes 15] [--data-dir DIR]

1. Trains the reference GRULM (solutions/) on tiny Shakespeare for a fixed wall budget and
   reports held-out nats/char, perplexity and a sample (target <= 1.60 nats/char).
2. Train steps/s of the Trax model vs the same GRU LM in plain JAX + optax (target ratio >= 0.9).
3. Batch generator throughput vs the train step's consumption (target >= 20x).
4. Predict-mode generation vs re-running the full prefix per character, 200 characters
   (target >= 10x).
"""
import argparse
import functools
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "solutions" / "a1_gru"))

import gru_lm as g  # noqa: E402  (the reference solution)
from benchmarks.timing import interleaved_rates, seconds  # noqa: E402
from course.trax_compat import jax, jnp, tl, trax  # noqa: E402
from course.trax_utils import int_signature, jit_forward  # noqa: E402
from trax.supervised import training  # noqa: E402


def train_for(minutes, train_lines, eval_lines, config):
    """Train until the wall budget is spent (whole checkpoints); return model, steps, seconds."""
    model = g.GRULM(config.vocab_size, config.d_model, config.n_layers)
    loop = g.train_model(model, g.data_generator, train_lines, eval_lines, config.batch_size,
                         config.max_length, n_steps=config.steps_per_checkpoint,
                         output_dir=tempfile.mkdtemp(), config=config)
    start = time.perf_counter()
    while time.perf_counter() - start < minutes * 60 - 60:  # leave room for the last chunk
        loop.run(config.steps_per_checkpoint)
    return model, loop.step, time.perf_counter() - start


# --- the same model in plain JAX + optax ------------------------------------------------

def jax_gru_lm(config, key):
    """Parameters and a loss for ShiftRight → Embedding → GRU×n → Dense → LogSoftmax."""
    v, d = config.vocab_size, config.d_model
    keys = jax.random.split(key, 2 + 2 * config.n_layers)
    params = {"emb": jax.random.normal(keys[0], (v, d)) * 1.0,
              "out_w": jax.random.normal(keys[1], (d, v)) * d ** -0.5, "out_b": jnp.zeros(v),
              "gru": [{"w1": jax.random.uniform(keys[2 + 2 * i], (2 * d, 2 * d), minval=-0.01, maxval=0.01),
                       "b1": jnp.zeros(2 * d),
                       "w2": jax.random.uniform(keys[3 + 2 * i], (2 * d, d), minval=-0.01, maxval=0.01),
                       "b2": jnp.zeros(d)} for i in range(config.n_layers)]}

    def gru_layer(p, xs):  # xs: (batch, length, d)
        def step(h, x):
            u, r = jnp.split(jax.nn.sigmoid(jnp.concatenate([x, h], -1) @ p["w1"] + p["b1"]), 2, -1)
            c = jnp.tanh(jnp.concatenate([x, r * h], -1) @ p["w2"] + p["b2"])
            h = u * h + (1 - u) * c
            return h, h
        _, ys = jax.lax.scan(step, jnp.zeros((xs.shape[0], d)), jnp.swapaxes(xs, 0, 1))
        return jnp.swapaxes(ys, 0, 1)

    def loss(params, batch, mask):
        shifted = jnp.pad(batch, ((0, 0), (1, 0)))[:, :-1]
        x = params["emb"][shifted]
        for p in params["gru"]:
            x = gru_layer(p, x)
        log_probs = jax.nn.log_softmax(x @ params["out_w"] + params["out_b"])
        nll = -jnp.take_along_axis(log_probs, batch[..., None], -1)[..., 0]
        return jnp.sum(nll * mask) / jnp.sum(mask)

    return params, loss


def jax_train_step(config):
    import optax
    params, loss = jax_gru_lm(config, jax.random.PRNGKey(0))
    optimizer = optax.chain(optax.clip_by_global_norm(config.clip_grad_norm),
                            optax.adam(config.learning_rate))
    state = {"params": params, "opt": optimizer.init(params)}

    @functools.partial(jax.jit, donate_argnums=(0, 1))  # Trax donates its weights too
    def update(params, opt_state, batch, mask):
        value, grads = jax.value_and_grad(loss)(params, batch, mask)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, value

    def step(batches):
        batch, _, mask = next(batches)
        state["params"], state["opt"], value = update(state["params"], state["opt"], batch, mask)
        value.block_until_ready()
    return step


def trax_train_step(config, train_lines):
    model = g.GRULM(config.vocab_size, config.d_model, config.n_layers)
    task = training.TrainTask(g.data_generator(config.batch_size, config.max_length, train_lines),
                              tl.CrossEntropyLoss(),
                              trax.optimizers.Adam(config.learning_rate, clip_grad_norm=config.clip_grad_norm),
                              n_steps_per_checkpoint=10 ** 9)
    loop = training.Loop(model, task, output_dir=tempfile.mkdtemp())
    return lambda: loop.run(1)


# --- generation -------------------------------------------------------------------------

def rerun_prefix_generate(eval_model, prefix, num_chars, width=256):
    """Greedy generation that re-runs the whole text so far for every new character."""
    forward = jit_forward(eval_model)
    ids = [ord(c) for c in prefix]
    for _ in range(num_chars):
        x = np.zeros((1, width), np.int32)
        x[0, :len(ids)] = ids
        next_id = int(np.argmax(np.asarray(forward(x))[0, len(ids)]))  # ShiftRight: position len sees ids
        ids.append(next_id)
    return "".join(chr(i) for i in ids[len(prefix):])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=15.0, help="training wall budget")
    parser.add_argument("--data-dir", help="directory with tinyshakespeare/input.txt")
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args(argv)
    if args.data_dir:
        os.environ["COURSE_DATA_DIR"] = str(Path(args.data_dir).resolve())
    config = g.CONFIG
    train_lines, eval_lines = g.load_shakespeare()
    print(f"config: {config}")
    print(f"data: {len(train_lines):,} training lines, {len(eval_lines):,} held-out lines; "
          f"devices: {jax.devices()}")

    # 2 and 3 first, on a quiet machine, interleaved.
    trax_step = trax_train_step(config, train_lines)
    batches = g.data_generator(config.batch_size, config.max_length, train_lines)
    jax_step = jax_train_step(config)
    trax_step(), jax_step(batches)  # compile both
    rates = interleaved_rates({"trax": trax_step, "jax": lambda: jax_step(batches)}, n=20, rounds=3)
    print(f"\n[2] train steps/s (batch {config.batch_size}x{config.max_length}, d_model "
          f"{config.d_model}, {config.n_layers} layers): Trax {rates['trax']:.2f}, plain JAX+optax "
          f"{rates['jax']:.2f}; ratio {rates['trax'] / rates['jax']:.2f} (target >= 0.9)")
    gen = g.data_generator(config.batch_size, config.max_length, train_lines)
    gen_rate = interleaved_rates({"gen": lambda: next(gen)}, n=2000, rounds=3)["gen"]
    print(f"[3] generator {gen_rate:.0f} batches/s vs train step {rates['trax']:.2f} steps/s: "
          f"ratio {gen_rate / rates['trax']:.0f}x (target >= 20x)")

    model = g.GRULM(config.vocab_size, config.d_model, config.n_layers)
    steps, spent = 0, 0.0
    if not args.skip_training:
        model, steps, spent = train_for(args.minutes, train_lines, eval_lines, config)
    else:
        model.init(int_signature((config.batch_size, config.max_length)))
    eval_model = g.GRULM(config.vocab_size, config.d_model, config.n_layers, mode="eval")
    eval_model.init(int_signature((config.batch_size, config.max_length)))
    eval_model.weights = model.weights
    nats = g.evaluate(eval_model, eval_lines, config.batch_size, config.max_length)
    np.random.seed(0)
    sample = g.generate(g.predict_model(model, config), "the king", 200, temperature=0.8)
    print(f"\n[1] trained {steps} steps in {spent / 60:.1f} min: held-out {nats:.3f} nats/char, "
          f"perplexity {np.exp(nats):.2f} (target <= 1.60 nats/char)")
    print(f"    sample (T=0.8): {'the king' + sample!r}")

    # Generation: EOS disabled (its output bias set to -1e9, same weights for both paths) so
    # that both produce exactly 200 characters.
    no_eos = without_eos(model)
    predict = g.predict_model(no_eos, config)
    wide = g.GRULM(config.vocab_size, config.d_model, config.n_layers, mode="eval")
    wide.init(int_signature((1, 256)))
    wide.weights = no_eos.weights
    g.generate(predict, "the king", 5, 0.0), rerun_prefix_generate(wide, "the king", 2)  # compile
    t_predict, text_predict = seconds(lambda: g.generate(predict, "the king", 200, 0.0))
    t_rerun, text_rerun = seconds(lambda: rerun_prefix_generate(wide, "the king", 200))
    print(f"\n[4] {len(text_predict)} greedy characters: predict mode {t_predict:.2f} s, re-running "
          f"the prefix {t_rerun:.2f} s; ratio {t_rerun / t_predict:.1f}x (target >= 10x); "
          f"same text: {text_rerun == text_predict}")


def without_eos(model):
    """A copy of ``model``'s weights in a new train-mode GRULM whose EOS logit is -1e9."""
    config = g.CONFIG
    copy = g.GRULM(config.vocab_size, config.d_model, config.n_layers)
    copy.init(int_signature((1, 8)))
    copy.weights = model.weights
    dense = copy.sublayers[-2]
    kernel, bias = dense.weights
    dense.weights = (kernel, np.asarray(bias).copy())
    dense.weights[1][g.EOS_INT] = -1e9
    return copy


if __name__ == "__main__":
    main()
