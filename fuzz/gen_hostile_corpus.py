#!/usr/bin/env python3
"""Generates tests/conformance/hostile.jsonl: hostile inputs in the corpus
format.  Value cases use numexpr 2.14.2 as the oracle (run in a subprocess,
since some inputs kill it); where numexpr raises, crashes or differs from
NumPy's definition, the NumPy value is used and the case is marked
"beyond": true.
"""
import json
import math
import os
import subprocess
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "conformance", "hostile.jsonl")
cases = []


def enc_value(dtype, x):
    if dtype == "bool":
        return bool(x)
    if dtype in ("int32", "int64"):
        return int(x)
    if dtype in ("float32", "float64"):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if dtype == "complex128":
        return [enc_value("float64", x.real), enc_value("float64", x.imag)]
    if dtype == "bytes":
        return bytes(x).rstrip(b"\0").decode("latin-1")
    raise ValueError(dtype)


def var(arr, view=None):
    arr = np.asarray(arr)
    dtype = {"S": "bytes"}.get(arr.dtype.kind, arr.dtype.name)
    return {
        "dtype": dtype,
        "shape": list(arr.shape),
        "data": [enc_value(dtype, x) for x in arr.reshape(-1)],
        "view": view,
    }


def viewed(arr, view):
    if view == "T":
        return arr.T
    if view == "step2":
        return arr[::2]
    return arr


def numexpr_eval(expr, arrays):
    """numexpr's result in a subprocess: ('ok', array) or ('err', text)."""
    import pickle

    code = (
        "import sys, pickle, numexpr as ne, numpy as np, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "expr, arrays = pickle.load(sys.stdin.buffer)\n"
        "try:\n"
        "    r = ne.evaluate(expr, local_dict=arrays)\n"
        "    out = ('ok', np.asarray(r))\n"
        "except BaseException as e:\n"
        "    out = ('err', type(e).__name__ + ': ' + str(e)[:100])\n"
        "sys.stdout.buffer.write(pickle.dumps(out))\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps((expr, arrays)),
        capture_output=True,
        timeout=120,
    )
    if p.returncode != 0:
        return ("err", f"died with {p.returncode}")
    return pickle.loads(p.stdout)


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fc":
        return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))
    return bool(np.all(a == b))


def value_case(cid, expr, stored, numpy_fn=None):
    """`stored`: name -> (array as stored, view).  `numpy_fn`: NumPy's
    definition, used (and the case marked beyond) when numexpr fails or
    disagrees with it."""
    arrays = {n: viewed(np.asarray(a), v) for n, (a, v) in stored.items()}
    status, got = numexpr_eval(expr, arrays)
    beyond = False
    if numpy_fn is not None:
        want = np.asarray(numpy_fn(**arrays))
        if status != "ok" or not same(got, want):
            got, beyond = want, True
    elif status != "ok":
        raise SystemExit(f"{cid}: numexpr failed ({got}) and no NumPy definition")
    got = np.asarray(got)
    dtype = {"S": "bytes"}.get(got.dtype.kind, got.dtype.name)
    case = {
        "id": cid,
        "expr": expr,
        "vars": {n: var(a, v) for n, (a, v) in stored.items()},
        "expect": {
            "dtype": dtype,
            "shape": list(got.shape),
            "data": [enc_value(dtype, x) for x in got.reshape(-1)],
        },
    }
    if beyond:
        case["beyond"] = True
    cases.append(case)


def error_case(cid, expr, kind, stored=None):
    stored = stored or {}
    cases.append(
        {
            "id": cid,
            "expr": expr,
            "vars": {n: var(a, v) for n, (a, v) in stored.items()},
            "expect": {"error": kind},
        }
    )


f64 = lambda *xs: np.array(xs, dtype=np.float64)
i32 = lambda *xs: np.array(xs, dtype=np.int32)
i64 = lambda *xs: np.array(xs, dtype=np.int64)
A = {"a": (f64(0.5, -2.0, 3.0), None)}
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# --- limits: nesting, length, size ------------------------------------------
error_case("hostile-nesting-201", "(" * 201 + "a" + ")" * 201, "too_complex", A)
error_case("hostile-nesting-49999", "(" * 49999 + "a" + ")" * 49999, "too_complex", A)
error_case("hostile-open-parens-only", "(" * 5000, "too_complex", A)
error_case("hostile-nesting-calls-201", "sin(" * 201 + "a" + ")" * 201, "too_complex", A)
error_case("hostile-nesting-mixed-201", "abs(-(" * 101 + "a" + "))" * 101, "too_complex", A)
error_case("hostile-length-100001", "a" + "+a" * 50000, "too_complex", A)
error_case("hostile-length-spaces", "a" + " " * 100000, "too_complex", A)
error_case(
    "hostile-temporaries",
    "**".join(f"(a+{k})" for k in range(1, 1100)),
    "too_complex",
    A,
)
value_case(
    "hostile-nesting-200",
    "(" * 200 + "a" + ")" * 200,
    A,
    lambda a: a.copy(),
)


