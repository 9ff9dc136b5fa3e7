#!/usr/bin/env python3
"""Generate conformance corpora (JSON Lines) for ndexpr, with numexpr as the oracle.

Usage:
    python3 tests/conformance/gen_corpus.py --seed N --count K --prefix ID \
        --out FILE [--kind random|reductions|constants]
    python3 tests/conformance/gen_corpus.py --validate FILE [FILE ...]

The case format and the comparison rules are those of tests/conformance/README.md.
Every emitted case is evaluated by numexpr (default options) in a separate worker
process (so that SIGFPE crashes only kill the worker), evaluated twice to catch
nondeterminism, screened for known numexpr garbage (see GENERATED.md), and finally
re-validated by re-reading the written file in a fresh worker.

Determinism: the output depends only on --seed/--count/--kind/--prefix (and on the
numexpr/numpy versions, which decide which candidates are skipped).
"""

import argparse
import ast
import json
import math
import os
import random
import select
import subprocess
import sys
import time
import warnings
from collections import Counter

# --------------------------------------------------------------------------------------
# shared helpers (used by the generator, the worker and the validator)
# --------------------------------------------------------------------------------------

DTYPES = ("bool", "int32", "int64", "float32", "float64", "complex128", "bytes")
# numexpr kind of each corpus dtype
KIND_OF = {"bool": "bool", "int32": "int", "int64": "long", "float32": "float",
           "float64": "double", "complex128": "complex", "bytes": "bytes"}
# variable naming convention of random.jsonl
NAMES = {"float64": ("a", "b"), "float32": ("f", "g"), "int32": ("i", "j"),
         "int64": ("l", "m"), "bool": ("x", "y"), "complex128": ("z", "w"),
         "bytes": ("s", "t")}
DTYPE_OF_NAME = {n: d for d, ns in NAMES.items() for n in ns}

I32 = (-2**31, 2**31 - 1)
I64 = (-2**63, 2**63 - 1)
INT_RANGE = {"int": I32, "long": I64}


def enc_float(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def dec_float(v):
    return float(v)  # float("nan"), float("inf"), float("-inf") work too


def np_dtype_name(arr):
    import numpy as np
    k = arr.dtype
    if k == np.bool_:
        return "bool"
    if k.kind == "S":
        return "bytes"
    name = k.name
    return name if name in DTYPES else None


def encode_array(arr):
    """numpy array -> {"dtype","shape","data"} in the README encoding (C order)."""
    import numpy as np
    arr = np.asarray(arr)
    dt = np_dtype_name(arr)
    if dt is None:
        raise ValueError("unsupported result dtype %s" % arr.dtype)
    flat = arr.reshape(-1) if arr.flags.c_contiguous else arr.flatten(order="C")
    if dt == "bool":
        data = [bool(v) for v in flat.tolist()]
    elif dt in ("int32", "int64"):
        data = [int(v) for v in flat.tolist()]
    elif dt in ("float32", "float64"):
        data = [enc_float(v) for v in flat.tolist()]
    elif dt == "complex128":
        data = [[enc_float(v.real), enc_float(v.imag)] for v in flat.tolist()]
    else:
        data = [v.decode("latin-1") for v in flat.tolist()]
    return {"dtype": dt, "shape": list(arr.shape), "data": data}


def build_array(spec):
    """{"dtype","shape","data","view"} -> the numpy view handed to the evaluator."""
    import numpy as np
    dt, shape, data = spec["dtype"], spec["shape"], spec["data"]
    if dt == "bytes":
        raw = [s.encode("latin-1") for s in data]
        arr = np.array(raw, dtype="S") if raw else np.zeros(0, dtype="S1")
    elif dt == "complex128":
        arr = np.array([complex(dec_float(r), dec_float(i)) for r, i in data],
                       dtype=np.complex128)
    elif dt in ("float32", "float64"):
        arr = np.array([dec_float(v) for v in data], dtype=dt)
    elif dt == "bool":
        arr = np.array(data, dtype=np.bool_)
    else:
        arr = np.array(data, dtype=dt)
    arr = arr.reshape(shape)
    view = spec.get("view")
    if view == "T":
        arr = arr.T
    elif view == "step2":
        arr = arr[::2]
    elif view is not None:
        raise ValueError("unknown view %r" % view)
    return arr


def values_match(got, want, dtype):
    """README comparison of one element (JSON-encoded values)."""
    if dtype in ("bool", "int32", "int64", "bytes"):
        return got == want and type(got) is type(want)
    atol, rtol = (1e-5, 1e-4) if dtype == "float32" else (1e-12, 1e-9)
    if dtype == "complex128":
        g = complex(dec_float(got[0]), dec_float(got[1]))
        w = complex(dec_float(want[0]), dec_float(want[1]))
        if cmath_isnan(w) or cmath_isnan(g):
            return all(_fmatch(dec_float(a), dec_float(b), atol, rtol)
                       for a, b in zip(got, want))
        if g == w:
            return True
        d = abs(g - w)
        return d <= atol + rtol * abs(w)
    return _fmatch(dec_float(got), dec_float(want), atol, rtol)


def cmath_isnan(c):
    return math.isnan(c.real) or math.isnan(c.imag)


def _fmatch(g, w, atol, rtol):
    if math.isnan(w) or math.isnan(g):
        return math.isnan(w) and math.isnan(g)
    if g == w:
        return True
    d = abs(g - w)
    return d <= atol + rtol * abs(w)


def results_match(got, want):
    """got/want: encoded {"dtype","shape","data"}; returns None or a reason string."""
    if got["dtype"] != want["dtype"]:
        return "dtype %s != %s" % (got["dtype"], want["dtype"])
    if list(got["shape"]) != list(want["shape"]):
        return "shape %s != %s" % (got["shape"], want["shape"])
    if len(got["data"]) != len(want["data"]):
        return "length"
    for k, (g, w) in enumerate(zip(got["data"], want["data"])):
        if not values_match(g, w, want["dtype"]):
            return "value[%d] %r != %r" % (k, g, w)
    return None


# --------------------------------------------------------------------------------------
# screens for numexpr garbage that the crate does not reproduce (see GENERATED.md)
# --------------------------------------------------------------------------------------

_CMP_OPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
            ast.NotEq: "!="}
_ORDERING = ("<", "<=", ">", ">=")


def _is_bytes_kind(node, types, s2e):
    try:
        return s2e(ast.unparse(node), types).astKind in ("bytes", "str")
    except Exception:
        return False


def _np_bytes_operand(node, arrays, evaluate):
    import numpy as np
    if isinstance(node, ast.Name) and node.id in arrays:
        return np.asarray(arrays[node.id])
    if isinstance(node, ast.Constant) and isinstance(node.value, (bytes, str)):
        v = node.value
        return np.asarray(v if isinstance(v, bytes) else v.encode("latin-1"))
    return np.asarray(evaluate(ast.unparse(node), arrays))


def bytes_cmp_problem(expr, arrays, types, s2e, evaluate):
    """Byte-string comparisons where numexpr disagrees with NumPy.

    numexpr's stringcmp() special-cases a zero-width operand wrongly (`s < b''` is
    True for a non-empty s).  Rules: no empty string literal at all; no ordering
    comparison of byte strings when a bytes variable holds an empty element; and
    every byte-string comparison and contains() must equal NumPy's result."""
    import numpy as np
    tree = ast.parse(expr.strip(), mode="eval")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, (bytes, str))
                and len(node.value) == 0):
            return "bytes-empty-literal"
    empty_elem = any(a.dtype.kind == "S" and a.size and bool((a == b"").any())
                     for a in arrays.values())
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left] + list(node.comparators)
            if not any(_is_bytes_kind(o, types, s2e) for o in operands):
                continue
            ops = [_CMP_OPS[type(o)] for o in node.ops]
            if empty_elem and any(o in _ORDERING for o in ops):
                return "bytes-empty-element-ordering"
            vals = [_np_bytes_operand(o, arrays, evaluate) for o in operands]
            want = None
            for op, lv, rv in zip(ops, vals, vals[1:]):
                part = {"<": np.less, "<=": np.less_equal, ">": np.greater,
                        ">=": np.greater_equal, "==": np.equal,
                        "!=": np.not_equal}[op](lv, rv)
                want = part if want is None else (want & part)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "contains" and len(node.args) == 2):
            lv, rv = (_np_bytes_operand(o, arrays, evaluate) for o in node.args)
            want = np.strings.find(lv, rv) >= 0
        else:
            continue
        got = np.asarray(evaluate(ast.unparse(node), arrays))
        want = np.asarray(want)
        if got.shape != want.shape or not np.array_equal(got, want):
            return "bytes-cmp-differs-from-numpy"
    return None


def minmax_problem(expr, arrays, evaluate):
    """min/max reductions that numexpr computes wrongly.

    numexpr reduces int64 min/max through double (fmin/fmax), so values beyond
    2**53 in magnitude are rounded.  Every min/max is also compared with NumPy
    (np.min/np.max for integers, NaN-skipping np.fmin/np.fmax.reduce for floats)."""
    import numpy as np
    tree = ast.parse(expr.strip(), mode="eval")
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("min", "max") and node.args):
            continue
        inner = np.asarray(evaluate(ast.unparse(node.args[0]), arrays))
        axis = None
        if len(node.args) > 1:
            axis = ast.literal_eval(node.args[1])
        for kw in node.keywords:
            if kw.arg == "axis":
                axis = ast.literal_eval(kw.value)
        if inner.dtype.kind in "iu" and inner.size and (
                bool((inner > 2**53).any()) or bool((inner < -2**53).any())):
            return "int64-minmax-beyond-2**53"
        got = np.asarray(evaluate(ast.unparse(node), arrays))
        with np.errstate(all="ignore"):
            if inner.ndim == 0:
                want = inner
            elif inner.dtype.kind in "fc":
                uf = np.fmin if node.func.id == "min" else np.fmax
                want = uf.reduce(inner, axis=axis)
            else:
                want = (np.min if node.func.id == "min" else np.max)(inner, axis=axis)
        want = np.asarray(want)
        if got.shape != want.shape or not np.array_equal(
                got, want.astype(got.dtype), equal_nan=got.dtype.kind in "fc"):
            return "minmax-differs-from-numpy"
    return None


# numexpr folds a call on constant arguments with NumPy (np.f(*values)); the crate
# folds with the C library.  These are the functions whose value may differ.
LIBM_NAME = {"sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "asin",
             "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh",
             "tanh": "tanh", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
             "log": "log", "log1p": "log1p", "log10": "log10", "log2": "log2",
             "exp": "exp", "expm1": "expm1", "sqrt": "sqrt", "arctan2": "atan2",
             "hypot": "hypot", "fmod": "fmod", "abs": None}
_LIBM = {}


def _libm(name, nargs):
    import ctypes
    import ctypes.util
    if "lib" not in _LIBM:
        _LIBM["lib"] = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
    key = (name, nargs)
    if key not in _LIBM:
        fn = getattr(_LIBM["lib"], name)
        fn.restype = ctypes.c_double
        fn.argtypes = [ctypes.c_double] * nargs
        _LIBM[key] = fn
    return _LIBM[key]


def _libm_complex(name, z):
    """libm's double complex function name(z) (x86-64 SysV: a double complex is
    passed and returned like a struct of two doubles)."""
    import ctypes
    import platform
    if platform.machine() not in ("x86_64", "AMD64"):
        raise RuntimeError("libm complex calls need x86-64")

    class C(ctypes.Structure):
        _fields_ = [("re", ctypes.c_double), ("im", ctypes.c_double)]
    _libm("sin", 1)  # loads the library
    fn = getattr(_LIBM["lib"], name)
    fn.restype = C
    fn.argtypes = [C]
    r = fn(C(z.real, z.imag))
    return complex(r.re, r.im)


