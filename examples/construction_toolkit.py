"""Worked example of the construction toolkit (README "Construction toolkit").

A user wants a variant of construction B (docs/statements.md §5) with a wider bowl, w = 1, to see
whether it stays in Thm 4's class with a smaller L0 and how many GD steps it forces. First attempt:
a
quadratic bowl, which is only C¹ (f'' jumps at the joins): the toolkit says so. Second attempt:
the quartic bowl of B, rescaled to w = 1: certified, then swept over fixed steps against the
candidate bound T_ε >= (Δ - f(w))/(4hε²).
"""
from synthetic.toolkit import sweep
from theory.functions.toolkit import analyse, construction

eps, Delta = 0.1, 4.0
s, w = 2 * eps, 1.0
f_w = 5 * s * w / 8  # value at the edge of the quartic bowl

quadratic = construction("quadratic-bowl", [
    (f"{s * w / 2} + {s}*(-x - {w})", "-oo", -w),
    (f"{s / (2 * w)}*x**2", -w, w),
    (f"{s * w / 2} + {s}*(x - {w})", w, "oo")], x0=w + 10)
r = analyse(quadratic, L0=1.0, L1=1.0)
print("quadratic bowl member:", r.member, "|", r.reasons[0])

quartic = construction("wide-B", [
    (f"{f_w} + {s}*(-x - {w})", "-oo", -w),
    (f"{s / 2}*(3*x**2/(2*{w}) - x**4/(4*{w}**3))", -w, w),
    (f"{f_w} + {s}*(x - {w})", w, "oo")], x0=w + (Delta - f_w) / s)
r = analyse(quartic, L0=3 * eps, L1=1.0, M=1.0, Delta=Delta)
print(f"wide-B member: {r.member}, certified: {r.certified}, f* = {r.f_star}, "
      f"Delta = {r.Delta:.6g}, M = {r.M:.6g}, sup|f''| - |f'| per piece:",
      [round(p.sup, 12) for p in r.pieces])
for row in sweep(quartic, [1e-3, 1e-2, 1e-1, 1.0], eps,
                 candidate=lambda h: (Delta - f_w) / (4 * h * eps**2)):
    print(f"h = {row['h']:<6g} T = {row['iterations']:<9} bound = {row['bound']:<11.6g} "
          f"holds: {row['holds']}  ({row['jumped']} steps jumped exactly)")