def sin200(a):
    for _ in range(200):
        a = np.sin(a)
    return a


value_case("hostile-nesting-calls-200", "sin(" * 200 + "a" + ")" * 200, A, sin200)
value_case("hostile-unary-chain", "-" * 99999 + "a", A, lambda a: -a)
value_case("hostile-invert-chain", "~" * 99998 + "x", {"x": (np.array([True, False]), None)}, lambda x: x.copy())
value_case("hostile-sum-chain-50000", "a" + "+a" * 49999, A, lambda a: a * 50000)
def power_chain(a, n):
    r = a
    for _ in range(n):
        r = a ** r
    return r


value_case(
    "hostile-power-chain",
    "a" + "**a" * 1000,
    {"a": (f64(1.0, 0.5), None)},
    lambda a: power_chain(a, 1000),
)
names = [f"v{k}" for k in range(1200)]
value_case(
    "hostile-1200-inputs",
    " + ".join(names),
    {n: (f64(k, 1.0, -k), None) for k, n in enumerate(names)},
    lambda **kw: sum(kw[n] for n in names),
)
value_case(
    "hostile-inputs-many-dtypes",
    " + ".join(f"w{k}" for k in range(100)),
    {f"w{k}": ([i32(k, -k), i64(k, 2 * k), f64(0.5, k)][k % 3], None) for k in range(100)},
    lambda **kw: sum(kw[f"w{k}"] for k in range(100)),
)

