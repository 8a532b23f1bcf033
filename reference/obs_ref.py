"""Independent float64 reference for structured OBS selection and its linear algebra.

Writes src/test/resources/golden/obs_selection.json, read by ObsSelectionReferenceTest.

Conventions (those of Shear's ObsSelection, restated, not taken from its code):
* A layer y = W x, W is out x in; the calibration second moment is C = sum over tokens of x x^T (in x in).
* Ridge: H = C + (ridge * trace(C) / in + 1e-12) * I.
* Removing a set R of input columns and refitting the kept ones K optimally minimises
  tr((W' - W) H (W' - W)^T) subject to W'_R = 0. The optimum is W'_K = W H[:, K] inv(H[K, K]),
  and its error is err(R) = tr(W_R inv(inv(H)[R, R]) W_R^T). Both are computed here directly,
  by numpy.linalg on the full matrices, never by rank updates.
* Greedy: at each step the structure s (not yet removed, not already dead) minimising err(R + s)
  is removed. Already-removed structures have their columns of W set to 0 first and count as removed
  (their columns are constrained to stay 0).
* Brute force: the k-subset of live structures with the smallest err(dead + subset).

The inputs (W in float32-representable values, C) are written too, so the Java test feeds exactly
these numbers to its implementation.
"""
import itertools
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "test", "resources", "golden", "obs_selection.json")


def ridge_h(c, ridge):
    n = c.shape[0]
    return c + (ridge * np.trace(c) / n + 1e-12) * np.eye(n)


def err(w, h, cols):
    if not cols:
        return 0.0
    cols = sorted(cols)
    hinv = np.linalg.inv(h)
    m = hinv[np.ix_(cols, cols)]
    wr = w[:, cols]
    return float(np.trace(wr @ np.linalg.solve(m, wr.T)))


def refit(w, h, removed_cols):
    n = w.shape[1]
    keep = [j for j in range(n) if j not in set(removed_cols)]
    out = np.zeros_like(w)
    if keep:
        hk = h[np.ix_(keep, keep)]
        out[:, keep] = np.linalg.solve(hk, (w @ h[:, keep]).T).T
    return out


def case(name, rng, out, structures, n_tokens, k, ridge, already=(), correlate=True, dead_inputs_zero=True, diagonal=False):
    n_in = 1 + max(max(s) for s in structures)
    w = rng.standard_normal((out, n_in)).astype(np.float32).astype(np.float64)
    if diagonal:
        # orthogonal input channels with distinct energies: H is diagonal and the costs add up
        x = np.zeros((n_in, n_tokens))
        for j in range(n_in):
            x[j, j] = 0.5 + 2.0 * rng.random()
    else:
        z = rng.standard_normal((n_in, n_tokens))
        x = (rng.standard_normal((n_in, n_in)) @ z) if correlate else z
        x += 0.3 * rng.standard_normal((n_in, 1))            # a mean, as real activations have
    dead = sorted(c for s in already for c in structures[s])
    if dead_inputs_zero:
        x[dead, :] = 0.0                                      # a masked structure's channels read zero
    c = x @ x.T
    h = ridge_h(c, ridge)
    w0 = w.copy()
    w0[:, dead] = 0.0

    removed, chosen, margins, step_costs = list(dead), [], [], []
    live = [s for s in range(len(structures)) if s not in already]
    for _ in range(k):
        costs = {s: err(w0, h, removed + structures[s]) for s in live if s not in chosen}
        order = sorted(costs, key=lambda s: (costs[s], s))
        best = order[0]
        margins.append((costs[order[1]] - costs[best]) / max(abs(costs[best]), 1e-300) if len(order) > 1 else None)
        step_costs.append({str(s): costs[s] for s in sorted(costs)})
        chosen.append(best)
        removed = removed + structures[best]
    greedy_cost = err(w0, h, removed)
    comp = refit(w0, h, removed)

    best_set, best_cost = None, np.inf
    for sub in itertools.combinations(live, k):
        e = err(w0, h, dead + [c_ for s in sub for c_ in structures[s]])
        if e < best_cost:
            best_set, best_cost = sorted(sub), e

    return {
        "name": name, "out": out, "in": n_in, "ridge": ridge, "k": k,
        "structures": structures, "already": sorted(already),
        "w": w.ravel().tolist(), "c": c.ravel().tolist(),
        "greedy": chosen, "step_costs": step_costs, "min_relative_margin": min([m for m in margins if m is not None], default=None),
        "greedy_error": greedy_cost, "compensated": comp.ravel().tolist(),
        "brute_force": best_set, "brute_force_error": best_cost,
    }


def spd(rng, n):
    b = rng.standard_normal((n, n))
    return b @ b.T + 0.5 * n * np.eye(n)


def main():
    rng = np.random.default_rng(20261207)
    chol = []
    for n, m in [(1, 1), (3, 2), (7, 3), (16, 5)]:
        a = spd(rng, n)
        b = rng.standard_normal((n, m))
        chol.append({"n": n, "m": m, "a": a.ravel().tolist(), "b": b.ravel().tolist(),
                     "x": np.linalg.solve(a, b).ravel().tolist(), "inverse": np.linalg.inv(a).ravel().tolist()})

    heads = [[2 * i, 2 * i + 1] for i in range(6)]                  # 6 structures of 2 adjacent columns
    inter = [[i, i + 5] for i in range(5)]                           # 5 structures of 2 interleaved columns
    single = [[i] for i in range(10)]                                # MLP-like: one column each
    cases = [
        case("heads-correlated", rng, 5, heads, 40, 3, 0.01),
        case("heads-k1", rng, 4, heads, 40, 1, 0.01),
        case("channels-no-ridge", rng, 6, single, 60, 4, 0.0),
        case("interleaved", rng, 3, inter, 30, 2, 0.05),
        case("diagonal", rng, 4, [[i, i + 8] for i in range(8)], 16, 3, 0.0, diagonal=True),
        case("already-dead-inputs-zero", rng, 5, heads, 40, 2, 0.01, already=(1, 4)),
        case("already-dead-inputs-live", rng, 5, heads, 40, 2, 0.01, already=(1,), dead_inputs_zero=False),
    ]
    for c in cases:
        if c["min_relative_margin"] is not None and c["min_relative_margin"] < 1e-4:
            sys.exit(f"case {c['name']}: greedy step margin {c['min_relative_margin']} too small for float32 comparisons")
    if cases[1]["greedy"] != cases[1]["brute_force"] or sorted(cases[4]["greedy"]) != cases[4]["brute_force"]:
        sys.exit("greedy must equal brute force for k = 1 and for a diagonal H")
    doc = {"generator": "reference/obs_ref.py", "numpy": np.__version__, "cholesky": chol, "obs": cases}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    for c in cases:
        print(f"{c['name']:28s} greedy {c['greedy']} brute {c['brute_force']} "
              f"err {c['greedy_error']:.6g} vs {c['brute_force_error']:.6g} margin {c['min_relative_margin']:.3g}")


if __name__ == "__main__":
    main()
