"""Smoothness room: certify (L0,L1) constants (docs/statements.md §1; docs/architecture.md).

pieces        a univariate expression split into smooth pieces; C² checks at the joins
tails         end behaviour of f', f'' as |x| -> oo (which constants are possible at all)
supremum      guarded suprema of |f''| - L1|f'| per piece (exact roots, else labelled numeric)
certify       class, L, L1_min and the frontier L0*(L1) of a univariate expression
sublevel      M = sup{|f'| : f <= f(x0)} on the sublevel set (Assumption 4)
multivariate  numeric search for violations / frontier estimates in several variables
              (its sampler and local search: multivariate_search)
"""