# --- integer edges ------------------------------------------------------------
for name, ctor, lo in [("int32", i32, INT32_MIN), ("int64", i64, INT64_MIN)]:
    x = ctor(lo, lo, lo + 1, -7, 7, 0)
    y = ctor(-1, 1, -1, 2, -2, -1)
    value_case(f"hostile-{name}-min-floordiv-minus-one", "x // y", {"x": (x, None), "y": (y, None)}, lambda x, y: x // y)
    value_case(f"hostile-{name}-min-mod-minus-one", "x % y", {"x": (x, None), "y": (y, None)}, lambda x, y: x % y)
    value_case(f"hostile-{name}-min-floordiv-scalar", "x // y", {"x": (x, None), "y": (ctor(-1).reshape(()), None)}, lambda x, y: x // y)
    z = ctor(0, 0, 0, 0, 0, 0)
    value_case(f"hostile-{name}-floordiv-zero", "x // z", {"x": (x, None), "z": (z, None)}, lambda x, z: np.zeros_like(x))
    value_case(f"hostile-{name}-mod-zero", "x % z", {"x": (x, None), "z": (z, None)}, lambda x, z: np.zeros_like(x))
    value_case(f"hostile-{name}-floordiv-literal-zero", "x // 0", {"x": (x, None)}, lambda x: np.zeros_like(x))
    value_case(f"hostile-{name}-mul-overflow", "x * y * 3", {"x": (x, None), "y": (ctor(-1, 2, 3, 5, -9, 11), None)}, None)
    value_case(f"hostile-{name}-neg-min", "-x", {"x": (x, None)}, None)

sh = i32(-5, -1, 0, 1, 31, 32, 33, 40, 64, INT32_MAX)
vals = i32(INT32_MIN, -8, -1, 1, 5, INT32_MAX, 3, -3, 7, 1)
value_case("hostile-int32-shl-wide", "x << n", {"x": (vals, None), "n": (sh, None)}, None)
value_case("hostile-int32-shr-wide", "x >> n", {"x": (vals, None), "n": (sh, None)}, None)
sh64 = i64(-1, 0, 62, 63, 64, 65, 100, INT64_MAX)
vals64 = i64(INT64_MIN, -8, -1, 1, INT64_MAX, 3, -3, 7)
value_case("hostile-int64-shl-wide", "x << n", {"x": (vals64, None), "n": (sh64, None)}, None)
value_case("hostile-int64-shr-wide", "x >> n", {"x": (vals64, None), "n": (sh64, None)}, None)
value_case("hostile-int32-shl-literal-40", "x << 40", {"x": (vals, None)}, None)
value_case("hostile-literal-shl-40", "1 << 40", {}, None)


def wrapping_pow(x, e):
    # NumPy's integer power: repeated multiplication modulo 2**bits.
    with np.errstate(all="ignore"):
        return np.power(x, e)


xs = i32(65536, 3, -3, 7, 2, 46341, -1, 0)
es = i32(2, 21, 21, 40, 31, 3, 5, 0)
value_case("hostile-int32-pow-overflow", "x ** e", {"x": (xs, None), "e": (es, None)}, wrapping_pow)
value_case("hostile-int32-pow-negative-exponent", "x ** e", {"x": (i32(2, 1, -1, -1, 0, 3, -2), None), "e": (i32(-1, -2, -2, -3, -1, -1, -1), None)}, None)
value_case("hostile-int32-pow-const-overflow", "x ** 2", {"x": (i32(65536, 46341, -46341), None)}, None)
error_case("hostile-int-negative-const-power", "x ** -1", "type", {"x": (i32(1, 2), None)})
for src in ["7 // 0", "7 % 0", "1 / 0.0", "0 ** -1", "1 << -1", "2**64", "2**63", "1 << 70",
            "9223372036854775807 + 1", "(-9223372036854775807 - 1) // -1",
            "99999999999999999999999999999999999999999", "2**2**2**2**2"]:
    error_case(f"hostile-value-{src}", src, "value")
value_case("hostile-literal-int32-min-floordiv", "-2147483648 // -1", {}, None)

# --- float edges ----------------------------------------------------------------
SPECIAL = f64(np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -1.0, 0.5, -0.5, 2.5, 1e308, 5e-324, 710.0, -745.5)
S = {"a": (SPECIAL, None)}
for fn in ["sqrt", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
           "arcsinh", "arccosh", "arctanh", "log", "log1p", "log10", "log2", "exp", "expm1",
           "abs", "ceil", "floor", "trunc", "round", "sign", "isnan", "isfinite", "isinf", "signbit"]:
    value_case(f"hostile-special-{fn}", f"{fn}(a)", S, None)
    value_case(f"hostile-special-{fn}-float32", f"{fn}(f)", {"f": (SPECIAL.astype(np.float32), None)}, None)
P = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -1.5])
pa = np.repeat(P, len(P))
pb = np.tile(P, len(P))
PAIRS = {"a": (pa, None), "b": (pb, None)}
for src in ["arctan2(a, b)", "fmod(a, b)", "hypot(a, b)", "copysign(a, b)", "nextafter(a, b)",
            "maximum(a, b)", "minimum(a, b)", "a + b", "a - b", "a * b", "a / b", "a ** b",
            "a // b", "a % b", "a < b", "a <= b", "a == b", "a != b", "a >= b", "a > b",
            "where(a > b, a, b)"]:
    value_case(f"hostile-special-pairs-{src}", src, PAIRS, None)
value_case("hostile-neg-zero-signbit", "signbit(a)", {"a": (f64(-0.0, 0.0), None)}, None)
value_case("hostile-neg-zero-copysign", "copysign(1.0, a)", {"a": (f64(-0.0, 0.0), None)}, None)
value_case("hostile-neg-zero-reciprocal", "1 / a", {"a": (f64(-0.0, 0.0), None)}, None)
# numexpr loses the sign of a -0.0 constant (its result is 0.0); NumPy keeps it.
value_case("hostile-neg-zero-literal", "signbit(-0.0 + a * 0)", {"a": (f64(-1.0, 1.0), None)}, lambda a: np.signbit(-0.0 + a * 0))
value_case("hostile-neg-zero-constant-where", "signbit(where(a > 0, -0.0, 2.0))", {"a": (f64(-1.0, 1.0), None)}, lambda a: np.signbit(np.where(a > 0, -0.0, 2.0)))
value_case("hostile-complex-special", "z * z + 1", {"z": (np.array([complex(np.nan, 0), complex(0, np.inf), complex(-0.0, 0.0), complex(1e308, 1e308)]), None)}, None)
value_case("hostile-complex-isnan", "isnan(z) | isinf(z)", {"z": (np.array([complex(np.nan, 0), complex(0, np.inf), complex(-0.0, 0.0)]), None)}, None)