def _same_bits(x, y):
    """bit-for-bit equality of two NumPy scalars of one dtype (any NaN payload)."""
    import numpy as np
    if x.dtype != y.dtype:
        return False
    if x.dtype.kind == "c":
        return (_same_bits(np.asarray(x.real), np.asarray(y.real))
                and _same_bits(np.asarray(x.imag), np.asarray(y.imag)))
    if np.isnan(x) or np.isnan(y):
        return bool(np.isnan(x) and np.isnan(y) and np.signbit(x) == np.signbit(y))
    return x.tobytes() == y.tobytes()


def const_call_problem(fname, values):
    """None if NumPy's folding of fname(*values) equals the C library's (math/cmath,
    libm through ctypes) bit for bit, in the dtype NumPy returns; else a reason."""
    import cmath
    import numpy as np
    if fname not in LIBM_NAME:
        return None  # exact functions (floor, abs of reals, where, ...)
    npf = getattr(np, {"abs": "absolute"}.get(fname, fname))
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = np.asarray(npf(*values))
    except Exception:
        return None  # numexpr raises too: the case is dropped anyway
    if got.dtype.kind not in "fc" or got.ndim != 0:
        return None
    if fname == "abs" and not any(isinstance(v, (complex, np.complexfloating))
                                  for v in values):
        return None  # abs of a real value is exact
    try:
        if got.dtype.kind == "c" or any(isinstance(v, (complex, np.complexfloating))
                                        for v in values):
            if got.dtype.kind != "c" and fname == "abs":
                c = complex(values[0])
                refs = [_libm("hypot", 2)(c.real, c.imag), abs(c)]
            else:
                cname = {"arcsin": "asin", "arccos": "acos", "arctan": "atan",
                         "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh"} \
                    .get(fname, fname)
                if len(values) != 1 or not hasattr(cmath, cname):
                    return "const-call-no-reference"
                try:
                    refs = [getattr(cmath, cname)(complex(values[0]))]
                except (ValueError, OverflowError):
                    # cmath raises where C99 clog() etc. return inf/nan: libm decides
                    refs = [_libm_complex("c" + cname, complex(values[0]))]
        else:
            fl = [float(v) for v in values]
            refs = [_libm(LIBM_NAME[fname], len(fl))(*fl)]
            mname = LIBM_NAME[fname]
            try:
                refs.append(getattr(math, mname)(*fl))
            except (ValueError, OverflowError):
                pass  # math raises where libm returns nan/inf: libm decides
    except Exception:
        return "const-call-no-reference"
    for ref in refs:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = np.asarray(ref).astype(got.dtype)
        if not _same_bits(got, want):
            return "const-call-numpy-vs-libm"
    return None


def const_calls_problem(expr, types, s2e):
    """const_call_problem() for every call with all-constant arguments in expr."""
    tree = ast.parse(expr.strip(), mode="eval")
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in LIBM_NAME and node.args and not node.keywords):
            continue
        values = []
        for a in node.args:
            try:
                ex = s2e(ast.unparse(a), types)
            except Exception:
                values = None
                break
            if getattr(ex, "astType", None) != "constant":
                values = None
                break
            values.append(ex.value)
        if values is None:
            continue
        why = const_call_problem(node.func.id, values)
        if why:
            return why
    return None


# --------------------------------------------------------------------------------------
# worker: runs numexpr (the oracle); crashes only kill this process
# --------------------------------------------------------------------------------------

