#!/usr/bin/env python3
"""Expected values for the unit tests of `src/fold.rs`.

Run with the reference stack (Python 3.11, NumPy 2.4, numexpr 2.14):

    python3 tests/fold_check.py

Each case is a Python expression evaluated the way numexpr folds constants:
literals with Python's operators, numexpr function names bound to the NumPy
function numexpr calls (`abs` is `np.absolute`, `complex` the builtin;
`copy` / `ones_like` return NumPy's scalar, since numexpr itself crashes on
the 0-d array).  The `np.*` helpers build NumPy scalars directly.  For every
case the script prints the Python/NumPy result with its exact type and the
typed constant numexpr would compile for it (`bestConstantType` ->
`ConstantNode` kind -> `convertConstantToKind`), or the exception.  Cases
marked with `!` are also run through `numexpr.evaluate` end to end.
Floats are printed with `repr(float(x))`, which for float16/float32 values
is their exact value.
"""
import math
import warnings

import numpy as np
import numexpr as ne
from numexpr import expressions
from numexpr.necompiler import convertConstantToKind

warnings.simplefilter("ignore")


def np_scalar(f):
    return lambda *a: np.asarray(f(*a))[()]


FUNCS = ["sqrt", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
         "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "log", "log1p",
         "log10", "log2", "exp", "expm1", "ceil", "floor", "trunc", "round",
         "sign", "real", "imag", "conj", "isnan", "isfinite", "isinf",
         "signbit", "fmod", "arctan2", "hypot", "nextafter", "copysign",
         "maximum", "minimum"]
NS = {n: getattr(np, n) for n in FUNCS}
NS.update(abs=np.absolute, complex=complex, copy=np_scalar(np.copy),
          ones_like=np_scalar(np.ones_like), np=np, inf=math.inf,
          nan=math.nan, __builtins__={"__import__": __import__})

CASES = """
# python ints
7 // -2
-7 % 3
7 % -3
(-7) // 2
2**62 * 4
2**63
-2**63
2**-1
(-2)**-2
True**-1
0**-1
1/0
1//0
1%0
1.0//0
0/-5
1/3
2**100/3
10**30/7
(2**53+1) == 2.0**53
(2**53+1) > 2.0**53
~True
-True
+True
~5
True + True
True & False
True | 2
1 << -1
5 >> 200
-5 >> 200
# python floats and complex
7.5 // -2
-7.5 % 2
7.5 % -2
-0.0 % 5
5 % -0.5
1.0 // inf
-1.0 % inf
(-8)**(1/3)
10.0**400
1e308 * 10
(1+2j) / (3-4j)
(1+2j) // 2
1j / 0
0j**0
0j**-1
(1e200+0j)**2
(1j)**101
(1+1j)**-3
1 == 1+0j
1j < 2
# bytes and None
b'a' + b'b'
b'ab' * 3
b'a' * -1
b'ab' < b'b'
b'a' == 1
b'a' < 1
b'a' - b'a'
None == None
None == 1
None < 1
# NEP 50 with NumPy scalars
np.float16(1) + 2.5
np.int64(3) + 1
np.True_ + 1
np.float32(1) + np.float64(1)
np.int8(1) + 300
np.int8(1) + 127
np.float16(1) + 1j
np.int8(1) + 1.5
np.int8(1) + np.float16(1)
np.int32(1) + np.float16(1)
np.float16(1) + 1e10
np.int64(7) // 0
np.int64(7) % 0
np.int64(-7) // 2
np.int64(-2**63) // -1
np.int8(7) / np.int8(2)
np.float16(7) / np.float16(3)
np.int64(2) ** -1
np.int64(2) ** 63
np.int8(3) ** 5
np.True_ - True
np.True_ + np.True_
np.True_ // np.True_
-np.True_
~np.True_
-np.int8(-128)
np.int64(1) << 70
np.int64(-8) >> 70
np.float64(1) << 1
np.float64(1) // 0
np.float64(1) % 0
np.float64(-1) // inf
np.complex128(1) // 1
np.complex128(1) / 0
np.int8(1) < 300
np.int64(1) == 2**70
np.True_ < 2**70
np.float16(0.1) == 0.1
np.complex128(complex(1, nan)) < np.complex128(2)
0j - np.float64(0)
np.float64(0) + 0j
np.float64(1) == None
np.float64(1) == b'a'
b'ab' * np.int64(3)
# functions !
sin(True)
sin(1)
abs(-3)
abs(3+4j)
abs(True)
abs(np.int8(-128))
ceil(3)
ceil(True)
floor(-2)
trunc(-2)
round(True)
round(2.5)
round(3)
round(2.567, 1)
round(1234, -2)
sign(True)
sign(-0.0)
sign(3+4j)
conj(True)
fmod(True, True)
fmod(7, 0)
fmod(-7, 2)
arctan2(1, 2)
arctan2(True, False)
hypot(3, 4)
nextafter(1, 2)
copysign(3, -0.0)
nextafter(True, False)
maximum(nan, 1)
maximum(1+1j, 1+2j)
maximum(True, 2)
maximum(1j, 2)
real(3)
real(True)
imag(3)
real(np.complex128(1+2j))
imag(np.True_)
complex(1, 1j)
complex(1j, 1j)
complex()
complex(b'1')
copy(2.5)
ones_like(True)
ones_like(1j)
isnan(True)
isinf(complex(1, inf))
signbit(-3)
signbit(1j)
sqrt(-1)
sqrt(-1+0j)
sqrt(complex(-1, -0.0))
arccosh(1e308)
isfinite(arccosh(-1))
exp(0j)
sin(True) + 1j
abs(sin(True) + 1j)
sin(True) + 0j
sin(2**63)
abs(2**63)
log(3+4j)
arcsin(3+4j)
arctanh(2+0j)
arccosh(0.5+0j)
tan(3+4j)
expm1(1e-10+1e-10j)
log1p(3+4j)
log10(3+4j)
# attributes
(3).real
True.imag
(2.5).imag
(1+2j).imag
complex(abs(-3)).real
complex(sin(1)).imag
# float16 rounding
np.float16(65519.0)
np.float16(65520.0)
np.float16(2.0**-25)
np.float16(3 * 2.0**-25)
np.float16(1 + 2.0**-11)
np.float16(1 + 3 * 2.0**-11)
np.float16(0.1)
"""


def tname(v):
    if isinstance(v, np.generic):
        return "np." + v.dtype.name
    return type(v).__name__


def show(v):
    if isinstance(v, (complex, np.complexfloating)):
        return f"({float(v.real)!r}, {float(v.imag)!r})"
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return repr(v)


def numexpr_constant(v):
    """The typed constant numexpr compiles for the folded value."""
    try:
        kind = expressions.ConstantNode(v).astKind
        return f"{kind} {show(convertConstantToKind(v, kind))}"
    except Exception as e:
        return f"{type(e).__name__}: {e}"


def main():
    check_numexpr = False
    for line in CASES.strip().splitlines():
        if line.startswith("#"):
            check_numexpr = line.endswith("!")
            print(line)
            continue
        try:
            v = eval(line, NS)
            out = f"{tname(v)} {show(v)}  ||  numexpr constant: {numexpr_constant(v)}"
        except Exception as e:
            out = f"{type(e).__name__}: {e}"
        if check_numexpr:
            try:
                r = ne.evaluate(line, local_dict={})
                out += f"  ||  ne.evaluate: {r.dtype} {show(r[()])}"
            except Exception as e:
                out += f"  ||  ne.evaluate: {type(e).__name__}"
        print(f"{line:40} -> {out}")


if __name__ == "__main__":
    main()