# --- shapes and reductions -----------------------------------------------------
error_case("hostile-shape-mismatch", "a + b", "shape", {"a": (f64(1, 2), None), "b": (f64(1, 2, 3), None)})
error_case("hostile-shape-empty-mismatch", "a + b", "shape", {"a": (np.zeros(0), None), "b": (f64(1, 2), None)})
value_case("hostile-zero-size-broadcast", "a + b", {"a": (np.zeros((0, 3)), None), "b": (f64(1, 2, 3), None)}, lambda a, b: a + b)
value_case("hostile-zero-size-sum", "sum(a)", {"a": (np.zeros((0, 3)), None)}, lambda a: np.sum(a))
value_case("hostile-zero-size-prod-axis", "prod(a, axis=0)", {"a": (np.zeros((0, 3)), None)}, lambda a: np.prod(a, axis=0))
error_case("hostile-empty-min", "min(a)", "reduction", {"a": (np.zeros(0), None)})
error_case("hostile-empty-max-axis", "max(a, axis=0)", "reduction", {"a": (np.zeros((0, 3)), None)})
error_case("hostile-reduction-inner", "sum(a) * 2", "reduction", A)
error_case("hostile-reduction-negative-axis", "sum(a, axis=-1)", "reduction", A)
error_case("hostile-reduction-axis-out-of-range", "sum(a, axis=1)", "reduction", A)
error_case("hostile-reduction-huge-axis", "sum(a, axis=99999999999)", "reduction", A)
error_case("hostile-reduction-axis-variable", "sum(a, axis=a)", "reduction", A)
value_case("hostile-0d-inputs", "a * b + 1", {"a": (np.array(2.5), None), "b": (np.array(-1.0), None)}, None)
value_case("hostile-transposed-int-min", "x // -1", {"x": (np.array([[INT32_MIN, 1], [-1, INT32_MAX]], dtype=np.int32), "T")}, lambda x: x // np.int32(-1))
value_case("hostile-strided-shifts", "x << 33", {"x": (i64(1, 2, 3, 4, 5, 6), "step2")}, None)

# --- syntax and names ---------------------------------------------------------------
for k, src in enumerate([
    "", "   ", "a +* 2", "a > 1 and a < 2", "a or b", "not a", "a < b < c", "a > 1 & b < 6",
    "((((a", "a + b)", ")", "a b", "2a", "1__0", "01", "0x", "1e", "b'\\xZZ'", "'unterminated",
    "a.T", "a[0]", "a ; b", "lambda: 1", "a = 1", "a if b else c", "a @ b", "a \u00d7 b",
    "a\u0000+1", "a\u202e+b", "\u00e9", "#", "a..real", "f(axis=1, a)", "sum(a, axis=0, axis=1)",
    "a +", "**a", "a ** ** b", "()", "(,)", "sin(a,,)", "a\\\nb", "1 if 2",
]):
    error_case(f"hostile-syntax-{k}", src, "syntax", {"a": (f64(1), None), "b": (f64(1), None), "c": (f64(1), None)})
for src in ["pi", "nan * a", "inf", "a + unknown", "A", "a1"]:
    error_case(f"hostile-unknown-variable-{src}", src, "unknown_variable", A)
for src in ["sine(a)", "len(a)", "Sum(a)", "a(1)", "np_sin(a)"]:
    error_case(f"hostile-unknown-function-{src}", src, "unknown_function", A)
for src in ["where(a > 1, a)", "sin()", "sin(a, a)", "sum()", "sum(a, 0, 1)", "arctan2(a)", "sin(a, out=a)", "sum(a, out=a)"]:
    error_case(f"hostile-arity-{src}", src, "arity", A)
T = {"a": (f64(1, 2), None), "x": (np.array([True, False]), None), "z": (np.array([1 + 1j, 2j]), None), "i": (i32(1, 2), None)}
for src in ["a << 1", "x - x", "-x", "where(a, 1, 2)", "z > 1", "~a", "min(z)", "a & i", "z // 2", "floor(z)", "complex(i, i)"]:
    error_case(f"hostile-type-{src}", src, "type", T)
error_case("hostile-type-bytes-arith", "s + 1", "type", {"s": (np.array([b"ab", b"c"]), None)})
error_case("hostile-type-bytes-sqrt", "sqrt(s)", "type", {"s": (np.array([b"ab", b"c"]), None)})

with open(OUT, "w", encoding="utf-8") as f:
    for c in cases:
        f.write(json.dumps(c, separators=(",", ":"), ensure_ascii=False) + "\n")
print(f"{len(cases)} cases, {sum(1 for c in cases if c.get('beyond'))} beyond numexpr")