def worker_main():
    import numpy as np
    import numexpr as ne
    from numexpr import expressions as nexp, necompiler as nec

    ctx = {"optimization": "aggressive", "truediv": False}
    type_of_dtype = {"bool": bool, "int32": nexp.int_, "int64": nexp.long_,
                     "float32": float, "float64": nexp.double,
                     "complex128": complex, "bytes": bytes}

    def s2e(text, types):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return nec.stringToExpression(text, types, ctx)

    def evaluate(expr, arrays):
        return ne.evaluate(expr, local_dict=dict(arrays))

    def trunc_rem(a, b):
        r = abs(a) % abs(b)
        return -r if a < 0 else r

    def int_checks(expr, arrays, types):
        """Screen integer **, // and % for numexpr UB/garbage/crashes."""
        tree = ast.parse(expr.strip(), mode="eval")
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("sum", "prod", "min", "max") and node.args):
                try:
                    arg = s2e(ast.unparse(node.args[0]), types)
                except Exception:
                    continue
                if isinstance(arg, nexp.ConstantNode):
                    return "reduction-of-constant"  # uninitialised output (garbage)
                if any(a.size == 0 for a in arrays.values()):
                    return "reduction-of-empty"
        for node in ast.walk(tree):
            if not (isinstance(node, ast.BinOp)
                    and isinstance(node.op, (ast.Pow, ast.FloorDiv, ast.Mod))):
                continue
            lt, rt = ast.unparse(node.left), ast.unparse(node.right)
            try:
                ln, rn = s2e(lt, types), s2e(rt, types)
            except Exception:
                continue
            lc = isinstance(ln, nexp.ConstantNode)
            rc = isinstance(rn, nexp.ConstantNode)
            if lc and rc:
                continue  # folded by Python with big ints
            try:
                kind = nexp.commonKind([ln, rn])
            except Exception:
                continue
            if kind not in ("int", "long"):
                continue
            if isinstance(node.op, ast.Pow) and rc:
                x = rn.value
                if int(2 * x) == 2 * x and abs(x) <= 50:
                    continue  # aggressive mode expands it into wrapping multiplies
            lo, hi = INT_RANGE[kind]
            L = np.asarray(evaluate(lt, arrays))
            R = np.asarray(evaluate(rt, arrays))
            L, R = np.broadcast_arrays(L, R)
            for a, b in zip(L.ravel().tolist(), R.ravel().tolist()):
                a, b = int(a), int(b)
                if isinstance(node.op, ast.Pow):
                    if b < 0:
                        if a == 0:
                            return "int-pow-zero-negexp"
                        continue
                    if abs(a) <= 1:
                        continue
                    if b >= 64 or not (lo <= a ** b <= hi):
                        return "int-pow-overflow"
                elif isinstance(node.op, ast.FloorDiv):
                    if a == lo and b == -1:
                        return "int-min-floordiv"
                else:
                    if b == 0:
                        continue
                    if a == lo and b == -1:
                        return "int-min-mod"
                    if not (lo <= trunc_rem(a, b) + b <= hi):
                        return "int-mod-overflow"
        return None

    def reduction_check(expr, arrays, result):
        """float/complex sum/prod: skip if the value depends on summation order."""
        tree = ast.parse(expr.strip(), mode="eval").body
        if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)
                and tree.func.id in ("sum", "prod")):
            return None
        if result.dtype.kind not in "fc":
            return None
        inner = np.asarray(evaluate(ast.unparse(tree.args[0]), arrays))
        axis = None
        if len(tree.args) > 1:
            axis = ast.literal_eval(tree.args[1])
        for kw in tree.keywords:
            if kw.arg == "axis":
                axis = ast.literal_eval(kw.value)
        op = np.sum if tree.func.id == "sum" else np.prod
        with np.errstate(all="ignore"):
            refs = [op(inner, axis=axis, dtype=result.dtype)]
            if result.dtype.kind == "f":
                refs.append(op(inner.astype(np.longdouble), axis=axis)
                            .astype(np.float64))
            else:
                refs.append(op(inner.astype(np.clongdouble), axis=axis)
                            .astype(np.complex128))
            refs.append(op(np.ascontiguousarray(inner)[::-1] if inner.ndim == 1
                           else inner, axis=axis, dtype=result.dtype))
            if tree.func.id == "sum":
                refs.append(exact_sum(inner, axis, result.dtype))
        want = encode_array(result)
        for ref in refs:
            got = encode_array(np.asarray(ref).astype(result.dtype))
            if results_match(got, want) is not None:
                return "reduction-order-sensitive"
        return None

    def _fsum_lane(vals):
        vals = [float(v) for v in vals]
        if not all(math.isfinite(v) for v in vals):
            return sum(vals)  # inf/nan: the order does not matter
        try:
            return math.fsum(vals)
        except OverflowError:
            return sum(vals)

    def exact_sum(inner, axis, dtype):
        """correctly rounded sum (math.fsum) per output element."""
        x = inner if axis is None else np.moveaxis(inner, axis, -1)
        if axis is None:
            x = x.reshape(1, -1)
        lanes = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
        out_shape = () if axis is None else x.shape[:-1]
        if dtype.kind == "c":
            res = [complex(_fsum_lane(l.real), _fsum_lane(l.imag)) for l in lanes]
        else:
            res = [_fsum_lane(l) for l in lanes]
        return np.array(res, dtype=np.complex128 if dtype.kind == "c" else np.float64) \
            .reshape(out_shape)

    def handle(req):
        expr = req["expr"]
        specs = req["vars"]
        arrays = {n: build_array(s) for n, s in specs.items()}
        types = {n: type_of_dtype[s["dtype"]] for n, s in specs.items()}
        # 1. compile only
        for cache in (getattr(nec, "_numexpr_cache", None),
                      getattr(nec, "_names_cache", None)):
            if cache is not None and hasattr(cache, "c"):
                cache.c.clear()  # recompile: build-time warnings must show up
        with warnings.catch_warnings(record=True) as wcompile:
            warnings.simplefilter("always")
            try:
                err = ne.validate(expr, local_dict=dict(arrays))
            except Exception as e:  # validate should return, but be safe
                err = e
        if err is not None:
            return {"status": "error", "reason": "numexpr-" + type(err).__name__,
                    "msg": str(err)[:200]}
        # 2. integer UB / garbage screening (may itself crash the worker)
        try:
            why = None if req.get("nocheck") else int_checks(expr, arrays, types)
        except Exception as e:
            return {"status": "error", "reason": "check-" + type(e).__name__,
                    "msg": str(e)[:200]}
        if not why and not req.get("nocheck"):
            try:
                why = (bytes_cmp_problem(expr, arrays, types, s2e, evaluate)
                       or const_calls_problem(expr, types, s2e))
            except Exception as e:
                return {"status": "error", "reason": "check-" + type(e).__name__,
                        "msg": str(e)[:200]}
        if why:
            return {"status": "skip", "reason": why}
        # 3. evaluate twice (second time on fresh copies after dirtying the heap)
        with warnings.catch_warnings(record=True) as wlist:
            warnings.simplefilter("always")
            try:
                r1 = np.asarray(evaluate(expr, arrays))
            except Exception as e:
                return {"status": "error", "reason": "numexpr-" + type(e).__name__,
                        "msg": str(e)[:200]}
        warns = sorted({"%s: %s" % (w.category.__name__, str(w.message)[:80])
                        for w in list(wcompile) + list(wlist)})
        junk = [np.full(n, 0x7ff8dead, dtype=np.int64) for n in (7, 1000, 5000)]
        arrays2 = {n: build_array(s) for n, s in specs.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r2 = np.asarray(evaluate(expr, arrays2))
        del junk
        try:
            e1 = encode_array(r1)
            e2 = encode_array(r2)
        except ValueError as e:
            return {"status": "skip", "reason": "result-dtype", "msg": str(e)}
        if json.dumps(e1) != json.dumps(e2):
            return {"status": "skip", "reason": "nondeterministic"}
        if not req.get("nocheck"):
            try:
                why = minmax_problem(expr, arrays, evaluate)
            except Exception as e:
                return {"status": "error", "reason": "check-" + type(e).__name__,
                        "msg": str(e)[:200]}
            if why:
                return {"status": "skip", "reason": why}
        if req.get("redcheck"):
            why = reduction_check(expr, arrays, r1)
            if why:
                return {"status": "skip", "reason": why}
        return {"status": "ok", "expect": e1, "warnings": warns}

    if os.environ.get("GEN_CORPUS_THREADS"):
        ne.set_num_threads(int(os.environ["GEN_CORPUS_THREADS"]))
    out = sys.stdout
    for line in sys.stdin:
        req = json.loads(line)
        try:
            resp = handle(req)
        except Exception as e:  # never die on a Python exception
            resp = {"status": "error", "reason": "worker-" + type(e).__name__,
                    "msg": str(e)[:200]}
        out.write(json.dumps(resp) + "\n")
        out.flush()


class Oracle:
    """Talks to a numexpr worker subprocess; restarts it after a crash."""

    def __init__(self, threads=None, timeout=60.0):
        self.proc = None
        self.timeout = timeout
        self.env = dict(os.environ)
        if threads:
            self.env["GEN_CORPUS_THREADS"] = str(threads)
        self.crashes = 0

    def _start(self):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, bufsize=1, env=self.env)

    def _kill(self):
        if self.proc is not None:
            try:
                self.proc.kill()
                self.proc.wait(5)
            except Exception:
                pass
        self.proc = None

    def ask(self, req):
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        try:
            self.proc.stdin.write(json.dumps(req) + "\n")
            self.proc.stdin.flush()
            ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
            line = self.proc.stdout.readline() if ready else ""
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            rc = self.proc.poll()
            self._kill()
            self.crashes += 1
            return {"status": "crash", "reason": "crash(rc=%s)" % rc}
        return json.loads(line)

    def close(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(10)
            except Exception:
                self._kill()
        self.proc = None


# --------------------------------------------------------------------------------------
# data generation
# --------------------------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")
# specials seen in random.jsonl
F64_SPECIALS = [NAN, INF, -INF, 0.0, -0.0, 1e300, -1e300, 1e-300, -1e-300, 1.0, -1.0,
                2.0, 0.5, math.pi, 1e6, -7.25]
F32_SPECIALS = [NAN, INF, -INF, 0.0, -0.0, 1e6, -7.25, math.pi, -1.0, 0.5, 2.0, 1.0]
# additional ones (extended mode)
F64_EXTRA = [5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
             -1.7976931348623157e308, 2.5, -2.5, 1.5, -0.5, 0.5, 3.5, 1e16, -1e-16,
             4503599627370497.0, 710.0, -745.5, 1e-10, 100.0]
F32_EXTRA = [3.4028234663852886e38, -3.4028234663852886e38, 1.1754943508222875e-38,
             1.401298464324817e-45, 16777217.0, 2.5, -2.5, 1.5, -0.5, 88.8, -104.0,
             1e-10, 100.0]
I32_SPECIALS = [2**31 - 1, -(2**31 - 1)]
I64_SPECIALS = [2**63 - 1, -(2**63 - 1)]
I32_EXTRA = [-2**31, 2**31 - 1, -(2**31 - 1), 65536, 46341, -46341, 2**30, -1, 0,
             1, 31, 32, 33, -33]
I64_EXTRA = [-2**63, 2**63 - 1, -(2**63 - 1), 2**32, 3037000500, -3037000500, 2**31,
             -2**31, -1, 0, 63, 64, 65, -65]
C_SPECIAL_PARTS = [NAN, INF, -INF, 0.0, -0.0, 1e300, 1e-300]
BYTES_ALPHABET = "abc"
BYTES_POOL = ["", "a", "b", "ab", "ba", "abc", "bca", "aab", "cab", "abcab", "c", "zz",
              "a b", "AB", "Ab", "abc\x01", "\x01"]
BYTES_HIGH = ["\xe9", "a\xe9", "\xff", "\x80b", "\xe9t\xe9"]


class DataGen:
    def __init__(self, rng):
        self.rng = rng

    def floats(self, n, dt, extended=False, short=False):
        r = self.rng
        vals = [r.uniform(-1.5, 2.5) for _ in range(n)]
        if short:
            vals = [round(v, 3) for v in vals]
        if n and r.random() < 0.5:
            pool = F64_SPECIALS if dt == "float64" else F32_SPECIALS
            if extended:
                pool = pool + (F64_EXTRA if dt == "float64" else F32_EXTRA)
            k = min(n, r.choice([1, 2, 3, 3, 4, 4]) if n > 3 else 1)
            for pos in r.sample(range(n), k):
                vals[pos] = r.choice(pool)
        if dt == "float32":
            import numpy as np
            vals = [float(np.float32(v)) for v in vals]
        return [enc_float(v) for v in vals]

    def ints(self, n, dt, extended=False, lo=-20, hi=20):
        r = self.rng
        vals = [r.randint(lo, hi) for _ in range(n)]
        if n and r.random() < (0.5 if extended else 0.3):
            if extended:
                pool = I32_EXTRA if dt == "int32" else I64_EXTRA
            else:
                pool = I32_SPECIALS if dt == "int32" else I64_SPECIALS
            k = min(n, r.choice([1, 1, 2, 3]))
            for pos in r.sample(range(n), k):
                vals[pos] = r.choice(pool)
        return vals

    def bools(self, n):
        return [self.rng.random() < 0.5 for _ in range(n)]

    def complexes(self, n, extended=False):
        r = self.rng
        vals = [[r.uniform(-2, 2), r.uniform(-2, 2)] for _ in range(n)]
        if n and extended and r.random() < 0.3:
            pos = r.randrange(n)
            part = r.randrange(2)
            vals[pos][part] = r.choice(C_SPECIAL_PARTS)
            if r.random() < 0.3:
                vals[pos][1 - part] = 0.0
        return [[enc_float(a), enc_float(b)] for a, b in vals]

    def bytestrings(self, n, high=False):
        r = self.rng
        out = []
        for _ in range(n):
            if high and r.random() < 0.3:
                out.append(r.choice(BYTES_HIGH))
            elif r.random() < 0.5:
                out.append(r.choice(BYTES_POOL))
            else:
                out.append("".join(r.choice(BYTES_ALPHABET)
                                   for _ in range(r.randint(0, 5))))
        return out  # never contains NUL bytes

    def data(self, dt, n, extended=False, short=False, high=False):
        if dt in ("float64", "float32"):
            return self.floats(n, dt, extended, short)
        if dt in ("int32", "int64"):
            return self.ints(n, dt, extended)
        if dt == "bool":
            return self.bools(n)
        if dt == "complex128":
            return self.complexes(n, extended)
        return self.bytestrings(n, high)


def prod(shape):
    p = 1
    for s in shape:
        p *= s
    return p


def var_spec(dg, dtype, stored_shape, view=None, **kw):
    return {"dtype": dtype, "shape": list(stored_shape),
            "data": dg.data(dtype, prod(stored_shape), **kw), "view": view}


# (stored shape, view) -> logical shape
def logical_shape(shape, view):
    if view == "T":
        return tuple(reversed(shape))
    if view == "step2":
        return ((shape[0] + 1) // 2,) + tuple(shape[1:])
    return tuple(shape)


class ShapePicker:
    """Shape scenarios with the frequencies of random.jsonl (plus a few extras)."""

    TWO_D_PARTNERS = [((3, 4), None), ((4,), None), ((1, 4), None), ((3, 1), None),
                      ((), None), ((4, 3), "T")]
    SINGLES = [((1, 4), None), ((4,), None), ((1,), None), ((3, 1), None), ((), None),
               ((4, 3), "T")]
    EXTRA = [
        [((13,), None), ((1,), None)], [((13,), None), ((), None)],
        [((3, 1), None), ((1, 4), None)], [((2, 3, 4), None), ((4,), None)],
        [((2, 3, 4), None), ((3, 1), None)], [((6, 4), "step2"), ((4,), None)],
        [((26,), "step2"), ((13,), None)], [((4, 3), "T"), ((3, 4), None)],
        [((5,), None), ((1,), None)], [((3, 4), None), ((4, 1), "T")],
        [((2,), None), ((2,), None)],
    ]
    LONG = [1023, 1025, 4097, 4099, 2047, 2049]

    def __init__(self, rng):
        self.rng = rng

    def pick(self, nvars, allow_long=True):
        """returns a list of nvars (stored_shape, view) pairs."""
        r = self.rng
        u = r.random()
        if nvars == 0:
            return []
        if u < 0.52:
            return [((13,), None)] * nvars
        if u < 0.60:
            return [((26,), "step2")] * nvars
        if u < 0.76:
            first = r.choice([((3, 4), None)] * 4 + [((4, 3), "T")])
            return [first] + [r.choice(self.TWO_D_PARTNERS) for _ in range(nvars - 1)]
        if u < 0.79:
            return [((7,), None)] * nvars
        if u < 0.86 and allow_long:
            n = r.choice(self.LONG)
            return [((n,), None)] * nvars
        if u < 0.94 or nvars == 1:
            if nvars == 1:
                return [r.choice(self.SINGLES + [((13,), None)])]
            return [r.choice(self.SINGLES)] * nvars
        combo = list(r.choice(self.EXTRA))
        while len(combo) < nvars:
            combo.append(combo[0])
        r.shuffle(combo)
        return combo[:nvars]


# --------------------------------------------------------------------------------------
# expression trees and rendering
# --------------------------------------------------------------------------------------

class N:
    """Expression node.  op: 'leaf' | 'bin' | 'un' | 'call' | 'attr' | 'kw'."""
    __slots__ = ("op", "a", "kind", "const")

    def __init__(self, op, *a):
        self.op, self.a = op, a
        self.kind = None
        self.const = False


def leaf(text):
    return N("leaf", text)


PREC = {"|": 7, "^": 8, "&": 9, "<<": 10, ">>": 10, "+": 11, "-": 11, "*": 12, "/": 12,
        "//": 12, "%": 12, "**": 14}
CMP = ("<", "<=", ">", ">=", "==", "!=")


def render_full(n):
    """random.jsonl style: every binary op parenthesised, unary ops bare."""
    if n.op == "leaf":
        return n.a[0]
    if n.op == "bin":
        return "(%s %s %s)" % (render_full(n.a[1]), n.a[0], render_full(n.a[2]))
    if n.op == "un":
        return n.a[0] + render_full(n.a[1])
    if n.op == "call":
        return "%s(%s)" % (n.a[0], ", ".join(render_full(c) for c in n.a[1:]))
    if n.op == "attr":
        inner = render_full(n.a[0])
        if not _is_atom_text(n.a[0], inner):
            inner = "(%s)" % inner
        return "%s.%s" % (inner, n.a[1])
    if n.op == "kw":
        return "%s=%s" % (n.a[0], render_full(n.a[1]))
    raise ValueError(n.op)


def _is_atom_text(n, text):
    if n.op == "call" or n.op == "attr":
        return True
    if n.op == "bin":
        return True  # render_full already wraps every binary op in parentheses
    if n.op == "leaf":
        t = text
        if t.startswith("-") or t.startswith("+"):
            return False
        if t[0].isdigit() or t[0] == ".":
            # "3.real" is a syntax error; floats such as "2.5.real" are fine but odd
            return False
        return True
    return False


def _prec(n):
    if n.op == "leaf":
        t = n.a[0]
        return 13 if t[:1] in "-+~" else 15
    if n.op == "bin":
        return 6 if n.a[0] in CMP else PREC[n.a[0]]
    if n.op == "un":
        return 13
    return 15


def render_min(n, sp=" "):
    """minimal parentheses according to Python precedence."""
    if n.op == "leaf":
        return n.a[0]
    if n.op == "bin":
        op, l, r = n.a
        p = _prec(n)
        ls, rs = render_min(l, sp), render_min(r, sp)
        if op in CMP:
            lp, rp = _prec(l) <= 6, _prec(r) <= 6
        elif op == "**":
            lp = _prec(l) <= 14
            rp = _prec(r) < 13
        else:
            lp = _prec(l) < p
            rp = _prec(r) <= p
        if lp:
            ls = "(%s)" % ls
        if rp:
            rs = "(%s)" % rs
        return "%s%s%s%s%s" % (ls, sp, op, sp, rs)
    if n.op == "un":
        s = render_min(n.a[1], sp)
        if _prec(n.a[1]) < 13:
            s = "(%s)" % s
        return n.a[0] + s
    if n.op == "call":
        return "%s(%s)" % (n.a[0], ("," + sp.replace(" ", "") + " " if sp else ",")
                           .join(render_min(c, sp) for c in n.a[1:]))
    if n.op == "attr":
        s = render_min(n.a[0], sp)
        if _prec(n.a[0]) < 15 or (n.a[0].op == "leaf" and
                                  (s[0].isdigit() or s[0] == ".")):
            s = "(%s)" % s
        return "%s.%s" % (s, n.a[1])
    if n.op == "kw":
        return "%s=%s" % (n.a[0], render_min(n.a[1], sp))
    raise ValueError(n.op)


# --------------------------------------------------------------------------------------
# generator proper
# --------------------------------------------------------------------------------------

FUNCS1 = [  # (name, weight) ; all accept every numeric kind unless listed below
    ("tanh", 59), ("exp", 52), ("abs", 49), ("expm1", 49), ("sin", 48), ("cos", 47),
    ("cosh", 47), ("log10", 45), ("sqrt", 42), ("log", 40), ("arcsinh", 34),
    ("arctan", 33), ("ceil", 33), ("sinh", 33), ("arccosh", 32), ("sign", 30),
    ("arcsin", 29), ("tan", 29), ("round", 28), ("arccos", 27), ("log1p", 24),
    ("floor", 23), ("arctanh", 23), ("trunc", 21), ("imag", 20), ("conj", 14),
    ("real", 10), ("log2", 20), ("copy", 6), ("ones_like", 4),
]
NOCOMPLEX1 = {"ceil", "floor", "trunc", "signbit"}
FUNCS2 = [("arctan2", 61), ("hypot", 59), ("minimum", 50), ("copysign", 49),
          ("fmod", 48), ("nextafter", 48), ("maximum", 45)]
BOOLFUNCS = [("isnan", 28), ("isfinite", 20), ("isinf", 18), ("signbit", 12)]

CONSTS = [("3", 116), ("2.5", 77), ("1", 40), ("2", 72), ("0.1", 61), ("7", 61),
          ("0.5", 59), ("1.5", 56), ("1e-3", 52), ("0", 40), ("1.0", 51), ("10", 36),
          ("-1", 56), ("-3", 52), ("-2", 8), ("-1.0", 5), ("-2.5", 3), ("-0.5", 3),
          ("-0.1", 3)]
CONSTS_EXT = [("2147483647", 3), ("-2147483648", 3), ("2147483648", 3),
              ("4294967296", 2), ("9223372036854775807", 2), ("-9223372036854775807", 1),
              ("True", 4), ("False", 3), ("1j", 3), ("2.5j", 2), ("0j", 1),
              ("(1+2j)", 2), ("1e300", 2), ("1e-300", 1), ("0.0", 3), ("-0.0", 3),
              ("1e308", 1), ("5e-324", 1), ("0x10", 1), ("0o17", 1), ("0b101", 1),
              ("1_000", 1), (".5", 1), ("2.", 1), ("1E3", 1), ("2.e-5", 1),
              ("65536", 1), ("46341", 1), ("3.0", 2), ("100", 2), ("33", 1)]
POW_EXPS = ["0", "1", "2", "3", "4", "5", "7", "10", "13", "31", "50", "51", "60", "100",
            "0.5", "1.5", "2.5", "3.5", "49.5", "50.5", "-0.5", "-1", "-2", "-3", "-1.5",
            "-2.5", "-50", "-51", "0.0", "2.0", "-2.0", "3.0", "1e-3", "0.1", "-1.0",
            "True", "False", "(1+0j)", "2j", "(7 - 4)", "(2 ** 3)"]
SHIFT_COUNTS = ["0", "1", "2", "3", "7", "15", "31", "32", "33", "62", "63", "64", "65",
                "-1", "-2", "-33", "100"]


def wchoice(rng, pairs):
    total = sum(w for _, w in pairs)
    u = rng.random() * total
    for item, w in pairs:
        u -= w
        if u < 0:
            return item
    return pairs[-1][0]


class KindOracle:
    """numexpr's own build-time typing (stringToExpression) of a sub-expression."""

    def __init__(self):
        from numexpr import expressions as nexp, necompiler as nec
        self.nexp, self.nec = nexp, nec
        self.ctx = {"optimization": "aggressive", "truediv": False}
        self.tmap = {"bool": bool, "int32": nexp.int_, "int64": nexp.long_,
                     "float32": float, "float64": nexp.double, "complex128": complex,
                     "bytes": bytes}
        self.cache = {}
        self.const_call_rejects = 0  # calls regenerated because of const_calls_ok

    def kind(self, text, dtypes):
        """-> (kind, is_const) or None if numexpr rejects it at build time."""
        key = (text, tuple(sorted(dtypes.items())))
        if key in self.cache:
            return self.cache[key]
        types = {n: self.tmap[d] for n, d in dtypes.items()}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ex = self.nec.stringToExpression(text, types, self.ctx)
            res = (ex.astKind, isinstance(ex, self.nexp.ConstantNode))
        except Exception:
            res = None
        self.cache[key] = res
        return res

    def s2e(self, text, types):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.nec.stringToExpression(text, types, self.ctx)

    def const_calls_ok(self, text, dtypes):
        """False if text holds a call on constants that NumPy folds differently
        from the C library (see const_call_problem)."""
        key = ("const-calls", text, tuple(sorted(dtypes.items())))
        if key not in self.cache:
            types = {n: self.tmap[d] for n, d in dtypes.items()}
            try:
                self.cache[key] = const_calls_problem(text, types, self.s2e) is None
            except SyntaxError:
                self.cache[key] = True  # not parseable by Python: numexpr decides
        if not self.cache[key]:
            self.const_call_rejects += 1
        return self.cache[key]


class ExprGen:
    def __init__(self, rng, kinds, dtypes, const_ext=0.0):
        self.rng = rng
        self.ko = kinds
        self.dtypes = dtypes  # name -> dtype of the case variables
        self.numvars = [n for n, d in dtypes.items() if d not in ("bool", "bytes")]
        self.boolvars = [n for n, d in dtypes.items() if d == "bool"]
        self.const_ext = const_ext
        self.used = set()

    # -- typing ---------------------------------------------------------------------
    def typed(self, n):
        text = render_full(n)
        r = self.ko.kind(text, self.dtypes)
        if r is None:
            return None
        # a call on constants that NumPy folds differently from the C library:
        # generate something else (as if numexpr had rejected it)
        if (n.op == "call" and n.a[0] in LIBM_NAME and all(c.const for c in n.a[1:])
                and not self.ko.const_calls_ok(text, self.dtypes)):
            return None
        n.kind, n.const = r
        return n

    # -- leaves ---------------------------------------------------------------------
    def const_leaf(self):
        if self.const_ext and self.rng.random() < self.const_ext:
            return self.typed(leaf(wchoice(self.rng, CONSTS_EXT)))
        return self.typed(leaf(wchoice(self.rng, CONSTS)))

    def num_leaf(self):
        r = self.rng
        if self.numvars and r.random() < 0.78:
            unused = [n for n in self.numvars if n not in self.used]
            name = r.choice(unused) if unused and r.random() < 0.7 else \
                r.choice(self.numvars)
            self.used.add(name)
            return self.typed(leaf(name))
        if self.boolvars and r.random() < 0.04:
            return self.typed(leaf(r.choice(self.boolvars)))
        return self.const_leaf()

    def const_expr(self, d):
        """constant-only subexpression such as (7 + -3) or cos((0.5 // -1))."""
        r = self.rng
        if d <= 0 or r.random() < 0.45:
            return self.const_leaf()
        u = r.random()
        if u < 0.55:
            op = r.choice(["+", "-", "*", "/", "//", "%", "**", "+", "-", "*"])
            n = N("bin", op, self.const_expr(d - 1), self.const_expr(d - 1))
        elif u < 0.85:
            f = wchoice(r, FUNCS1 + BOOLFUNCS)
            n = N("call", f, self.const_expr(d - 1))
        else:
            f = wchoice(r, FUNCS2)
            n = N("call", f, self.const_expr(d - 1), self.const_expr(d - 1))
        t = self.typed(n)
        return t if t is not None else self.const_leaf()

    # -- numeric expressions ------------------------------------------------------------
    PRODS = [("arith", 30), ("fdm", 7), ("pow", 7), ("neg", 5), ("f1", 26), ("f2", 10),
             ("where", 21), ("bits", 3), ("shift", 2), ("inv", 1), ("constsub", 4),
             ("attr", 1.5), ("complex", 0.7)]

    def gen_num(self, d):
        r = self.rng
        if d <= 0 or r.random() < 0.22:
            return self.num_leaf()
        for _ in range(6):
            n = self._num_prod(d, wchoice(r, self.PRODS))
            if n is not None:
                return n
        return self.num_leaf()

    def _num_prod(self, d, p):
        r = self.rng
        if p == "arith":
            a, b = self.gen_num(d - 1), self.gen_num(d - 1)
            op = r.choice(["+", "-", "*", "/", "-", "+", "*", "/", "-"])
            if a.kind == "bool" and b.kind == "bool" and op == "-":
                op = r.choice(["+", "*"])
            return self.typed(N("bin", op, a, b))
        if p == "fdm":
            a, b = self.gen_num(d - 1), self.gen_num(d - 1)
            if "complex" in (a.kind, b.kind) or (a.kind == b.kind == "bool"):
                return None
            if b.const and _is_zero_text(render_full(b)) and a.const:
                return None
            return self.typed(N("bin", r.choice(["//", "%"]), a, b))
        if p == "pow":
            a = self.gen_num(d - 1)
            if r.random() < 0.6:
                e = self.typed(leaf(r.choice(["2", "3", "0", "1", "2.5", "0.5", "5", "4",
                                              "-2", "1.5", "-3", "10", "1.0", "-1",
                                              "-0.5"])))
            else:
                e = self.gen_num(d - 1)
            if a.kind == "bool" and (e.kind == "bool" or not e.const):
                return None
            return self.typed(N("bin", "**", a, e))
        if p == "neg":
            a = self.gen_num(d - 1)
            if a.kind == "bool":
                return None
            return self.typed(N("un", "-", a))
        if p == "f1":
            a = self.gen_num(d - 1)
            f = wchoice(r, FUNCS1)
            if a.kind == "complex" and f in NOCOMPLEX1:
                return None
            if a.kind == "bool" and f == "ones_like":
                return None
            return self.typed(N("call", f, a))
        if p == "f2":
            a, b = self.gen_num(d - 1), self.gen_num(d - 1)
            if "complex" in (a.kind, b.kind):
                return None
            return self.typed(N("call", wchoice(r, FUNCS2), a, b))
        if p == "where":
            c = self.gen_bool(d - 1)
            a, b = self.gen_num(d - 1), self.gen_num(d - 1)
            return self.typed(N("call", "where", c, a, b))
        if p == "bits":
            ints = [n for n in self.numvars if self.dtypes[n] in ("int32", "int64")]
            if not ints:
                return None
            a = self.gen_num(d - 1)
            if a.kind not in ("int", "long"):
                a = self.typed(leaf(r.choice(ints)))
            b = (self.typed(leaf(r.choice(["3", "12", "1", "-1", "255", "7"])))
                 if r.random() < 0.6 else self.typed(leaf(r.choice(ints))))
            return self.typed(N("bin", r.choice(["&", "|", "^", "&", "|"]), a, b))
        if p == "shift":
            ints = [n for n in self.numvars if self.dtypes[n] in ("int32", "int64")]
            if not ints:
                return None
            a = self.gen_num(d - 1)
            if a.kind not in ("int", "long"):
                a = self.typed(leaf(r.choice(ints)))
            b = (self.typed(leaf(r.choice(["1", "2", "3", "7"] + SHIFT_COUNTS)))
                 if r.random() < 0.75 else self.typed(leaf(r.choice(ints))))
            return self.typed(N("bin", r.choice(["<<", ">>"]), a, b))
        if p == "inv":
            a = self.gen_num(d - 1)
            if a.kind not in ("int", "long"):
                return None
            return self.typed(N("un", "~", a))
        if p == "constsub":
            return self.const_expr(r.randint(1, 2))
        if p == "attr":
            a = self.gen_num(d - 1)
            return self.typed(N("attr", a, r.choice(["real", "imag"])))
        if p == "complex":
            a, b = self.gen_num(d - 1), self.gen_num(d - 1)
            if not all(k in ("float", "double", "bool") for k in (a.kind, b.kind)):
                return None
            return self.typed(N("call", "complex", a, b))
        raise ValueError(p)

    # -- boolean expressions -----------------------------------------------------------
    def gen_bool(self, d):
        r = self.rng
        if d <= 0 or r.random() < 0.15:
            if self.boolvars and r.random() < 0.6:
                unused = [n for n in self.boolvars if n not in self.used]
                name = r.choice(unused or self.boolvars)
                self.used.add(name)
                return self.typed(leaf(name))
            return self._cmp(0)
        u = r.random()
        if u < 0.6:
            return self._cmp(d)
        if u < 0.75:
            a = self.gen_num(d - 1)
            f = wchoice(r, BOOLFUNCS)
            if a.kind == "complex" and f == "signbit":
                f = "isnan"
            return self.typed(N("call", f, a)) or self._cmp(0)
        if u < 0.85:
            return self.typed(N("un", "~", self.gen_bool(d - 1))) or self._cmp(0)
        if u < 0.95:
            return (self.typed(N("bin", r.choice(["&", "|", "|", "&", "^"]),
                                 self.gen_bool(d - 1), self.gen_bool(d - 1)))
                    or self._cmp(0))
        a = self.gen_bool(d - 1)
        b = self.gen_bool(d - 1)
        return self.typed(N("bin", r.choice(["==", "!="]), a, b)) or self._cmp(0)

    def _cmp(self, d):
        r = self.rng
        for _ in range(6):
            a, b = self.gen_num(d - 1), self.gen_num(d - 1)
            op = r.choice(CMP)
            if "complex" in (a.kind, b.kind) and op not in ("==", "!="):
                op = r.choice(["==", "!="])
            n = self.typed(N("bin", op, a, b))
            if n is not None:
                return n
        return self.typed(N("bin", "==", self.num_leaf(), self.num_leaf()))

    def top(self, d):
        if self.rng.random() < 0.10:
            n = self.gen_bool(d)
        else:
            n = self.gen_num(d)
            if n.op == "leaf":
                n = self._num_prod(max(d, 1), "arith") or n
        return n


def _is_zero_text(t):
    try:
        return float(eval(t, {"__builtins__": {}}, {}).real) == 0  # noqa: S307
    except Exception:
        return False


# --------------------------------------------------------------------------------------
# case builders
# --------------------------------------------------------------------------------------

class CaseFactory:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.dg = DataGen(self.rng)
        self.sp = ShapePicker(self.rng)
        self.ko = KindOracle()

    # ---- variables -------------------------------------------------------------------
    def make_vars(self, names, shapes=None, allow_long=True, extended=None,
                  high=False):
        r = self.rng
        if shapes is None:
            shapes = self.sp.pick(len(names), allow_long)
        if extended is None:
            extended = r.random() < 0.3
        out = {}
        for name, (shape, view) in zip(names, shapes):
            dt = DTYPE_OF_NAME[name]
            n = prod(shape)
            out[name] = var_spec(self.dg, dt, shape, view, extended=extended,
                                 short=n > 500, high=high)
        return out

    def pick_names(self, nvars):
        """names with the per-dtype frequencies of random.jsonl."""
        r = self.rng
        dt_w = [("float64", 389), ("float32", 305), ("int64", 301), ("int32", 245),
                ("complex128", 226), ("bool", 128)]
        names = []
        while len(names) < nvars:
            dt = wchoice(r, dt_w)
            cand = [n for n in NAMES[dt] if n not in names]
            if not cand:
                continue
            names.append(cand[0] if r.random() < 0.65 else cand[-1])
        return names

    # ---- random kind: type-aware trees -------------------------------------------
    def random_tree_case(self, allow_long=True):
        r = self.rng
        nv = wchoice(r, [(1, 723), (2, 353), (0, 69), (3, 55)])
        names = self.pick_names(nv)
        # a where() needs a bool: give bool-only cases a numeric partner
        if names and all(DTYPE_OF_NAME[n] == "bool" for n in names) and r.random() < 0.5:
            names.append(self.pick_names(1)[0])
            if DTYPE_OF_NAME[names[-1]] == "bool":
                names[-1] = "a"
        depth = wchoice(r, [(1, 34), (2, 28), (3, 20), (4, 12), (5, 5), (6, 1)])
        if len(names) >= 3:
            depth = max(depth, 2)
        dtypes = {n: DTYPE_OF_NAME[n] for n in names}
        best = None
        for _ in range(8):
            eg = ExprGen(r, self.ko, dtypes,
                         const_ext=0.08 if r.random() < 0.3 else 0.0)
            node = eg.top(depth)
            if node is None:
                continue
            style = r.random()
            if style < 0.85:
                expr = render_full(node)
            elif style < 0.95:
                expr = render_min(node, " ")
            else:
                expr = render_min(node, "")
            used = [n for n in names if _uses(expr, n)]
            if best is None or len(used) > len(best[1]):
                best = (expr, used)
            if len(used) == len(names):
                break
        if best is None:
            return None
        expr, used = best
        vars_ = self.make_vars(used, allow_long=allow_long) if used else {}
        return expr, vars_

    # ---- random kind: targeted templates for under-covered features ---------------
    def targeted_case(self):
        r = self.rng
        t = wchoice(r, [
            ("pow_const", 14), ("pow_var", 5), ("realimag", 5), ("shift", 7), ("bitwise", 6),
            ("divmod", 10), ("cmp_mixed", 8), ("bool_arith", 6), ("ones_copy", 4),
            ("bytes", 8), ("int_extreme", 8), ("f32_promo", 10), ("complex_fn", 6),
            ("misc_fn", 6), ("prec", 5), ("broadcast", 5),
        ])
        return getattr(self, "t_" + t)()

    def _one(self, dts=None):
        dt = r_choice(self.rng, dts or ["float64", "float32", "int32", "int64",
                                        "complex128", "bool"])
        return r_choice(self.rng, NAMES[dt])

    def _mk(self, expr, names, shapes=None, extended=None, high=False):
        names = [n for n in dict.fromkeys(names) if _uses(expr, n)]
        return expr, self.make_vars(names, shapes=shapes, extended=extended, high=high)

    def t_pow_const(self):
        r = self.rng
        v = self._one()
        e = r.choice(POW_EXPS)
        form = r.random()
        if form < 0.6:
            expr = "%s ** %s" % (v, e)
        elif form < 0.8:
            expr = "(%s ** %s)" % (v, e) if r.random() < 0.5 else "-%s ** %s" % (v, e)
        else:
            w = self._one()
            expr = "(%s + %s) ** %s" % (v, w, e)
            return self._mk(expr, [v, w], extended=r.random() < 0.5)
        return self._mk(expr, [v], extended=r.random() < 0.5)

    def t_pow_var(self):
        r = self.rng
        v = self._one()
        w = self._one(["int32", "int64", "float64", "float32", "complex128", "bool"])
        ints = DTYPE_OF_NAME[v] in ("int32", "int64", "bool") and \
            DTYPE_OF_NAME[w] in ("int32", "int64", "bool")
        if ints and r.random() < 0.8:
            e = r.choice(["(%s & 7)", "(%s %% 5)", "(%s >> 2)", "-(%s & 3)", "(%s & 15)",
                          "(%s %% 3)"]) % w
            if DTYPE_OF_NAME[w] == "bool":
                e = w
        else:
            e = w
        form = r.choice(["%s ** %s", "%s ** %s", "(%s ** %s) + 1", "2 ** %s",
                         "%s ** %s ** 2", "-1 ** %s"])
        if form in ("2 ** %s", "-1 ** %s"):
            expr = form % e
        else:
            expr = form % (v, e)
        return self._mk(expr, [v, w])

    def t_realimag(self):
        r = self.rng
        v = self._one()
        w = self._one()
        forms = ["%s.real", "%s.imag", "(%s * %s).real", "(%s + %s).imag",
                 "%s.imag + %s", "%s.real * %s.imag", "real(%s) - %s.real",
                 "imag(%s) == %s.imag", "(%s - 2.5j).imag", "(-%s).real",
                 "%s.real.imag", "conj(%s).imag", "abs(%s).real", "complex(%s, %s)",
                 "complex(%s.real, %s.imag)", "(%s ** 2).imag"]
        f = r.choice(forms)
        k = f.count("%s")
        args = (v, w)[:k] if k <= 2 else (v,) * k
        if f == "complex(%s, %s)":
            v = self._one(["float64", "float32", "bool"])
            w = self._one(["float64", "float32", "bool"])
            args = (v, w)
        return self._mk(f % args, [v, w])

    def t_shift(self):
        r = self.rng
        v = self._one(["int32", "int64"])
        w = self._one(["int32", "int64", "bool"])
        c = r.choice(SHIFT_COUNTS)
        f = r.choice(["%s << %s" % (v, c), "%s >> %s" % (v, c), "%s << %s" % (v, w),
                      "%s >> %s" % (v, w), "(%s << %s) >> %s" % (v, c, c),
                      "1 << %s" % v, "%s >> (%s & 31)" % (v, w), "-%s >> 1" % v,
                      "(%s << %s) + %s" % (v, c, w), "%s << %s" % (v, "True"),
                      "2147483648 >> %s" % (v,), "%s << (%s %% 70)" % (v, w)])
        return self._mk(f, [v, w], extended=r.random() < 0.6)

    def t_bitwise(self):
        r = self.rng
        v = self._one(["int32", "int64", "bool"])
        w = self._one(["int32", "int64", "bool"])
        c = r.choice(["3", "12", "-1", "0", "255", "2147483647", "2147483648",
                      "4294967295", "True", "-2147483648", "1"])
        f = r.choice(["%s & %s" % (v, w), "%s | %s" % (v, w), "%s ^ %s" % (v, w),
                      "~%s" % v, "~(%s & %s)" % (v, w), "%s & %s" % (v, c),
                      "%s | %s" % (v, c), "%s ^ %s" % (v, c), "~%s ^ %s" % (v, w),
                      "(%s & %s) | (%s ^ %s)" % (v, c, w, c), "~~%s" % v,
                      "%s & (%s > 0)" % (v, w)])
        return self._mk(f, [v, w], extended=r.random() < 0.6)

    def t_divmod(self):
        r = self.rng
        v = self._one(["int32", "int64", "float64", "float32", "bool"])
        w = self._one(["int32", "int64", "float64", "float32"])
        c = r.choice(["0", "-1", "-3", "3", "0.0", "-0.0", "2.5", "-2.5", "7", "-7",
                      "0.5", "1e-300", "True", "2147483648", "-2147483648"])
        op = r.choice(["//", "%"])
        f = r.choice(["%s %s %s" % (v, op, w), "%s %s %s" % (v, op, c),
                      "%s %s %s" % (w, op, v), "%s %s %s" % (c, "%", v),
                      "-%s %s %s" % (w, op, w), "(%s %s %s) * %s" % (v, op, w, w),
                      "%s %s (%s - %s)" % (v, op, w, w), "%s %s -%s" % (v, op, w)])
        return self._mk(f, [v, w], extended=r.random() < 0.6)

    def t_cmp_mixed(self):
        r = self.rng
        v = self._one()
        w = self._one()
        c = r.choice(["0.1", "2.5", "2", "1", "0", "-1", "True", "2147483648", "1e300",
                      "0.5", "1j", "2147483647", "-0.0", "1e-3"])
        op = r.choice(CMP)
        if "complex128" in (DTYPE_OF_NAME[v], DTYPE_OF_NAME[w]) or c.endswith("j"):
            op = r.choice(["==", "!="])
        f = r.choice(["%s %s %s" % (v, op, w), "%s %s %s" % (v, op, c),
                      "%s %s %s" % (c, op, v), "(%s %s %s) == %s" % (v, op, w, "x"),
                      "(%s + 0) %s %s" % (v, op, w)])
        return self._mk(f, [v, w, "x"], extended=r.random() < 0.5)

    def t_bool_arith(self):
        r = self.rng
        w = self._one(["int32", "int64", "float64", "float32", "complex128"])
        f = r.choice(["x + y", "x * y", "x + x", "x * y + x", "x + 1", "x * 2.5",
                      "x / y", "x + %s" % w, "x * %s" % w, "(x + y) * y", "x - %s" % w,
                      "x ** 2", "x ** 3", "x ** -1", "x + True", "x * False",
                      "x ** 2 + y", "(x + y) == (x | y)", "x / 2", "x // %s" % w,
                      "x % 2", "-%s * x" % w, "x + y + 1", "True + x * y"])
        return self._mk(f, ["x", "y", w])

    def t_ones_copy(self):
        r = self.rng
        v = self._one()
        w = self._one()
        f = r.choice(["ones_like(%s)" % v, "copy(%s)" % v, "ones_like(%s) * %s" % (v, w),
                      "copy(%s) + %s" % (v, w), "copy(%s > 0)" % w,
                      "ones_like(%s + %s)" % (v, w), "copy(-%s)" % w,
                      "where(x, ones_like(%s), %s)" % (v, w), "%s ** 0" % v,
                      "%s ** 0.0" % v, "%s ** False" % v])
        return self._mk(f, [v, w, "x"])

    def t_bytes(self):
        r = self.rng
        lit = r.choice(["b'a'", "b'ab'", "b''", "b'abc'", "'b'", "b'zz'", "b'ca'",
                        "b'abcab'", "b'\\x01'", "b'ab '"])
        hi = r.random() < 0.35
        if hi:
            lit2 = r.choice(["b'\\xe9'", "b'a\\xe9'", "b'\\xff'", "b'\\x80b'"])
            f = r.choice(["s == %s" % lit2, "s != %s" % lit2, "contains(s, %s)" % lit2,
                          "contains(s, t)", "s == t", "s != t",
                          "contains(%s, s)" % lit2])
        else:
            f = r.choice(["s == t", "s != t", "s < t", "s <= t", "s > t", "s >= t",
                          "s == %s" % lit, "s < %s" % lit, "%s >= s" % lit,
                          "contains(s, %s)" % lit, "contains(s, t)",
                          "contains(%s, s)" % lit, "copy(s)", "~contains(s, t)",
                          "contains(s, %s) & (s != t)" % lit,
                          "where(contains(s, %s), a, -a)" % lit, "(s > t) | x",
                          "contains(t, s) == (s == t)", "s != s"])
        r2 = self.rng.random()
        shapes = None
        if r2 < 0.5:
            shapes = [((6,), None)] * 4
        elif r2 < 0.7:
            shapes = [((2, 3), None), ((3,), None), ((2, 3), None), ((2, 3), None)]
        elif r2 < 0.85:
            shapes = [((3, 2), "T"), ((1, 3), None), ((2, 3), None), ((2, 3), None)]
        else:
            shapes = [((12,), "step2"), ((6,), None), ((6,), None), ((6,), None)]
        names = [n for n in ["s", "t", "a", "x"] if _uses(f, n)]
        idx = {"s": 0, "t": 1, "a": 2, "x": 3}
        return f, self.make_vars(names, shapes=[shapes[idx[n]] for n in names],
                                 high=hi)

    def t_int_extreme(self):
        r = self.rng
        v = self._one(["int32", "int64"])
        w = self._one(["int32", "int64"])
        f = r.choice(["-%s" % v, "abs(%s)" % v, "%s + 1" % v, "%s - 1" % v,
                      "%s * 2" % v, "%s * %s" % (v, w), "%s + %s" % (v, w),
                      "%s - %s" % (v, w), "%s // %s" % (v, w), "%s %% %s" % (v, w),
                      "%s // 2" % v, "%s %% 3" % v, "%s // -2" % v,
                      "%s + 2147483647" % v, "%s * 65536" % v, "%s / %s" % (v, w),
                      "sign(%s)" % v, "round(%s)" % v, "%s ** 2" % v, "%s ** 3" % v,
                      "%s * %s * %s" % (v, v, v), "maximum(%s, %s)" % (v, w),
                      "where(%s > %s, %s, %s)" % (v, w, v, w), "%s == %s" % (v, w),
                      "%s < %s" % (v, w), "%s + 0.5" % v, "%s.real" % v,
                      "%s << 1" % v, "%s >> 31" % v, "~%s" % v, "-%s - 1" % v,
                      "%s + 2**31" % v, "%s * 2**40" % v, "float32_pos(%s)" % v])
        f = f.replace("float32_pos(%s)" % v, "%s + g" % v)
        return self._mk(f, [v, w, "g"], extended=True)

    def t_f32_promo(self):
        r = self.rng
        v = self._one(["float32"])
        w = self._one(["int32", "int64", "float64", "float32", "bool", "complex128"])
        c = r.choice(["2.0", "2", "0.1", "3", "1e-3", "True", "2.5", "1", "1e300",
                      "2147483648", "16777217", "1.0", "0.5", "np"])
        if c == "np":
            c = r.choice(["sin(True)", "sqrt(True)", "abs(-3)", "exp(0j)", "real(3)",
                          "sign(10)", "round(2.5)", "maximum(2, 3)", "imag(2.5)"])
        op = r.choice(["+", "-", "*", "/", "**", "//", "%"])
        f = r.choice(["%s %s %s" % (v, op, c), "%s %s %s" % (c, op if op != "//" else "*",
                                                              v),
                      "%s %s %s" % (v, op, w), "%s %s %s" % (w, op, v),
                      "where(x, %s, %s)" % (v, c), "where(x, %s, %s)" % (c, v),
                      "where(x, %s, %s)" % (v, w), "%s > %s" % (v, c),
                      "%s == %s" % (v, c), "sqrt(%s) * %s" % (v, c),
                      "%s / %s" % (v, c), "maximum(%s, %s)" % (v, c),
                      "arctan2(%s, %s)" % (v, c), "fmod(%s, %s)" % (v, c),
                      "(%s + %s) * %s" % (v, v, c), "-%s + %s" % (v, w),
                      "%s %s %s %s %s" % (v, op, w, r.choice(["+", "*"]), c)])
        return self._mk(f, [v, w, "x"], extended=r.random() < 0.4)

    def t_complex_fn(self):
        r = self.rng
        v = self._one(["complex128"])
        w = self._one(["complex128", "float64", "float32", "int32", "int64", "bool"])
        fn = wchoice(r, FUNCS1 + [("isnan", 10), ("isinf", 10), ("isfinite", 10)])
        if fn in NOCOMPLEX1:
            fn = "sqrt"
        f = r.choice(["%s(%s)" % (fn, v), "%s(%s * %s)" % (fn, v, w),
                      "%s ** %s" % (v, r.choice(["2", "3", "0.5", "2.5", "100", "99",
                                                 "-1", "-2", "1j", "51", "0.1"])),
                      "%s ** %s" % (v, w), "%s / %s" % (v, w), "%s / %s" % (w, v),
                      "abs(%s)" % v, "abs(%s) + %s" % (v, w), "sign(%s)" % v,
                      "round(%s)" % v, "%s(%s) + %s" % (fn, v, w), "conj(%s)" % w,
                      "%s == %s" % (v, w), "where(%s != %s, %s, %s)" % (v, w, v, w)])
        return self._mk(f, [v, w], extended=r.random() < 0.5)

    def t_misc_fn(self):
        r = self.rng
        v = self._one(["float64", "float32", "int32", "int64", "bool"])
        w = self._one(["float64", "float32", "int32", "int64", "bool"])
        fn1 = r.choice(["log2", "signbit", "round", "trunc", "sign", "abs", "ceil",
                        "floor", "sqrt", "arccosh", "arctanh", "log1p", "expm1", "conj",
                        "isinf", "isfinite", "isnan", "real", "imag", "copy"])
        fn2 = wchoice(r, FUNCS2)
        f = r.choice(["%s(%s)" % (fn1, v), "%s(%s, %s)" % (fn2, v, w),
                      "%s(%s, %s)" % (fn2, v, r.choice(["0", "-0.0", "2.5", "1", "1e300",
                                                        "0.1"])),
                      "%s(%s + %s)" % (fn1, v, w), "%s(%s(%s), %s)" % (fn2, fn1, v, w)])
        return self._mk(f, [v, w], extended=r.random() < 0.6)

    def t_prec(self):
        r = self.rng
        a, b = self._one(["float64", "float32"]), self._one(["float64", "int32", "int64"])
        i = self._one(["int32", "int64"])
        f = r.choice(["%s + %s * 2 - %s / 3" % (a, b, a), "-%s ** 2" % a,
                      "2 ** 3 ** 2 * %s" % a, "%s ** -1 ** 2" % a, "-%s ** -2" % a,
                      "%s - -%s" % (a, b), "%s - %s - %s" % (a, b, a),
                      "%s / %s / 2" % (a, b), "%s // %s * 3" % (a, b),
                      "%s %% %s %% 5" % (a, b), "%s > 1 == (%s < 2)" % (a, b),
                      "(%s > 1) & (%s < 2) | (%s == 0)" % (a, b, a),
                      "%s << 1 + 1" % i, "%s & 3 | 4 ^ 1" % i, "~%s + 1" % i,
                      "%s+%s*%s" % (a, b, a), "( %s )*( %s )" % (a, b),
                      "  %s\t+ %s" % (a, b), "+%s" % a, "--%s" % a,
                      "%s ** 0.5 ** 2" % a, "(-%s) ** 2" % a, "%s * -1" % a,
                      "1 - %s ** 2 / 2 + %s ** 4 / 24" % (a, a)])
        f = f.strip()  # leading whitespace is a numexpr error ("beyond" in README)
        return self._mk(f, [a, b, i])

    def t_broadcast(self):
        r = self.rng
        v, w = self._one(), self._one()
        combos = [[((3, 1), None), ((1, 4), None)], [((2, 3, 4), None), ((3, 4), None)],
                  [((2, 1, 4), None), ((3, 1), None)], [((1,), None), ((5,), None)],
                  [((), None), ((2, 3), None)], [((4, 3), "T"), ((4, 1), "T")],
                  [((6, 4), "step2"), ((3, 1), None)], [((1, 1), None), ((2, 2), None)],
                  [((4, 2, 3), "T"), ((4,), None)], [((5, 3), "step2"), ((3,), None)],
                  [((1025,), None), ((1,), None)], [((3, 1024), None), ((1024,), None)],
                  [((2, 2049), None), ((2, 1), None)]]
        shapes = r.choice(combos)
        if prod(shapes[0][0]) > 1000:
            v = self._one(["int32", "bool", "float64"])
            w = self._one(["int32", "bool", "int64"])
            if v == w:
                w = NAMES[DTYPE_OF_NAME[w]][1] if w == NAMES[DTYPE_OF_NAME[w]][0] \
                    else NAMES[DTYPE_OF_NAME[w]][0]
        if v == w:
            dt = DTYPE_OF_NAME[v]
            w = NAMES[dt][1] if v == NAMES[dt][0] else NAMES[dt][0]
        eg = ExprGen(r, self.ko, {v: DTYPE_OF_NAME[v], w: DTYPE_OF_NAME[w]})
        node = None
        for _ in range(10):
            node = eg.gen_num(r.randint(1, 2))
            if node is not None and _uses(render_full(node), v) and \
                    _uses(render_full(node), w):
                break
            node = None
        if node is None:
            op = "+" if "bool" in (DTYPE_OF_NAME[v], DTYPE_OF_NAME[w]) else "-"
            expr = "%s %s %s" % (v, op, w)
        else:
            expr = render_full(node)
        return expr, self.make_vars([v, w], shapes=shapes)

    # ---- reductions ------------------------------------------------------------------
    RED_SHAPES = [((3, 4), None), ((4, 3), "T"), ((13,), None), ((26,), "step2"),
                  ((1, 4), None), ((3, 1), None), ((2, 3, 4), None), ((5,), None),
                  ((70, 3), None), ((3, 70), None), ((1,), None), ((2, 2), None),
                  ((4, 2, 3), "T"), ((6, 4), "step2"), ((1025,), None), ((1, 1), None),
                  ((), None)]

    def reduction_case(self):
        r = self.rng
        fn = wchoice(r, [("sum", 4), ("prod", 3), ("min", 3), ("max", 3)])
        dt = wchoice(r, [("float64", 4), ("float32", 3), ("int64", 3), ("int32", 1.5),
                         ("complex128", 1.5)])
        if fn in ("min", "max") and dt in ("int32", "complex128"):
            dt = r.choice(["float64", "float32", "int64"])
        shape, view = r.choice(self.RED_SHAPES)
        lshape = logical_shape(shape, view)
        if dt == "float32" and prod(shape) >= 200:
            shape, view = r.choice(self.RED_SHAPES[:7])
            lshape = logical_shape(shape, view)
        v = NAMES[dt][0]
        names = [v]
        shapes = [(shape, view)]
        # argument: variable or a small elementwise expression
        u = r.random()
        if u < 0.45:
            arg = v
        else:
            w_dt = r.choice(["float64", "float32", "int32", "int64", "bool", dt])
            w = NAMES[w_dt][1] if w_dt == dt else NAMES[w_dt][0]
            names.append(w)
            # partner shape broadcastable to the variable's logical shape
            if lshape and r.random() < 0.4:
                pshape = (lshape[-1],)
            elif len(lshape) >= 2 and r.random() < 0.3:
                pshape = (lshape[0],) + (1,) * (len(lshape) - 1)
            elif r.random() < 0.15:
                pshape = ()
            else:
                pshape = lshape
            shapes.append((pshape, None))
            forms = ["%s * %s", "%s + %s", "%s - %s", "%s * 2 + %s", "where(%s > 1, %s, 0)",
                     "abs(%s) + %s", "%s / (1 + abs(%s))", "%s ** 2 - %s",
                     "where(%s > %s, 1, 0)", "-%s + %s"]
            arg = r.choice(forms) % (v, w)
            if r.random() < 0.2:
                arg = r.choice(["where(%s > 0, 1, 0)", "%s * 1.5", "%s ** 2",
                                "sqrt(abs(%s))", "%s + 1", "-%s", "exp(%s / 10)",
                                "%s.real", "%s * 0.1"]) % v
                names = [v]
                shapes = shapes[:1]
        nd = len(lshape)
        forms = ["%s(%s)" % (fn, arg), "%s(%s, axis=None)" % (fn, arg)]
        if nd >= 1:
            forms += ["%s(%s, 0)" % (fn, arg), "%s(%s, axis=0)" % (fn, arg)] * 2
        if nd >= 2:
            forms += ["%s(%s, 1)" % (fn, arg), "%s(%s, axis=1)" % (fn, arg)] * 2
        if nd >= 3:
            forms += ["%s(%s, 2)" % (fn, arg), "%s(%s, axis=2)" % (fn, arg)]
        expr = r.choice(forms)
        if r.random() < 0.1:
            expr = expr.replace(", ", ",").replace("axis=", "axis = ")
        return self._mk_red(expr, names, shapes)

    def _mk_red(self, expr, names, shapes):
        out_names, out_shapes = [], []
        for n, s in zip(names, shapes):
            if _uses(expr, n) and n not in out_names:
                out_names.append(n)
                out_shapes.append(s)
        return expr, self.make_vars(out_names, shapes=out_shapes,
                                    extended=self.rng.random() < 0.3)

    # ---- constants -------------------------------------------------------------------
    CK_INT = ["0", "1", "2", "3", "7", "10", "-1", "-3", "12", "2147483647", "-2147483647",
              "-2147483648", "2147483648", "-2147483649", "4294967296",
              "9223372036854775807", "-9223372036854775807", "-9223372036854775808",
              "0x10", "0x7fffffff", "0x80000000", "0o17", "0b101", "1_000_000", "65536",
              "46341", "2**31", "2**40", "2**62", "-2**63", "(2**31 - 1)", "(7 + -3)",
              "255", "100"]
    CK_FLOAT = ["0.5", "2.5", "0.1", "1e-3", "1.5", "1.0", "-0.0", "0.0", "-2.5", "1e300",
                "1e-300", "1e308", "5e-324", ".5", "2.", "1E3", "2.e-5", "3.0", "1e16",
                "-1.5", "100.0", "0.3", "1e-10", "710.0", "(0.5 // -1)", "(1 / 3)",
                "(2 ** -1)", "(-7.5 % 2)"]
    CK_CPLX = ["1j", "2.5j", "0j", "1.j", "(1+2j)", "(3-4j)", "(-1+0j)", "1e3j",
               "(0.5-0.5j)", "(2+0j)", "-1j"]
    CK_BOOL = ["True", "False"]

    def ck_leaf(self):
        r = self.rng
        pool = wchoice(r, [(self.CK_INT, 4), (self.CK_FLOAT, 4), (self.CK_CPLX, 1.5),
                           (self.CK_BOOL, 1.5)])
        return r.choice(pool)

    CK_F1 = ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
             "arcsinh", "arccosh", "arctanh", "log", "log1p", "log10", "log2", "exp",
             "expm1", "sqrt", "abs", "ceil", "floor", "round", "trunc", "sign", "real",
             "imag", "conj", "isnan", "isinf", "isfinite", "signbit"]
    CK_F2 = ["arctan2", "fmod", "hypot", "nextafter", "copysign", "maximum", "minimum",
             "complex"]

    def ck_expr(self, d):
        r = self.rng
        if d <= 0 or r.random() < 0.3:
            return self.ck_leaf()
        u = r.random()
        if u < 0.4:
            op = r.choice(["+", "-", "*", "/", "//", "%", "**", "+", "*", "-", "&", "|",
                           "^", "<<", ">>", "<", ">=", "==", "!="])
            return "(%s %s %s)" % (self.ck_expr(d - 1), op, self.ck_expr(d - 1))
        if u < 0.75:
            return self.ck_call(self.CK_F1, self.ck_expr(d - 1))
        if u < 0.85:
            return self.ck_call(self.CK_F2, self.ck_expr(d - 1), self.ck_expr(d - 1))
        if u < 0.92:
            return "%s%s" % (r.choice(["-", "~", "-", "+"]), self.ck_expr(d - 1)) \
                if r.random() < 0.5 else "-%s" % self.ck_leaf()
        if u < 0.96:
            return "(%s).%s" % (self.ck_expr(d - 1), r.choice(["real", "imag"]))
        return "where(%s, %s, %s)" % (r.choice(["True", "False", "1", "0", "0.0",
                                                  "(1 > 2)", "isnan(0.5)", "2.5"]),
                                        self.ck_expr(d - 1), self.ck_expr(d - 1))

    def ck_call(self, funcs, *args):
        """f(args) on constant args, with f drawn from funcs; a function that NumPy
        folds differently from the C library on these args is replaced by another
        draw (after 6 draws: the first argument alone)."""
        for _ in range(6):
            text = "%s(%s)" % (r_choice(self.rng, funcs), ", ".join(args))
            if self.ko.const_calls_ok(text, {}):
                return text
        return args[0]

    def curated_case(self, expr):
        r = self.rng
        names = [n for n in DTYPE_OF_NAME if _uses(expr, n)]
        if "s" in names:
            shape = r.choice([((6,), None), ((2, 3), None)])
        else:
            shape = r.choice([((5,), None), ((13,), None), ((3, 4), None), ((4, 3), "T"),
                              ((10,), "step2"), ((), None)])
        return expr, self.make_vars(names, shapes=[shape] * len(names),
                                    extended=r.random() < 0.6)

    def constants_case(self):
        r = self.rng
        u = r.random()
        if u < 0.45:
            return self.ck_expr(r.randint(1, 3)), {}
        # constants combined with one variable
        dt = wchoice(r, [("float64", 3), ("float32", 3), ("int32", 3), ("int64", 2),
                         ("bool", 2), ("complex128", 2), ("bytes", 0.6)])
        v = NAMES[dt][0]
        if dt == "bytes":
            lit = r.choice(["b'a'", "b'ab'", "'abc'", "b''", "b'b'"])
            f = r.choice(["%s == %s", "%s < %s", "contains(%s, %s)", "%s != %s",
                          "%s >= %s"]) % (v, lit)
            if r.random() < 0.3:
                f = r.choice(["contains(%s, %s)" % (lit, v), "%s > %s" % (lit, v)])
            shape = r.choice([((5,), None), ((2, 3), None), ((), None)])
            return f, self.make_vars([v], shapes=[shape])
        k = self.ck_expr(r.randint(0, 2))
        op = r.choice(["+", "-", "*", "/", "**", "//", "%", "+", "*", "==", "<", ">=",
                       "&", "|", "^", "<<", ">>", "!="])
        forms = ["%s %s %s" % (k, op, v), "%s %s %s" % (v, op, k),
                 "%s %s %s" % (self.ck_call(self.CK_F1, self.ck_leaf()), op, v),
                 "%s %s %s" % (v, op, self.ck_call(self.CK_F1, self.ck_leaf())),
                 "where(%s, %s, %s)" % ("x" if dt != "bool" else v, k, self.ck_expr(1)),
                 "where(%s, %s, %s)" % (r.choice(["True", "False", "1", "0"]), v, k),
                 "%s(%s, %s)" % (r.choice(self.CK_F2[:-1]), v, k),
                 "%s(%s %s %s)" % (r.choice(self.CK_F1), k, op, v),
                 "%s ** %s" % (v, r.choice(POW_EXPS)),
                 "(%s %s %s) %s %s" % (self.ck_leaf(), r.choice(["+", "*", "-"]),
                                       self.ck_leaf(), op, v)]
        f = r.choice(forms)
        shape = r.choice([((13,), None), ((5,), None), ((3, 4), None), ((), None),
                          ((4, 3), "T"), ((10,), "step2")])
        names = [v, "x"] if _uses(f, "x") and v != "x" else [v]
        shapes = [shape] * len(names)
        return self._mk(f, names, shapes=shapes, extended=r.random() < 0.5)


# Expressions that pin specific numexpr typing/folding quirks; the constants corpus
# starts with them (one case each, with freshly generated data).
CURATED_CONSTANTS = [
    "sin(True) + f", "sin(True)", "sin(True) + 1", "sin(True) + 0.1", "sqrt(True) * f",
    "cos(False) * i", "abs(-3) * i", "abs(-3)", "abs(-3.0) + f", "abs(3+4j)", "abs(3+4j) * f",
    "exp(0j)", "exp(0j) + f", "exp(1j) + f", "log(0j)", "log(0j) * a", "2147483647 + 1",
    "2147483647 + i", "2147483648 + i", "-2147483648 + i", "-2147483649 + i", "2**40 * i",
    "2**31 - 1 + i", "2**63 - 1", "-2**63 + l", "-2**63", "real(3) + f", "real(3)", "imag(3)",
    "imag(3) + f", "real(True)", "imag(True) + x", "imag(2.5)", "imag(2.5) + f",
    "real(1+2j) + f", "conj(3) + i", "conj(1.0) + f", "conj(True)", "round(2.5)",
    "round(3) * i", "round(-0.5)", "round(2.5) + f", "sign(10) + i", "sign(-2.5) * f",
    "sign(True) + x", "isnan(2) + i", "isnan(2.5) + f", "maximum(2, 3) * f",
    "minimum(True, False)", "minimum(True, False) + x", "fmod(7, 3) + i", "fmod(-7, 3)",
    "hypot(3, 4)", "hypot(3, 4) * f", "~True", "~True + i", "-True", "-True * f",
    "True + True", "True * f", "True + x", "x + 1", "x + True", "False - x", "2 ** -1",
    "2 ** -1 * i", "(-8) ** (1/3)", "(-1) ** 0.5", "(-1) ** 0.5 * a", "0.5 // -1",
    "-7 // 2", "-7 % 3", "7.5 % -2", "-7.5 % 2 + f", "abs(-3) // 0", "abs(-3) % 0 + i",
    "abs(-3) * 9223372036854775807", "sign(10) ** 100", "0x10 + i", "0o17 * f",
    "0b101 - l", "1_000_000 * i", "0x7fffffff + i", "0x80000000 + i", ".5 + f", "2. * f",
    "1E3 + f", "2.e-5 * a", "1e308 * 10", "5e-324 / 2", "1e308 * 10 * f",
    "where(True, i, f)", "where(0, i, f)", "where(1 > 2, 1, 2.5)", "where(2.5, i, 0.5)",
    "where(x, 1, 2.5)", "where(x, 1, 2)", "where(x, 2147483648, i)", "where(x, True, 2)",
    "where(x, f, 0.5)", "where(x, f, 1)", "where(x, f, sin(True))", "where(x, 0j, f)",
    "where(x, -0.0, 0.0)", "(2+3j).imag * f", "(3).real + i", "3 .real", "(2.5).imag",
    "1.5j.imag + f", "(1+2j).real * i", "f * 2.0", "f * 2", "f / 3", "f / 3.0", "f + 0.1",
    "f == 0.1", "f > 0.1", "f < 16777217", "i / 2", "i * 2.5", "l * 0.5", "l + 0.5",
    "z + 1", "z * 1j", "f + 1j", "i + 1j", "x * 1j", "x * 2.5", "i ** 2.0", "i ** 0.0",
    "i ** 0.5", "i ** 2.5", "i ** -2.0", "i ** 3.0", "l ** 2.5", "x ** 2", "x ** -1",
    "x ** 51", "x % 7", "x // 2", "f ** 0.5", "f ** 2", "f ** -1", "f ** 2.0", "f ** 3.5",
    "a ** 0", "f ** False", "i ** True", "i ** sign(10)", "i ** 51", "l ** 51",
    "z ** 0", "z ** 100", "z ** 101", "z ** 0.5", "z ** -1", "z ** 2j", "1j ** z",
    "2 ** f", "2 ** i", "-1 ** i", "(-1) ** i", "0.5 ** l", "s == 'abc'", "s == b'ab'",
    "contains(s, b'ab')", "contains(b'abcab', s)", "contains(s, '')", "s < 'b'",
    "i << 31", "1 << i", "i >> 33", "l << 63", "i & 2147483648", "i | -1", "x & True",
    "x | False", "x ^ True", "i ^ True", "~i", "~x", "~l", "log1p(-1) + a", "sqrt(-1) + a",
    "sqrt(-1+0j) * a", "arccosh(-1) + f", "tan(10) * f", "arctan2(-1, 7) * f",
    "arctan2(-1, 7)", "arccosh(-1)", "tan(10)", "imag(2.5) * i", "complex(1, 2) * f",
    "complex(True, 2.5)", "complex(f, 0)", "complex(a, True)", "copysign(3, -0.0) * f",
    "nextafter(1, 2) - 1", "nextafter(f, 2)", "maximum(f, 1)", "minimum(i, 2)",
    "maximum(i, l)", "abs(i)", "abs(l)", "abs(x)", "abs(f)", "abs(z)", "conj(i)",
    "conj(f)", "round(f)", "round(i)", "trunc(f)", "sign(f)", "sign(i)", "sign(z)",
    "hypot(f, f)", "ceil(i)", "floor(x)", "sqrt(i)", "sqrt(x)", "sqrt(-0.0 * a)",
    "(-0.0 * a) ** 0.5", "ones_like(i)", "ones_like(f) + x", "copy(x)", "copy(s)",
    "a / 0", "i / 0", "i // 0", "i % 0", "a // 0", "a % 0", "f % -0.0", "-7 % i",
    "i % -3", "i // -3", "a % -2.5", "a // 0.5", "fmod(a, 0)", "fmod(-7.5, a)",
]


def r_choice(rng, seq):
    return seq[rng.randrange(len(seq))]


def _uses(expr, name):
    import re
    return re.search(r"(?<![\w.'\\])%s(?![\w'])" % re.escape(name), expr) is not None


# --------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------

ACCEPTED_WARNINGS = ("RuntimeWarning", "ComplexWarning")


def generate(args):
    fac = CaseFactory(args.seed)
    oracle = Oracle()
    stats = Counter()
    warn_stats = Counter()
    out_lines = []
    size = 0
    long_budget = args.long_budget
    seen = set()
    attempts = 0
    curated = list(CURATED_CONSTANTS) if args.kind == "constants" else []
    t0 = time.time()
    while len(out_lines) < args.count:
        attempts += 1
        if attempts > args.count * 40:
            raise SystemExit("too many attempts; generator is broken")
        redcheck = False
        if args.kind == "random":
            if fac.rng.random() < 0.30:
                cand = fac.targeted_case()
            else:
                cand = fac.random_tree_case(allow_long=long_budget > 0)
        elif args.kind == "reductions":
            cand = fac.reduction_case()
            redcheck = True
        elif curated:
            cand = fac.curated_case(curated.pop(0))
        else:
            cand = fac.constants_case()
        if cand is None:
            stats["gen-failed"] += 1
            continue
        expr, vars_ = cand
        key = (expr, json.dumps(vars_, sort_keys=True))
        if key in seen:
            stats["duplicate"] += 1
            continue
        seen.add(key)
        if any(prod(v["shape"]) == 0 for v in vars_.values()):
            stats["empty"] += 1
            continue
        resp = oracle.ask({"expr": expr, "vars": vars_, "redcheck": redcheck})
        st = resp["status"]
        if st != "ok":
            stats["%s:%s" % (st, resp.get("reason"))] += 1
            continue
        bad = [w for w in resp["warnings"] if not w.startswith(ACCEPTED_WARNINGS)]
        for w in resp["warnings"]:
            warn_stats[w.split(":")[0] + ": " + w.split(": ", 1)[1][:50]] += 1
        if bad:
            stats["warning:" + bad[0][:60]] += 1
            continue
        case = {"id": "%s-%05d" % (args.prefix, len(out_lines)), "expr": expr,
                "vars": vars_, "expect": resp["expect"]}
        line = json.dumps(case, separators=(",", ":"), allow_nan=False)
        if len(line) > args.max_case_bytes:
            stats["too-big"] += 1
            continue
        if len(line) > 20000:
            if long_budget - len(line) < 0:
                stats["long-budget"] += 1
                continue
            long_budget -= len(line)
        size += len(line) + 1
        out_lines.append(line)
        stats["emitted"] += 1
    oracle.close()
    with open(args.out, "w") as fh:
        for line in out_lines:
            fh.write(line + "\n")
    dt = time.time() - t0
    print("wrote %s: %d cases, %d bytes, %d attempts, %.1fs, %d worker crashes"
          % (args.out, len(out_lines), size, attempts, dt, oracle.crashes))
    for k, v in sorted(stats.items(), key=lambda kv: -kv[1]):
        print("  %6d  %s" % (v, k))
    if fac.ko.const_call_rejects:
        print("  (%d constant calls redrawn while generating: NumPy folding != libm)"
              % fac.ko.const_call_rejects)
    if warn_stats:
        print("  warnings seen on emitted-or-skipped cases:")
        for k, v in warn_stats.most_common(15):
            print("  %6d  %s" % (v, k))


def validate(paths, threads_list=(None, 1)):
    """Re-read the files, check the format, re-evaluate with numexpr and compare."""
    ok = True
    for path in paths:
        n = bad = 0
        ids = set()
        with open(path) as fh:
            cases = [json.loads(l) for l in fh if l.strip()]
        for threads in threads_list:
            oracle = Oracle(threads=threads)
            for c in cases:
                if threads is threads_list[0]:
                    n += 1
                    err = check_format(c)
                    if c["id"] in ids:
                        err = err or "duplicate id"
                    ids.add(c["id"])
                    if err:
                        print("%s: %s: format: %s" % (path, c.get("id"), err))
                        bad += 1
                        continue
                resp = oracle.ask({"expr": c["expr"], "vars": c["vars"]})
                if resp["status"] != "ok":
                    print("%s: %s: numexpr now says %s %s" % (path, c["id"],
                                                           resp["status"],
                                                           resp.get("reason")))
                    bad += 1
                    continue
                why = results_match(resp["expect"], c["expect"])
                if why:
                    print("%s: %s (threads=%s): mismatch: %s" % (path, c["id"], threads,
                                                                 why))
                    bad += 1
            oracle.close()
        print("validated %s: %d cases, %d problems" % (path, n, bad))
        ok = ok and bad == 0
    return ok


def check_format(c):
    if set(c) - {"id", "expr", "vars", "expect", "beyond"}:
        return "unknown keys %s" % (set(c) - {"id", "expr", "vars", "expect"})
    if not isinstance(c["expr"], str) or not isinstance(c["vars"], dict):
        return "types"
    for name, v in c["vars"].items():
        if set(v) != {"dtype", "shape", "data", "view"}:
            return "var keys %s" % sorted(v)
        if v["dtype"] not in DTYPES:
            return "dtype %r" % v["dtype"]
        if len(v["data"]) != prod(v["shape"]):
            return "data length of %s" % name
        if v["view"] not in (None, "T", "step2"):
            return "view"
        if v["view"] == "step2" and not v["shape"]:
            return "step2 on 0-d"
    e = c["expect"]
    if set(e) != {"dtype", "shape", "data"}:
        return "expect keys"
    if e["dtype"] not in DTYPES or len(e["data"]) != prod(e["shape"]):
        return "expect dtype/length"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--prefix", default="g")
    ap.add_argument("--out")
    ap.add_argument("--kind", choices=["random", "reductions", "constants"],
                    default="random")
    ap.add_argument("--long-budget", type=int, default=900_000,
                    help="bytes allowed for cases longer than 20 kB (long arrays)")
    ap.add_argument("--max-case-bytes", type=int, default=250_000)
    ap.add_argument("--no-validate", action="store_true")
    ap.add_argument("--validate", nargs="+", metavar="FILE")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker_main()
        return
    if args.validate:
        sys.exit(0 if validate(args.validate) else 1)
    if not args.out:
        ap.error("--out is required")
    generate(args)
    if not args.no_validate:
        if not validate([args.out]):
            sys.exit(1)


if __name__ == "__main__":
    main()
